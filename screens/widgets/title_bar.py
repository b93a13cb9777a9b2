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
        alarm = f" {clock} " if clock else ""
        marker = f" {self.banner.marker} " if self.banner.marker else ""
        position = f" {self.banner.position} " if self.banner.position else ""
        # Drawn: title, a gap of at least one, [alarm and a space], position, marker, and a last space. What
        # does not fit gives way in this order: the position, then the marker is cut, then the title.
        fixed = 1 + (len(alarm) + 1 if alarm else 0) + 1
        if len(title) + fixed + len(position) + len(marker) > width:
            position = ""
        if len(title) + fixed + len(marker) > width and marker:
            marker = fit(marker, max(6, width - len(title) - fixed))
        title = fit(title, width - fixed - len(position) - len(marker))
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
