"""Performance: vhost_net, the kernel's virtio-net backend, loaded now and at every boot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.widgets.text import line

if TYPE_CHECKING:
    from wizard.answers import PerformanceAnswers
    from wizard.host.facts import HostFacts

WHAT = (
    "vhost_net moves the packet processing of instances' virtio network cards from QEMU into the kernel: "
    "more throughput and lower latency for less CPU. The wizard loads the module now and lists it where this "
    "distribution loads modules at boot; a rollback unloads it and removes the line."
)


class PerformanceScreen(SectionScreen["PerformanceAnswers"]):
    CSS_PATH = stylesheet("performance")
    HELP = "performance"

    def __init__(self, banner: Banner, answers: PerformanceAnswers, facts: HostFacts) -> None:
        from wizard.host.profile import HostProfile

        super().__init__(banner, answers)
        profile = HostProfile.from_facts(facts)
        self.state = profile.module_state("vhost_net").value
        self.device = profile.vhost_net_device.exists

    def compose_body(self) -> ComposeResult:
        yield Static(Text(WHAT), id="what")
        device = "present" if self.device else "absent"
        yield Static(
            line("info", f"On this host: vhost_net is {self.state}; /dev/vhost-net is {device}."), id="state"
        )
        yield Checkbox(
            "Load vhost_net now and at every boot (performance.vhost_net)",
            value=self.answers.vhost_net,
            id="vhost_net",
            compact=True,
        )

    def on_mount(self) -> None:
        self.query_one("#vhost_net").focus()

    def current(self) -> PerformanceAnswers | None:
        from wizard.answers import PerformanceAnswers

        return PerformanceAnswers(vhost_net=self.query_one("#vhost_net", Checkbox).value)
