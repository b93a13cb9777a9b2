"""How each hypervisor gives a guest hardware virtualization: the remedy for a guest without it.

Each remedy is for the hypervisor that was identified, in that hypervisor's own terms and on the architecture
of this guest; where no way is known, it says what KVM needs instead and offers no command. Sources: VirtualBox's
VBoxManage (--nested-hw-virt), VMware's vhv.enable, Microsoft's Set-VMProcessor -ExposeVirtualizationExtensions,
Linux Documentation/virt/kvm/x86/running-nested-guests.rst and arch/powerpc/kvm-nested.rst, arch/s390/kvm
(SIE), Xen's xl.cfg (nestedhvm).
"""

from __future__ import annotations

from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Remedy
from wizard.host.hypervisor import HypervisorKind, Layer
from wizard.host.platform import ArchFamily, Vendor

OFF = "with the VM powered off (a reboot from inside is not enough)"


def guest_sees(ctx: Context) -> str:
    """What this guest shows once its hypervisor passes virtualization through, in this architecture's terms."""
    platform = ctx.profile.platform
    family = platform.family
    if family is ArchFamily.X86:
        return f"this guest's /proc/cpuinfo then shows '{platform.vt_flag}'"
    if family is ArchFamily.S390:
        return "this guest's /proc/cpuinfo features then show 'sie'"
    if family is ArchFamily.POWER:
        return "kvm_hv then loads in this guest (POWER has no cpuinfo flag for it)"
    if family is ArchFamily.ARM:
        return (
            "the kernel log then says 'kvm [1]: ... mode initialized successfully' (Arm has no cpuinfo flag)"
        )
    return f"this guest then has {ctx.vt_name}"


def _kvm(ctx: Context, layer: Layer) -> Remedy | None:
    platform = ctx.profile.platform
    family = platform.family
    if layer.cloud == "Amazon EC2":
        return Remedy(
            summary="Run this host on an Amazon EC2 bare-metal instance (a *.metal type)",
            why=f"EC2's Nitro hypervisor gives this instance type no {ctx.vt_name}; a *.metal instance has the "
            "CPU's own.",
        )
    if layer.cloud == "Google Compute Engine":
        if family is not ArchFamily.X86:
            return None
        return Remedy(
            summary="Recreate (or, stopped, update) the VM with nested virtualization enabled",
            commands=("gcloud compute instances create NAME --enable-nested-virtualization ...",),
            why=f"Google Compute Engine exposes {ctx.vt_name} to x86 VMs created with it; {guest_sees(ctx)}.",
        )
    if "Nutanix" in layer.name:
        return Remedy(
            summary="On the Nutanix AHV cluster, pass the CPU's virtualization through to this VM",
            commands=("acli vm.update NAME cpu_passthrough=true",),
            why=f"Run it on a Controller VM {OFF}; {guest_sees(ctx)}.",
        )
    if family is ArchFamily.S390:
        return Remedy(
            summary="Allow nested virtualization (vSIE) on the KVM host below",
            commands=(
                "echo 'options kvm nested=1' >> /etc/modprobe.d/kvm.conf",
                "modprobe -r kvm && modprobe kvm",
            ),
            settings=(
                "options kvm nested=1 in /etc/modprobe.d/kvm.conf on the KVM host below (not with hpage=1)",
            ),
            why=f"On the KVM host below, with its guests stopped; {guest_sees(ctx)}.",
        )
    if family is ArchFamily.POWER:
        return Remedy(
            summary="Enable nested KVM-HV on the KVM host below (POWER9 or later, radix guests)",
            commands=(
                "echo 'options kvm_hv nested=1' >> /etc/modprobe.d/kvm.conf",
                "modprobe -r kvm_hv && modprobe kvm_hv",
            ),
            settings=(
                "options kvm_hv nested=1 on the KVM host below (a POWER9 or later in PowerNV mode)",
                "-machine pseries,cap-nested-hv=on for this guest (libvirt: <feature policy='require' name='nested-hv'/>)",
            ),
            why=f"Nested KVM-HV needs Linux 4.20 or later on a POWER9 or later host; {guest_sees(ctx)}.",
        )
    if family is ArchFamily.ARM:
        return Remedy(
            summary="Enable nested virtualization on the KVM host below (Arm FEAT_NV2)",
            settings=(
                "kvm-arm.mode=nested on the host's kernel command line (a recent kernel, a CPU with FEAT_NV2)",
            ),
            why=f"Without it an Arm guest has no EL2; {guest_sees(ctx)}.",
        )
    module = "kvm_amd" if platform.vendor is Vendor.AMD else "kvm_intel"
    settings = [
        f"options {module} nested=1 in /etc/modprobe.d/kvm.conf on the KVM host below",
        "<cpu mode='host-passthrough'/> in this guest's libvirt XML (virsh edit GUEST), then power it off and on",
    ]
    if "OpenStack" in layer.name:
        settings.append(
            "[libvirt] cpu_mode = host-passthrough in nova.conf of the OpenStack compute nodes below"
        )
    return Remedy(
        summary="Enable nested virtualization on the KVM host below, and pass it through to this guest",
        commands=(
            f"cat /sys/module/{module}/parameters/nested",
            f"echo 'options {module} nested=1' >> /etc/modprobe.d/kvm.conf",
            f"modprobe -r {module} && modprobe {module}",
            "virsh edit GUEST",
        ),
        settings=tuple(settings),
        why=f"Run the commands on the KVM host below with its VMs stopped; {guest_sees(ctx)}.",
    )


