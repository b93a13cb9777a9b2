"""The dialog after an error nobody planned for: what happened in one line, where the masked report is, that the
answers are kept; and, while a transaction is still running, that it is waited for before anything else.
Console glyphs only (a box of light lines, status words); its answers are buttons named by their outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.widgets.buttons import button
from screens.widgets.keys_footer import KeysFooter
from screens.widgets.text import line
from screens.widgets.wrapping import Hanging


class CrashScreen(ModalScreen[None]):
    """Answers: "resume" (Esc, focused first) and "quit" (the quit question follows, as for ctrl+q). They go to
    ``answered``, which replaces this dialog and the screens below it at once: dismissed first, the dialog would
    uncover a screen that may no longer take messages."""

    DEFAULT_CSS = """
    CrashScreen { align: center middle; }
    CrashScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: solid $error;
        background: $surface;
        padding: 0 1;
    }
    CrashScreen #crash-text { height: auto; margin-bottom: 1; }
    CrashScreen Horizontal { height: 1; }
    CrashScreen Button { margin-right: 2; width: auto; min-width: 0; }
    CrashScreen Button:focus { text-style: bold reverse; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "answer('resume')", "Resume")]

    def __init__(
        self, what: str, report: str, resume: str, answered: Callable[[str], None], *, waiting: str = ""
    ) -> None:
        super().__init__()
        self.answered = answered
        self.what = what  # "NoMatches: No nodes match '#qemu'" (masked)
        self.report = report  # where the masked report is, or why there is none
        self.resume = resume  # the step resumed ("Hypervisor")
        self.waiting = waiting  # a transaction still running: "the apply" ("" when none)
        self.ended = ""  # how it ended, once it has
        self.more = 0  # errors that followed while the dialog was shown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Hanging(self._text()), id="crash-text")
            with Horizontal():
                yield button(f"Resume {self.resume}", "resume")
                yield button("Quit", "quit")
        yield KeysFooter()

    def _text(self) -> Text:
        text = line("fail", f"kvm-wizard hit an error it did not expect: {self.what}")
        text.append(
            f"\nThe details, secrets masked, are in {self.report}: please include that file in a report."
        )
        if self.waiting:
            text.append("\n")
            text.append_text(
                line(
                    "run",
                    f"{self.waiting.capitalize()} is still running and cannot stop half-way: waiting for it.",
                )
            )
        elif self.ended:
            text.append("\n")
            text.append_text(Text(self.ended))
        if self.more:
            text.append(f"\n{self.more} more error(s) followed; their reports are next to the first.")
        text.append(f"\nYour answers are kept. Resume shows {self.resume} again, as it was last left.")
        return text

    def another(self, report: str) -> None:
        """Another error while the dialog is shown (its report is ``report``, "" when none was written)."""
        self.more += 1
        if self.is_mounted:
            self.query_one("#crash-text", Static).update(Hanging(self._text()))

    @property
    def key_descriptions(self) -> dict[str, str]:
        return {"answer('resume')": f"Resume {self.resume}"}

    def on_mount(self) -> None:
        self._buttons()

    def _buttons(self) -> None:
        for name in ("resume", "quit"):
            self.query_one(f"#{name}", Button).disabled = bool(self.waiting)
        if not self.waiting:
            self.query_one("#resume", Button).focus()

    def settled(self, ended: str, resume: str) -> None:
        """The transaction it waited for has ended (``ended`` says how); Resume goes to ``resume``."""
        self.waiting = ""
        self.ended = ended
        self.resume = resume
        self.query_one("#crash-text", Static).update(Hanging(self._text()))
        self.query_one("#resume", Button).label = f"[ Resume {resume} ]"
        self._buttons()
        self.refresh_bindings()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id or "resume")

    def action_answer(self, answer: str) -> None:
        if not self.waiting:
            self.answered(answer)
