"""Review: the answers checked against this host, every file's diff with the reason per line (grouped by
section, secrets masked), the actions with the ones a rollback cannot undo marked, and the answers file that
will be saved. A problem names its step: Enter on it goes there; F9 goes to any step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.base import StepExit, StepScreen, stylesheet
from screens.session import Banner
from screens.widgets.apply_consent import ApplyConsentScreen
from screens.widgets.diff_view import DiffView, render_lines
from screens.widgets.text import line

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.apply.transaction import ApplyPreview
    from wizard.host.facts import HostFacts
    from wizard.plan.explain import DiffLine
    from wizard.plan.planner import PlanOutcome


class PlanMade(Message):
    """The plan for these answers is made (or refused, with its problems)."""

    def __init__(
        self,
        outcome: PlanOutcome,
        lines: list[DiffLine],
        preview: ApplyPreview | None,
        answers: str,
        *,
        summary: list[str],
        consent: list[str],
    ) -> None:
        super().__init__()
        self.outcome = outcome
        self.lines = lines
        self.preview = preview
        self.answers = answers
        self.summary = summary  # each choice before -> after, as the engine words it
        self.consent = consent  # what the apply cannot undo and what it restarts


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
        self.made: PlanMade | None = None
        self.targets: list[str] = []  # the step each problem listed is solved on (Enter goes there)

    def compose_body(self) -> ComposeResult:
        yield Static(
            line("run", "Checking the answers against this host and making the plan..."), id="summary"
        )
        yield OptionList(id="problems")
        yield DiffView(id="changes")

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.plan()

    def shown_again(self) -> None:
        # The same answers, but the files may have changed since (an apply, a rollback): planned anew.
        self.made = None
        self.query_one("#summary", Static).update(
            line("run", "Checking the answers against this host and making the plan...")
        )
        self.plan()

    @work(thread=True, exclusive=True, exit_on_error=False, name="planning")
    def plan(self) -> None:
        from wizard.answers import dumps_answers
        from wizard.apply.log import mask
        from wizard.apply.transaction import preview_apply
        from wizard.plan.explain import explain_plan
        from wizard.plan.planner import make_plan
        from wizard.plan.summary import consent_lines

        outcome = make_plan(self.facts, self.answers, self.root)
        plan = outcome.plan
        lines = explain_plan(plan, live=self.live) if plan is not None else []
        preview = preview_apply(plan, self.root, confirm_timeout=self.confirm_timeout) if plan else None
        summary = [change.line() for change in outcome.summary()]
        consent = consent_lines(plan, live=self.live) if plan is not None else []
        saved = outcome.answers or self.answers
        self.post_message(
            PlanMade(outcome, lines, preview, mask(dumps_answers(saved)), summary=summary, consent=consent)
        )

    def on_plan_made(self, event: PlanMade) -> None:
        self.made = event
        outcome = event.outcome
        problems = [f"{label}: {problem} (not taken)" for _step, label, problem in self.left_invalid]
        problems += [f"{item.path or 'plan'}: {item.message}" for item in outcome.problems]
        problems += [f"apply: {item}" for item in (event.preview.problems if event.preview else ())]
        self.targets = [step for step, _label, _problem in self.left_invalid]
        self.targets += [self.step_of_section(item.path.split(".", 1)[0]) for item in outcome.problems]
        self.targets += [self.step_of_section("")] * (len(problems) - len(self.targets))
        listing = self.query_one("#problems", OptionList)
        listing.set_options(Option(line("fail", text)) for text in problems)
        listing.display = bool(problems)
        if problems:
            listing.highlighted = 0
        self.query_one("#summary", Static).update(self._summary(event, len(problems)))
        self.query_one("#changes", DiffView).show(self._details(event))
        (listing if problems else self.query_one("#changes")).focus()

    def _summary(self, event: PlanMade, problems: int) -> Text:
        plan = event.outcome.plan
        if problems or plan is None:
            text = line("fail", f"{problems} problem(s) stop the plan; nothing will be changed. ")
            text.append("Enter on one goes to its step.")
            return text
        if plan.empty:
            return line("pass", "Nothing to change: the files already say what your answers ask.")
        irreversible = len(plan.irreversible_here(live=self.live))
        text = line(
            "pass",
            f"The answers are valid here. {len(plan.edits)} file(s) change, {len(plan.actions)} action(s)"
            + (f", {irreversible} cannot be undone." if irreversible else "."),
        )
        if self.confirm_timeout is None:
            text.append(" It is kept as soon as it is applied (--no-confirm): nothing asks to confirm it.")
        else:
            text.append(
                f" After applying you have {self.confirm_timeout:.0f} s to confirm; otherwise it is all reverted."
            )
        return text

    def _details(self, event: PlanMade) -> Text:
        outcome = event.outcome
        text = Text()
        if event.summary:
            text.append("What changes (before -> after)\n", style="bold")
            for entry in event.summary:
                text.append(
                    f"  {entry}\n", style="" if entry.split(": ", 1)[-1].startswith("unchanged") else "bold"
                )
            text.append("\n")
        for warning in outcome.validation.warnings:
            text.append_text(line("warn", f"{warning.path}: {warning.message}"))
            text.append("\n")
        for violation in outcome.rule_warnings:
            text.append_text(line("warn", f"{violation.message}; fix: {violation.fix}"))
            text.append("\n")
        text.append_text(render_lines(event.lines))
        preview = event.preview
        notes = [*(outcome.plan.notes if outcome.plan else ()), *(preview.notes if preview else ())]
        if preview is not None and preview.remaining:
            text.append("\nNot run under this root (left to do on the target):\n", style="bold")
            for action in preview.remaining:
                text.append(f"  - {action.title}\n")
        if notes:
            text.append("\nNotes\n", style="bold")
            for note in notes:
                text.append(f"  - {note}\n")
        text.append(f"\nThe answers saved in {self._answers_path()} when the apply succeeds:\n", style="bold")
        text.append(event.answers)
        return text

    def _answers_path(self) -> str:
        return "/var/lib/kvm-wizard/answers.toml" + ("" if self.root == Path("/") else f" under {self.root}")

    def action_next(self) -> None:
        """F10: a plan to apply is asked about first, with what cannot be undone and what restarts."""
        outcome = self.collect()
        made = self.made
        if outcome is None or made is None or outcome.plan is None:
            return
        if outcome.plan.empty:
            self.dismiss(StepExit("next", outcome))
            return
        plan = outcome.plan
        title = f"Apply {len(plan.edits)} file change(s) and {len(plan.actions)} action(s) to this host?"
        lines = list(made.consent)
        if self.confirm_timeout is not None:
            lines.append(
                f"Then {self.confirm_timeout:.0f} s to confirm it; otherwise everything is reverted."
            )

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

    def collect(self) -> PlanOutcome | None:
        made = self.made
        if made is None:
            self.notify("The plan is still being made.", severity="warning")
            return None
        if (
            self.left_invalid
            or not made.outcome.ok
            or made.outcome.plan is None
            or (made.preview and made.preview.problems)
        ):
            self.notify("The problems listed stop the plan: nothing can be applied yet.", severity="error")
            return None
        return made.outcome
