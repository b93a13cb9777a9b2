"""Welcome: what the wizard will and will not do, the mode, where it keeps its state, and what it found on start.

On start it prepares the host's files (a demo's throwaway copy) and asks the engine what happened while nobody
was looking: an interrupted apply (complete it or roll it back), an apply waiting for confirmation, an
automatic revert. Nothing goes on until an interrupted apply is settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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
from screens.widgets.buttons import button
from screens.widgets.text import heading, line, lines
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.apply.startup import StartupReport

WILL = (
    " - find out what this host can do: a KVM API probe decides, not a CPU flag\n"
    " - ask each choice of a Nova compute node on KVM, checked as you type\n"
    " - show every change as a diff with its reasons before anything is done\n"
    " - apply it as one transaction, snapshot first; keep it only if you confirm\n"
    " - undo any change later (F2: snapshots)"
)
WONT = (
    " - choose software emulation without your consent\n"
    " - change anything before you approve the Review\n"
    " - touch the firmware setup or the kernel command line"
)
MODES: dict[Mode, str] = {
    "setup": "first-boot setup",
    "demo": "demo (a recorded host; its files are a throwaway copy, nothing is written outside it)",
    "rescue": "rescue",
}


@dataclass(frozen=True)
class WelcomeResult:
    source: HostSource  # the host, its files ready (a demo's copy is made)


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
        mode = heading("Mode:", MODES[self.mode])
        host = heading("Host:", self.source.describe())
        if not self.source.ready or self.source.root is None:
            return lines(mode, host, heading("Files:", "a throwaway copy (its path is shown when you quit)"))
        root = "" if self.source.live else f" under {self.source.root}"
        kept = "generations and last answers in /var/lib/kvm-wizard, log in /var/log/kvm-wizard.log"
        return lines(mode, host, heading(f"Kept{root}:", kept))

    def on_mount(self) -> None:
        self.query_one("#back").display = False  # nothing before the first step
        # After the first frame: the worker's imports and file copies would otherwise delay it.
        self.call_after_refresh(self.check_start)

    @work(thread=True, exclusive=True, exit_on_error=False, name="start check")
    def check_start(self) -> None:
        from wizard.apply.startup import check_on_start

        source = self.source.prepared()  # a demo's files are copied first
        report = check_on_start(source.root or Path("/"))
        self.post_message(StartChecked(source, report, _describe(report)))

    def on_start_checked(self, event: StartChecked) -> None:
        from wizard.apply.confirm import mark_revert_reported

        if not self.source.ready:
            self.post_message(HostReady(event.source))
        self.source = event.source
        root = event.source.root or Path("/")
        self.report = event.report
        self.working = False
        self.query_one("#where", Static).update(self._where())
        self.query_one("#start", Static).update(
            lines(*event.lines) if event.lines else "Nothing unfinished was found."
        )
        if event.report.revert is not None:
            mark_revert_reported(root)
        unfinished = event.report.unfinished
        pending = event.report.pending
        offers = {
            "complete": unfinished is not None and not unfinished.must_roll_back,
            "rollback": unfinished is not None and not unfinished.must_complete,
            "confirm": unfinished is None and pending is not None,
            "revert": unfinished is None and pending is not None,
        }
        for widget in self.query(".settle"):
            widget.remove()
        labels = {"complete": "Complete it (c)", "rollback": "Roll it back (r)", "confirm": "Keep it (k)"}
        labels["revert"] = "Revert it (v)"
        self.query_one("#nav").mount_all(
            button(labels[how], how, "settle") for how, on in offers.items() if on
        )
        self.query_one("#next").focus()
        self.app.refresh_bindings()  # the step palette's key is dimmed while an interrupted apply waits

    @on(Button.Pressed, ".settle")
    def settle_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_settle(event.button.id or "")

    def action_settle(self, how: str) -> None:
        if self.working or not self.query(f"#{how}") or not self.source.ready:
            return
        self.working = True
        self.query_one("#start", Static).update("Working...")
        self.settle(self.source, how)

    @work(thread=True, exclusive=True, exit_on_error=False, name="recovery")
    def settle(self, source: HostSource, how: str) -> None:
        from wizard.apply.confirm import confirm, revert_now
        from wizard.apply.recovery import RecoveryDecision, RecoveryError, recover
        from wizard.apply.startup import check_on_start

        root = source.root or Path("/")
        if how in ("complete", "rollback"):
            decision = RecoveryDecision.COMPLETE if how == "complete" else RecoveryDecision.ROLL_BACK
            try:
                recovery = recover(root, decision)
                text = recovery.message if recovery is not None else "Nothing to recover any more."
            except RecoveryError as error:
                text = f"Recovery failed: {error}"
        elif how == "confirm":
            text = confirm(root).message
        else:
            text = revert_now(root).message
        report = check_on_start(root)
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
            return "settle the interrupted change first: complete it or roll it back"
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
    found: list[Text] = []
    if report.revert is not None:
        revert = report.revert
        found.append(
            line(
                "note",
                f"At {revert.time} the changes of generation {revert.restored} were reverted: {revert.reason}.",
            )
        )
        found += [Text(f"  {problem}") for problem in revert.problems]
    unfinished = report.unfinished
    if unfinished is not None:
        found.append(
            line(
                "warn",
                f"An earlier {unfinished.kind} was interrupted while {unfinished.phase} (generation "
                f"{unfinished.generation}: {unfinished.summary}). Each file is wholly old or wholly new.",
            )
        )
        if unfinished.problem:
            found.append(Text(f"  It cannot be recovered here: {unfinished.problem}"))
        elif unfinished.must_roll_back:
            found.append(Text(f"  It had failed ({unfinished.failure}): it can only be rolled back."))
        elif unfinished.must_complete:
            found.append(Text("  An interrupted revert is always completed."))
    if report.pending is not None and unfinished is None:
        found.append(
            line(
                "warn",
                # The deadline as a time of day: a count of seconds on a screen that is not redrawn goes stale.
                f"Generation {report.pending.generation} waits for confirmation until "
                f"{report.pending.deadline[11:19] or report.pending.deadline}; without it, it is reverted.",
            )
        )
    found += [line("note", problem) for problem in report.problems]
    return found
