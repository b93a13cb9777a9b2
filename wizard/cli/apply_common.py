"""What the commands that change the system share: options, progress lines, questions, confirm-or-revert.

Plain text, 80 columns, no colour needed: these commands run on serial consoles and in rescue shells.
"""

from __future__ import annotations

import argparse
import select
import sys
import time
from pathlib import Path
from typing import TextIO

from wizard import interrupts
from wizard.apply.confirm import confirm, mark_revert_reported, revert_now
from wizard.apply.events import ProgressEvent
from wizard.apply.pending import seconds_left
from wizard.apply.progress import progress_lines
from wizard.apply.results import ApplyResult, PendingConfirmation
from wizard.apply.startup import check_on_start
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan, busy_reason, preview_apply
from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, UsageError
from wizard.cli.output import note_if_cut
from wizard.commands import CommandRunner
from wizard.plan.model import Plan
from wizard.plan.summary import consent_lines

DEFAULT_CONFIRM_TIMEOUT = 120.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the confirm timeout must be more than 0 seconds")
    return value


def add_root_argument(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--root", metavar="DIR", default=default, help="the system's files are under DIR (default /)"
    )


def add_transaction_arguments(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """--root, --yes, --no-confirm, --confirm-timeout: for apply, snapshots rollback and recover."""
    default = argparse.SUPPRESS if suppress else None
    add_root_argument(parser, suppress=suppress)
    parser.add_argument(
        "--yes", action="store_true", default=default or False, help="do not ask before changing anything"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--no-confirm",
        action="store_true",
        default=default or False,
        help="keep the new state without confirm-or-revert",
    )
    group.add_argument(
        "--confirm-timeout",
        type=_seconds,
        metavar="S",
        default=default,
        help=f"revert unless confirmed within S seconds (default {DEFAULT_CONFIRM_TIMEOUT:g}); "
        "confirm here or with `kvm-wizard confirm` from any console",
    )


def root_from(args: argparse.Namespace) -> Path:
    root = Path(getattr(args, "root", None) or "/")
    if not root.is_dir():
        raise UsageError(f"--root {root}: not a directory")
    return root.absolute()


def interactive(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False


def can_ask(stdin: TextIO, stdout: TextIO) -> bool:
    """A question can be shown and answered: a console on stdin, and an output nobody closed."""
    return interactive(stdin) and not getattr(stdout, "cut", False)


def confirm_timeout_from(args: argparse.Namespace, *, console: bool) -> float | None:
    """None for --no-confirm; a console gets the default; without one the choice must be explicit."""
    if getattr(args, "no_confirm", False):
        return None
    timeout: float | None = getattr(args, "confirm_timeout", None)
    if timeout is not None:
        return timeout
    if console:
        return DEFAULT_CONFIRM_TIMEOUT
    raise UsageError(
        "there is no console to confirm the change on: pass --no-confirm, or --confirm-timeout S "
        "and confirm with `kvm-wizard confirm` from another console"
    )


def ask(question: str, stdin: TextIO, stdout: TextIO) -> str:
    stdout.write(question)
    stdout.flush()
    return stdin.readline().strip().lower()


def ask_yes(question: str, args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> bool:
    """--yes answers it; without a console it cannot be asked, which is a usage error (exit 2)."""
    if getattr(args, "yes", False):
        return True
    if not interactive(stdin):
        raise UsageError("there is no console to ask on: pass --yes to go ahead without a question")
    if not can_ask(stdin, stdout):
        raise UsageError(
            "standard output was closed, so the question cannot be shown: nothing changed; "
            "pass --yes to go ahead without a question"
        )
    return ask(f"{question} [y/N] ", stdin, stdout) in ("y", "yes")


class ProgressPrinter:
    """Progress events as the engine renders them: "[3/8] Write /etc/nova/nova.conf", details indented under them."""

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout

    def __call__(self, event: ProgressEvent) -> None:
        for line in progress_lines(event):
            self.stdout.write(line.text + "\n")
        self.stdout.flush()


def print_result(result: ApplyResult, stdout: TextIO, *, describe: bool = True) -> None:
    if describe:
        stdout.write(result.describe() + "\n")
    for problem in result.rollback_problems if not describe else ():
        stdout.write(f"  Not restored: {problem}\n")
    for action in result.remaining if result.ok else ():
        stdout.write(f"  Still to do on the target: {action.title}\n")
    for action in result.irreversible if not result.dry_run else ():
        stdout.write(f"  Cannot be undone: {action.title}\n")
    for note in result.notes:
        stdout.write(f"  Note: {note}\n")


def _clock(pending: PendingConfirmation) -> str:
    return pending.deadline[11:19] or pending.deadline


def settle_confirmation(root: Path, pending: PendingConfirmation, stdin: TextIO, stdout: TextIO) -> int:
    """Ask the operator to keep the change before the deadline; no answer in time reverts it."""
    # A signal that came while the change was being committed ends the command here: the question is not
    # asked, and the watcher reverts the change at the deadline unless it is confirmed elsewhere.
    interrupts.checkpoint()
    if not can_ask(stdin, stdout):
        stdout.write(
            f"The change is reverted at {_clock(pending)} unless confirmed: kvm-wizard confirm"
            + (f" --root {root}" if root != Path("/") else "")
            + "\n"
        )
        return EXIT_OK
    stdout.write(
        f"Check that everything still works. Type yes and Enter within {seconds_left(pending):.0f} s "
        f"(until {_clock(pending)}) to keep the change; anything else reverts it now.\n"
        "If this console is lost, the change is reverted automatically at the deadline.\nKeep? "
    )
    stdout.flush()
    deadline = time.monotonic() + seconds_left(pending)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            stdout.write("\nNo answer in time.\n")
            outcome = revert_now(root, reason="not confirmed in time", automatic=False)
            stdout.write(outcome.message + "\n")
            return EXIT_PROBLEMS
        ready, _, _ = select.select([stdin], [], [], min(left, 1.0))
        if not ready:
            continue
        answer = stdin.readline()
        if not answer:  # the console went away: the watcher reverts at the deadline
            return EXIT_PROBLEMS
        if answer.strip().lower() in ("y", "yes"):
            kept = confirm(root)
            stdout.write(kept.message + "\n")
            return EXIT_OK if kept.confirmed else EXIT_PROBLEMS
        outcome = revert_now(root)
        stdout.write(outcome.message + "\n")
        return EXIT_PROBLEMS


def report_start(root: Path, stdout: TextIO, *, enforce: bool = True) -> None:
    """What happened while nobody was looking: an automatic revert, a pending confirmation, an interruption.

    With ``enforce`` (commands that change the system) a confirmation past its deadline is reverted first;
    without it (a listing) nothing is changed and such a confirmation is named, with what reverts it.
    """
    report = check_on_start(root, enforce=enforce)
    if report.revert is not None:
        revert = report.revert
        stdout.write(
            f"Note: at {revert.time} the changes of generation {revert.restored} were reverted: {revert.reason}.\n"
        )
        for problem in revert.problems:
            stdout.write(f"  {problem}\n")
        mark_revert_reported(root)
    if report.pending is not None and report.overdue:
        stdout.write(
            f"Note: generation {report.pending.generation} was not confirmed by its deadline "
            f"({report.pending.deadline}) and is still in place: kvm-wizard recover reverts it now\n"
        )
    elif report.pending is not None:
        stdout.write(
            f"Note: generation {report.pending.generation} waits for confirmation ({report.seconds_left:.0f} s left): "
            "kvm-wizard confirm\n"
        )
    if report.unfinished is not None:
        stdout.write("Note: an earlier change was interrupted: kvm-wizard recover\n")
    for problem in report.problems:
        stdout.write(f"Note: {problem}\n")


def apply_with_confirmation(
    plan: Plan,
    args: argparse.Namespace,
    *,
    runner: CommandRunner | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    summary: str | None = None,
) -> int:
    """The whole `kvm-wizard apply` flow for a plan: name it, ask, apply, then confirm-or-revert.

    Expects the options of add_transaction_arguments() on ``args``. Exit 0 applied (and confirmed, or
    waiting for `kvm-wizard confirm` without a console), 1 refused, rolled back or reverted, 2 usage.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    root = root_from(args)
    console = interactive(stdin)
    dry_run = runner is not None and runner.dry_run
    if not dry_run and not plan.empty and not getattr(args, "yes", False) and not console:
        raise UsageError(
            "there is no console to ask on before changing this host: pass --yes to apply without a question "
            "(with --no-confirm, or --confirm-timeout S and `kvm-wizard confirm` from another console)"
        )
    # A dry run changes nothing: there is nothing to consent to, and nothing to confirm or revert.
    timeout = None if dry_run else confirm_timeout_from(args, console=console)
    preview = preview_apply(plan, root, confirm_timeout=timeout)
    if plan.empty:
        stdout.write("Nothing to change.\n")
        return EXIT_OK
    busy = busy_reason(state_paths(root))  # an interrupted change first: refused before the question
    problems = ([busy] if busy is not None and not dry_run else []) + list(preview.problems)
    for problem in problems:
        stdout.write(f"Cannot apply: {problem}\n")
    if problems:
        return EXIT_PROBLEMS
    for note in preview.notes:
        stdout.write(f"Note: {note}\n")
    for line in consent_lines(plan, live=root == Path("/")):
        stdout.write(line + "\n")
    for action in preview.remaining:
        stdout.write(f"Not run under {root} (left to do on the target): {action.title}\n")
    if not dry_run and not ask_yes(
        f"Apply {len(plan.edits)} file change(s) and {len(plan.actions)} action(s)?", args, stdin, stdout
    ):
        stdout.write("Nothing changed.\n")
        return EXIT_PROBLEMS
    result = apply_plan(
        plan,
        root,
        runner=runner or CommandRunner(),
        progress=ProgressPrinter(stdout),
        confirm_timeout=timeout,
        summary=summary,
    )
    return finish_transaction(root, result, stdin, stdout)


def finish_transaction(root: Path, result: ApplyResult, stdin: TextIO, stdout: TextIO) -> int:
    """After a transaction: its result, then confirm-or-revert. Exit 0 kept (or waiting), 1 rolled back.

    However the output went (a closed pipe drops it) and whatever signal comes now, the operator is told on
    standard error how the change ended.
    """
    outcome = outcome_line(result)
    try:
        print_result(result, stdout)
        note_if_cut(outcome)
        if not result.ok:
            return EXIT_PROBLEMS
        if result.confirmation is not None:
            return settle_confirmation(root, result.confirmation, stdin, stdout)
        return EXIT_OK
    except interrupts.Interrupted as error:
        error.add_note(outcome)
        raise


def outcome_line(result: ApplyResult) -> str:
    """How a transaction ended, in one line for standard error."""
    text = result.describe().replace("\n", " ")
    if result.ok and result.confirmation is not None:
        text += (
            f" It waits for confirmation until {result.confirmation.deadline} (kvm-wizard confirm); "
            "without it, it is reverted then."
        )
    return text
