"""F1: the help text of a screen (assets/help/NAME.md), over the screen, closed with Esc, F1 or q."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label

from assets import asset_path
from screens.widgets.keys_footer import KeysFooter


def help_text(name: str) -> str:
    path = asset_path("help", f"{name}.md")
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return f"# {name}\n\nNo help text was found ({path})."


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help-title {
        width: 100%;
        max-width: 78;
        background: $primary;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    HelpScreen VerticalScroll {
        width: 100%;
        max-width: 78;
        height: 1fr;
        max-height: 20;
        border: solid $primary;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close help"),
        Binding("up", "scroll('up')", "Scroll", show=False),
        Binding("down", "scroll('down')", "Scroll", show=False),
    ]

    def __init__(self, name: str, title: str) -> None:
        super().__init__()
        self.help_name = name
        self.help_title = title

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown

        from screens import console

        console.markdown_glyphs(getattr(self.app, "profile", "full"))

        yield Label(f"Help: {self.help_title}", id="help-title")
        with VerticalScroll(can_focus=True, id="help-body"):
            yield Markdown(help_text(self.help_name))
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if direction == "up":
            body.scroll_up(animate=False)
        else:
            body.scroll_down(animate=False)
