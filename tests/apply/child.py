"""A real kvm-wizard process for the crash and fault tests: python -m tests.apply.child ROOT COMMAND [ARG].

Commands: apply [CONFIRM_SECONDS], apply-and-wait CONFIRM_SECONDS, apply-failing, recover complete|rollback, rollback N, revert, hold-lock (prints "locked", then waits for stdin to close).
It prints one JSON line with the result; KVM_WIZARD_CRASH_AT makes it SIGKILL itself at a named point
(KVM_WIZARD_CRASH_SIGNAL=TERM: send itself that signal instead). Signals are handled as the command line
handles them (wizard.interrupts): an interruption prints {"interrupted": NAME, "notes": [...]} and exits
128 + its number; one that came while the transaction was finishing is named in the result ("waiting").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.apply.scenario import standard_plan
from wizard import interrupts
from wizard.apply.confirm import revert_now
from wizard.apply.lock import hold_lock
from wizard.apply.recovery import RecoveryDecision, recover
from wizard.apply.results import ApplyResult
from wizard.apply.rollback import rollback_generation
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.plan.model import Action, Reason


def _report(result: ApplyResult) -> int:
    waiting = interrupts.waiting()
    print(
        json.dumps(
            {
                "waiting": interrupts.Interrupted(waiting).name if waiting is not None else None,
                "ok": result.ok,
                "generation": result.generation,
                "error": result.error,
                "rolled_back": result.rolled_back,
                "failed_step": result.failed_step.id if result.failed_step else None,
                "notes": list(result.notes),
                "watcher": result.confirmation.watcher_pid if result.confirmation else None,
            }
        ),
        flush=True,
    )
    return 0 if result.ok else 1


def main(argv: list[str]) -> int:
    interrupts.install()
    try:
        return _run(argv)
    except interrupts.Interrupted as error:
        print(json.dumps({"interrupted": error.name, "notes": getattr(error, "__notes__", [])}), flush=True)
        return error.exit_status


def _run(argv: list[str]) -> int:
    root = Path(argv[0])
    command = argv[1]
    if command in ("apply", "apply-and-wait"):
        timeout = float(argv[2]) if len(argv) > 2 else None
        status = _report(
            apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=timeout)
        )
        if command == "apply-and-wait":
            sys.stdin.read()  # like a wizard waiting for its operator, until the test kills it
        return status
    if command == "apply-failing":  # the last action fails: the engine rolls back on its own
        reason = (Reason("test", "test"),)
        failing = Action("fail", "Fail", ("false",), reason, reversible=True, live_only=False)
        plan = standard_plan(root, actions=(failing,))
        return _report(apply_plan(plan, root, runner=CommandRunner()))
    if command == "recover":
        recovery = recover(root, RecoveryDecision(argv[2]), runner=CommandRunner())
        print(json.dumps({"decision": recovery.decision if recovery else None}), flush=True)
        return 0
    if command == "revert":
        print(json.dumps({"reverted": revert_now(root).reverted}), flush=True)
        return 0
    if command == "rollback":
        return _report(rollback_generation(root, int(argv[2]), runner=CommandRunner(), accept_drift=True))
    if command == "hold-lock":
        with hold_lock(state_paths(root), "apply"):
            print("locked", flush=True)
            sys.stdin.read()
        return 0
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
