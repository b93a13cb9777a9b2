"""The host as the option rules see it (wizard.rules.HostContext), built from a HostProfile.

Shared by the config lint of diagnosis and by the planner, which checks the files it would leave.
"""

from __future__ import annotations

import re

from wizard.host.platform import ArchFamily, Vendor
from wizard.host.profile import HostProfile
from wizard.rules import CpuVendor, HostContext
from wizard.stack_model import Arch, CephHost, StackHost

_VENDORS: dict[Vendor, CpuVendor] = {Vendor.INTEL: "intel", Vendor.AMD: "amd"}
_ARCHES: dict[ArchFamily, Arch] = {
    ArchFamily.X86: "x86",
    ArchFamily.POWER: "power",
    ArchFamily.ARM: "arm",
    ArchFamily.S390: "s390",
}


def rule_context(
    profile: HostProfile, *, glance_api_node: bool, nested_planned: bool = False, swtpm_planned: bool = False
) -> HostContext:
    """``nested_planned``: the plan itself turns the nested parameter on, so its current value says nothing
    about the result; ``swtpm_planned``: the plan installs swtpm (whose packages also create the tss account).
    Unknown facts stay None, and the rules that need them are skipped."""
    nested_module = profile.nested_module
    nested = profile.nested.get(nested_module) if nested_module else None
    vendor = profile.platform.vendor
    return HostContext(
        cpu_vendor=None if vendor is Vendor.UNKNOWN else _VENDORS.get(vendor, "other"),
        swtpm_installed=True if swtpm_planned else profile.swtpm is not None,
        swtpm_setup_installed=True if swtpm_planned else profile.swtpm_setup is not None,
        users=frozenset(profile.accounts.users) if profile.accounts.readable and not swtpm_planned else None,
        groups=frozenset(profile.accounts.groups)
        if profile.accounts.readable and not swtpm_planned
        else None,
        glance_api_node=glance_api_node,
        kvm_nested=None if nested_planned or nested is None else nested.active,
        stack=stack_host(profile),
    )


def stack_host(profile: HostProfile) -> StackHost:
    """The host as wizard.stack_rules judges it: libvirt's answers, and what libvirt and nova need of it."""
    stack = profile.stack
    platform = profile.platform
    ceph = stack.ceph
    return StackHost(
        arch=_ARCHES.get(platform.family),
        machine=platform.machine or ("" if platform.arch.value == "unknown" else platform.arch.value),
        libvirt=stack.libvirt,
        libvirt_said=stack.libvirt_said,
        nested_blocker=nested_blocker(profile),
        nested_cmdline=_nested_cmdline(profile),
        smt_blocker=_smt_blocker(profile),
        nova_version=stack.nova_version,
        ceph=CephHost(
            keyrings=ceph.keyrings,
            keyring_set=bool(ceph.keyring_settings),
            rbd_command=ceph.rbd_command,
            python_rbd=ceph.python_rbd,
            python_rados=ceph.python_rados,
        ),
        swtpm_user=stack.swtpm_user,
        swtpm_group=stack.swtpm_group,
        swtpm_source=stack.swtpm_source,
    )


def nested_blocker(profile: HostProfile) -> str | None:
    """Why this host cannot give its guests nested virtualization (None: it can, or it is not known)."""
    platform = profile.platform
    family = platform.family
    if family is ArchFamily.ARM:
        if re.search(r"(?:^|\s)kvm-arm\.mode=nested(?:\s|$)", profile.cmdline):
            return None
        return (
            "on aarch64 they need a CPU with FEAT_NV2, Linux 6.16 or later and kvm-arm.mode=nested on the kernel "
            "command line, which this host's command line does not have"
        )
    if profile.pvm_active:
        return (
            "KVM here comes from PVM (kvm_pvm), not from the CPU's virtualization extensions, and PVM gives "
            "its guests none"
        )
    if profile.nested_module is None:
        return f"the wizard cannot enable them on {platform.machine or 'this architecture'}"
    if family is ArchFamily.X86 and platform.cpuinfo_readable and platform.vt_flag not in platform.flags:
        cpuid = platform.cpuid.vmx if platform.vendor is not Vendor.AMD else platform.cpuid.svm
        if cpuid is not True:
            return (
                f"this CPU shows no {platform.vt_flag} (no hardware virtualization for KVM to pass on"
                + (
                    f": {platform.hypervisor} does not expose it"
                    if platform.is_guest and platform.hypervisor
                    else ""
                )
                + ")"
            )
    if family is ArchFamily.POWER and "POWER8" in platform.model_name.upper():
        return "nested KVM on POWER (kvm_hv nested) needs POWER9 or later, and this is a POWER8"
    return None


def _nested_cmdline(profile: HostProfile) -> str | None:
    module = profile.nested_module
    state = profile.nested.get(module) if module else None
    if state is None or state.configured is not False or not state.configured_by:
        return None
    if "kernel command line" not in state.configured_by:
        return None
    return state.configured_by.split(" on the kernel command line", 1)[0]


def _smt_blocker(profile: HostProfile) -> str | None:
    platform = profile.platform
    threads = profile.stack.smt_threads
    if platform.family is not ArchFamily.POWER or "POWER8" not in platform.model_name.upper():
        return None
    if threads is None or threads <= 1:
        return None
    return (
        f"kvm_hv on POWER8 runs guests only while SMT is off on the host, and CPU 0 has {threads} threads "
        "online: libvirt creates the guest, which then fails with EBUSY"
    )
