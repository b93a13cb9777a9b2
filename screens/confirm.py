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

from screens.base import StepScreen, stylesheet
from screens.fates import headline_text, plain_times
from screens.session import Banner
from screens.widgets.buttons import button
from screens.widgets.countdown import Countdown
from screens.widgets.text import line
from screens.widgets.wrapping import Hanging

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult
    from wizard.apply.settlement import Settlement

OUTCOME_WORDS = {
    "done": "pass",
    "failed": "fail",
    "skipped": "skip",
    "not reached": "wait",
    "undone": "undone",
}


@dataclass(frozen=True)
class Settled:
    confirmed: bool | None  # True kept, False reverted, None: not settled or could not tell (see message)
    message: str  # what the engine said when asked to keep or revert
    state: Settlement | None = None  # how the record on disk has it, read after the decision


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
            text.append(f": {plain_times(outcome.detail)}")
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

    def __init__(self, banner: Banner, root: Path, result: ApplyResult) -> None:
        super().__init__(banner)
        self.root = root
        self.result = result
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
        yield Static(Hanging(health_checks(self.result)), id="checks")
        yield Static("", id="outcome")

    def compose_actions(self) -> ComposeResult:
        yield button("Keep it (y)", "keep")
        yield button("Revert now (r)", "revert")

    def on_mount(self) -> None:
        self.query_one("#next").display = False
        self.query_one("#back").display = False
        self.query_one("#keep").focus()

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
        self.decide(keep=False, reason="not confirmed in time", automatic=True)

    @work(thread=True, exclusive=True, exit_on_error=False, name="confirm-or-revert")
    def decide(
        self, *, keep: bool, reason: str = "the operator asked to revert", automatic: bool = False
    ) -> None:
        from wizard.apply.confirm import confirm, mark_revert_reported, revert_now
        from wizard.apply.settlement import settlement

        # Nothing is reverted here when nothing waits any more: the watcher reverted it at the deadline, or
        # another console decided. The record says which.
        if keep:
            message = confirm(self.root).message
        else:
            message = revert_now(self.root, reason=reason, automatic=automatic).message
            mark_revert_reported(self.root)  # shown here: the next start need not tell it again
        state = settlement(self.root, self.result)
        self.post_message(ConfirmationSettled(Settled(state.confirmed, message, state)))

    def on_confirmation_settled(self, event: ConfirmationSettled) -> None:
        from wizard.apply.settlement import Fate

        self.working = False
        state = event.settled.state
        if state is not None and state.fate is Fate.PENDING:
            # Neither kept nor reverted (another kvm-wizard held the lock): still to decide.
            self.query_one("#outcome", Static).update(line("warn", event.settled.message))
            return
        self.settled = event.settled
        self.query_one(Countdown).stop()
        self.query_one(Countdown).display = False
        self.query_one("#explain").display = False  # it asked for a decision: taken now, the outcome says how
        if state is not None:
            text = headline_text(state, self.result)
        else:
            text = line("unknown", event.settled.message)
        text.append(" F10 goes on.")
        self.query_one("#outcome", Static).update(Hanging(text))
        self.query_one("#keep").display = False
        self.query_one("#revert").display = False
        self.query_one("#next").display = True
        self.query_one("#next").focus()

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.working = False
        self.query_one("#outcome", Static).update(line("fail", f"{name} failed: {error}"))

    @property
    def busy(self) -> str:
        return "the change is being kept or reverted" if self.working else ""

    @property
    def keep_how(self) -> str:
        return "choose Stay and press y"

    @property
    def holds(self) -> str:
        return "" if self.settled is not None else "decide first: keep the change (y) or revert it (r)"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("keep", "revert"):
            return self.settled is None
        if action in ("next", "back"):
            return self.settled is not None and action == "next"
        return super().check_action(action, parameters)

    def current(self) -> Settled | None:
        return self.settled

    def collect(self) -> Settled | None:
        return self.settled
