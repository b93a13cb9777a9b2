"""Which hypervisor runs this host: the kinds, the layers of a nesting chain, and how that is known.

wizard.host.identify reads them from the facts; diagnosis (wizard.diagnosis.checks.outer) gives each kind its own
remedy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HypervisorKind(StrEnum):
    KVM = "kvm"  # KVM/QEMU, and the clouds and products built on it (Nitro, GCE, Nutanix AHV, OpenStack)
    QEMU_TCG = "qemu-tcg"  # QEMU without KVM: pure emulation
    VMWARE = "vmware"
    HYPERV = "hyper-v"  # Hyper-V and Azure
    VIRTUALBOX = "virtualbox"
    XEN = "xen"
    PARALLELS = "parallels"
    BHYVE = "bhyve"
    ZVM = "z/vm"
    POWERVM = "powervm"
    PRSM = "pr/sm"  # the IBM Z logical partition: where KVM hosts on IBM Z run
    SUN4V = "sun4v"  # SPARC's firmware hypervisor (Logical Domains)
    OTHER = "other"  # a hypervisor that is named but not one of the above (ACRN, QNX, ...)
    UNNAMED = "unnamed"  # a sign of a hypervisor that does not say which


@dataclass(frozen=True)
class Layer:
    """One hypervisor below this host."""

    kind: HypervisorKind
    name: str  # "VirtualBox", "z/VM 6.4.0", "KVM (Amazon EC2 Nitro)"
    detail: str = ""  # "guest OSHIFT5", "LPAR L16", "domU (paravirtualized)"
    cloud: str = ""  # "Amazon EC2", "Microsoft Azure", "Google Compute Engine"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.detail})" if self.detail else self.name


@dataclass(frozen=True)
class Virtualization:
    """Whether this host is a virtual machine, the hypervisors below it, and how that is known."""

    is_guest: bool | None
    layers: tuple[Layer, ...] = ()  # the hypervisor directly below this host first, then the ones below it
    evidence: tuple[
        tuple[str, str], ...
    ] = ()  # (where, what) for each sign, of a hypervisor or of bare metal
    not_seen: tuple[str, ...] = ()  # signals that were not observed ("DMI (/sys/class/dmi/id): not recorded")
    xen_dom0: bool = False  # Xen's control domain: Xen, not Linux, owns the virtualization extensions
    xen_pv: bool = False  # a paravirtualized Xen guest: no virtualization extensions, whatever cpuinfo shows

    @property
    def direct(self) -> Layer | None:
        return self.layers[0] if self.layers else None

    @property
    def chain(self) -> str:
        """The whole nesting chain, outermost first: "LPAR L16 -> z/VM 6.4.0 -> KVM/Linux -> this host"."""
        return " -> ".join([*(layer.label for layer in reversed(self.layers)), "this host"])
