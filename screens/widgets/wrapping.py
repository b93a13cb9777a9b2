"""The wrapping rule of every long line the wizard draws: a continuation never starts at column 0, where it
would read as a line of its own, and it keeps what says what the line is.

- a diff line ("+...", "-..."): every piece keeps the gutter sign (an added line goes on as an added line, in
  its colour) and a piece that goes on ends with a backslash;
- a comment or an output line ("    # why: ...", "      | output"): every piece keeps its "#" or "|", the text
  goes on under the text;
- anything else (a context line, a bullet, a shell command, a status word, a progress step "[3/8] "): the text
  goes on under its own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

CUT_MARK = "\\"  # at the end of a diff line's piece that goes on
_MARKED = re.compile(r"( *)([#|]) (why: )?")
_HANG = re.compile(r" *(?:- |\$ |\[[A-Z ]{4}\] |\[\d+/\d+\] )?")


@dataclass(frozen=True)
class Continuation:
    """How a line that does not fit goes on."""

    head: int  # cells at the line's start its continuations stand under (never wrapped)
    prefix: str  # what each continuation starts with, ``head`` cells long
    cut: str = ""  # what ends each piece that goes on ("" for prose)


def continuation_of(line: str) -> Continuation:
    if line[:1] in ("+", "-") and not line.startswith(("- ", "+++ ", "--- ")):
        return Continuation(1, line[0], CUT_MARK)
    marked = _MARKED.match(line)
    if marked:
        head = marked.end()
        lead = marked.group(1) + marked.group(2)
        return Continuation(head, lead + " " * (head - len(lead)))
    match = _HANG.match(line)
    head = match.end() if match else 0
    return Continuation(head, " " * head)


def hang_of(line: str) -> int:
    return continuation_of(line).head


class Hanging:
    """Text whose long lines wrap by the rule above."""

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
