"""Plain terminal text for the headless reports: word wrapping of styled spans, hanging columns, ANSI styles.

`kvm-wizard check` is what an operator runs first and most often, so its output costs no more than it needs:
this is the little of a rich console those reports use (a styled word wrap and two column layouts), without
importing rich (a third of the command's time on a slow host). Widths count code points; every text here is
the wizard's own or evidence from the host, which is ASCII in practice and cut short by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_SGR = {
    "bold": "1",
    "dim": "2",
    "italic": "3",
    "underline": "4",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
}
_TOKENS = re.compile(r"\s+|\S+")

Span = tuple[str, str]  # text and its style: space-separated words of _SGR ("" for none)


def paint(text: str, style: str, *, color: bool) -> str:
    """``text`` in ``style`` (when colour is on and there is something to show)."""
    if not color or not style or not text:
        return text
    codes = ";".join(_SGR[word] for word in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


@dataclass
class Block:
    """Paragraphs of styled spans; each paragraph starts on a new line and is wrapped on its own."""

    paragraphs: list[list[Span]]

    @classmethod
    def of(cls, text: str, style: str = "") -> Block:
        return cls([[(text, style)]])

    def add(self, text: str, style: str = "") -> Block:
        """Append to the current paragraph; a newline in ``text`` starts the next one."""
        first, *rest = text.split("\n")
        if first:
            self.paragraphs[-1].append((first, style))
        for line in rest:
            self.paragraphs.append([(line, style)] if line else [])
        return self

    def lines(self, width: int, *, color: bool) -> list[str]:
        out: list[str] = []
        for paragraph in self.paragraphs:
            out.extend(_wrap(paragraph, max(width, 1), color=color))
        return out


def _wrap(spans: Sequence[Span], width: int, *, color: bool) -> list[str]:
    """Greedy word wrap over styled spans: breaks at whitespace, folds a word longer than the width, drops the
    whitespace at a break (and at the end of a line)."""
    lines: list[list[Span]] = [[]]
    used = 0
    pending: list[Span] = []  # whitespace waiting for the next word on the same line
    for text, style in spans:
        for match in _TOKENS.finditer(text):
            token = match.group()
            if token.isspace():
                if used:
                    pending.append((token, style))
                continue
            gap = sum(len(item) for item, _ in pending)
            if used and used + gap + len(token) > width:
                lines.append([])
                used = 0
                pending = []
                gap = 0
            if used + gap + len(token) <= width:
                lines[-1].extend(pending)
                lines[-1].append((token, style))
                used += gap + len(token)
                pending = []
                continue
            # A word longer than a whole line: folded over as many lines as it takes.
            pending = []
            while token:
                room = width - used
                lines[-1].append((token[:room], style))
                used += len(token[:room])
                token = token[room:]
                if token:
                    lines.append([])
                    used = 0
    return [_painted(line, color=color) for line in lines]


def _painted(line: list[Span], *, color: bool) -> str:
    """A line's spans, neighbours of one style painted as one."""
    merged: list[list[str]] = []
    for text, style in line:
        if merged and merged[-1][1] == style:
            merged[-1][0] += text
        else:
            merged.append([text, style])
    return "".join(paint(text, style, color=color) for text, style in merged)


def hanging(
    rows: Iterable[tuple[Span, Block]],
    width: int,
    *,
    color: bool,
    label_width: int,
    gap: int,
    right: bool = False,
) -> list[str]:
    """Two columns: a short label (status, number) and a block wrapped beside it, continued under itself."""
    out: list[str] = []
    indent = " " * (label_width + gap)
    for (label, style), block in rows:
        padding = " " * (label_width - len(label))
        shown = paint(label, style, color=color)
        head = (padding + shown if right else shown + padding) + " " * gap
        for number, line in enumerate(block.lines(width - label_width - gap, color=color) or [""]):
            out.append((head if number == 0 else indent) + line if line else (head if number == 0 else ""))
    return [line.rstrip(" ") for line in out]
