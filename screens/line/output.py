"""The line mode's output layer: every line it prints is ASCII, wrapped to the terminal's width, and counted.

- Text is made safe first by the headless commands' own rule (wizard.shown.visible: a control character or
  an escape sequence from a file or an answer is shown as text, ESC as \\x1b), then transliterated to ASCII
  (ascii_text: "..." for an ellipsis, "->" for an arrow; any other character as \\uXXXX). Nothing depends on
  colour and no escape sequence is ever written.
- A line longer than the width is wrapped by the wizard's one wrapping rule (screens/steps/wrapping.py): a
  continuation never starts at column 0, where it would read as a line of its own.
- No more than a screenful is printed between two answers: when the rows since the operator last answered
  would fill the screen, the printer asks for more first (Enter for more, q to stop the text; what must be
  read to answer, the question itself, is never stopped).

The stream written to is the one the launcher hands over: the headless commands' SafeStream, which drops
what a terminal that hung up cannot take.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from typing import TextIO

from screens.steps.wrapping import Continuation, continuation_of
from wizard.shown import visible

DEFAULT_WIDTH = 80
DEFAULT_ROWS = 24

# Characters the engine's prose uses, as ASCII. Any other character outside ASCII is written as its escape.
ASCII_FOR = {
    "\u2026": "...",
    "\u2192": "->",
    "\u2190": "<-",
    "\u21d2": "=>",
    "\u2014": "--",
    "\u2013": "-",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2022": "*",
    "\u25aa": "*",
    "\u2023": "*",
    "\u00b7": ".",
    "\u00d7": "x",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2500": "-",
    "\u2502": "|",
    "\u2550": "=",
    "\u2551": "|",
    "\u2713": "v",
    "\u2717": "x",
    "\u00b0": " deg",
}


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def ascii_text(text: str) -> str:
    """``text`` as pure ASCII, controls shown as escapes (wizard.shown.visible), tabs as spaces."""
    shown = visible(text).expandtabs(8)
    if shown.isascii():
        return shown
    return "".join(
        character if character.isascii() else ASCII_FOR.get(character) or _escape(character)
        for character in shown
    )


def wrap(line: str, width: int) -> list[str]:
    """One ASCII line as the rows it takes at ``width`` columns (never the last column: some terminals wrap
    on it), by the wizard's one wrapping rule (screens/steps/wrapping.py): a diff line's pieces keep their
    gutter and a cut mark, a comment its #, anything else hangs under its text."""
    room = max(width - 1, 20)
    if len(line) <= room:
        return [line.rstrip()]
    rule = continuation_of(line)
    body_room = room - rule.head - len(rule.cut)
    if body_room < max(8, room // 3):
        rule = Continuation(0, "")
        body_room = room
    head, body = line[: rule.head], line[rule.head :]
    parts = textwrap.wrap(
        body, body_room, break_on_hyphens=False, break_long_words=True, drop_whitespace=True
    ) or [""]
    rows = [(head if index == 0 else rule.prefix) + part for index, part in enumerate(parts)]
    return [row + rule.cut if index < len(rows) - 1 else row for index, row in enumerate(rows)]


More = Callable[[], bool]  # asks for more: True to go on, False to stop the text


class Printer:
    """Lines to a stream, a screenful at most between two answers."""

    def __init__(self, stream: TextIO, *, width: int = DEFAULT_WIDTH, rows: int = DEFAULT_ROWS) -> None:
        self.stream = stream
        self.width = width
        self.rows = rows
        self.shown = 0  # rows printed since the operator last answered
        self.stopped = False  # the operator stopped the text: what can be skipped is, until the next answer
        self.more: More = lambda: True

    @property
    def room(self) -> int:
        """Rows left on this screenful, the prompt's row kept free."""
        return self.rows - 1 - self.shown

    def rows_of(self, lines: Iterable[str]) -> list[str]:
        out: list[str] = []
        for text in lines:
            for line in ascii_text(text).split("\n"):
                out += wrap(line, self.width)
        return out

    def lines(self, lines: Iterable[str], *, skippable: bool = False, together: bool = False) -> None:
        """Print ``lines``. Text the operator may stop reading is ``skippable``; lines that belong
        ``together`` (a question and its choices) start a new screenful when they would not fit on this one."""
        rows = self.rows_of(lines)
        if skippable and self.stopped:
            return
        if together and len(rows) <= self.rows - 1 and len(rows) > self.room and not self._ask_more():
            self.stopped = True
        for row in rows:
            if self.room <= 0 and not self._ask_more():
                self.stopped = True
                if skippable:
                    return
            self._write(row + "\n")
            self.shown += 1

    def stream_line(self, text: str) -> None:
        """A line of live progress (an apply, a report being made): printed as it comes, never held for more
        (the work does not wait for the operator), and counted: what follows asks for more sooner."""
        for row in self.rows_of([text]):
            self._write(row + "\n")
            self.shown += 1

    def prompt(self, text: str) -> None:
        """A question's last row, the answer typed after it (long ones wrap before the last row)."""
        rows = self.rows_of([text])
        for row in rows[:-1]:
            self._write(row + "\n")
        self._write(rows[-1].rstrip() + " ")
        self.stream.flush()

    def answered(self) -> None:
        """The operator answered: a new screenful begins."""
        self.shown = 0
        self.stopped = False

    def _ask_more(self) -> bool:
        self.shown = 0
        return self.more()

    def _write(self, text: str) -> None:
        self.stream.write(text)
