"""kvm-wizard plan: show the changes an answers file would make on this host, and change nothing.

Exit status: 0 for a valid plan (also when it is empty), 1 when the answers have problems for this host,
2 on unusable input (no such file, not TOML, a newer answers version, a bad --facts recording, a file of the
host that cannot be read: a FIFO or a device where nova.conf should be, no permission).

JSON form (``--json``, schema 1)::

    {"schema": 1, "ok": bool, "facts_source": str, "root": str,
     "summary": [{"choice": str, "before": str, "after": str, "changed": bool, "consequences": [str]}],
     "problems": [{"key": "storage.volume_group", "message": str}],
     "warnings": [{"key": str, "message": str}],
     "files": [{"path": str, "written_path": str, "kind": "nova.conf"|"glance-api.conf"|"modules"|"modprobe"|...,
                "creates": bool, "diff": [str],
                "changes": [{"section": str|null, "key": str|null, "old_lines": [str], "new_lines": [str],
                             "reasons": [{"text": str, "source": str}]}]}],
     "actions": [{"id": str, "title": str, "argv": [str], "reversible": bool, "inverse": [str]|null,
                  "runs_here": bool, "reasons": [{"text": str, "source": str}]}],
     "notes": [str], "migrations": [str],
     "image_commands": [str],             # image and flavor properties of TPM 2.0 + Secure Boot guests
     "measure_pcr": int | null}           # the PCR committed generations are measured into

Every line that shows a secret option's value carries **** instead of the value.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    UsageError,
    add_host_arguments,
    print_json,
    use_color,
)

# Engine types for the type checker: a command imports the engine only when it runs.
if TYPE_CHECKING:
    from wizard.answers.load import ParsedAnswers
    from wizard.plan.model import Plan
    from wizard.plan.planner import PlanOutcome


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", metavar="FILE", required=True, help="the answers file (TOML) to plan")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON (schema 1)")
    add_host_arguments(parser)
    parser.epilog = (
        "Exit status: 0 for a valid plan (also an empty one), 1 when the answers have problems for this host, "
        "2 on unusable input."
    )


def read_answers_argument(path: str) -> ParsedAnswers:
    """The answers file named on the command line. A file this kvm-wizard cannot read at all (missing, not
    TOML, a newer version) is a usage error (exit 2); one with bad values raises AnswersError (exit 1)."""
    from wizard.answers import AnswersError, load_answers

    try:
        return load_answers(Path(path))
    except AnswersError as error:
        if all(problem.path in {"", "version"} for problem in error.problems):
            raise UsageError(str(error)) from None
        raise


def run(args: argparse.Namespace) -> int:
    from wizard.answers import AnswersError
    from wizard.cli.host import load_host
    from wizard.plan.current import PlanningError
    from wizard.plan.planner import make_plan

    host = load_host(args)
    if host is None:
        return EXIT_OK
    try:
        parsed = read_answers_argument(args.answers)
    except AnswersError as error:
        if args.json:
            print_json(_problems_json([(problem.path, problem.message) for problem in error.problems]))
        else:
            print(str(error), file=sys.stderr)
        return EXIT_PROBLEMS
    migrations = [str(migration) for migration in parsed.migrations]
    if not args.json:
        for migration in migrations:
            print(f"Migrated: {migration}")
    try:
        outcome = make_plan(host.facts, parsed.answers, host.root)
    except PlanningError as error:
        if args.json:
            print_json(_problems_json([("", str(error))]))
        else:
            print(f"The changes cannot be planned: {error}", file=sys.stderr)
        return EXIT_USAGE  # a file of the host that cannot be used is unusable input
    if args.json:
        data = outcome_to_json(outcome, host.facts.source, str(host.root), live=host.runs_actions)
        data["migrations"] = migrations
        print_json(data)
    else:
        from wizard.cli.render_plan import render_outcome

        render_outcome(outcome, sys.stdout, color=use_color(args, sys.stdout), live=host.runs_actions)
    return EXIT_OK if outcome.ok else EXIT_PROBLEMS


def _problems_json(problems: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "schema": 1,
        "ok": False,
        "problems": [{"key": key, "message": message} for key, message in problems],
        "warnings": [],
        "files": [],
        "actions": [],
        "notes": [],
        "image_commands": [],
        "measure_pcr": None,
    }


def plan_to_json(plan: Plan, *, live: bool) -> dict[str, Any]:
    from wizard.host.ini_record import mask_config_line
    from wizard.plan.explain import explain_edit
    from wizard.secrets import mask_lines

    def masked(kind: str, section: str | None, lines: tuple[str, ...]) -> list[str]:
        # The lines of one change: an option and its continuation lines, masked as the diff masks them.
        if kind not in ("nova.conf", "glance-api.conf"):
            return list(lines)
        return mask_lines(kind, section or "", lines, mask_config_line)

    files = [
        {
            "path": edit.path,
            "written_path": edit.written_path,
            "kind": edit.kind.value,
            "creates": edit.creates,
            "diff": [line.plain() for line in explain_edit(edit)],
            "changes": [
                {
                    "section": change.section,
                    "key": change.key,
                    "old_lines": masked(edit.kind.value, change.section, change.old_lines),
                    "new_lines": masked(edit.kind.value, change.section, change.new_lines),
                    "reasons": [{"text": reason.text, "source": reason.source} for reason in change.reasons],
                }
                for change in edit.changes
            ],
        }
        for edit in plan.edits
    ]
    actions = [
        {
            "id": action.id,
            "title": action.title,
            "argv": list(action.argv),
            "reversible": action.reversible,
            "inverse": list(action.inverse) if action.inverse else None,
            "runs_here": live or not action.live_only,
            "reasons": [{"text": reason.text, "source": reason.source} for reason in action.reasons],
        }
        for action in plan.actions
    ]
    return {
        "files": files,
        "actions": actions,
        "notes": list(plan.notes),
        "image_commands": list(plan.image_commands),
        "measure_pcr": plan.measure_pcr,
    }


def outcome_to_json(outcome: PlanOutcome, facts_source: str, root: str, *, live: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": 1,
        "ok": outcome.ok,
        "facts_source": facts_source,
        "root": root,
        "problems": [{"key": problem.path, "message": problem.message} for problem in outcome.problems],
        "warnings": [
            {"key": warning.path, "message": warning.message} for warning in outcome.validation.warnings
        ]
        + [{"key": "", "message": f"{item.message}; fix: {item.fix}"} for item in outcome.rule_warnings],
    }
    data["summary"] = [
        {
            "choice": change.label,
            "before": change.before,
            "after": change.after,
            "changed": change.changed,
            "consequences": list(change.consequences),
        }
        for change in outcome.summary()
    ]
    if outcome.plan is not None:
        data.update(plan_to_json(outcome.plan, live=live))
    else:
        data.update({"files": [], "actions": [], "notes": [], "image_commands": [], "measure_pcr": None})
    return data
