"""Text pieces every screen uses: status words that carry meaning without colour, and engine text as plain text.

Engine text ("[libvirt] virt_type", file paths, error messages) is never parsed as markup: it goes into rich
Text objects, which draw brackets as brackets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.measure import Measurement
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# Each status is a word first; the colour only repeats it (16-colour consoles, colour-blind operators).
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "pass": ("[PASS]", "bold green"),
    "ok": ("[ OK ]", "bold green"),
    "warn": ("[WARN]", "bold yellow"),
    "fail": ("[FAIL]", "bold red"),
    "info": ("[INFO]", "bold cyan"),
    "note": ("[NOTE]", "bold cyan"),
    "unknown": ("[ ?? ]", "bold magenta"),
    "skip": ("[SKIP]", "dim"),
    "run": ("[ .. ]", "bold"),
    "wait": ("[    ]", "dim"),
    "undone": ("[UNDO]", "bold yellow"),
}

# The status word shown before each verdict of the diagnosis (colour only repeats it).
VERDICT_WORDS = {
    "ready": "pass",
    "limited": "warn",
    "fixable": "warn",
    "disabled-in-firmware": "fail",
    "unsupported": "fail",
    "unknown": "unknown",
}


def status(word: str) -> Text:
    label, style = STATUS_WORDS.get(word, (f"[{word.upper()[:4]:^4}]", "bold"))
    return Text(label, style=style)


def line(word: str, message: str, style: str = "") -> Text:
    """A status word and a message: "[FAIL] /dev/kvm is missing". The word's colour stays on the word: the
    message is read in the console's own colour, whatever follows it (the word's style is a span of it, not
    the base style of the whole text)."""
    text = Text()
    text.append_text(status(word))
    text.append(" ")
    text.append(message, style=style)
    return text


CUT = "~"  # where a line was cut to fit (an ellipsis is not in every console font)


class Cropped:
    """One line of text cut to the width it is drawn in, the cut marked with CUT: a list row that goes on
    past the screen's edge says so (the whole of it is shown elsewhere: a detail, a listing)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    @property
    def plain(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        text = self.text
        if text.cell_len > width > 1:
            text = text.copy()
            text.truncate(width - 1)
            text.append(CUT, style="bold")
        text.no_wrap = True
        yield text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, self.text.cell_len)


def heading(title: str, body: str = "") -> Text:
    """A bold title, then plain text: "Mode: first-boot setup"."""
    text = Text(title, style="bold")
    if body:
        text.append(" " + body)
    return text


def lines(*parts: Text | str) -> Text:
    return Text("\n").join(part if isinstance(part, Text) else Text(part) for part in parts)
