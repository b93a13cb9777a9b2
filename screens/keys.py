"""Keys typed ahead: one at a time, each to a screen that is ready for it.

A laggy serial console, or an operator typing ahead, delivers several keys at once. Textual hands each key to
the screen shown when it arrives and runs the screen's bindings from the app: a second F10 arriving while the
first is still leaving a step reaches the next step's screen before that screen has built its widgets (and its
bindings ran on a screen that did not exist yet). The gate lets one key through at a time. The next waits until
the previous one has gone all the way (a marker follows it along the same way to the app) and until the screen
shown is mounted and built: a screen that fills itself in the background says so in ``building`` and pokes the
gate when it is done (StepScreen does that for its workers).

Held keys keep their order; past LIMIT more are dropped, with a note. The quit keys go through as soon as the
screen is mounted (a long detection never holds the way out), and the keys held before them are dropped, with
a note: they were typed for a screen the operator has decided to leave.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.worker import WorkerState

if TYPE_CHECKING:
    from textual import events
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen
    from textual.timer import Timer
    from textual.widget import Widget

LIMIT = 64  # keys held at most; a console that sends more is not an operator typing ahead
QUIT_KEYS = frozenset({"ctrl+q", "ctrl+c"})
LOST_AFTER = 1.0  # seconds: a marker that has not come back by then went down with its widget (a screen left)


class GateCheck(Message):
    """A key's marker (``token``: the key it follows), or a look at a screen (token 0). When it reaches the app,
    what was before it in the queues it went through has been handled: the gate may let the next key go."""

    def __init__(self, token: int = 0) -> None:
        super().__init__()
        self.token = token


def building(screen: Screen[Any]) -> str:
    """What the screen is still filling in ("" when it is ready for keys): its ``building`` property."""
    value = getattr(screen, "building", "")
    return value if isinstance(value, str) else ""


def worker_running(node: DOMNode, name: str) -> bool:
    """A worker of ``node`` named ``name`` is pending or running."""
    return any(
        worker.node is node
        and worker.name == name
        and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for worker in node.app.workers
    )


class KeyGate:
    """The app's keys, one at a time. ``deliver`` hands a key to Textual as the app would and returns the widget
    it went to; ``note`` tells the operator what was dropped."""

    def __init__(
        self,
        app: App[Any],
        deliver: Callable[[events.Key], Awaitable[Widget]],
        note: Callable[[str], None],
    ) -> None:
        self.app = app
        self.deliver = deliver
        self.note = note
        self.held: deque[events.Key] = deque()
        self.token = 0
        self.inflight: tuple[int, Screen[Any], float] | None = None  # token, screen it went to, when
        self.timer: Timer | None = None

    # -- what the app calls ---------------------------------------------------------------------------
    async def arrived(self, key: events.Key) -> None:
        """A key from the terminal."""
        if not self.app.screen_stack:
            return  # the app is ending
        screen = self.app.screen
        if key.key in QUIT_KEYS and self._mounted(screen):
            self._drop_held("you asked to quit")
            await self._send(key)
            return
        if self.inflight is None and not self.held and self._ready(screen):
            await self._send(key)
            return
        if len(self.held) >= LIMIT:
            self.note(f"Typed too far ahead: {key.key} was dropped (the screen is not ready for it yet).")
            return
        self.held.append(key)
        self._look()

    async def checked(self, check: GateCheck) -> None:
        """A marker or a look came back to the app."""
        if self.inflight is not None:
            token, screen, _sent = self.inflight
            if check.token == token or not self.app.screen_stack or screen is not self.app.screen:
                self.inflight = None  # that key has gone all the way, or its screen was left
        await self._release()

    def screen_changed(self, screen: Screen[Any]) -> None:
        """Another screen is shown: look at it once it is mounted (its queue starts after that)."""
        if self.held or self.inflight is not None:
            screen.post_message(GateCheck())

    def poke(self) -> None:
        """A screen finished building: look again."""
        if self.held:
            self.app.post_message(GateCheck())

    # -- inside ---------------------------------------------------------------------------------------
    def _mounted(self, screen: Screen[Any]) -> bool:
        # The default screen lies under every step: it is shown only for a moment, between two steps.
        return screen.is_mounted and screen is not self.app.default_screen

    def _ready(self, screen: Screen[Any]) -> bool:
        return self._mounted(screen) and not building(screen)

    async def _send(self, key: events.Key) -> None:
        self.token += 1
        screen = self.app.screen
        target = await self.deliver(key)
        self.inflight = (self.token, screen, time.monotonic())
        (target if target.is_attached else self.app).post_message(GateCheck(self.token))
        self._arm()

    async def _release(self) -> None:
        if not self.app.screen_stack:
            self._disarm()
            return  # the app is ending
        while self.inflight is None and self.held:
            screen = self.app.screen
            if not self._mounted(screen):
                screen.post_message(GateCheck())  # comes back once the screen is mounted
                return
            if building(screen):
                return  # the screen pokes the gate when it is built
            await self._send(self.held.popleft())
        if not self.held and self.inflight is None:
            self._disarm()

    def _look(self) -> None:
        if self.inflight is None and self.app.screen_stack:
            self.app.screen.post_message(GateCheck())
        self._arm()

    def _drop_held(self, why: str) -> None:
        if self.held:
            count = len(self.held)
            self.held.clear()
            self.note(f"{count} key(s) typed ahead were dropped: {why}.")

    def _arm(self) -> None:
        if self.timer is None:
            self.timer = self.app.set_interval(LOST_AFTER / 2, self._watch)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    async def _watch(self) -> None:
        """A marker lost with the widget it followed (its screen was removed) must not hold the keys forever."""
        if self.inflight is not None and time.monotonic() - self.inflight[2] > LOST_AFTER:
            self.inflight = None
        await self._release()
