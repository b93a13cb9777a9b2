"""The command palette's commands: "Go to step: NAME", one per step the wizard can go to now."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.registry import Step


@runtime_checkable
class StepJumps(Protocol):
    """What the palette needs of the app: the steps it may go to now, and going there."""

    def jumpable(self) -> tuple[Step, ...]: ...
    def jump(self, step: Step) -> None: ...


class StepCommands(Provider):
    """The palette's only commands (Textual's own system commands are left out)."""

    def _commands(self) -> Iterator[tuple[str, Step]]:
        app = self.app
        if isinstance(app, StepJumps):
            for step in app.jumpable():
                yield f"Go to step: {step.label}", step

    async def discover(self) -> Hits:
        for text, step in self._commands():
            yield DiscoveryHit(text, partial(self._go, step))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, step in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._go, step))

    def _go(self, step: Step) -> None:
        app = self.app
        if isinstance(app, StepJumps):
            app.call_later(app.jump, step)