def _powervm(ctx: Context) -> Remedy:
    generation = ctx.profile.platform.power_generation
    if generation is not None and generation <= 7:
        return Remedy(
            summary="Run KVM on a POWER8 or later machine in OPAL (PowerNV) firmware mode",
            why=(
                f"KVM-HV (kvm_hv) needs the hypervisor mode, which a PowerVM LPAR never has; POWER{generation} "
                "machines have no OPAL firmware to run Linux on bare metal. Inside this LPAR only kvm_pr "
                "(PR KVM: emulated, much slower) could run."
            ),
        )
    if generation is not None and generation >= 10:
        return Remedy(
            summary="Use KVM on PowerVM (the nested PAPR API), or a machine in OPAL (PowerNV) mode",
            why=(
                f"POWER{generation} LPARs can run KVM guests through PowerVM's nested PAPR API (Linux's KVM on "
                "PowerVM, QEMU cap-nested-papr) when the system firmware supports it; kvm-wizard does not know "
                "which firmware level that needs: see IBM's documentation. kvm_hv in its classic form needs "
                "OPAL (PowerNV) mode on bare metal."
            ),
        )
    return Remedy(
        summary="Run KVM on bare metal in OPAL (PowerNV) firmware mode, if this machine's model offers it",
        why=(
            "KVM-HV (kvm_hv) needs the hypervisor mode, which a PowerVM LPAR never has. Some POWER8 and POWER9 "
            "models (the L and LC models) can run OPAL firmware instead of PowerVM; others cannot. Inside this "
            "LPAR only kvm_pr (PR KVM: emulated, much slower) could run."
        ),
    )


