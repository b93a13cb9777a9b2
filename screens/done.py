"""Done: how the apply stands now, read from the record on disk (kept, reverted by you, reverted at the deadline,
failed), what became of each file, what is left to do, and how to undo it when there is something to undo."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message

from screens.base import StepScreen, stylesheet
from screens.fates import headline_text
from screens.session import Banner
from screens.widgets.diff_view import DiffView
from screens.widgets.text import line

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult
    from wizard.apply.settlement import Settlement


@dataclass(frozen=True)
class Outcome:
    result: ApplyResult
    notes: tuple[str, ...]  # the plan's notes: what the operator should know or do afterwards
    root: Path
    live: bool
    still_broken: tuple[str, ...] = ()  # the host's problems before the apply: still there when it is undone
    image_commands: tuple[str, ...] = ()  # the plan's image properties of TPM 2.0 and Secure Boot guests


class OutcomeRead(Message):
    """The record on disk says how the apply stands."""

    def __init__(self, state: Settlement) -> None:
        super().__init__()
        self.state = state


def summary(outcome: Outcome, state: Settlement) -> Text:
    result = outcome.result
    text = headline_text(state, result)
    text.append("\n")
    undone = not state.changed
    if state.files:
        text.append("\nWhat changed\n" if state.changed else "\nThe files\n", style="bold")
        for item in state.files:
            text.append(f"  {item.path}: {item.fate(undone)}\n")
    if state.changed:
        ran = [
            step for step in result.steps if step.step.kind.value == "action" and step.status.value == "done"
        ]
        for step in ran:
            text.append(f"  ran: {step.step.title}\n")
        for action in result.irreversible:
            text.append(f"  cannot be undone: {action.title}\n")
        next_steps = [*outcome.notes, *(f"On the target: {action.title}" for action in result.remaining)]
        if next_steps:
            text.append("\nNext steps\n", style="bold")
            for step_note in next_steps:
                text.append(f"  - {step_note}\n")
        text.append_text(image_properties(outcome.image_commands))
        if state.generation is not None:
            text.append("\nHow to undo it\n", style="bold")
            where = "" if outcome.root == Path("/") else f" --root {outcome.root}"
            text.append(
                f"  Generation {state.generation} holds every file as it was before. F2 (Snapshots) rolls back "
                f"to it with a preview and confirm-or-revert, or from any shell:\n"
                f"    kvm-wizard snapshots rollback {state.generation}{where}\n"
            )
    elif state.fate.value != "nothing":
        left = [*state.not_undone, *outcome.still_broken]
        if left:
            text.append("\nStill as before\n", style="bold")
            for thing in left:
                text.append(f"  - {thing}\n")
    return text


def image_properties(commands: tuple[str, ...]) -> Text:
    """Ready-to-copy commands: what images (or flavors) of guests that require TPM 2.0 and Secure Boot say."""
    if not commands:
        return Text()
    from wizard.tpm.guests import command_lines  # lazy: the engine is not imported before the first frame

    text = Text("\nGuests that require TPM 2.0 and Secure Boot\n", style="bold")
    text.append("  Set these on their images (IMAGE), or the same on their flavors (FLAVOR):\n")
    for command in commands:
        text.append("".join(f"    {part}\n" for part in command_lines(command)))
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
        self.query_one("#summary", DiffView).show(line("run", "Reading how the change stands..."))
        self.query_one("#next").focus()
        self.read()

    @work(thread=True, exclusive=True, exit_on_error=False, name="reading the outcome")
    def read(self) -> None:
        from wizard.apply.settlement import settlement

        self.post_message(OutcomeRead(settlement(self.outcome.root, self.outcome.result)))

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
