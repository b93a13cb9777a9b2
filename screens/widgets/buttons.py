"""The wizard's buttons: one line high, the label in brackets so that it reads as a button without colour."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Button


def button(label: str, id: str, classes: str = "") -> Button:
    # Content, not a str: a str label is markup, and "[ Next ]" would vanish as an unknown style tag.
    return Button(Content(f"[ {label} ]"), id=id, classes=classes, compact=True)
