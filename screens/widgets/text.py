"""Text pieces every screen uses: status words that carry meaning without colour, and engine text as plain text.

Engine text ("[libvirt] virt_type", file paths, error messages) is never parsed as markup: it goes into rich
Text objects, which draw brackets as brackets. The words and the lines steps say are the steps' own
(screens/steps/said.py, shared with the line mode); this module gives them their styles.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.measure import Measurement
from rich.text import Text

from screens.steps.said import LABELS, Said
from screens.steps.said import label as word_label

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# The colour only repeats the word (16-colour consoles, colour-blind operators).
STYLES = {
    "pass": "bold green",
    "ok": "bold green",
    "warn": "bold yellow",
    "fail": "bold red",
    "info": "bold cyan",
    "note": "bold cyan",
    "unknown": "bold magenta",
    "skip": "dim",
    "run": "bold",
    "wait": "dim",
    "undone": "bold yellow",
}
STATUS_WORDS: dict[str, tuple[str, str]] = {word: (text, STYLES[word]) for word, text in LABELS.items()}
TONES = {"": "", "heading": "bold", "strong": "bold", "quiet": "italic"}


def status(word: str) -> Text:
    return Text(word_label(word), style=STYLES.get(word, "bold"))


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


def said_text(said: Iterable[Said]) -> Text:
    """Lines a step says, styled: each one's status word by its colour, its text by its tone."""
    parts: list[Text] = []
    for item in said:
        style = TONES[item.tone]
        if item.word:
            text = line(item.word, item.text, style)
            if item.indent:
                text = Text(" " * item.indent).append_text(text)
        else:
            text = Text(" " * item.indent + item.text, style=style)
        parts.append(text)
    return parts[0] if len(parts) == 1 else Text("\n").join(parts)
