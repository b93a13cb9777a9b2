"""What the next start must tell the operator: an interrupted transaction, a pending or lapsed confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wizard.apply.confirm import enforce_deadline, unreported_revert
from wizard.apply.lock import LockHeld
from wizard.apply.pending import PendingFileError, ensure_watcher, read_pending, seconds_left
from wizard.apply.recovery import RecoveryError, find_unfinished
from wizard.apply.results import PendingConfirmation, RevertRecord, Unfinished
from wizard.apply.state import state_paths
from wizard.commands import CommandRunner


@dataclass(frozen=True)
class StartupReport:
    unfinished: Unfinished | None = None  # ask: complete or roll back (recover())
    pending: PendingConfirmation | None = None  # still waiting: show the countdown, offer confirm/revert
    seconds_left: float = 0.0
    revert: RevertRecord | None = None  # an automatic revert to report (then mark_revert_reported())
    problems: tuple[str, ...] = ()
    overdue: bool = False  # ``pending`` is past its deadline and still in place (looked at, not enforced)

    @property
    def quiet(self) -> bool:
        return not (self.unfinished or self.pending or self.revert or self.problems)


def check_on_start(
    root: Path | str, *, runner: CommandRunner | None = None, enforce: bool = True
) -> StartupReport:
    """Look, and do the one thing nobody else will: revert a confirmation whose deadline passed unwatched.

    That happens after a reboot (the watcher died with the system) or when the watcher was killed; a
    pending confirmation with time left whose watcher is gone gets a new watcher. With ``enforce`` False
    (a listing) nothing is reverted: an overdue confirmation is reported as such (``overdue``).
    """
    paths = state_paths(Path(root).absolute())
    problems: list[str] = []
    unfinished = None
    try:
        unfinished = find_unfinished(paths.root)
    except RecoveryError as error:
        problems.append(str(error))
    pending = None
    try:
        if unfinished is None and enforce:
            outcome = enforce_deadline(paths.root, runner=runner)
            if outcome is not None and not outcome.reverted:
                problems.append(outcome.message)
        pending = read_pending(paths)
        if pending is not None and seconds_left(pending) > 0:
            pending = ensure_watcher(paths, pending)
    except (PendingFileError, LockHeld, OSError) as error:
        problems.append(str(error))
    revert = None
    try:
        revert = unreported_revert(paths.root)
    except PendingFileError as error:
        problems.append(str(error))
    left = seconds_left(pending) if pending is not None else 0.0
    return StartupReport(
        unfinished=unfinished,
        pending=pending,
        seconds_left=left,
        revert=revert,
        problems=tuple(problems),
        overdue=pending is not None and left <= 0,
    )
