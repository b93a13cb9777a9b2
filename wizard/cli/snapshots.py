"""`kvm-wizard snapshots [list | show N | diff N [M] | rollback N]`: the generations kept before each change.

Generation N holds every file a transaction touched as it was just before (and what it wrote). A rollback
to N restores every file recorded at N or later to its state at N; it is itself a transaction with its
own generation, so `snapshots rollback` of that generation undoes it.

JSON (--json), schema 1: list -> {"schema": 1, "generations": [{"number", "created", "kind", "status",
"confirmed", "summary", "restores", "files": [path], "problem"}]}; show -> one such object plus "answers"
(masked) and "detail": [{"path", "written_path", "link", "before", "after"}] where before/after are
{"exists", "sha256", "size", "owner", "group", "uid", "gid", "mode"}; diff -> {"schema": 1, "old", "new",
"files": [{"path", "lines", "drift", "note"}]}.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from wizard.apply.compare import GenerationDiff, diff_generations
from wizard.apply.generations import (
    Generation,
    GenerationEntry,
    GenerationError,
    RecordedState,
    list_generations,
)
from wizard.apply.history import Timeline
from wizard.apply.log import mask
from wizard.apply.rollback import preview_rollback, rollback_generation
from wizard.apply.state import state_paths
from wizard.cli.apply_common import (
    ProgressPrinter,
    add_root_argument,
    add_transaction_arguments,
    ask_yes,
    confirm_timeout_from,
    finish_transaction,
    interactive,
    report_start,
    root_from,
)
from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, ProblemsFound, UsageError, print_json
from wizard.commands import CommandRunner

SCHEMA = 1


def _number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a generation number (see kvm-wizard snapshots list)"
        )
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_root_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON (schema 1) instead of text")
    commands = parser.add_subparsers(dest="snapshots_command", metavar="SUBCOMMAND")
    listing = commands.add_parser("list", help="every generation: number, time, what it was for, files")
    show = commands.add_parser("show", help="one generation: its files, owners, modes, sums and answers")
    show.add_argument("number", type=_number, metavar="N")
    diff = commands.add_parser("diff", help="N against M, or against the files now on disk (drift is named)")
    diff.add_argument("number", type=_number, metavar="N")
    diff.add_argument("other", type=_number, metavar="M", nargs="?")
    rollback = commands.add_parser(
        "rollback",
        help="restore the files as they were at generation N (a transaction with its own generation)",
        epilog="Exit status: 0 rolled back (and confirmed), 1 refused or failed (nothing changed), 2 usage error.",
    )
    rollback.add_argument("number", type=_number, metavar="N")
    add_transaction_arguments(rollback, suppress=True)
    for subcommand in (listing, show, diff):
        add_root_argument(subcommand, suppress=True)
        subcommand.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def _entry_json(entry: GenerationEntry) -> dict[str, Any]:
    generation = entry.generation
    if generation is None:
        return {"number": entry.number, "problem": entry.problem}
    return {
        "number": generation.number,
        "created": generation.created,
        "kind": generation.kind,
        "status": generation.status,
        "confirmed": generation.confirmed or None,
        "summary": mask(generation.summary),
        "restores": generation.restores or None,
        "files": [item.path for item in generation.files],
        "problem": None,
    }


def _state_text(state: RecordedState) -> str:
    if not state.exists:
        return "absent"
    return f"{state.size} bytes, {state.owner}:{state.group} {state.mode:04o}, sha256 {state.sha256[:12]}"


def _status_text(generation: Generation) -> str:
    return generation.status + (", confirmed" if generation.confirmed else "")


def _list(root: Path, args: argparse.Namespace) -> int:
    if args.json:
        entries = list_generations(state_paths(root))
        print_json({"schema": SCHEMA, "generations": [_entry_json(entry) for entry in entries]})
        return EXIT_OK
    # A listing looks and changes nothing (a confirmation past its deadline is named, not reverted here),
    # and lists what is there after the look.
    report_start(root, sys.stdout, enforce=False)
    entries = list_generations(state_paths(root))
    if not entries:
        print("No generations yet: nothing has been applied under this root.")
        return EXIT_OK
    reverted_by = {
        entry.generation.restores: entry.number
        for entry in entries
        if entry.generation is not None and entry.generation.kind == "revert"
    }
    for entry in entries:
        generation = entry.generation
        if generation is None:
            print(f"{entry.number:>3}  DAMAGED: {entry.problem}")
            continue
        when = generation.created.replace("T", " ")[:19]
        status = _status_text(generation)
        if generation.number in reverted_by:
            status += f", reverted by {reverted_by[generation.number]}"
        print(f"{generation.number:>3}  {when}  {generation.kind} ({status})  {mask(generation.summary)}")
        print("     " + ", ".join(item.path for item in generation.files))
    return EXIT_OK


def _generation(root: Path, number: int) -> Generation:
    timeline = Timeline(state_paths(root))
    if number not in timeline.numbers:
        raise UsageError(f"there is no generation {number} (see kvm-wizard snapshots list)")
    try:
        return timeline.generation(number)
    except GenerationError as error:
        raise ProblemsFound(str(error)) from None


def _show(root: Path, args: argparse.Namespace) -> int:
    generation = _generation(root, args.number)
    if args.json:
        data = _entry_json(GenerationEntry(generation.number, generation))
        data["answers"] = mask(generation.answers)
        data["actions"] = list(generation.actions)
        data["detail"] = [
            {
                "path": item.path,
                "written_path": item.written_path,
                "link": item.link or None,
                "before": asdict(item.before),
                "after": asdict(item.after),
            }
            for item in generation.files
        ]
        print_json({"schema": SCHEMA, **data})
        return EXIT_OK
    print(
        f"Generation {generation.number}: {generation.kind}, {_status_text(generation)}, {generation.created}"
    )
    print(f"  {mask(generation.summary)}")
    if generation.restores:
        print(f"  restores generation {generation.restores}")
    print(f"  kvm-wizard {generation.version}")
    for item in generation.files:
        link = f" (a link to {item.written_path})" if item.written_path != item.path else ""
        print(f"  {item.path}{link}")
        print(f"    before: {_state_text(item.before)}")
        print(f"    after:  {_state_text(item.after)}")
    for title in generation.actions:
        print(f"  action: {title}")
    if generation.answers.strip():
        print("  answers:")
        for line in mask(generation.answers).splitlines():
            print(f"    {line}")
    return EXIT_OK


def _diff(root: Path, args: argparse.Namespace) -> int:
    for number in (args.number, args.other):
        if number is not None:
            _generation(root, number)
    try:
        diff = diff_generations(root, args.number, args.other)
    except GenerationError as error:
        raise ProblemsFound(str(error)) from None
    if args.json:
        print_json(_diff_json(diff))
        return EXIT_OK
    against = f"generation {diff.new}" if diff.new is not None else "the files now on disk"
    for drift in diff.drift:
        print(f"Drift: {drift.path} was {drift.detail}")
    changed = [item for item in diff.files if item.changed or item.note]
    if not changed:
        print(f"No difference between generation {diff.old} and {against}.")
    for item in changed:
        if item.note:
            print(f"# {item.path}: {item.note}")
        for line in item.lines:
            print(line)
    return EXIT_OK


def _diff_json(diff: GenerationDiff) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "old": diff.old,
        "new": diff.new,
        "files": [
            {
                "path": item.path,
                "lines": list(item.lines),
                "drift": item.drift.detail if item.drift else None,
                "note": item.note or None,
            }
            for item in diff.files
        ],
    }


def _rollback(root: Path, args: argparse.Namespace) -> int:
    _generation(root, args.number)
    console = interactive(sys.stdin)
    timeout = confirm_timeout_from(args, console=console)
    preview = preview_rollback(root, args.number)
    if preview.problems:
        raise ProblemsFound("cannot roll back: " + "; ".join(preview.problems))
    if not preview.needed:
        print(f"Every file is already as it was at generation {args.number}: nothing to do.")
        return EXIT_OK
    print(f"Rolling back to generation {args.number} ({mask(preview.summary)}):")
    for path, what in preview.changes:
        print(f"  {path}: {what}")
    if preview.drift:
        print("Changed by hand since the wizard wrote them (kept in the rollback's own generation):")
        for drift in preview.drift:
            print(f"  {drift.path}: {drift.detail}")
    if not ask_yes(f"Roll back to generation {args.number}?", args, sys.stdin, sys.stdout):
        print("Nothing changed.")
        return EXIT_PROBLEMS
    result = rollback_generation(
        root,
        args.number,
        runner=CommandRunner(),
        progress=ProgressPrinter(sys.stdout),
        confirm_timeout=timeout,
        accept_drift=bool(preview.drift),  # only what was shown; new drift since then is refused
    )
    return finish_transaction(root, result, sys.stdin, sys.stdout)


def run(args: argparse.Namespace) -> int:
    root = root_from(args)
    command = getattr(args, "snapshots_command", None) or "list"
    handlers = {"list": _list, "show": _show, "diff": _diff, "rollback": _rollback}
    return handlers[command](root, args)
