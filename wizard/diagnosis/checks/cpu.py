"""Checks of the machine itself: architecture, CPU vendor, virtualization extensions, CPUID, firmware."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, Impact, assess, shorten
from wizard.diagnosis.checks.context import Context, VtState
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.platform import Arch, ArchFamily, Vendor

SUPPORTED_TEXT = "x86_64, aarch64, ppc64le and s390x"


def check_arch(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    if platform.arch_inferred:
        source = Evidence("/proc/cpuinfo (its layout)", f"inferred: {platform.arch}")
    else:
        source = Evidence("uname -m (the running kernel)", platform.machine or "not recorded")
    if platform.arch is Arch.UNKNOWN:
        return [
            assess(
                "arch",
                Status.UNKNOWN,
                "The architecture is unknown",
                [source],
                detail="Neither the kernel nor /proc/cpuinfo told which architecture this is.",
            )
        ]
    if platform.supported:
        return [assess("arch", Status.PASS, f"Architecture {platform.arch}: supported", [source])]
    if platform.arch is Arch.PPC64:
        detail = (
            "Big-endian POWER can run KVM, but current distributions build OpenStack only for ppc64le "
            "(POWER8 and later). Reinstall the host with a ppc64le distribution."
        )
    else:
        detail = (
            f"kvm-wizard sets up Nova with KVM on {SUPPORTED_TEXT} only, the architectures for which Nova's "
            "libvirt driver supports KVM and the distributions ship OpenStack packages."
        )
    return [
        assess(
            "arch",
            Status.FAIL,
            f"Architecture {platform.arch} is not supported",
            [source],
            detail=detail,
            impact=Impact.UNSUPPORTED,
            reason=f"{platform.arch} is not a supported architecture",
        )
    ]


def check_vendor(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    if not platform.cpuinfo_readable:
        return [
            assess(
                "cpu-vendor",
                Status.UNKNOWN,
                "The CPU is unknown: /proc/cpuinfo was not readable",
                [Evidence("/proc/cpuinfo", platform.cpuinfo_error or "not readable")],
            )
        ]
    names = {
        Vendor.INTEL: "Intel",
        Vendor.AMD: "AMD",
        Vendor.IBM_POWER: "IBM POWER",
        Vendor.IBM_S390: "IBM Z",
        Vendor.ARM: "Arm",
    }
    label = names.get(platform.vendor, platform.vendor_id or "unknown vendor")
    model = platform.model_name or platform.vendor_id
    observed = f"vendor {platform.vendor_id or '?'}, model {model or '?'}"
    status = Status.PASS if platform.vendor in names else Status.INFO
    detail = ""
    if platform.vendor is Vendor.OTHER and platform.family is ArchFamily.X86:
        detail = "Other x86 vendors (Zhaoxin, Centaur) use Intel's VT-x and the kvm_intel module."
    return [
        assess(
            "cpu-vendor",
            status,
            f"CPU: {label} ({shorten(model, 48)})" if model else f"CPU: {label}",
            [Evidence("/proc/cpuinfo", observed)],
            detail=detail,
        )
    ]


def outer_host_remedy(ctx: Context) -> Remedy:
    """How to give this guest hardware virtualization: nested virtualization on the host below it."""
    platform = ctx.profile.platform
    module = {Vendor.AMD: "kvm_amd", Vendor.INTEL: "kvm_intel"}.get(platform.vendor, "kvm_intel")
    flag = "svm" if platform.vendor is Vendor.AMD else "vmx"
    commands: tuple[str, ...] = (
        f"cat /sys/module/{module}/parameters/nested",
        f"echo 'options {module} nested=1' >> /etc/modprobe.d/kvm.conf",
        f"modprobe -r {module} && modprobe {module}",
        "virsh edit GUEST",
    )
    settings: tuple[str, ...] = (
        f"options {module} nested=1 in /etc/modprobe.d/kvm.conf on the outer host",
        "<cpu mode='host-passthrough'/> in the guest's libvirt XML (virsh edit GUEST), then power the guest off and on",
        "[libvirt] cpu_mode = host-passthrough in the outer host's nova.conf, when the outer host is an OpenStack compute node",
    )
    if platform.family is ArchFamily.S390:
        commands = (
            "echo 'options kvm nested=1' >> /etc/modprobe.d/kvm.conf",
            "modprobe -r kvm && modprobe kvm",
        )
        settings = ("options kvm nested=1 in /etc/modprobe.d/kvm.conf on the outer KVM host",)
    elif platform.family is ArchFamily.POWER:
        commands = (
            "echo 'options kvm_hv nested=1' >> /etc/modprobe.d/kvm.conf",
            "modprobe -r kvm_hv && modprobe kvm_hv",
        )
        settings = (
            "options kvm_hv nested=1 on the outer POWER9 (or later) KVM host",
            "-machine pseries,cap-nested-hv=on for the guest (libvirt: <feature policy='require' name='nested-hv'/>)",
        )
    elif platform.family is ArchFamily.ARM:
        commands = ()
        settings = (
            "kvm-arm.mode=nested on the outer host's kernel command line (Linux 6.16 or later, a CPU with FEAT_NV2)",
        )
    return Remedy(
        summary="Enable nested virtualization on the outer host, and pass it through to this guest",
        commands=commands,
        settings=settings,
        why=(
            f"A virtual machine sees {ctx.vt_name} only when the hypervisor below it exposes it. Run the commands "
            f"on the outer host with its VMs stopped; afterwards this guest's /proc/cpuinfo shows '{flag}'. "
            "Other hypervisors: VMware: 'Expose hardware assisted virtualization to the guest OS' (vhv.enable = "
            '"TRUE") with the VM powered off; Hyper-V: Set-VMProcessor -VMName NAME '
            "-ExposeVirtualizationExtensions $true with the VM off; VirtualBox: VBoxManage modifyvm NAME "
            "--nested-hw-virt on; Google Cloud: create the VM with --enable-nested-virtualization; Azure: a VM size "
            "that supports nested virtualization (Dv3/Ev3 and later); Amazon EC2: a bare-metal (*.metal) instance."
        ),
    )


def check_guest(ctx: Context) -> list[Assessment]:
    platform = ctx.profile.platform
    evidence = [Evidence(source, observed) for source, observed in platform.guest_evidence]
    if platform.is_guest is None:
        return [assess("guest", Status.UNKNOWN, "Cannot tell whether this is a virtual machine", evidence)]
    if not platform.is_guest:
        return [assess("guest", Status.PASS, "Bare metal: no hypervisor below this host", evidence)]
    hypervisor = platform.hypervisor or "an unknown hypervisor"
    if ctx.lpar:
        return [
            assess(
                "guest",
                Status.INFO,
                "Runs in an IBM Z logical partition (PR/SM)",
                evidence,
                detail="LPARs are where KVM hosts on IBM Z normally run; KVM needs the SIE facility there.",
            )
        ]
    if ctx.kvm_works:
        how = "through PVM" if ctx.profile.pvm_active else "as nested virtualization"
        return [
            assess(
                "guest",
                Status.WARN,
                f"A virtual machine on {hypervisor}: KVM works here {how}",
                evidence,
                detail=(
                    "Instances on this host are nested guests: slower than on bare metal, and the outer "
                    "hypervisor's limits apply (nested guests cannot be live-migrated or resumed from suspend "
                    "while they run their own VMs). Fine for tests and demos; use bare metal for production."
                ),
                impact=Impact.RESTRICTION,
                reason=f"this host is itself a virtual machine on {hypervisor}",
            )
        ]
    if ctx.profile.pvm_active and ctx.kvm_works is None:
        return [
            assess(
                "guest",
                Status.WARN,
                f"A virtual machine on {hypervisor}: KVM can only come from PVM here (not tested)",
                evidence,
                detail="PVM (kvm_pvm) runs KVM inside a virtual machine without hardware virtualization.",
                impact=Impact.RESTRICTION,
                reason=f"this host is itself a virtual machine on {hypervisor}",
            )
        ]
    if ctx.vt is VtState.PRESENT:
        return [
            assess(
                "guest",
                Status.INFO,
                f"A virtual machine on {hypervisor}, with {ctx.vt_name} passed through",
                evidence,
                detail="The outer hypervisor exposes hardware virtualization: KVM can work here as nested KVM.",
            )
        ]
    return [
        assess(
            "guest",
            Status.FAIL,
            f"A virtual machine on {hypervisor}, without nested virtualization",
            evidence,
            remedy=outer_host_remedy(ctx),
            detail=f"{hypervisor} does not give this guest {ctx.vt_name}, so KVM cannot run here.",
            impact=Impact.UNSUPPORTED,
            reason=f"this is a virtual machine on {hypervisor} that does not pass {ctx.vt_name} through",
        )
    ]


def firmware_remedy(ctx: Context) -> Remedy:
    platform = ctx.profile.platform
    if platform.family is ArchFamily.ARM:
        return Remedy(
            summary="Boot the kernel in EL2 (hypervisor mode): update or configure the firmware or boot loader",
            why=(
                "KVM on aarch64 needs the kernel started at EL2. Server firmware (UEFI with ACPI) does this; "
                "some boards and boot loaders start Linux at EL1, and then no setting inside Linux helps."
            ),
        )
    return Remedy(
        summary=f"Enable {ctx.firmware_setting} in the firmware (BIOS/UEFI) setup, save, and power the machine off and on",
        settings=(
            f"{ctx.firmware_setting} = Enabled (firmware setup, usually under CPU or Processor configuration)",
        ),
        why=(
            f"The CPU has {ctx.vt_name}, but the firmware keeps it locked off; Linux cannot change that. A full power "
            "cycle (not only a reboot) is the safe way to make the firmware apply the new setting. Then load the "
            "KVM modules (see kvm-modules)."
        ),
    )