def outer_host_remedy(ctx: Context) -> Remedy | None:
    """What gives this guest hardware virtualization, for the hypervisor directly below it; None when no way
    is known (then the guest finding says what KVM needs instead)."""
    platform = ctx.profile.platform
    virtualization = platform.virtualization
    layer = virtualization.direct
    kind = layer.kind if layer is not None else HypervisorKind.UNNAMED
    x86 = platform.family is ArchFamily.X86
    if kind is HypervisorKind.KVM and layer is not None:
        return _kvm(ctx, layer)
    if kind is HypervisorKind.POWERVM:
        return _powervm(ctx)
    if kind is HypervisorKind.VIRTUALBOX and x86:
        return Remedy(
            summary="Turn on nested VT-x/AMD-V for this VM in VirtualBox",
            commands=("VBoxManage modifyvm NAME --nested-hw-virt on",),
            settings=("VirtualBox Manager: Settings > System > Processor > 'Enable Nested VT-x/AMD-V'",),
            why=f"On the machine that runs VirtualBox, {OFF}; {guest_sees(ctx)}.",
        )
    if kind is HypervisorKind.VMWARE and x86:
        return Remedy(
            summary="Expose hardware-assisted virtualization to this VM in VMware",
            settings=(
                "vSphere/ESXi: Edit Settings > CPU > 'Expose hardware assisted virtualization to the guest OS' "
                '(vhv.enable = "TRUE" in the .vmx file)',
                "Workstation/Fusion: Processors > 'Virtualize Intel VT-x/EPT or AMD-V/RVI'",
            ),
            why=f"Change it {OFF}; {guest_sees(ctx)}.",
        )
    if kind is HypervisorKind.HYPERV and x86:
        if layer is not None and layer.cloud == "Microsoft Azure":
            return Remedy(
                summary="Resize the Azure VM to a size that supports nested virtualization",
                why=f"Azure exposes {ctx.vt_name} only on VM sizes that support nesting (Dv3, Ev3 and later "
                f"series); {guest_sees(ctx)}.",
            )
        return Remedy(
            summary="On the Hyper-V host, expose the virtualization extensions to this VM",
            commands=("Set-VMProcessor -VMName NAME -ExposeVirtualizationExtensions $true",),
            why=f"PowerShell as administrator on the Hyper-V host, {OFF} (Windows Server 2016 or Windows 10 "
            f"and later, VM configuration version 8.0 or later); {guest_sees(ctx)}.",
        )
    if kind is HypervisorKind.PARALLELS and x86:
        return Remedy(
            summary="Turn on nested virtualization for this VM in Parallels Desktop",
            commands=("prlctl set NAME --nested-virt on",),
            why=f"On the Mac that runs Parallels Desktop, {OFF}; {guest_sees(ctx)}.",
        )
    if kind is HypervisorKind.XEN:
        return _xen(ctx, layer)
    if kind is HypervisorKind.ZVM:
        return Remedy(
            summary="Run the KVM host in a logical partition (LPAR) of its own",
            why=(
                "KVM on IBM Z needs the SIE facility (features: sie), which this z/VM guest does not have. An LPAR "
                "is where KVM hosts on IBM Z normally run. KVM has run inside z/VM guests on some levels, but "
                "kvm-wizard knows no z/VM setting that gives a guest SIE."
            ),
        )
    if kind is HypervisorKind.UNNAMED and x86:
        return Remedy(
            summary="Enable nested virtualization on the hypervisor below (it was not identified)",
            why=(
                f"Each hypervisor has its own setting; {guest_sees(ctx)}. KVM: options kvm_intel (or kvm_amd) "
                "nested=1 and cpu mode host-passthrough; VMware: 'Expose hardware assisted virtualization to the "
                "guest OS'; Hyper-V: Set-VMProcessor -VMName NAME -ExposeVirtualizationExtensions $true; "
                "VirtualBox: VBoxManage modifyvm NAME --nested-hw-virt on; Xen: nestedhvm=1."
            ),
        )
    return None


def _xen(ctx: Context, layer: Layer | None) -> Remedy:
    if ctx.profile.platform.virtualization.xen_dom0:
        return Remedy(
            summary="Boot this machine without the Xen hypervisor to run KVM",
            why=(
                f"This is Xen's control domain (dom0): Xen, not Linux, owns {ctx.vt_name}, so KVM cannot load "
                "here even though the CPU shows it. Boot the plain Linux kernel entry instead of the Xen one."
            ),
        )
    if layer is not None and layer.cloud == "Amazon EC2":
        return Remedy(
            summary="Run this host on an Amazon EC2 bare-metal instance (a *.metal type)",
            why=f"EC2's Xen instances give guests no {ctx.vt_name}.",
        )
    hvm = layer is not None and "HVM" in layer.detail
    return Remedy(
        summary="Run this guest as a Xen HVM guest with nested virtualization (nestedhvm=1)",
        settings=(
            "nestedhvm = 1 in the guest's xl configuration (xl.cfg), then destroy and create the guest",
        ),
        why=(
            (
                ""
                if hvm
                else "A paravirtualized (PV) Xen guest cannot run KVM at all: it must be an HVM guest; "
            )
            + f"{guest_sees(ctx)}."
        ),
    )
