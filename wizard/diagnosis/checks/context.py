"""Conclusions several checks share: does the KVM API work, and is hardware virtualization there."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from wizard.host.kernel import KvmUsability
from wizard.host.platform import ArchFamily, Vendor
from wizard.host.profile import HostProfile

# The lint's types only: loading the lint costs `check` ~30 ms on a host without nova.conf.
if TYPE_CHECKING:
    from wizard.lint.issues import ConfigReview


class VtState(StrEnum):
    PRESENT = "present"  # the CPU (as the kernel or the outer hypervisor shows it) has VT
    FIRMWARE_DISABLED = "firmware-disabled"  # the CPU has it, the firmware switched it off
    ABSENT = "absent"  # no VT here: an old CPU, or a guest whose hypervisor does not pass it through
    UNKNOWN = "unknown"  # the facts cannot tell "missing" from "switched off"


@dataclass(frozen=True)
class Context:
    profile: HostProfile
    kvm_works: bool | None  # the KVM API probe's answer; None when not probed (or not allowed to open)
    vt: VtState
    vt_name: str  # "VT-x", "AMD-V", "SIE", "virtualization extensions (EL2)", "hypervisor mode"
    firmware_setting: str  # what the firmware setup calls it
    config: ConfigReview | None = None  # nova.conf and glance-api.conf as recorded; None: not looked at

    @property
    def guest(self) -> bool:
        return bool(self.profile.platform.is_guest) and not self.lpar

    @property
    def lpar(self) -> bool:
        """An IBM Z logical partition: where KVM hosts on IBM Z normally run, not a nested guest."""
        return self.profile.platform.hypervisor == "PR/SM (LPAR)"


def build_context(profile: HostProfile, config: ConfigReview | None = None) -> Context:
    return Context(profile, _kvm_works(profile), _vt(profile), *_names(profile), config=config)


def _kvm_works(profile: HostProfile) -> bool | None:
    result = profile.kvm
    if result.usability is KvmUsability.USABLE:
        return True
    if result.usability is KvmUsability.NOT_PROBED:
        return None
    denied = (result.error or "").startswith(("EACCES", "EPERM"))
    if result.failed_step == "open" and denied and profile.euid != 0:
        return None  # the caller may not open it; root could: the test did not happen
    return False


def _names(profile: HostProfile) -> tuple[str, str]:
    platform = profile.platform
    if platform.family is ArchFamily.X86:
        if platform.vendor is Vendor.AMD:
            return "AMD-V", "'SVM Mode' (or 'AMD-V', 'Virtualization Technology')"
        return "VT-x", "'Intel Virtualization Technology' (or 'VT-x', 'VMX')"
    if platform.family is ArchFamily.S390:
        return "SIE", "the LPAR's SIE facility"
    if platform.family is ArchFamily.ARM:
        return "virtualization extensions (EL2)", "booting the kernel at EL2 (hypervisor mode)"
    if platform.family is ArchFamily.POWER:
        return "hypervisor mode", "the OPAL (PowerNV) firmware mode instead of PowerVM"
    return "hardware virtualization", "'Virtualization Technology'"


def _vt(profile: HostProfile) -> VtState:
    platform = profile.platform
    firmware = profile.firmware
    guest = bool(platform.is_guest)
    if platform.family is ArchFamily.X86:
        flag = platform.vt_flag or "vmx"
        cpuid_bit = platform.cpuid.svm if flag == "svm" else platform.cpuid.vmx
        if flag in platform.flags:
            # AMD keeps `svm` visible when the firmware sets SVMDIS; only the MSR or the log tell.
            if firmware.msr_disabled or (firmware.certain and not guest):
                return VtState.FIRMWARE_DISABLED
            return VtState.PRESENT
        if not platform.cpuinfo_readable:
            return VtState.UNKNOWN
        if cpuid_bit is True:
            # Since Linux 5.6 the kernel hides vmx when the firmware left VMX off.
            return VtState.ABSENT if guest else VtState.FIRMWARE_DISABLED
        if cpuid_bit is False:
            return VtState.ABSENT
        if firmware.certain or firmware.msr_disabled:
            return VtState.FIRMWARE_DISABLED
        return VtState.ABSENT if guest else VtState.UNKNOWN
    if platform.family is ArchFamily.S390:
        if not platform.cpuinfo_readable:
            return VtState.UNKNOWN
        return VtState.PRESENT if "sie" in platform.flags else VtState.ABSENT
    if platform.family is ArchFamily.ARM:
        if platform.arm_hyp_mode == "unavailable":
            return VtState.ABSENT if guest else VtState.FIRMWARE_DISABLED
        return VtState.PRESENT if platform.arm_hyp_mode else VtState.UNKNOWN
    if platform.family is ArchFamily.POWER:
        if platform.power_platform == "PowerNV" or platform.opal:
            return VtState.PRESENT
        return VtState.ABSENT if platform.power_platform else VtState.UNKNOWN
    return VtState.ABSENT
