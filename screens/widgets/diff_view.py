"""The diff view: the engine's explained diff lines drawn as they are (grouped by section, reasons under each
change, secrets already masked). Every line keeps its +, - or "# why:" prefix, so colour only repeats it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.steps.said import Said
from screens.widgets.text import said_text
from screens.widgets.wrapping import Hanging

if TYPE_CHECKING:
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
