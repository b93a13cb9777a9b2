"""Troubleshoot's fix lines (its findings, recheck and preview come from screens/steps/troubleshoot.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from screens.widgets.text import Cropped

if TYPE_CHECKING:
    from wizard.rescue.report import Fix


def fix_line(fix: Fix, ticked: bool) -> Cropped:
    """ "[X] nova.conf line 30: images_type = qcow2", with "(optional)" where no [FAIL] needs it (as the CLI);
    cut at the list's edge with a mark (the detail has the whole title)."""
    text = Text()
    text.append("[X] " if ticked else "[ ] ", style="bold")
    text.append(fix.title)
    if not fix.urgent:
        text.append(" (optional)", style="italic")
    return Cropped(text)
