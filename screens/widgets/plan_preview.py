"""A plan's preview over the screen that made it: summary and explained diff; F10 goes on, Esc goes back."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.session import Banner
from screens.widgets.buttons import button
from screens.widgets.diff_view import DiffView
from screens.widgets.keys_footer import KeysFooter
from screens.widgets.title_bar import TitleBar


class PlanPreviewScreen(ModalScreen[bool]):
    # The whole terminal, as a step: at 80x24 nothing of the screen below would be readable anyway.
    DEFAULT_CSS = """
    PlanPreviewScreen > Vertical { height: 1fr; padding: 0 1; }
    PlanPreviewScreen #preview-summary { height: auto; max-height: 5; margin-bottom: 1; }
    PlanPreviewScreen #preview { height: 1fr; }
    PlanPreviewScreen #preview-nav { height: 1; padding: 0 1; }
    PlanPreviewScreen #preview-nav Button { width: auto; min-width: 0; margin-right: 2; }
    PlanPreviewScreen #preview-nav Button:focus { text-style: bold reverse; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f10,ctrl+n", "go_on", "Apply", key_display="f10"),
        Binding("escape", "back", "Back"),
        Binding("f1", "help", "Help"),
    ]

    def __init__(self, banner: Banner, summary: Text, body: Text, *, can_go_on: bool, help_name: str) -> None:
        super().__init__()
        self.banner = banner
        self.summary = summary
        self.body = body
        self.can_go_on = can_go_on
        self.help_name = help_name

    def compose(self) -> ComposeResult:
        yield TitleBar(self.banner)
        with Vertical():
            yield Static(self.summary, id="preview-summary")
            yield DiffView(id="preview")
        with Horizontal(id="preview-nav"):
            if self.can_go_on:
                yield button("Apply", "go-on")
            yield button("Back", "back")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#preview", DiffView).show(self.body)
        self.query_one("#preview").focus()  # arrows and PgUp/PgDn read the diff; F10 applies from anywhere

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Apply is not offered when the preview found what stops it."""
        return self.can_go_on if action == "go_on" else True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "go-on":
            self.action_go_on()
        else:
            self.action_back()

    def action_go_on(self) -> None:
        if self.can_go_on:
            self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)

    def action_help(self) -> None:
        from screens.widgets.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_name, self.banner.title))
