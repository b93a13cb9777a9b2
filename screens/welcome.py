"""Welcome: what the wizard will and will not do, the mode, where it keeps its state, and what it found on start.

On start it prepares the host's files (a demo's throwaway copy) and asks the engine what happened while nobody
was looking: an interrupted apply (complete it or roll it back), an apply waiting for confirmation, an
automatic revert. Nothing goes on until an interrupted apply is settled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static

from screens.base import HostReady, StepScreen, stylesheet
from screens.session import Banner, Mode
from screens.steps.welcome import (
    HOLDS,
    SETTLE_KEYS,
    SETTLE_LABELS,
    WILL,
    WONT,
    Settle,
    WelcomeResult,
    describe,
    offers,
    reported,
    start_check,
    where,
)
from screens.steps.welcome import settle as settle_found
from screens.widgets.buttons import button
from screens.widgets.text import heading, line, lines, said_text
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.apply.startup import StartupReport


class StartChecked(Message):
    """The host's files are ready and the engine said what it found on start."""

    def __init__(self, source: HostSource, report: StartupReport, lines: list[Text]) -> None:
        super().__init__()
        self.source = source
        self.report = report
        self.lines = lines


class WelcomeScreen(StepScreen[WelcomeResult]):
    CSS_PATH = stylesheet("welcome")
    HELP = "welcome"
    NEXT_LABEL = "Start"
    working: reactive[bool] = reactive(True, bindings=True)  # preparing, checking or settling
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "settle('complete')", "Complete", show=False),
        Binding("r", "settle('rollback')", "Roll back", show=False),
        Binding("k", "settle('confirm')", "Keep", show=False),
        Binding("v", "settle('revert')", "Revert", show=False),
    ]

    def __init__(
        self,
        banner: Banner,
        mode: Mode,
        source: HostSource,
    ) -> None:
        super().__init__(banner)
        self.mode = mode
        self.source = source  # a demo's is made ready (its files copied) by the start check
        self.report: StartupReport | None = None

    def compose_body(self) -> ComposeResult:
        intro = lines(heading("kvm-wizard will:"), WILL, heading("It will not:"), WONT)
        yield Static(intro, id="intro")
        yield Static(self._where(), id="where")
        yield Static("Looking for unfinished work...", id="start")

    def compose_actions(self) -> ComposeResult:
        # The buttons to settle unfinished work are mounted when there is some (fewer widgets at start).
        yield from ()

    def _where(self) -> Text:
        return lines(*(heading(title, text) for title, text in where(self.mode, self.source)))

    def on_mount(self) -> None:
        self.query_one("#back").display = False  # nothing before the first step
        # After the first frame: the worker's imports and file copies would otherwise delay it.
        self.call_after_refresh(self.check_start)

    @work(thread=True, exclusive=True, exit_on_error=False, name="start check")
    def check_start(self) -> None:
        source, report = start_check(self.source)  # a demo's files are copied first
        self.post_message(StartChecked(source, report, _describe(report)))

    def on_start_checked(self, event: StartChecked) -> None:
        if not self.source.ready:
            self.post_message(HostReady(event.source))
        self.source = event.source
        self.report = event.report
        self.working = False
        self.query_one("#where", Static).update(self._where())
        self.query_one("#start", Static).update(
            lines(*event.lines) if event.lines else "Nothing unfinished was found."
        )
        reported(event.source, event.report)
        for widget in self.query(".settle"):
            widget.remove()
        self.query_one("#nav").mount_all(
            button(f"{SETTLE_LABELS[how]} ({SETTLE_KEYS[how]})", how, "settle")
            for how in offers(event.report)
        )
        self.query_one("#next").focus()
        self.app.refresh_bindings()  # the step palette's key is dimmed while an interrupted apply waits

    @on(Button.Pressed, ".settle")
    def settle_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_settle(event.button.id or "")

    def action_settle(self, how: str) -> None:
        choice = next((item for item in SETTLE_KEYS if item == how), None)
        if choice is None or self.working or not self.query(f"#{how}") or not self.source.ready:
            return
        self.working = True
        self.query_one("#start", Static).update("Working...")
        self.settle(self.source, choice)

    @work(thread=True, exclusive=True, exit_on_error=False, name="recovery")
    def settle(self, source: HostSource, how: Settle) -> None:
        text, report = settle_found(source, how)
        found = _describe(report) or [Text("Nothing unfinished is left.")]
        self.post_message(StartChecked(source, report, [Text(text), *found]))

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.working = False
        self.query_one("#start", Static).update(line("fail", f"{name} failed: {error}"))

    @property
    def building(self) -> str:
        return "preparing the host's files" if self.working and self.report is None else ""

    @property
    def busy(self) -> str:
        return "a recovery is running" if self.working and self.report is not None else ""

    @property
    def keep_how(self) -> str:
        return "choose Stay and press k"

    @property
    def holds(self) -> str:
        if self.report is not None and self.report.unfinished is not None:
            return HOLDS
        return ""

    def current(self) -> WelcomeResult | None:
        """The prepared host, kept when the operator jumps elsewhere (once nothing unfinished is left)."""
        if not self.source.ready or self.report is None or self.report.unfinished is not None:
            return None
        return WelcomeResult(self.source)

    def collect(self) -> WelcomeResult | None:
        if not self.source.ready or self.report is None:
            self.notify("One moment: the host's files are being prepared.", severity="warning")
            return None
        if self.report.unfinished is not None:
            self.notify("Settle the interrupted change first: complete it or roll it back.", severity="error")
            return None
        return WelcomeResult(self.source)

    @property
    def first(self) -> str:
        return "This is the first step: F10 starts, ctrl+q quits."


def _describe(report: StartupReport) -> list[Text]:
    return [said_text([item]) for item in describe(report)]
