"""Performance: vhost_net, the kernel's virtio-net backend, loaded now and at every boot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screens.steps.said import Said

if TYPE_CHECKING:
    from wizard.answers import PerformanceAnswers
    from wizard.host.facts import HostFacts

WHAT = (
    "vhost_net moves the packet processing of instances' virtio network cards from QEMU into the kernel: "
    "more throughput and lower latency for less CPU. The wizard loads the module now and lists it where this "
    "distribution loads modules at boot; a rollback unloads it and removes the line."
)
ENABLE = "Load vhost_net now and at every boot (performance.vhost_net)"


def host_state(facts: HostFacts) -> Said:
    from wizard.host.profile import HostProfile  # lazy: not before the first frame

    profile = HostProfile.from_facts(facts)
    state = profile.module_state("vhost_net").value
    device = "present" if profile.vhost_net_device.exists else "absent"
    return Said(f"On this host: vhost_net is {state}; /dev/vhost-net is {device}.", "info")


def chosen(vhost_net: bool) -> PerformanceAnswers:
    from wizard.answers import PerformanceAnswers  # lazy: not before the first frame

    return PerformanceAnswers(vhost_net=vhost_net)
