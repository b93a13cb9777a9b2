"""Conclusions several checks share: does the KVM API work, and is hardware virtualization there."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from wizard.host.hypervisor import HypervisorKind
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
    NOT_SHOWN = "not-shown"  # not there, and the facts cannot tell "missing" from "switched off" (or "a VM")
    UNKNOWN = "unknown"  # not observed: no cpuinfo, no kernel log (a tree, a recording without them)


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
        direct = self.profile.platform.virtualization.direct
        return direct is not None and direct.kind is HypervisorKind.PRSM

    @property
    def capability_known(self) -> bool:
        """Whether the facts say if hardware virtualization is there (or KVM was seen to work)."""
        return bool(self.kvm_works) or self.vt not in {VtState.NOT_SHOWN, VtState.UNKNOWN}


def find_out(profile: HostProfile) -> str:
    """The one thing to run that would observe what these facts lack."""
    if profile.source != "live":
        return (
            "run `kvm-wizard check --save-facts FILE` as root on the host itself (not in a chroot or on a copy "
            "of its files); `kvm-wizard check --facts FILE` then diagnoses that recording anywhere"
        )
    if profile.euid != 0:
        return "run `sudo kvm-wizard check`: the KVM API test, raw CPUID and the kernel log need root"
    platform = profile.platform
    if platform.family is ArchFamily.X86 and not platform.cpuid.readable:
        if profile.module_loading.possible is not False:
            return "load the CPUID driver and look again: `modprobe cpuid && kvm-wizard check`"
        return (
            "look in the firmware setup whether virtualization is enabled (this kernel has no CPUID driver)"
        )
    return "look in the firmware setup whether virtualization is enabled"


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
    if platform.family is ArchFamily.LOONGARCH:
        return "LVZ (LoongArch virtualization)", "'Virtualization' (LVZ)"
    if platform.family is ArchFamily.RISCV:
        return "the H (hypervisor) extension", "the H extension"
    if platform.family is ArchFamily.MIPS:
        return "the VZ extension", "the VZ extension"
    return "hardware virtualization", "'Virtualization Technology'"


def _vt(profile: HostProfile) -> VtState:
    platform = profile.platform
    firmware = profile.firmware
    guest = platform.is_guest  # True, False, or None: not known
    family = platform.family
    if family is ArchFamily.X86:
        return _x86_vt(profile)
    if family is ArchFamily.ARM:
        if platform.arm_hyp_mode == "unavailable":
            if guest is None:
                return VtState.NOT_SHOWN  # a VM without EL2, or firmware that started Linux at EL1
            return VtState.ABSENT if guest else VtState.FIRMWARE_DISABLED
        return VtState.PRESENT if platform.arm_hyp_mode else VtState.UNKNOWN
    if family is ArchFamily.POWER:
        if platform.power_platform == "PowerNV" or platform.opal:
            return VtState.PRESENT
        return VtState.ABSENT if platform.power_platform == "pSeries" else VtState.UNKNOWN
    if family is ArchFamily.SPARC:
        return VtState.ABSENT  # Linux has no KVM for SPARC
    if platform.vt_flag is not None:  # s390 sie, LoongArch lvz, RISC-V h, MIPS vz: the flag decides
        shown = platform.vt_shown
        if shown is None:
            return VtState.UNKNOWN
        if shown and firmware.certain:
            return VtState.FIRMWARE_DISABLED
        return VtState.PRESENT if shown else VtState.ABSENT
    return VtState.UNKNOWN


def _x86_vt(profile: HostProfile) -> VtState:
    platform = profile.platform
    firmware = profile.firmware
    guest = platform.is_guest
    flag = platform.vt_flag or "vmx"
    cpuid_bit = platform.cpuid.svm if flag == "svm" else platform.cpuid.vmx
    if platform.virtualization.xen_dom0 or platform.virtualization.xen_pv:
        return VtState.ABSENT  # Xen owns VT-x (dom0), or a PV guest has none: a vmx flag there is a leftover
    if firmware.msr_disabled:
        return VtState.FIRMWARE_DISABLED
    if not platform.cpuinfo_readable:
        return VtState.FIRMWARE_DISABLED if firmware.certain else VtState.UNKNOWN
    if flag in platform.flags:
        # AMD keeps `svm` visible when the firmware sets SVMDIS; only the MSR or the log tell.
        return VtState.FIRMWARE_DISABLED if firmware.certain and guest is not True else VtState.PRESENT
    if cpuid_bit is False or guest is True:
        return VtState.ABSENT  # the (virtual) CPU lacks it, or the hypervisor below does not pass it through
    if firmware.certain:
        return VtState.FIRMWARE_DISABLED
    if cpuid_bit is True and guest is False:
        return VtState.FIRMWARE_DISABLED  # since Linux 5.6 the kernel hides vmx when the firmware left it off
    return VtState.NOT_SHOWN
