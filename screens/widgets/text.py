"""Text pieces every screen uses: status words that carry meaning without colour, and engine text as plain text.

Engine text ("[libvirt] virt_type", file paths, error messages) is never parsed as markup: it goes into rich
Text objects, which draw brackets as brackets.
"""

from __future__ import annotations

from rich.text import Text

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
