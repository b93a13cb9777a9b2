"""Apply? The question before an apply: what cannot be undone and what restarts, in the engine's words.

y applies, n or Esc goes back to the Review; the safe answer has the focus. Keyboard only, and it fits 80x24.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.widgets.buttons import button
from screens.widgets.keys_footer import KeysFooter


class ApplyConsentScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ApplyConsentScreen { align: center middle; }
    ApplyConsentScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 20;
        border: solid $warning;
        background: $surface;
        padding: 0 1;
    }
    ApplyConsentScreen #consent-title { text-style: bold; }
    ApplyConsentScreen VerticalScroll { height: auto; max-height: 14; }
    ApplyConsentScreen #consent-lines { margin-bottom: 1; }
    ApplyConsentScreen Horizontal { height: 1; }
    ApplyConsentScreen Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Apply"),
        Binding("n,escape", "answer(False)", "Back"),
    ]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            # Text, not str: engine words such as "[libvirt]" are not markup.
            yield Static(Text(self.title_text), id="consent-title")
            with VerticalScroll():
                yield Static(Text("\n".join(self.lines)), id="consent-lines")
            with Horizontal():
                yield button("Back to the Review (n)", "no")
                yield button("Apply (y)", "yes")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
