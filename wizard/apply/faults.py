"""Test hook: KVM_WIZARD_CRASH_AT=POINT[:N] makes the process SIGKILL itself the Nth time it reaches POINT.

KVM_WIZARD_CRASH_SIGNAL=TERM (or INT, HUP, ...) sends that signal instead of SIGKILL: the fault tests use it to
deliver a signal at an exact point of a transaction, which must then roll back (or, past the commit, finish).

The crash tests use it to stop a real applying process at an exact place, without sleeps. Points:
journal-append (before a journal record is written), journal-torn (half a record written and synced),
generation-file (after a snapshot content file), generation-manifest (before the manifest is renamed into
place), temp-written (a new file's temporary copy synced, not yet renamed), renamed (after the rename,
before the directory is synced), action (before an action runs), verify, commit (before the journal's
end record), ended (after it, before the journal is removed), restore (after a file was restored during a
rollback), pending-written (after the pending confirmation file), smoke-guest (the smoke guest defined and
started paused, before it is removed). Unset in normal use; a crash there is
exactly what the journal recovers from.
"""

from __future__ import annotations

import os
import signal

CRASH_VARIABLE = "KVM_WIZARD_CRASH_AT"
SIGNAL_VARIABLE = "KVM_WIZARD_CRASH_SIGNAL"


def _target() -> tuple[str, int] | None:
    value = os.environ.get(CRASH_VARIABLE, "")
    if not value:
        return None
    name, _, count = value.partition(":")
    return name, int(count or "1")


def _signal() -> signal.Signals:
    name = os.environ.get(SIGNAL_VARIABLE, "") or "KILL"
    return signal.Signals[name if name.startswith("SIG") else f"SIG{name}"]


_TARGET = _target()
_SIGNAL = _signal() if _TARGET is not None else signal.SIGKILL
_reached: dict[str, int] = {}


def armed(name: str) -> bool:
    """The hook targets ``name`` (some points take a slower path only to make a torn state observable)."""
    return _TARGET is not None and _TARGET[0] == name


def crash_point(name: str) -> None:
    if _TARGET is None or _TARGET[0] != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] == _TARGET[1]:
        os.kill(os.getpid(), _SIGNAL)
