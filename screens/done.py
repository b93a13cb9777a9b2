"""Done: the generation made, what changed, what is left to do (restart nova-compute, work for the target), and
how to undo it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from screens.base import StepScreen, stylesheet
from screens.session import Banner
from screens.steps.done import Outcome
from screens.steps.done import summary as done_summary
from screens.steps.said import SCREEN_KEYS
from screens.widgets.diff_view import DiffView
from screens.widgets.text import said_text


def summary(outcome: Outcome) -> Text:
    headline, *rest = done_summary(outcome, SCREEN_KEYS)
    text = said_text([headline])  # its style is the whole summary's (as the headline's word says)
    text.append("\n")
    text.append_text(said_text(rest))
    text.append("\n")
    return text


class DoneScreen(StepScreen[str]):
    CSS_PATH = stylesheet("done")
    HELP = "done"
    NEXT_LABEL = "Finish"

    def __init__(self, banner: Banner, outcome: Outcome) -> None:
        super().__init__(banner)
        self.outcome = outcome

    def compose_body(self) -> ComposeResult:
        yield DiffView(id="summary")

    def on_mount(self) -> None:
        self.query_one("#summary", DiffView).show(summary(self.outcome))
        self.query_one("#next").focus()

    def collect(self) -> str | None:
        return "finish"
