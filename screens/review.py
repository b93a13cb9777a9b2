"""Review: the answers checked against this host, every file's diff with the reason per line (grouped by
section, secrets masked), the actions with the ones a rollback cannot undo marked, and the answers file that
will be saved. A problem names its step: Enter on it goes there; F9 goes to any step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.base import StepScreen, stylesheet
from screens.keys import worker_running
from screens.registry import StepExit
from screens.session import Banner
from screens.steps.review import MAKING, Made, can_apply, details, make, problems, question, verdict
from screens.widgets.apply_consent import ApplyConsentScreen
from screens.widgets.diff_view import DiffView, shown_text
from screens.widgets.text import line, said_text

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.host.facts import HostFacts
    from wizard.plan.planner import PlanOutcome


class PlanMade(Message):
    """The plan for these answers is made (or refused, with its problems)."""

    def __init__(self, made: Made) -> None:
        super().__init__()
        self.made = made


class ReviewScreen(StepScreen["PlanOutcome"]):
    CSS_PATH = stylesheet("review")
    HELP = "review"
    NEXT_LABEL = "Apply"

    def __init__(
        self,
        banner: Banner,
        facts: HostFacts,
        answers: Answers,
        root: Path,
        *,
        live: bool,
        confirm_timeout: float | None,
        step_of_section: Callable[[str], str],
        unsettled: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        super().__init__(banner)
        self.step_of_section = step_of_section  # the step (its id) that edits a section of the answers
        self.left_invalid = unsettled  # (step id, its label, problem): steps left with a field not valid
        self.facts = facts
        self.answers = answers
        self.root = root
        self.live = live
        self.confirm_timeout = confirm_timeout
        self.made: Made | None = None
        self.targets: list[str] = []  # the step each problem listed is solved on (Enter goes there)

    def compose_body(self) -> ComposeResult:
        yield Static(line("run", MAKING), id="summary")
        yield OptionList(id="problems")
        yield DiffView(id="changes")

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.plan()

    def shown_again(self) -> None:
        # The same answers, but the files may have changed since (an apply, a rollback): planned anew.
        self.made = None
        self.query_one("#summary", Static).update(line("run", MAKING))
        self.plan()

    @work(thread=True, exclusive=True, exit_on_error=False, name="planning")
    def plan(self) -> None:
        made = make(self.facts, self.answers, self.root, live=self.live, confirm_timeout=self.confirm_timeout)
        self.post_message(PlanMade(made))

    def on_plan_made(self, event: PlanMade) -> None:
        made = self.made = event.made
        found = problems(made, self.left_invalid, self.step_of_section)
        self.targets = [problem.step for problem in found]
        listing = self.query_one("#problems", OptionList)
        listing.set_options(Option(line("fail", problem.text)) for problem in found)
        listing.display = bool(found)
        if found:
            listing.highlighted = 0
        summary = verdict(
            made,
            len(found),
            live=self.live,
            confirm_timeout=self.confirm_timeout,
            to_step="Enter on one goes to its step.",
        )
        self.query_one("#summary", Static).update(said_text([summary]))
        self.query_one("#changes", DiffView).show(shown_text(details(made, self.root)))
        (listing if found else self.query_one("#changes")).focus()

    def action_next(self) -> None:
        """F10: a plan to apply is asked about first, with what cannot be undone and what restarts."""
        outcome = self.collect()
        made = self.made
        if outcome is None or made is None or outcome.plan is None:
            return
        if outcome.plan.empty:
            self.dismiss(StepExit("next", outcome))
            return
        title, lines = question(made, self.confirm_timeout)

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(StepExit("next", outcome))

        self.app.push_screen(ApplyConsentScreen(title, lines), answered)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.targets):
            self.dismiss(StepExit("jump", None, self.targets[event.option_index]))

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.query_one("#summary", Static).update(line("fail", f"The {name} failed: {error}"))

    @property
    def building(self) -> str:
        return "making the plan" if worker_running(self, "planning") else ""

    def collect(self) -> PlanOutcome | None:
        made = self.made
        if made is None:
            self.notify("The plan is still being made.", severity="warning")
            return None
        if not can_apply(made, self.left_invalid):
            self.notify("The problems listed stop the plan: nothing can be applied yet.", severity="error")
            return None
        return made.outcome
