"""A countdown to a deadline kept on disk: it reads the seconds left once a second (another console may have
confirmed, the watcher may have reverted) and says so when time is up or nothing waits any more."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from screens.steps.confirm import clock

SecondsLeft = Callable[[], float | None]  # None: nothing waits any more


class Countdown(Static):
    DEFAULT_CSS = """
    Countdown { height: 1; text-style: bold; }
    """

    class Expired(Message):
        """The deadline passed, or nothing waits for a decision any more (seconds_left gave None)."""

        def __init__(self, gone: bool) -> None:
            super().__init__()
            self.gone = gone  # True: nothing waits (confirmed or reverted elsewhere)

    def __init__(self, seconds_left: SecondsLeft, what: str, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.seconds_left = seconds_left
        self.what = what
        self.timer: Timer | None = None

    def on_mount(self) -> None:
        self.timer = self.set_interval(1.0, self.tick)
        self.tick()

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def tick(self) -> None:
        left = self.seconds_left()
        if left is None or left <= 0:
            self.stop()
            self.update(Text(f"{self.what}: time is up." if left is not None else f"{self.what}: settled."))
            self.post_message(self.Expired(gone=left is None))
            return
        self.update(Text(f"{self.what} in {clock(left)} unless you confirm."))
