"""Apply: the engine applies the plan as one transaction in a worker; this shows each step's progress, the
live output of commands and the log, and on a failure the rollback that happened. It cannot be left while the
transaction runs: a quit waits for it to end (and then reverts it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import RichLog, Static

from screens.base import StepScreen, stylesheet
from screens.session import Banner
from screens.widgets.text import line, status
from screens.widgets.wrapping import Hanging

if TYPE_CHECKING:
    from wizard.apply.events import ProgressEvent, TransactionStep
    from wizard.apply.results import ApplyResult
    from wizard.plan.model import Plan


class StepsListed(Message):
    """The transaction's steps are known."""

    def __init__(self, steps: tuple[TransactionStep, ...]) -> None:
        super().__init__()
        self.steps = steps


class ApplyProgressed(Message):
    """The engine reported progress: a step started, ended, was skipped or failed; a command printed a line."""

    def __init__(self, event: ProgressEvent) -> None:
        super().__init__()
        self.event = event


class ApplyFinished(Message):
    """The transaction ended: applied (perhaps waiting for confirmation), or failed and rolled back."""

    def __init__(self, result: ApplyResult) -> None:
        super().__init__()
        self.result = result


class ApplyLog(RichLog):
    """The log keeps its last line in view when the lines above it grow (the steps listed, the state in two
    lines): RichLog scrolls to its end when written to, not when it is made shorter."""

    def on_resize(self, event: events.Resize) -> None:
        # Textual calls RichLog's own handler too (each class's in turn): it writes what waited for a size.
        if self.auto_scroll:
            self.scroll_end(animate=False, immediate=True)


def step_lines(steps: tuple[TransactionStep, ...], states: dict[int, str]) -> Text:
    text = Text()
    for index, step in enumerate(steps):
        text.append_text(status(states.get(index, "wait")))
        text.append(f" {step.title}\n")
    return text


class ApplyScreen(StepScreen["ApplyResult"]):
    CSS_PATH = stylesheet("apply")
    HELP = "apply"
    running: reactive[bool] = reactive(True, bindings=True)

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
        self.summary = summary  # the line in `snapshots list`; None: the engine sums up the answers
        self.back_to = back_to  # where Esc goes after a failure: where the plan came from
        self.steps: tuple[TransactionStep, ...] = ()
        self.states: dict[int, str] = {}
        self.result: ApplyResult | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(line("run", "Applying: nothing can be interrupted half-way."), id="state")
        yield Static("", id="steps")
        where = "/var/log/kvm-wizard.log" + ("" if self.root == Path("/") else f" under {self.root}")
        yield Static(Text(f"Output and events (the full log is {where}):", style="bold"), id="log-title")
        # Wrapped by the wrapping rule (a long command line or error is read whole at 80 columns, its pieces
        # under its text), to the width left of the scrollbar (RichLog would draw at least 78 columns).
        yield ApplyLog(id="log", max_lines=2000, wrap=True, markup=False, highlight=False, min_width=20)

    def on_mount(self) -> None:
        self.query_one("#log").focus()
        self.apply()

    @work(thread=True, exclusive=True, exit_on_error=False, name="apply")
    def apply(self) -> ApplyResult:
        from wizard.apply.transaction import apply_plan, preview_apply
        from wizard.commands import CommandRunner

        self.post_message(
            StepsListed(preview_apply(self.plan, self.root, confirm_timeout=self.confirm_timeout).steps)
        )
        result = apply_plan(
            self.plan,
            self.root,
            runner=CommandRunner(),
            progress=self._progressed,
            confirm_timeout=self.confirm_timeout,
            summary=self.summary,
        )
        self.post_message(ApplyFinished(result))
        return result  # also the worker's result: read after a crash, when this screen may not take messages

    def _progressed(self, event: ProgressEvent) -> None:
        self.post_message(ApplyProgressed(event))  # from the worker's thread: post_message is thread-safe

    def on_steps_listed(self, event: StepsListed) -> None:
        self.steps = event.steps
        self._draw()

    def on_apply_progressed(self, message: ApplyProgressed) -> None:
        # lazy, as everywhere in the screens: the engine is not imported before the first frame
        from wizard.apply.events import RollbackStarted, StepFailed, StepFinished, StepSkipped, StepStarted
        from wizard.apply.progress import progress_lines

        event = message.event
        if isinstance(event, StepStarted):
            self.states[event.index] = "run"
        elif isinstance(event, StepFinished):
            self.states[event.index] = "ok"
        elif isinstance(event, StepSkipped):
            self.states[event.index] = "skip"
        elif isinstance(event, StepFailed):
            self.states[event.index] = "fail"
        elif isinstance(event, RollbackStarted):
            for index, state in self.states.items():
                if state == "ok":
                    self.states[index] = "undone"
        log = self.query_one("#log", RichLog)
        for rendered in progress_lines(event):
            self._log(log, rendered.text)
        self._draw()

    def _log(self, log: RichLog, text: str) -> None:
        log.write(Hanging(Text(text)), scroll_end=True)

    def _draw(self) -> None:
        self.query_one("#steps", Static).update(step_lines(self.steps, self.states))

    def on_apply_finished(self, event: ApplyFinished) -> None:
        result = event.result
        self.result = result
        self.running = False
        if result.ok:
            text = line("pass", result.describe())
            text.append(
                " Next: check and confirm it (F10)." if result.confirmation is not None else " F10 goes on."
            )
        else:
            # The way on first: a long error is what gets cut on a small console, not the keys.
            text = line("fail", f"Esc goes back to {self.back_to}; F10 shows the summary.\n")
            text.append(result.describe())
        self.query_one("#state", Static).update(text)
        log = self.query_one("#log", RichLog)
        for note in result.notes:
            self._log(log, f"Note: {note}")
        for action in result.irreversible:
            self._log(log, f"Cannot be undone: {action.title}")
        self.query_one("#next").focus()
        if self.holds:
            self.query_one("#back").display = False  # only forward, to the decision (Esc says so)
        self.app.refresh_bindings()  # Esc, F2 and F9 dimmed while the change waits for its decision

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.running = False
        self.query_one("#state", Static).update(
            line(
                "fail",
                f"The {name} stopped with an error: {error}. Run kvm-wizard recover before anything else.",
            )
        )

    @property
    def busy(self) -> str:
        return "the apply is running" if self.running else ""

    @property
    def holds(self) -> str:
        """An applied change waiting for its decision: only forward (F10) to it, so that it cannot be left
        behind to be reverted unseen."""
        if self.result is not None and self.result.ok and self.result.confirmation is not None:
            return "the change waits for your decision: F10 goes to it"
        return ""

    @property
    def keep_how(self) -> str:
        return "choose Stay, then F10 and y"

    def current(self) -> ApplyResult | None:
        return self.result

    def collect(self) -> ApplyResult | None:
        return self.result
