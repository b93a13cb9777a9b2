"""A step's line view: built from the same arguments as its full-screen view (the registry's), it prints what
the step says (screens/steps/) and asks its questions through LineIO; run() returns how it was left."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from screens.line.ask import LineIO
from screens.registry import StepExit
from screens.session import Banner

T = TypeVar("T")


class LineView(Generic[T]):
    HELP: ClassVar[str] = "wizard"  # assets/help/NAME.md: F1's file
    SNAPSHOTS: ClassVar[bool] = True  # s opens the snapshots from here

    def __init__(self, banner: Banner, *args: Any, **kwargs: Any) -> None:
        self.banner = banner

    def title(self, io: LineIO) -> None:
        parts = [self.banner.title, self.banner.position, self.banner.marker]
        io.heading(" - ".join(part for part in parts if part))

    def start(self, io: LineIO) -> None:
        io.help = self.HELP
        io.snapshots = self.SNAPSHOTS
        self.title(io)

    def run(self, io: LineIO) -> StepExit[T]:
        raise NotImplementedError
