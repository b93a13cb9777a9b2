"""Quit? A question before the wizard ends, saying what happens to work in progress. y quits, n or Esc stays."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.widgets.buttons import button
from screens.widgets.keys_footer import KeysFooter


class QuitScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen > Vertical {
        width: 64;
        height: auto;
        border: solid $error;
        background: $surface;
        padding: 0 1;
    }
    QuitScreen #question { margin-bottom: 1; }
    QuitScreen Horizontal { height: 1; }
    QuitScreen Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Quit", no: str = "Stay") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            with Horizontal():
                yield button(f"{self.no} (n)", "no")
                yield button(f"{self.yes} (y)", "yes")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
