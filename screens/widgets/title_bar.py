"""The title line of every screen: the program, the step, the revert deadline of a change waiting for
confirmation, the mode marker and where it is in the wizard; what does not fit is cut with a visible "~"."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from screens.session import Banner

CUT = "~"  # where a part of the line was cut (an ellipsis is not in every console font)


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, its cut end marked."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + CUT if width > 0 else ""


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
        width = self.size.width
        clock = getattr(self.app, "revert_clock", "")
        clock = clock if isinstance(clock, str) else ""
        title = f" kvm-wizard: {self.banner.title}"
        # In the order they give way when the line is short: the position first, then the marker shrinks.
        marker = f" {self.banner.marker} " if self.banner.marker else ""
        position = f" {self.banner.position} " if self.banner.position else ""
        alarm = f" {clock} " if clock else ""
        room = width - len(title) - len(alarm) - 2
        if len(marker) + len(position) > room:
            position = ""
        if len(marker) > room:
            marker = fit(marker, max(room, 6 if marker else 0))
        title = fit(title, width - len(alarm) - len(marker) - len(position) - 2)
        right = Text()
        if alarm:
            # The deadline and the marker are words in reverse video: seen at first glance, and without colour.
            right.append(alarm, style="reverse")
            right.append(" ")
        right.append(position)
        if marker:
            right.append(marker, style="reverse")
        right.append(" ")
        left = Text(title)
        gap = max(1, width - left.cell_len - right.cell_len)
        return Text.assemble(left, " " * gap, right)
