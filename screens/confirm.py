"""Confirm: the countdown to the deadline on disk, the health checks the transaction ran, and the decision:
keep the change (confirm) or revert it now. When time runs out the change is reverted, here or by the watcher.
The same screen settles an apply and a rollback from the Snapshots screen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from screens.base import StepExit, StepScreen, stylesheet
from screens.session import Banner
from screens.widgets.buttons import button
from screens.widgets.countdown import Countdown
from screens.widgets.text import line

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult

OUTCOME_WORDS = {
    "done": "pass",
    "failed": "fail",
    "skipped": "skip",
    "not reached": "wait",
    "undone": "undone",
}


@dataclass(frozen=True)
class Settled:
    confirmed: bool | None  # True kept, False reverted, None: could not tell (see message)
    message: str


class ConfirmationSettled(Message):
    """The change was confirmed or reverted (by the operator, or because time ran out)."""

    def __init__(self, settled: Settled) -> None:
        super().__init__()
        self.settled = settled


def health_checks(result: ApplyResult) -> Text:
    text = Text("Health checks run by the transaction:\n", style="bold")
    for outcome in result.steps:
        if outcome.step.kind.value not in ("verify", "confirm", "action") or outcome.step.id == "smoke":
            continue
        text.append("  ")
        text.append_text(line(OUTCOME_WORDS.get(outcome.status.value, "unknown"), outcome.step.title))
        if outcome.detail:
            text.append(f": {outcome.detail}")
        text.append("\n")
    text.append_text(smoke_guest_line(result))
    return text


def smoke_guest_line(result: ApplyResult) -> Text:
    """The smoke guest, on a line of its own: proof that libvirt and QEMU start what nova will ask for (or,
    where libvirt does not run here, that there was none)."""
    outcome = next((item for item in result.steps if item.step.id == "smoke"), None)
    if outcome is None:
        return line(
            "skip", "Smoke guest: none (libvirt did not answer when the plan was made, or not this host)"
        )
    word = OUTCOME_WORDS.get(outcome.status.value, "unknown")
    return line(word, f"Smoke guest: {outcome.detail or outcome.step.title}")


class ConfirmScreen(StepScreen[Settled]):
    CSS_PATH = stylesheet("confirm")
    HELP = "confirm"
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"keep": "keep", "revert": "revert"}
    NEXT_LABEL = "Go on"
    settled: reactive[Settled | None] = reactive(None, bindings=True)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,k", "keep", "Keep it"),
        Binding("r", "revert", "Revert now"),
    ]

    def __init__(
        self, banner: Banner, root: Path, result: ApplyResult, *, revert_at_once: bool = False
    ) -> None:
        super().__init__(banner)
        self.root = root
        self.result = result
        self.revert_at_once = revert_at_once
        self.working = False

    def compose_body(self) -> ComposeResult:
        pending = self.result.confirmation
        generation = pending.generation if pending else self.result.generation
        kind = self.result.kind.value
        text = Text(f"The {kind} is done and waits for your confirmation. Check that everything still works ")
        text.append("(instances, nova-compute, this console), then keep it or revert it: generation ")
        text.append(
            f"{generation} holds the files as they were before. If this console is lost, it is reverted "
        )
        text.append("at the deadline on its own.")
        yield Static(text, id="explain")
        yield Countdown(self._seconds_left, "Reverting", id="countdown")
        yield Static(health_checks(self.result), id="checks")
        yield Static("", id="outcome")

    def compose_actions(self) -> ComposeResult:
        yield button("Keep it (y)", "keep")
        yield button("Revert now (r)", "revert")

    def on_mount(self) -> None:
        self.query_one("#next").display = False
        self.query_one("#back").display = False
        self.query_one("#keep").focus()
        if self.revert_at_once:
            self.action_revert()

    def _seconds_left(self) -> float | None:
        from wizard.apply.confirm import seconds_left

        return seconds_left(self.root)

    def action_keep(self) -> None:
        if not self.working and self.settled is None:
            self.working = True
            self.query_one("#outcome", Static).update(line("run", "Confirming..."))
            self.decide(keep=True)

    def action_revert(self) -> None:
        if not self.working and self.settled is None:
            self.working = True
            self.query_one("#outcome", Static).update(line("run", "Reverting..."))
            self.decide(keep=False)

    def on_countdown_expired(self, event: Countdown.Expired) -> None:
        if self.settled is not None or self.working:
            return
        self.working = True
        self.query_one("#outcome", Static).update(line("run", "Time is up: reverting..."))
        self.decide(keep=False, reason="not confirmed in time")

    @work(thread=True, exclusive=True, exit_on_error=False, name="confirm-or-revert")
    def decide(self, *, keep: bool, reason: str = "the operator asked to revert") -> None:
        from wizard.apply.confirm import confirm, revert_now

        if keep:
            kept = confirm(self.root)
            reverted = kept.revert is not None and kept.revert.reverted
            settled = Settled(True if kept.confirmed else False if reverted else None, kept.message)
        else:
            outcome = revert_now(self.root, reason=reason)
            # Not reverted here: nothing waited any more (the watcher reverted it, or another console decided).
            settled = Settled(False if outcome.reverted else None, outcome.message)
        self.post_message(ConfirmationSettled(settled))

    def on_confirmation_settled(self, event: ConfirmationSettled) -> None:
        self.working = False
        self.settled = event.settled
        countdown = self.query_one(Countdown)
        countdown.stop()
        countdown.update(Text("Decided: no more countdown."))
        word = {True: "pass", False: "warn", None: "info"}[event.settled.confirmed]
        self.query_one("#outcome", Static).update(line(word, event.settled.message + " F10 goes on."))
        self.query_one("#keep").display = False
        self.query_one("#revert").display = False
        self.query_one("#next").display = True
        self.query_one("#next").focus()
        if self.revert_at_once:
            self.dismiss(StepExit("next", event.settled))

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.working = False
        self.query_one("#outcome", Static).update(line("fail", f"{name} failed: {error}"))

    @property
    def busy(self) -> str:
        return "" if self.settled is not None else "decide first: keep the change (y) or revert it (r)"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("keep", "revert"):
            return self.settled is None
        if action in ("next", "back"):
            return self.settled is not None and action == "next"
        return super().check_action(action, parameters)

    def leave_when_done(self) -> None:
        self.revert_at_once = True
        if self.settled is not None:
            self.dismiss(StepExit("next", self.settled))
        else:
            self.action_revert()

    def current(self) -> Settled | None:
        return self.settled

    def collect(self) -> Settled | None:
        return self.settled
