"""Screens under test draw with the console profile (the target: TERM=linux at 80x24), deterministically."""

from __future__ import annotations

import os

# Before Textual is imported by any test module: no animations, as on a console (and as the snapshots need).
os.environ["TEXTUAL_ANIMATIONS"] = "none"

from screens import console

console.setup("console")
console.toggle_glyphs()
