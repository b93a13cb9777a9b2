"""The diff view: the engine's explained diff lines drawn as they are (grouped by section, reasons under each
change, secrets already masked). Every line keeps its +, - or "# why:" prefix, so colour only repeats it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.steps.said import Said
from screens.widgets.text import said_text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

    from screens.steps.review import Shown
    from wizard.plan.explain import DiffLine

STYLES = {
    "file": "bold reverse",
    "section": "bold cyan",
    "hunk": "dim",
    "context": "",
    "removed": "red",
    "added": "green",
    "reason": "italic yellow",
    "note": "",
}


def render_lines(lines: Iterable[DiffLine]) -> Text:
    text = Text()
    for item in lines:
        kind = item.kind.value
        if kind == "file":
            text.append("\n")
        text.append(item.plain(), style=STYLES.get(kind, ""))
        text.append("\n")
    return text


def shown_text(items: Iterable[Shown]) -> Text:
    """A step's lines and the engine's diff lines together: each styled as its kind (a file's header, an added
    line, a reason) or its word and tone."""
    text = Text()
    for item in items:
        if isinstance(item, Said):
            text.append_text(said_text([item]))
        else:
            text.append(item.plain(), style=STYLES.get(item.kind.value, ""))
        text.append("\n")
    return text


# Where a wrapped line continues: under the text after its indent, bullet, shell prompt or status word.
_HANG = re.compile(r" *(?:- |\$ |\[[A-Z ]{4}\] )?")


def hang_of(line: str) -> int:
    if line[:1] in "+-" and not line.startswith("- "):
        return 1  # a diff line: its continuation stays clear of the + and - column
    match = _HANG.match(line)
    return match.end() if match else 0


class Hanging:
    """Text whose long lines wrap with a hanging indent: a continuation never starts at column 0, where it
    would read as a line of its own (a diff line without its prefix, a command cut in two)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    @property
    def plain(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        for line in self.text.split("\n", allow_blank=True):
            hang = hang_of(line.plain)
            if line.cell_len <= width or hang * 2 >= width:
                yield line
                continue
            head, body = line[:hang], line[hang:]
            for index, part in enumerate(body.wrap(console, width - hang)):
                shown = head.copy() if index == 0 else Text(" " * hang)
                shown.append_text(part)
                yield shown


class DiffView(VerticalScroll, can_focus=True):
    """A scrolling, focusable view of text: arrows, PgUp/PgDn, Home/End move it."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView > Static { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.body = Static("", id=f"{id}-text" if id else None)

    def compose(self) -> ComposeResult:
        yield self.body

    def show(self, text: Text) -> None:
        self.body.update(Hanging(text))
        self.scroll_home(animate=False)
