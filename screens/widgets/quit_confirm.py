"""Questions over a screen, each answer a button named by its outcome, and the one quit question.

No answer is a letter: a letter means something else on the screen below (y keeps a change on Confirm), and a
key typed for that screen must never answer a question it did not see. Esc is the safe answer everywhere; the
other answer is its button (Tab, Enter), F10 for a question that goes on with a step, ctrl+q (or ctrl+c) again
for the quit question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.widgets.buttons import button
from screens.widgets.keys_footer import KeysFooter
from screens.widgets.wrapping import Hanging

if TYPE_CHECKING:
    from screens.flow import QuitQuestion

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 72;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: solid $error;
    background: $surface;
    padding: 0 1;
}}
{name} #question {{ height: auto; margin-bottom: 1; }}
{name} Horizontal {{ height: 1; }}
{name} Button {{ margin-right: 2; width: auto; min-width: 0; }}
{name} Button:focus {{ text-style: bold reverse; }}
"""


class QuestionScreen(ModalScreen[bool]):
    """A question with two answers: ``no`` (Esc, focused first) and ``yes`` (its button, or F10)."""

    DEFAULT_CSS = _CSS.format(name="QuestionScreen")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f10,ctrl+n", "answer(True)", "Yes", key_display="f10"),
        Binding("escape", "answer(False)", "No"),
    ]

    def __init__(self, text: str | Text, *, yes: str, no: str) -> None:
        super().__init__()
        self.text = text if isinstance(text, Text) else Text(text)
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Hanging(self.text), id="question")
            with Horizontal():
                yield button(self.no, "no")
                yield button(self.yes, "yes")
        yield KeysFooter()

    @property
    def key_descriptions(self) -> dict[str, str]:
        """The footer names each key by the outcome of its answer."""
        return {"answer(True)": self.yes, "answer(False)": self.no}

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class QuitScreen(ModalScreen[str]):
    """The quit question, for the state the wizard and the record on disk are in (flow.quit_question). Its
    answers: "stay" (Esc, focused first), "quit" (ctrl+q or ctrl+c again) and, for a change that waits for
    confirmation, "leave" (quit and let it wait for `kvm-wizard confirm` until its deadline)."""

    DEFAULT_CSS = _CSS.format(name="QuitScreen")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer('stay')", "Stay"),
        # The app's ctrl+q answers "quit" here (it comes first); this one names it in the footer.
        Binding("ctrl+q", "answer('quit')", "Quit"),
    ]

    def __init__(self, question: QuitQuestion) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Hanging(Text(self.question.text)), id="question")
            with Horizontal():
                yield button("Stay", "stay")
                yield button(self.question.quit_label, "quit")
                if self.question.leave_label:
                    yield button(self.question.leave_label, "leave")
        yield KeysFooter()

    @property
    def key_descriptions(self) -> dict[str, str]:
        """The footer names ctrl+q by the outcome of quitting now."""
        return {"answer('quit')": self.question.quit_label}

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()  # the safe answer is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or "stay")

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)


class QuittingScreen(ModalScreen[None]):
    """What the wizard is doing before it ends (waiting for an apply, reverting): no answer is asked."""

    DEFAULT_CSS = """
    QuittingScreen { align: center middle; }
    QuittingScreen > Static {
        width: 72;
        max-width: 100%;
        height: auto;
        border: solid $warning;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(Hanging(Text(self.text)), id="quitting")
        yield KeysFooter()

    def say(self, text: str) -> None:
        self.query_one("#quitting", Static).update(Hanging(Text(text)))
