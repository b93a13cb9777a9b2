"""Welcome: what the wizard will and will not do, the mode, where it keeps its state, and what the engine found
on start (an interrupted apply to complete or roll back, a change waiting for confirmation, a revert)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from screens.session import Mode
from screens.steps.said import Said, said
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.apply.startup import StartupReport

WILL_BEFORE_UNDO = (
    " - find out what this host can do: a KVM API probe decides, not a CPU flag\n"
    " - ask each choice of a Nova compute node on KVM, checked as you type\n"
    " - show every change as a diff with its reasons before anything is done\n"
    " - apply it as one transaction, snapshot first; keep it only if you confirm\n"
)
WILL = WILL_BEFORE_UNDO + " - undo any change later (F2: snapshots)"
LINE_WILL = WILL_BEFORE_UNDO + " - undo any change later (kvm-wizard snapshots rollback N)"
WONT = (
    " - choose software emulation without your consent\n"
    " - change anything before you approve the Review\n"
    " - touch the firmware setup or the kernel command line"
)
MODES: dict[Mode, str] = {
    "setup": "first-boot setup",
    "demo": "demo (a recorded host; its files are a throwaway copy, nothing is written outside it)",
    "rescue": "rescue",
}
Settle = Literal["complete", "rollback", "confirm", "revert"]
SETTLE_LABELS: dict[Settle, str] = {
    "complete": "Complete it",
    "rollback": "Roll it back",
    "confirm": "Keep it",
    "revert": "Revert it",
}
SETTLE_KEYS: dict[Settle, str] = {"complete": "c", "rollback": "r", "confirm": "k", "revert": "v"}
HOLDS = "settle the interrupted change first: complete it or roll it back"


@dataclass(frozen=True)
class WelcomeResult:
    source: HostSource  # the host, its files ready (a demo's copy is made)


def where(mode: Mode, source: HostSource) -> list[tuple[str, str]]:
    """(title, text) pairs: the mode, the host, and where its state is kept."""
    pairs = [("Mode:", MODES[mode]), ("Host:", source.describe())]
    if not source.ready or source.root is None:
        return [*pairs, ("Files:", "a throwaway copy (its path is shown when you quit)")]
    root = "" if source.live else f" under {source.root}"
    kept = "generations and last answers in /var/lib/kvm-wizard, log in /var/log/kvm-wizard.log"
    return [*pairs, (f"Kept{root}:", kept)]


def start_check(source: HostSource) -> tuple[HostSource, StartupReport]:
    """The host's files made ready (a demo's copy), and what the engine found there on start."""
    from wizard.apply.startup import check_on_start

    ready = source.prepared()
    return ready, check_on_start(ready.root or Path("/"))


def reported(source: HostSource, report: StartupReport) -> None:
    """An automatic revert the report told of is shown: the next start need not tell it again."""
    from wizard.apply.confirm import mark_revert_reported

    if report.revert is not None:
        mark_revert_reported(source.root or Path("/"))


def offers(report: StartupReport) -> tuple[Settle, ...]:
    """The ways of settling what the report found, in the order they are offered."""
    unfinished = report.unfinished
    pending = report.pending
    found: dict[Settle, bool] = {
        "complete": unfinished is not None and not unfinished.must_roll_back,
        "rollback": unfinished is not None and not unfinished.must_complete,
        "confirm": unfinished is None and pending is not None,
        "revert": unfinished is None and pending is not None,
    }
    return tuple(how for how, offered in found.items() if offered)


def settle(source: HostSource, how: Settle) -> tuple[str, StartupReport]:
    """Settle it as the operator chose (the engine's recovery, confirm or revert), then look again."""
    from wizard.apply.confirm import confirm, revert_now
    from wizard.apply.recovery import RecoveryDecision, RecoveryError, recover
    from wizard.apply.startup import check_on_start

    root = source.root or Path("/")
    if how in ("complete", "rollback"):
        decision = RecoveryDecision.COMPLETE if how == "complete" else RecoveryDecision.ROLL_BACK
        try:
            recovery = recover(root, decision)
            text = recovery.message if recovery is not None else "Nothing to recover any more."
        except RecoveryError as error:
            text = f"Recovery failed: {error}"
    elif how == "confirm":
        text = confirm(root).message
    else:
        text = revert_now(root).message
    return text, check_on_start(root)


def describe(report: StartupReport) -> list[Said]:
    """What was found on start, in words (empty: nothing)."""
    found: list[Said] = []
    if report.revert is not None:
        revert = report.revert
        found.append(
            said(
                "note",
                f"At {revert.time} the changes of generation {revert.restored} were reverted: {revert.reason}.",
            )
        )
        found += [Said(problem, indent=2) for problem in revert.problems]
    unfinished = report.unfinished
    if unfinished is not None:
        found.append(
            said(
                "warn",
                f"An earlier {unfinished.kind} was interrupted while {unfinished.phase} (generation "
                f"{unfinished.generation}: {unfinished.summary}). Each file is wholly old or wholly new.",
            )
        )
        if unfinished.problem:
            found.append(Said(f"It cannot be recovered here: {unfinished.problem}", indent=2))
        elif unfinished.must_roll_back:
            found.append(Said(f"It had failed ({unfinished.failure}): it can only be rolled back.", indent=2))
        elif unfinished.must_complete:
            found.append(Said("An interrupted revert is always completed.", indent=2))
    if report.pending is not None and unfinished is None:
        found.append(
            said(
                "warn",
                # The deadline as a time of day: a count of seconds on a screen that is not redrawn goes stale.
                f"Generation {report.pending.generation} waits for confirmation until "
                f"{report.pending.deadline[11:19] or report.pending.deadline}; without it, it is reverted.",
            )
        )
    found += [said("note", problem) for problem in report.problems]
    return found
