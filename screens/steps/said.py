"""Lines a step says, in both views: a status word that carries the meaning without colour, then the text.

The full screen styles a line by its word and its tone; the line mode prints the words alone (nothing depends
on colour there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# Each status is a word first; the full screen's colour only repeats it (16-colour consoles, colour-blind
# operators, screen readers).
LABELS: dict[str, str] = {
    "pass": "[PASS]",
    "ok": "[ OK ]",
    "warn": "[WARN]",
    "fail": "[FAIL]",
    "info": "[INFO]",
    "note": "[NOTE]",
    "unknown": "[ ?? ]",
    "skip": "[SKIP]",
    "run": "[ .. ]",
    "wait": "[    ]",
    "undone": "[UNDO]",
}

# The status word shown before each verdict of the diagnosis.
VERDICT_WORDS = {
    "ready": "pass",
    "limited": "warn",
    "fixable": "warn",
    "disabled-in-firmware": "fail",
    "unsupported": "fail",
    "unknown": "unknown",
}

Tone = Literal["", "heading", "strong", "quiet"]  # bold title, bold text, italic aside


def label(word: str) -> str:
    """ "[FAIL]" for "fail"; an unknown word as itself, bracketed to the same width."""
    return LABELS.get(word, f"[{word.upper()[:4]:^4}]")


@dataclass(frozen=True)
class Said:
    """One line: a status word (or none), its text, and how the full screen sets it off."""

    text: str
    word: str = ""
    tone: Tone = ""
    indent: int = 0  # spaces before it (before the word too)

    def plain(self) -> str:
        head = " " * self.indent
        return f"{head}{label(self.word)} {self.text}" if self.word else f"{head}{self.text}"


def said(word: str, text: str, *, indent: int = 0) -> Said:
    """A status line: "[FAIL] /dev/kvm is missing"."""
    return Said(text, word, indent=indent)


def plain(lines: Iterable[Said]) -> str:
    return "\n".join(line.plain() for line in lines)


@dataclass(frozen=True)
class Keys:
    """How a view names its ways on, where a step's text tells the operator what to press."""

    back: str  # "Esc", "b"
    go_on: str  # "F10", "Enter"
    snapshots: str  # "F2 (Snapshots)", "s (snapshots)"
    quit: str  # "ctrl+q", "q"
    steps: str  # "F9": go to any step ("" where the view has no such key)
    rolls_back: bool = True  # the snapshots key rolls back too (the line mode's only lists the generations)


SCREEN_KEYS = Keys("Esc", "F10", "F2 (Snapshots)", "ctrl+q", "F9")
LINE_KEYS = Keys("b", "Enter", "s (snapshots)", "q", "", rolls_back=False)
