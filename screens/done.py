"""Done: the generation made, what changed, what is left to do (restart nova-compute, work for the target), and
how to undo it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult

from screens.base import StepScreen, stylesheet
from screens.session import Banner
from screens.widgets.diff_view import DiffView
from screens.widgets.text import line

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult


@dataclass(frozen=True)
class Outcome:
    result: ApplyResult
    confirmed: bool | None  # kept (True), reverted (False), or not asked (no confirm-or-revert)
    message: str  # what confirming or reverting said
    notes: tuple[str, ...]  # the plan's notes: what the operator should know or do afterwards
    root: Path
    live: bool
    image_commands: tuple[str, ...] = ()  # the plan's image properties of TPM 2.0 and Secure Boot guests


def _headline(outcome: Outcome) -> Text:
    result = outcome.result
    if not result.ok:
        return line("fail", result.describe())
    if result.nothing_to_do:
        return line("pass", "Nothing had to change: the files already said what your answers ask.")
    if outcome.confirmed is False:
        return line("warn", f"Reverted: {outcome.message}")
    if outcome.confirmed is None and result.confirmation is not None:
        return line("info", outcome.message or "Not settled here.")
    return line("pass", f"{result.describe()} {outcome.message}".strip())


def summary(outcome: Outcome) -> Text:
    result = outcome.result
    text = _headline(outcome)
    text.append("\n")
    if result.written:
        text.append("\nWhat changed\n", style="bold")
        for path in result.written:
            state = "restored" if result.rolled_back or outcome.confirmed is False else "written"
            text.append(f"  {path} ({state})\n")
    ran = [item for item in result.steps if item.step.kind.value == "action" and item.status.value == "done"]
    for item in ran:
        text.append(f"  ran: {item.step.title}\n")
    for action in result.irreversible:
        text.append(f"  cannot be undone: {action.title}\n")
    next_steps = [*outcome.notes, *(f"On the target: {action.title}" for action in result.remaining)]
    if result.ok and outcome.confirmed is not False and next_steps:
        text.append("\nNext steps\n", style="bold")
        for note in next_steps:
            text.append(f"  - {note}\n")
    if result.ok and outcome.confirmed is not False:
        text.append_text(image_properties(outcome.image_commands))
    if result.generation is not None:
        text.append("\nHow to undo it\n", style="bold")
        where = "" if outcome.root == Path("/") else f" --root {outcome.root}"
        text.append(
            f"  Generation {result.generation} holds every file as it was before. F2 (Snapshots) rolls back to "
            f"it with a preview and confirm-or-revert, or from any shell:\n"
            f"    kvm-wizard snapshots rollback {result.generation}{where}\n"
        )
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

    def compose_body(self) -> ComposeResult:
        yield DiffView(id="summary")

    def on_mount(self) -> None:
        self.query_one("#summary", DiffView).show(summary(self.outcome))
        self.query_one("#next").focus()

    def collect(self) -> str | None:
        return "finish"
