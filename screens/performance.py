"""Performance: vhost_net, the kernel's virtio-net backend, loaded now and at every boot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.steps.performance import ENABLE, WHAT, chosen, host_state
from screens.widgets.text import said_text

if TYPE_CHECKING:
    from wizard.answers import PerformanceAnswers
    from wizard.host.facts import HostFacts


class PerformanceScreen(SectionScreen["PerformanceAnswers"]):
    CSS_PATH = stylesheet("performance")
    HELP = "performance"

    def __init__(self, banner: Banner, answers: PerformanceAnswers, facts: HostFacts) -> None:
        super().__init__(banner, answers)
        self.state = host_state(facts)

    def compose_body(self) -> ComposeResult:
        yield Static(Text(WHAT), id="what")
        yield Static(said_text([self.state]), id="state")
        yield Checkbox(ENABLE, value=self.answers.vhost_net, id="vhost_net", compact=True)

    def on_mount(self) -> None:
        self.query_one("#vhost_net").focus()

    def current(self) -> PerformanceAnswers | None:
        return chosen(self.query_one("#vhost_net", Checkbox).value)
