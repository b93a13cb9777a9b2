"""Done: how the apply stands now, read from the record on disk (kept, reverted by you, reverted at the deadline,
failed), what became of each file, what is left to do, and how to undo it when there is something to undo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message

from screens.base import StepScreen, stylesheet
from screens.session import Banner
from screens.steps.done import READING, Outcome
from screens.steps.done import read as read_outcome
from screens.steps.done import summary as done_summary
from screens.steps.said import SCREEN_KEYS
from screens.widgets.diff_view import DiffView
from screens.widgets.text import line, said_text

if TYPE_CHECKING:
    from wizard.apply.settlement import Settlement


class OutcomeRead(Message):
    """The record on disk says how the apply stands."""

    def __init__(self, state: Settlement) -> None:
        super().__init__()
        self.state = state


def summary(outcome: Outcome, state: Settlement) -> Text:
    text = said_text(done_summary(outcome, state, SCREEN_KEYS))
    text.append("\n")
    return text


class DoneScreen(StepScreen[str]):
    CSS_PATH = stylesheet("done")
    HELP = "done"
    NEXT_LABEL = "Finish"

    def __init__(self, banner: Banner, outcome: Outcome) -> None:
        super().__init__(banner)
        self.outcome = outcome
        self.state: Settlement | None = None
        self.failed = False

    def compose_body(self) -> ComposeResult:
        yield DiffView(id="summary")

    def on_mount(self) -> None:
        self.query_one("#summary", DiffView).show(line("run", READING))
        self.query_one("#next").focus()
        self.read()

    @work(thread=True, exclusive=True, exit_on_error=False, name="reading the outcome")
    def read(self) -> None:
        self.post_message(OutcomeRead(read_outcome(self.outcome)))

    def on_outcome_read(self, event: OutcomeRead) -> None:
        self.state = event.state
        self.query_one("#summary", DiffView).show(summary(self.outcome, event.state))

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.failed = True
        self.query_one("#summary", DiffView).show(line("fail", f"{name} failed: {error}"))

    @property
    def building(self) -> str:
        return "reading how the change stands" if self.state is None and not self.failed else ""

    def collect(self) -> str | None:
        return "finish"
