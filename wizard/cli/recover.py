"""`kvm-wizard recover [--root DIR] [--yes]`: finish or roll back a change a crash or kill -9 interrupted.

It asks whether to complete the interrupted transaction or roll it back; --yes rolls back without
asking. A transaction that had already failed can only be rolled back, and an interrupted revert is
always completed. Exit status: 0 recovered or nothing to recover, 1 recovery failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys

from wizard.apply.recovery import RecoveryDecision, RecoveryError, find_unfinished, recover
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
        raise ProblemsFound(str(error)) from None
    if unfinished is None:
        print("Nothing to recover: no change was interrupted.")
        report_start(root, sys.stdout)
        return EXIT_OK
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
