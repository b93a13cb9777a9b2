"""The title line of every screen: the program, the step, where it is in the wizard, and the mode marker."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from screens.session import Banner


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        text-style: bold;
    }
    """

    def __init__(self, banner: Banner) -> None:
        super().__init__()
        self.banner = banner

    def render(self) -> Text:
        # One widget drawn to its width (it is on every screen: fewer widgets, faster screens).
        left = Text(f" kvm-wizard: {self.banner.title}")
        right = Text()
        if self.banner.position:
            right.append(f" {self.banner.position} ")
        if self.banner.marker:
            # The marker is a word in reverse video: seen at first glance, and without colour.
            right.append(f" {self.banner.marker} ", style="reverse")
        right.append(" ")
        gap = max(1, self.size.width - left.cell_len - right.cell_len)
        return Text.assemble(left, " " * gap, right)
