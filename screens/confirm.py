"""Confirm: the countdown to the deadline on disk, the health checks the transaction ran, and the decision:
keep the change (confirm) or revert it now. When time runs out the change is reverted, here or by the watcher.
The same screen settles an apply and a rollback from the Snapshots screen."""

from __future__ import annotations

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
from screens.session import Banner
from screens.steps.confirm import ASKED, NOT_CONFIRMED, Settled, explain, outcome, seconds_left, smoke_guest
from screens.steps.confirm import decide as decide_now
from screens.steps.confirm import health_checks as checks_run
from screens.widgets.buttons import button
from screens.widgets.countdown import Countdown
from screens.widgets.text import line, said_text
from screens.widgets.wrapping import Hanging

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult


class ConfirmationSettled(Message):
    """The change was confirmed or reverted (by the operator, or because time ran out)."""

    def __init__(self, settled: Settled) -> None:
        super().__init__()
        self.settled = settled


def health_checks(result: ApplyResult) -> Text:
    return said_text(checks_run(result))


def smoke_guest_line(result: ApplyResult) -> Text:
    return said_text([smoke_guest(result)])


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
        yield Static(Text(explain(self.result)), id="explain")
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
        self.decide(keep=False, reason=NOT_CONFIRMED, automatic=True)

    @work(thread=True, exclusive=True, exit_on_error=False, name="confirm-or-revert")
    def decide(self, *, keep: bool, reason: str = ASKED, automatic: bool = False) -> None:
        settled = decide_now(self.root, self.result, keep=keep, reason=reason, automatic=automatic)
        self.post_message(ConfirmationSettled(settled))

    def on_confirmation_settled(self, event: ConfirmationSettled) -> None:
        self.working = False
        if event.settled.pending:  # another kvm-wizard held the lock: still to decide
            self.query_one("#outcome", Static).update(line("warn", event.settled.message))
            return
        self.settled = event.settled
        self.query_one(Countdown).stop()
        self.query_one(Countdown).display = False
        self.query_one("#explain").display = False  # it asked for a decision: taken now, the outcome says how
        word, sentence = outcome(event.settled, self.result)
        self.query_one("#outcome", Static).update(Hanging(line(word, sentence + " F10 goes on.")))
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
