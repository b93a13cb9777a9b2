"""Review, Apply, Confirm and Done in lines: the Review's explained diff printed whole, Apply's progress one
line per step as the engine reports it, Confirm's deadline printed and printed again at intervals (never a
redraw), and how the change stands read from the record on disk (the same settlement as the full screen)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from screens.line.ask import Choice, LineIO
from screens.line.view import LineView
from screens.registry import StepExit
from screens.session import Banner
from screens.steps import confirm, done, review
from screens.steps.fates import clock_time
from screens.steps.said import LINE_KEYS, Said

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.apply.events import ProgressEvent
    from wizard.apply.results import ApplyResult
    from wizard.host.facts import HostFacts
    from wizard.plan.model import Plan
    from wizard.plan.planner import PlanOutcome

# Confirm prints the time left again at these intervals (seconds), more often as the deadline nears; between
# them the question waits for a line, never redrawing anything.
REMIND_EVERY = 30.0
REMIND_CLOSE = 10.0  # in the last minute


class ReviewLines(LineView["PlanOutcome"]):
    HELP = "review"

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
        self.facts = facts
        self.answers = answers
        self.root = root
        self.live = live
        self.confirm_timeout = confirm_timeout
        self.step_of_section = step_of_section
        self.unsettled = unsettled

    def run(self, io: LineIO) -> StepExit[PlanOutcome]:
        self.start(io)
        io.say(Said(review.MAKING, "run"))
        made = review.make(
            self.facts, self.answers, self.root, live=self.live, confirm_timeout=self.confirm_timeout
        )
        found = review.problems(made, self.unsettled, self.step_of_section)
        summary = review.verdict(
            made,
            len(found),
            live=self.live,
            confirm_timeout=self.confirm_timeout,
            to_step="A number goes there.",
        )
        io.say(summary)
        io.printer.lines([item.plain() for item in review.details(made, self.root)], skippable=True)
        io.say(summary)  # again after the diff: what it decides is next to the question
        if found:
            choices: list[Choice[str | None]] = [Choice(problem.step, problem.text) for problem in found]
            choices.append(Choice(None, "Stay on the Review (b goes back)"))
            target = io.choose("What stops the plan, each solved on its step:", choices, None)
            if target is None:
                return self.run(io)
            return StepExit("jump", None, target)
        outcome = made.outcome
        if outcome.plan is None or outcome.plan.empty:
            io.go_on()
            return StepExit("next", outcome)
        title, lines = review.question(made, self.confirm_timeout)
        io.say("", title, *(f"  - {line}" for line in lines))
        if io.yes_no("Apply it now?", False):
            return StepExit("next", outcome)
        return self.run(io)


class ApplyLines(LineView["ApplyResult"]):
    HELP = "apply"
    SNAPSHOTS = False

    def __init__(
        self,
        banner: Banner,
        plan: Plan,
        root: Path,
        confirm_timeout: float | None,
        *,
        summary: str | None = None,
        back_to: str = "the Review",
    ) -> None:
        super().__init__(banner)
        self.plan = plan
        self.root = root
        self.confirm_timeout = confirm_timeout
        self.summary = summary
        self.back_to = back_to

    def run(self, io: LineIO) -> StepExit[ApplyResult]:
        # lazy: the engine's transaction is loaded when an apply is asked for
        from wizard.apply.progress import progress_lines
        from wizard.apply.transaction import apply_plan
        from wizard.commands import CommandRunner

        self.start(io)
        where = "/var/log/kvm-wizard.log" + ("" if self.root == Path("/") else f" under {self.root}")
        io.say(Said("Applying: nothing can be interrupted half-way.", "run"), f"The full log is {where}.")

        def progressed(event: ProgressEvent) -> None:
            for rendered in progress_lines(event):
                io.printer.stream_line(rendered.text)

        result = apply_plan(
            self.plan,
            self.root,
            runner=CommandRunner(),
            progress=progressed,
            confirm_timeout=self.confirm_timeout,
            summary=self.summary,
        )
        io.say(*(f"Note: {note}" for note in result.notes))
        io.say(*(f"Cannot be undone: {action.title}" for action in result.irreversible))
        if result.ok:
            io.say(Said(result.describe(), "pass"))
            pending = result.confirmation is not None
            io.go_on("Enter goes to the decision (keep or revert)" if pending else "", back=False)
            return StepExit("next", result)
        io.say(Said(result.describe(), "fail"))
        answer = io.choose(
            "What now?",
            [Choice("next", "The summary"), Choice("back", f"Back to {self.back_to}")],
            "next",
            back=False,
        )
        return StepExit("back" if answer == "back" else "next", result)


class ConfirmLines(LineView[confirm.Settled]):
    HELP = "confirm"
    SNAPSHOTS = False

    def __init__(self, banner: Banner, root: Path, result: ApplyResult) -> None:
        super().__init__(banner)
        self.root = root
        self.result = result

    def left(self) -> float | None:
        return confirm.seconds_left(self.root)

    def deadline_line(self, seconds: float) -> str:
        pending = self.result.confirmation
        at = f" (at {clock_time(pending.deadline)})" if pending is not None else ""
        return f"Reverted in {confirm.clock(seconds)}{at} unless you keep it."

    def run(self, io: LineIO) -> StepExit[confirm.Settled]:
        self.start(io)
        io.say(confirm.explain(self.result), *confirm.health_checks(self.result))
        while True:
            settled = self.decision(io)
            if settled.pending:
                io.say(Said(settled.message, "warn"))
                continue
            word, sentence = confirm.outcome(settled, self.result, LINE_KEYS)
            io.say(Said(sentence, word))
            io.go_on(back=False)
            return StepExit("next", settled)

    def decision(self, io: LineIO) -> confirm.Settled:
        """k keeps, r reverts; the time left printed again at intervals; at the deadline it is reverted."""
        reminded = 0.0
        while True:
            left = self.left()
            if left is None or left <= 0:
                io.say(Said("Time is up: reverting...", "run"))
                return confirm.decide(
                    self.root, self.result, keep=False, reason=confirm.NOT_CONFIRMED, automatic=True
                )
            now = time.monotonic()
            if now - reminded >= (REMIND_CLOSE if left <= 60 else REMIND_EVERY) - 0.5:
                io.say(Said(self.deadline_line(left), "warn"))
                reminded = now
            wait = min(left, REMIND_CLOSE if left <= 60 else REMIND_EVERY)
            answer = io.line("k keeps it, r reverts it now (? help, q quit) >", timeout=wait, back=False)
            if answer is None:
                continue
            typed = answer.strip().lower()
            if typed in ("k", "y"):
                io.say(Said("Confirming...", "run"))
                return confirm.decide(self.root, self.result, keep=True)
            if typed == "r":
                io.say(Said("Reverting...", "run"))
                return confirm.decide(self.root, self.result, keep=False)
            io.say(Said("Decide first: k keeps the change, r reverts it.", "fail"))


class DoneLines(LineView[str]):
    HELP = "done"

    def __init__(self, banner: Banner, outcome: done.Outcome) -> None:
        super().__init__(banner)
        self.outcome = outcome

    def run(self, io: LineIO) -> StepExit[str]:
        self.start(io)
        state = done.read(self.outcome)
        io.say(*done.summary(self.outcome, state, LINE_KEYS))
        io.go_on("Enter finishes")
        return StepExit("next", "finish")
