"""SIGINT, SIGTERM and SIGHUP as one interruption, taken where it is safe: between the steps of a transaction.

A headless command installs handlers for the three (``install``); the first signal raises ``Interrupted``
in the main thread, unless a transaction step is running under ``shield()``: then it is kept, and raised at
the next ``checkpoint()`` (the transaction has one before each step). Signals after the first are ignored:
the rollback the first one starts runs to its end (an operator who must stop it has kill -9, from which the
journal recovers). The engine only marks its steps; whether signals are handled this way is the command
line's choice (the interactive wizard routes them through its own safe quit instead).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The process was asked to stop (Ctrl+C, a service stop, a lost terminal or SSH session)."""

    def __init__(self, signal_number: int) -> None:
        self.signal_number = signal_number
        super().__init__(signal.Signals(signal_number).name)

    @property
    def name(self) -> str:
        return signal.Signals(self.signal_number).name

    @property
    def exit_status(self) -> int:
        return 128 + self.signal_number


class _State:
    def __init__(self) -> None:
        self.installed: dict[int, signal.Handlers | object] = {}
        self.shield_depth = 0
        self.pending: int | None = None
        self.delivered = False


_state = _State()


def _deliver(signal_number: int) -> None:
    _state.pending = None
    _state.delivered = True
    raise Interrupted(signal_number)


def request(signal_number: int, _frame: FrameType | None = None) -> None:
    """The signal handler: raise now, or keep the signal for the end of the step that is running."""
    if _state.delivered or _state.pending is not None:
        return  # one interruption is enough; its rollback must not be interrupted in turn
    if _state.shield_depth:
        _state.pending = signal_number
        return
    _deliver(signal_number)


def checkpoint() -> None:
    """Raise the interruption kept during a step, now that no step is running."""
    if _state.pending is not None and not _state.shield_depth and not _state.delivered:
        _deliver(_state.pending)


@contextlib.contextmanager
def shield() -> Iterator[None]:
    """Run a step whole: a signal that arrives meanwhile is kept for the next checkpoint()."""
    _state.shield_depth += 1
    try:
        yield
    finally:
        _state.shield_depth -= 1


def requested() -> bool:
    """An interruption arrived (raised already, or waiting for the step to end)."""
    return _state.delivered or _state.pending is not None


def waiting() -> int | None:
    """The signal kept for the next checkpoint, if one arrived and was not raised yet."""
    return _state.pending


def install() -> None:
    """Route the three signals through request() (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _state.shield_depth = 0
    _state.pending = None
    _state.delivered = False
    for number in SIGNALS:
        if signal.getsignal(number) is signal.SIG_IGN:
            continue  # nohup, or a parent that wants it ignored: respected
        previous = signal.signal(number, request)
        _state.installed.setdefault(number, previous)


def uninstall() -> None:
    """Give the signals back their handlers from before install() (the wizard's own loop takes them)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for number, previous in _state.installed.items():
        signal.signal(number, previous)  # type: ignore[arg-type]  # what signal.signal returned
    _state.installed.clear()
    _state.pending = None
    _state.delivered = False
