"""The title line of every screen: the program, the step, where it is in the wizard, and the mode marker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from screens.session import Banner


class TitleBar(Horizontal):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        text-style: bold;
    }
    TitleBar #title { width: 1fr; }
    TitleBar #position { width: auto; padding: 0 1; }
    /* The marker is a word in reverse video: seen at first glance, and without colour. */
    TitleBar #marker { width: auto; text-style: bold reverse; padding: 0 1; }
    """

    def __init__(self, banner: Banner) -> None:
        super().__init__()
        self.banner = banner

    def compose(self) -> ComposeResult:
        yield Label(f" kvm-wizard: {self.banner.title}", id="title")
        if self.banner.position:
            yield Label(self.banner.position, id="position")
        if self.banner.marker:
            yield Label(self.banner.marker, id="marker")
