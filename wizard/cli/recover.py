"""`kvm-wizard recover [--root DIR] [--yes]`: finish or roll back a change a crash or kill -9 interrupted.

It asks whether to complete the interrupted transaction or roll it back; --yes rolls back without
asking. A transaction that had already failed can only be rolled back, and an interrupted revert is
always completed. A journal that cannot be read (damaged in its middle) is set aside and the change is
recovered from its generation (wizard/apply/salvage.py). With no interrupted transaction, a change still
waiting for confirmation past its deadline (its watcher killed, or the system restarted) is reverted now; one
with time left is named, and its watcher started again if it died.
Exit status: 0 recovered or nothing to recover, 1 recovery failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.apply.confirm import (
    PendingFileError,
    enforce_deadline,
    mark_revert_reported,
    pending_confirmation,
    seconds_left,
)
from wizard.apply.recovery import Recovery, RecoveryDecision, RecoveryError, find_unfinished, recover
from wizard.apply.salvage import recover_damaged
from wizard.cli.apply_common import (
    ProgressPrinter,
    add_root_argument,
    ask,
    interactive,
    print_result,
    report_start,
    root_from,
    settle_confirmation,
)
from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, ProblemsFound, UsageError
from wizard.cli.output import note_if_cut
from wizard.commands import CommandRunner


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_root_argument(parser)
    parser.add_argument("--yes", action="store_true", help="roll back without asking")


def _decide(must: RecoveryDecision | None, args: argparse.Namespace) -> RecoveryDecision:
    if must is not None:
        return must
    if args.yes:
        return RecoveryDecision.ROLL_BACK
    if not interactive(sys.stdin):
        raise UsageError("there is no console to ask on: pass --yes to roll back the interrupted change")
    while True:
        answer = ask("[c]omplete it, or [r]oll it back? ", sys.stdin, sys.stdout)
        if answer in ("c", "complete"):
            return RecoveryDecision.COMPLETE
        if answer in ("r", "rollback", "roll back"):
            return RecoveryDecision.ROLL_BACK
        if not answer:
            raise UsageError("no answer: nothing changed")


def run(args: argparse.Namespace) -> int:
    root = root_from(args)
    try:
        unfinished = find_unfinished(root)
    except RecoveryError as error:
        return _damaged(root, args, error)
    if unfinished is None:
        return _waiting(root)
    print(
        f"An interrupted {unfinished.kind} was found (generation {unfinished.generation}): {unfinished.summary}"
    )
    print(f"  started {unfinished.started} by pid {unfinished.pid}: {unfinished.command}")
    print(f"  it stopped while {unfinished.phase}")
    for path in unfinished.files:
        state = (
            "may be old or new (each file is wholly one or the other)"
            if path in unfinished.touched
            else "untouched"
        )
        print(f"  {path}: {state}")
    if unfinished.problem:
        raise ProblemsFound(unfinished.problem)
    must = None
    if unfinished.must_roll_back:
        print(f"It had failed ({unfinished.failure}): it can only be rolled back.")
        must = RecoveryDecision.ROLL_BACK
    elif unfinished.must_complete:
        print("An interrupted revert is always completed: undoing it would bring back unconfirmed changes.")
        must = RecoveryDecision.COMPLETE
    decision = _decide(must, args)
    try:
        recovery = recover(root, decision, runner=CommandRunner(), progress=ProgressPrinter(sys.stdout))
    except RecoveryError as error:
        raise ProblemsFound(str(error)) from None
    return _report(root, recovery)


def _damaged(root: Path, args: argparse.Namespace, error: RecoveryError) -> int:
    """A journal that cannot be read: set aside, and the change recovered from its generation."""
    print("The journal of an interrupted change cannot be read:")
    print(f"  {error.__cause__ or error}")
    print(
        "Each file is wholly old or wholly new. The journal is set aside (kept for a support report) and the "
        "change is recovered from its generation."
    )
    decision = _decide(None, args)
    try:
        recovery = recover_damaged(
            root, decision, runner=CommandRunner(), progress=ProgressPrinter(sys.stdout)
        )
    except RecoveryError as failure:
        raise ProblemsFound(str(failure)) from None
    return _report(root, recovery)


def _waiting(root: Path) -> int:
    """No interrupted transaction: a confirmation past its deadline is reverted now, one in time named."""
    try:
        pending = pending_confirmation(root)
    except PendingFileError as error:
        raise ProblemsFound(str(error)) from None
    if pending is None:
        print("Nothing to recover: no change was interrupted, and none waits for confirmation.")
        report_start(root, sys.stdout)
        return EXIT_OK
    left = seconds_left(root)
    if left is not None and left > 0:
        report_start(root, sys.stdout)  # its watcher is started again if it died
        print(
            f"Nothing was interrupted. Generation {pending.generation} waits for confirmation until "
            f"{pending.deadline}: kvm-wizard confirm keeps it; without it, it is reverted then."
        )
        return EXIT_OK
    print(
        f"Generation {pending.generation} was not confirmed by its deadline ({pending.deadline}) and is still in "
        "place: reverting it now."
    )
    outcome = enforce_deadline(root, runner=CommandRunner())
    if outcome is None:  # another kvm-wizard (its watcher) reverted or confirmed it meanwhile
        report_start(root, sys.stdout)
        return EXIT_OK
    print(outcome.message)
    note_if_cut(outcome.message)
    if outcome.reverted:
        mark_revert_reported(root)
    return EXIT_OK if outcome.reverted else EXIT_PROBLEMS


def _report(root: Path, recovery: Recovery | None) -> int:
    if recovery is None:
        print("Nothing to recover any more (another kvm-wizard finished it).")
        return EXIT_OK
    print(recovery.message)
    note_if_cut(recovery.message)
    if recovery.result is not None:
        # The recovery's own message says what happened; a rollback has no failed step to describe.
        print_result(
            recovery.result, sys.stdout, describe=recovery.decision != RecoveryDecision.ROLL_BACK.value
        )
        if recovery.ok and recovery.result.confirmation is not None:
            return settle_confirmation(root, recovery.result.confirmation, sys.stdin, sys.stdout)
    return EXIT_OK if recovery.ok else EXIT_PROBLEMS
