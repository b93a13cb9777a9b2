"""Host check: the verdict and every finding with its evidence and remedy; fixes added to the plan; re-check.

Detection runs in a worker (a live probe takes seconds); the screen counts the seconds meanwhile. The result
gives back the facts, the diagnosis, the answers to start from (the node as it is, the host's suggestions only
where nothing is configured: the engine's wizard.plan.start decides) and the fixes ticked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from screens.base import StepScreen, stylesheet
from screens.session import Banner
from screens.widgets.buttons import button
from screens.widgets.findings import FindingsView
from screens.widgets.text import VERDICT_WORDS, line
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.diagnosis.findings import Diagnosis
    from wizard.host.facts import HostFacts


@dataclass(frozen=True)
class KnownHost:
    facts: HostFacts
    diagnosis: Diagnosis


@dataclass(frozen=True)
class HostCheckResult:
    facts: HostFacts
    diagnosis: Diagnosis
    answers: Answers | None  # where the answers start, when the session has none yet
    fixes: dict[str, bool]  # fix id -> ticked, for the fixes this screen offered


class HostChecked(Message):
    """Detection and diagnosis finished."""

    def __init__(self, host: KnownHost, answers: Answers | None, origin: str) -> None:
        super().__init__()
        self.host = host
        self.answers = answers
        self.origin = origin  # where the answers came from, for the operator


class HostCheckScreen(StepScreen[HostCheckResult]):
    CSS_PATH = stylesheet("host_check")
    HELP = "host_check"
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"recheck": "recheck"}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "recheck", "Re-check")]

    def __init__(
        self,
        banner: Banner,
        source: HostSource,
        known: KnownHost | None,
        in_plan: frozenset[str],
        *,
        want_answers: bool,
    ) -> None:
        super().__init__(banner)
        self.source = source
        self.known = known
        self.in_plan = in_plan
        self.want_answers = want_answers
        self.answers: Answers | None = None
        self.choices: dict[str, bool] = {}
        self.started = 0.0
        self.ticker: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="verdict")
        yield FindingsView(id="findings")

    def compose_actions(self) -> ComposeResult:
        yield button("Re-check (r)", "recheck")

    def on_mount(self) -> None:
        if self.known is None:
            self.action_recheck()
        else:
            self._show(self.known, "")

    def action_recheck(self) -> None:
        if self.ticker is not None:
            return
        self.started = time.monotonic()
        self.ticker = self.set_interval(1.0, self._tick)
        self._tick()
        self.detect(want_answers=self.want_answers and self.answers is None)

    def _tick(self) -> None:
        seconds = time.monotonic() - self.started
        self.query_one("#verdict", Static).update(
            line(
                "run",
                f"Detecting {self.source.describe()}: reading /proc, /sys, /dev and /etc ({seconds:.0f} s)",
            )
        )

    @work(thread=True, exclusive=True, exit_on_error=False, name="detection")
    def detect(self, *, want_answers: bool) -> None:
        from wizard.diagnosis.diagnose import diagnose

        facts = self.source.load_facts()
        diagnosis = diagnose(facts)
        answers, origin = _answers(facts, self.source) if want_answers else (None, "")
        self.post_message(HostChecked(KnownHost(facts, diagnosis), answers, origin))

    def on_host_checked(self, event: HostChecked) -> None:
        from wizard.plan.fixes import fixes_in  # lazy: the engine is not imported before the first frame

        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        if event.answers is not None:
            self.answers = event.answers
            from wizard.plan.fixes import fixes_in  # loaded by the detection already

            self.in_plan = fixes_in(event.answers)
        self.known = event.host
        self._show(event.host, event.origin)
        self.query_one("#finding-list").focus()

    def _show(self, host: KnownHost, origin: str) -> None:
        verdict = host.diagnosis.verdict
        text = line(VERDICT_WORDS.get(verdict.code.value, "unknown"), f"Verdict: {verdict.code.value}. ")
        text.append(verdict.summary)
        if origin:
            text.append(f"\n{origin}", style="italic")
        self.query_one("#verdict", Static).update(text)
        chosen = {fix for fix in self.in_plan if self.choices.get(fix, True)}
        chosen |= {fix for fix, on in self.choices.items() if on}
        self.query_one(FindingsView).show(host.diagnosis.findings, frozenset(chosen))

    def on_findings_view_fix_toggled(self, event: FindingsView.FixToggled) -> None:
        self.choices[event.fix] = event.chosen

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None
        self.query_one("#verdict", Static).update(
            line("fail", f"The {name} failed: {type(error).__name__}: {error}. r tries again.")
        )

    def current(self) -> HostCheckResult | None:
        if self.known is None:
            return None
        return HostCheckResult(self.known.facts, self.known.diagnosis, self.answers, dict(self.choices))

    def collect(self) -> HostCheckResult | None:
        if self.known is None:
            self.notify("The host is still being checked.", severity="warning")
            return None
        return self.current()

    def adopt(self, value: HostCheckResult) -> None:
        # The session took the answers and the ticks: what is ticked here is what the plan includes now.
        self.in_plan = frozenset(self.query_one(FindingsView).chosen)
        self.choices = {}
        self.answers = None
        self.want_answers = False


def _answers(facts: HostFacts, source: HostSource) -> tuple[Answers, str]:
    """Where the answers start: the engine's decision (the node as it is, suggestions where nothing is
    configured); consent to software emulation is never among them."""
    from wizard.plan.start import start_for  # loaded by the detection's diagnosis already

    name = source.scenario or ("this host" if source.live else str(source.root))
    start = start_for(facts, source.root or Path("/"), name)
    return start.answers, start.origin


__all__ = ["HostCheckResult", "HostCheckScreen", "KnownHost"]
