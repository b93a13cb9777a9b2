"""The full screen's side of the wrapping rule (screens/steps/wrapping.py, shared with the line mode): rich
Text whose long lines wrap by it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from screens.steps.wrapping import continuation_of

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult


class Hanging:
    """Text whose long lines wrap by the rule (a diff line keeps its gutter, a comment its #, prose hangs)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    @property
    def plain(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        for line in self.text.split("\n", allow_blank=True):
            rule = continuation_of(line.plain)
            room = width - rule.head - len(rule.cut)
            if line.cell_len <= width or room < max(8, width // 3):
                yield line
                continue
            head, body = line[: rule.head], line[rule.head :]
            pieces = body.wrap(console, room)
            for index, piece in enumerate(pieces):
                if index == 0:
                    shown = head.copy()
                else:  # the gutter's style on the gutter only (a base style would colour the whole piece)
                    shown = Text()
                    shown.append(rule.prefix, style=_style_at(line, len(rule.prefix.rstrip())))
                piece.rstrip()
                shown.append_text(piece)
                if rule.cut and index < len(pieces) - 1:
                    shown.append(rule.cut, style="bold")
                yield shown


def _style_at(line: Text, marks: int) -> str:
    """The style of the line's gutter (its first ``marks`` cells: "+", "    #"), for the continuation's copy of
    it; none for a prefix of spaces."""
    if marks == 0:
        return ""
    styles = [span.style for span in line.spans if span.start < marks]
    return str(styles[-1]) if styles else str(line.style or "")
