"""kvm-wizard apply: apply an answers file as one transaction, with snapshot, verification and rollback.

Validates the answers against this host first (every problem at once, with key paths), shows the plan unless
--yes, applies it, prints the generation, and then keeps the new state only when it is confirmed in time
(confirm-or-revert) unless --no-confirm. Exit 0 applied, 1 invalid answers / refused / rolled back /
reverted, 2 usage or input error.

JSON form (``--json``, needs --yes and --no-confirm or --confirm-timeout unless --dry-run; progress goes to
stderr)::

    {"schema": 1, "ok": bool, "generation": int|null, "error": str, "failed_step": str|null,
     "rolled_back": bool, "written": [str], "remaining": [str], "irreversible": [str], "notes": [str],
     "root": str, "confirm_deadline": str|null, "problems": [{"key": str, "message": str}],
     "migrations": [str], "dry_run": bool}

An answers file of an older version is migrated first, and each step is shown ("Migrated: ...").
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UsageError, print_json, use_color


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from wizard.cli.apply_common import add_transaction_arguments

    parser.add_argument("--answers", metavar="FILE", required=True, help="the answers file (TOML) to apply")
    add_transaction_arguments(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--facts", metavar="FILE", help="plan for a recorded host (files under --root)")
    source.add_argument(
        "--demo", metavar="SCENARIO", help="apply to a throwaway copy of a demo host's files (no root needed)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would run and be written; change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON (schema 1)")
    parser.add_argument(
        "--no-color", action="store_true", help="no colour (the NO_COLOR variable does the same)"
    )
    parser.epilog = (
        "Exit status: 0 applied, 1 invalid answers, refused, rolled back or reverted, 2 usage error."
    )


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from wizard.answers import AnswersError, dumps_answers
    from wizard.cli.apply_common import apply_with_confirmation, report_start
    from wizard.cli.host import load_host
    from wizard.cli.plan import read_answers_argument
    from wizard.commands import CommandRunner
    from wizard.plan.current import PlanningError
    from wizard.plan.planner import make_plan

    if args.json and not args.dry_run and not (args.yes and (args.no_confirm or args.confirm_timeout)):
        raise UsageError(
            "--json needs --yes and either --no-confirm or --confirm-timeout S (nothing can be asked)"
        )
    out = sys.stderr if args.json else sys.stdout
    host = load_host(args, keep_copy=True)
    if host is None:
        return EXIT_OK
    if args.demo:
        out.write(f"Demo host {args.demo}: its files are in {host.root} (a throwaway copy).\n")
        args.root = str(host.root)
    try:
        parsed = read_answers_argument(args.answers)
    except AnswersError as error:
        return _refuse(args, [(problem.path, problem.message) for problem in error.problems], str(error))
    args.migrations = [str(migration) for migration in parsed.migrations]
    for migration in args.migrations:
        out.write(f"Migrated: {migration}\n")
    report_start(host.root, out)
    try:
        outcome = make_plan(host.facts, parsed.answers, host.root)
    except PlanningError as error:  # a file of the host cannot be used: an input error, as README says
        return _refuse(args, [("", str(error))], f"The changes cannot be planned: {error}", EXIT_USAGE)
    if not outcome.ok or outcome.plan is None:
        listing = "\n".join(f"  - {problem}" for problem in outcome.problems)
        return _refuse(
            args,
            [(problem.path, problem.message) for problem in outcome.problems],
            f"The answers cannot be applied on this host:\n{listing}",
        )
    if not args.yes and not args.json:
        from wizard.cli.render_plan import render_outcome

        render_outcome(outcome, out, color=use_color(args, out), live=host.runs_actions)
    # The answers kept with the generation (and as the last answers) are the operator's file, comments and
    # order included, not a fresh rendering of the values.
    plan = dataclasses.replace(outcome.plan, answers_toml=dumps_answers(parsed.answers, parsed.document))
    runner = CommandRunner(dry_run=args.dry_run)
    if args.json:
        return _apply_json(plan, args, runner)
    return apply_with_confirmation(plan, args, runner=runner, stdout=out)


def _refuse(
    args: argparse.Namespace, problems: list[tuple[str, str]], text: str, status: int = EXIT_PROBLEMS
) -> int:
    if args.json:
        print_json(_result_json(None, args, problems))
    else:
        print(text, file=sys.stderr)
    return status


def _apply_json(plan: Any, args: argparse.Namespace, runner: Any) -> int:
    from wizard.apply.transaction import apply_plan
    from wizard.cli.apply_common import ProgressPrinter, confirm_timeout_from, root_from

    result = apply_plan(
        plan,
        root_from(args),
        runner=runner,
        progress=ProgressPrinter(sys.stderr),
        confirm_timeout=None if runner.dry_run else confirm_timeout_from(args, console=False),
    )
    print_json(_result_json(result, args, []))
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def _result_json(result: Any, args: argparse.Namespace, problems: list[tuple[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": 1,
        "ok": False,
        "generation": None,
        "error": "",
        "failed_step": None,
        "rolled_back": False,
        "written": [],
        "remaining": [],
        "irreversible": [],
        "notes": [],
        "root": str(getattr(args, "root", None) or "/"),
        "confirm_deadline": None,
        "problems": [{"key": key, "message": message} for key, message in problems],
        "migrations": list(getattr(args, "migrations", [])),
        "dry_run": bool(getattr(args, "dry_run", False)),
    }
    if result is not None:
        data.update(
            ok=result.ok,
            generation=result.generation,
            error=result.error,
            failed_step=result.failed_step.title if result.failed_step else None,
            rolled_back=result.rolled_back,
            written=list(result.written),
            remaining=[action.title for action in result.remaining],
            irreversible=[action.title for action in result.irreversible],
            notes=list(result.notes),
            confirm_deadline=result.confirmation.deadline if result.confirmation else None,
        )
    return data
