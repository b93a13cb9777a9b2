"""Text pieces every screen uses: status words that carry meaning without colour, and engine text as plain text.

Engine text ("[libvirt] virt_type", file paths, error messages) is never parsed as markup: it goes into rich
Text objects, which draw brackets as brackets. The words and the lines steps say are the steps' own
(screens/steps/said.py, shared with the line mode); this module gives them their styles.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from screens.steps.said import LABELS, Said
from screens.steps.said import label as word_label

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
    """A status word and a message: "[FAIL] /dev/kvm is missing"."""
    text = status(word)
    text.append(" ")
    text.append(message, style=style)
    return text


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
