"""kvm-wizard answers: write a commented answers template, or check an answers file.

``answers template [--demo S | --facts F] [--root DIR] [-o FILE]`` writes every key with its meaning, allowed
values, default and effect; with a host, the node's configured values (with where each comes from). ``answers check FILE [--demo S | --facts F | --root DIR]``
validates (every problem at once, by key path), against that host too when one is named. Exit status of check:
0 valid, 1 invalid, 2 an unusable file (missing, not TOML, an unreadable or newer version).

JSON form of check (``--json``, schema 1)::

    {"schema": 1, "ok": bool, "host": str|null, "migrations": [str],
     "problems": [{"key": str, "message": str}], "warnings": [{"key": str, "message": str}]}
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wizard.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    STDOUT_NAME,
    UsageError,
    output_refusal,
    print_json,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="answers_action", metavar="ACTION", required=True)
    template = actions.add_parser(
        "template",
        help="write a fully commented answers file",
        description="Write an answers file with every key, its allowed values and what it changes. With a host "
        "(--demo, --facts, --root), its configured values are the file's keys, each with where it comes from: "
        "planning the file as it is changes nothing.",
    )
    _add_host_source(template, root=True)
    template.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default, or -: standard output)"
    )
    template.add_argument(
        "--force", action="store_true", help="replace FILE when it exists (a regular file only, never a link)"
    )
    check = actions.add_parser(
        "check",
        help="validate an answers file (against a host too, when one is named)",
        description="Validate an answers file: every problem at once, by key path. Changes nothing.",
        epilog="Exit status: 0 valid, 1 invalid, 2 unusable file (missing, not TOML, a newer version).",
    )
    check.add_argument("file", metavar="FILE", help="the answers file (TOML)")
    _add_host_source(check, root=True)
    check.add_argument("--json", action="store_true", help="print the result as JSON (schema 1)")


def _add_host_source(parser: argparse.ArgumentParser, *, root: bool) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--demo", metavar="SCENARIO", help="a recorded demo host (--demo list shows them)")
    source.add_argument("--facts", metavar="FILE", help="a recorded host (kvm-wizard check --save-facts)")
    if root:
        parser.add_argument(
            "--root", metavar="DIR", help="the host's files are under DIR (alone: probe the host under DIR)"
        )


def run(args: argparse.Namespace) -> int:
    if args.answers_action == "template":
        return _template(args)
    return _check(args)


def _template(args: argparse.Namespace) -> int:
    from wizard.answers.template import render_template

    if args.demo or args.facts or args.root:
        from wizard.cli.host import load_host
        from wizard.plan.current import PlanningError
        from wizard.plan.start import reader_for, template_for

        host = load_host(args)
        if host is None:
            return EXIT_OK
        # A recording alone (--facts, no --root) is read from its recorded settings; else the files themselves.
        files = None if args.facts and not args.root else host.root
        try:
            template = template_for(
                host.facts, reader_for(host.facts, files), args.demo or args.facts or args.root
            )
        except PlanningError as error:
            raise UsageError(f"the node's configuration cannot be read: {error}") from None
        text = render_template(template.answers, template.notes, template.header, template.active)
    else:
        text = render_template()
    if not args.output or args.output == STDOUT_NAME:
        sys.stdout.write(text)
        return EXIT_OK
    from wizard.answers.load import write_text_atomically
    from wizard.regular_files import NotRegularFileError, check_output
    from wizard.shown import shorten_path

    target = Path(args.output)
    try:
        check_output(target)  # a device, a FIFO or a symbolic link is never replaced, --force or not
    except NotRegularFileError as error:
        raise output_refusal("-o", error) from None
    if target.exists() and not args.force:
        raise UsageError(f"{shorten_path(target)} exists: pass --force to replace it")
    if not target.parent.is_dir():
        raise UsageError(f"-o {shorten_path(target)}: {target.parent} is not a directory (create it first)")
    try:
        write_text_atomically(target, text)
    except NotRegularFileError as error:  # put there since the check above
        raise output_refusal("-o", error) from None
    except OSError as error:
        raise UsageError(f"cannot write {shorten_path(target)}: {error.strerror or error}") from None
    print(f"Wrote {target}: check it with kvm-wizard answers check {target}", file=sys.stderr)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from wizard.answers import AnswersError, load_answers

    host = None
    if args.demo or args.facts or args.root:
        from wizard.cli.host import load_host

        host = load_host(args)
        if host is None:
            return EXIT_OK
    try:
        parsed = load_answers(Path(args.file))
    except AnswersError as error:
        unusable = all(problem.path in {"", "version"} for problem in error.problems)
        found = [(problem.path, problem.message) for problem in error.problems]
        _report(args, None if host is None else host.facts.source, [], found, [])
        return EXIT_USAGE if unusable else EXIT_PROBLEMS
    migrations = [str(migration) for migration in parsed.migrations]
    problems: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    unusable_host = False
    if host is not None:
        # The same checks as `plan` and `apply`: the answers, then the files they would leave on this host.
        from wizard.plan.current import PlanningError
        from wizard.plan.planner import make_plan
        from wizard.plan.validate import answer_key_of

        try:
            outcome = make_plan(host.facts, parsed.answers, host.root)
        except PlanningError as error:
            problems = [("", f"the changes cannot be planned: {error}")]
            unusable_host = True
        else:
            problems = [(problem.path, problem.message) for problem in outcome.problems]
            warnings = [(warning.path, warning.message) for warning in outcome.validation.warnings]
            warnings += [
                (answer_key_of(item), f"{item.message}; fix: {item.fix}") for item in outcome.rule_warnings
            ]
    _report(args, None if host is None else host.facts.source, migrations, problems, warnings)
    if unusable_host:
        return EXIT_USAGE  # a file of the host that cannot be used: unusable input, as for plan and apply
    return EXIT_PROBLEMS if problems else EXIT_OK


def _report(
    args: argparse.Namespace,
    host: str | None,
    migrations: list[str],
    problems: list[tuple[str, str]],
    warnings: list[tuple[str, str]],
) -> None:
    if args.json:
        data: dict[str, Any] = {
            "schema": 1,
            "ok": not problems,
            "host": host,
            "migrations": migrations,
            "problems": [{"key": key, "message": message} for key, message in problems],
            "warnings": [{"key": key, "message": message} for key, message in warnings],
        }
        print_json(data)
        return
    for migration in migrations:
        print(f"Migrated: {migration}")
    against = f" for {host}" if host else " (values only; name a host with --demo, --facts or --root)"
    if problems:
        print(f"{args.file}: {len(problems)} problem(s){against}:", file=sys.stderr)
        for key, message in problems:
            print(f"  - {key}: {message}" if key else f"  - {message}", file=sys.stderr)
    else:
        print(f"{args.file}: valid{against}.")
    for key, message in warnings:
        print(f"  warning: {key}: {message}" if key else f"  warning: {message}")
