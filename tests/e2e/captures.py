"""Captures of what the real program drew in a pyte terminal: the text, the colours of every cell, and checks
that hold on every screen (no glyph drawn in its own background's colour, on a black or a white console).

A capture is a text file: the 24 rows as drawn, then the same rows with one letter per cell naming its style,
then the legend of the letters. Times, deadlines and the roots' random parts are masked, so that a capture is
the same from run to run and a change in it is a change in what the operator sees. Compared with the files
under tests/e2e/captures/ (KVM_WIZARD_UPDATE_CAPTURES=1 writes them; review the diff); KVM_WIZARD_CAPTURE_SVG=DIR
also draws each as an SVG in the VGA palette, on black and on white, to look at.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from screens.console import PORTABLE

FOLDER = Path(__file__).parent / "captures"
UPDATE = "KVM_WIZARD_UPDATE_CAPTURES"
SVG = "KVM_WIZARD_CAPTURE_SVG"
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
NORMAL = ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")
# Masks: what changes from run to run, replaced by as many characters (the layout stays as drawn).
MASKS = (
    re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d)?"),
    re.compile(r"\b\d\d:\d\d:\d\d\b"),
    re.compile(r"(?<=REVERTS IN )\d+:\d\d"),
    re.compile(r"(?<=Reverting in )\d+:\d\d"),
    re.compile(r"(?<=kvm-wizard-crash-)[\d-]+"),
    re.compile(r"(?<=\()\d+(?= s\))"),
    re.compile(r"(?<=confirm before )\S+"),
)


@dataclass(frozen=True)
class Problem:
    row: int
    column: int
    glyph: str
    style: str
    background: str  # the console's default background the glyph disappears on


def resolve(cell: Any, default_fg: str, default_bg: str) -> tuple[str, str]:
    """The colours a cell is drawn in on a console whose defaults are ``default_fg`` on ``default_bg``."""
    fg = default_fg if cell.fg == "default" else cell.fg
    bg = default_bg if cell.bg == "default" else cell.bg
    if cell.bold and fg in NORMAL:
        fg = "bright" + fg  # the Linux console draws bold as the bright colour
    if cell.reverse:
        fg, bg = bg, fg
    return fg, bg


def invisible(screen: Any) -> list[Problem]:
    """Every glyph that is not a space drawn in its own background's colour, on a black or a white console."""
    found = []
    for row in range(screen.lines):
        line = screen.buffer[row]
        for column in range(screen.columns):
            cell = line[column]
            if not cell.data.strip():
                continue
            for default_fg, default_bg in (("white", "black"), ("black", "brightwhite")):
                fg, bg = resolve(cell, default_fg, default_bg)
                if fg == bg:
                    found.append(Problem(row, column, cell.data, style_of(cell), default_bg))
    return found


def style_of(cell: Any) -> str:
    flags = "".join(flag for flag, on in (("bold", cell.bold), ("reverse", cell.reverse)) if on)
    return f"{cell.fg}/{cell.bg}" + (f"/{flags}" if flags else "")


def masked(text: str) -> str:
    for pattern in MASKS:
        text = pattern.sub(lambda match: re.sub(r"[0-9A-Za-z]", "#", match.group(0)), text)
    return text


def capture(screen: Any, title: str, replace: dict[str, str]) -> str:
    """The screen as a capture file's text; ``replace`` maps run-specific text (a root) to a fixed one."""
    rows = []
    for drawn in screen.display:
        row = drawn
        for old, new in replace.items():
            row = row.replace(old, new.ljust(len(old)) if len(new) < len(old) else new)
        rows.append(masked(row).rstrip())
    styles: dict[str, str] = {}
    maps = []
    for row in range(screen.lines):
        line = screen.buffer[row]
        letters = []
        for column in range(screen.columns):
            style = style_of(line[column])
            if style not in styles:
                styles[style] = LETTERS[len(styles) % len(LETTERS)]
            letters.append(styles[style])
        maps.append("".join(letters))
    legend = [f"{letter} {style}" for style, letter in styles.items()]
    return "\n".join(
        [
            f"# {title} (80x24, TERM=linux)",
            "",
            "## text",
            *rows,
            "",
            "## styles",
            *maps,
            "",
            "## legend",
            *legend,
            "",
        ]
    )


def compare(name: str, text: str) -> None:
    """Against the file kept for it; written anew under KVM_WIZARD_UPDATE_CAPTURES=1."""
    path = FOLDER / f"{name}.txt"
    if os.environ.get(UPDATE):
        FOLDER.mkdir(exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no capture {path.name}: run with {UPDATE}=1 and review it"
    kept = path.read_text()
    assert kept == text, f"{path.name} differs from what was drawn (review, then {UPDATE}=1):\n{text}"


def portable(screen: Any) -> set[str]:
    drawn = {cell.data for row in screen.buffer.values() for cell in row.values() if cell.data}
    return drawn - PORTABLE - {""}


VGA = {
    "black": "#000000", "red": "#aa0000", "green": "#00aa00", "brown": "#aa5500", "blue": "#0000aa",
    "magenta": "#aa00aa", "cyan": "#00aaaa", "white": "#aaaaaa", "brightblack": "#555555",
    "brightred": "#ff5555", "brightgreen": "#55ff55", "brightbrown": "#ffff55", "brightblue": "#5555ff",
    "brightmagenta": "#ff55ff", "brightcyan": "#55ffff", "brightwhite": "#ffffff",
}  # fmt: skip


def draw_svg(screen: Any, path: Path, background: str) -> None:
    """The screen as the VGA console draws it, on ``background`` ("black" or "white"), to look at."""
    default = ("white", "black") if background == "black" else ("black", "brightwhite")
    width, height = 9, 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{80 * width}" height="{24 * height}" '
        'font-family="DejaVu Sans Mono, monospace" font-size="15">',
        f'<rect width="100%" height="100%" fill="{VGA[default[1]]}"/>',
    ]
    texts = []
    for row in range(screen.lines):
        line = screen.buffer[row]
        for column in range(screen.columns):
            cell = line[column]
            fg, bg = resolve(cell, *default)
            if bg != default[1]:
                parts.append(
                    f'<rect x="{column * width}" y="{row * height}" width="{width}" height="{height}" '
                    f'fill="{VGA.get(bg, "#ff00ff")}"/>'
                )
            if cell.data.strip():
                texts.append(
                    f'<text x="{column * width}" y="{row * height + 14}" fill="{VGA.get(fg, "#ff00ff")}">'
                    f"{escape(cell.data)}</text>"
                )
    parts += texts  # over every background
    parts.append("</svg>")
    path.write_text("\n".join(parts))
