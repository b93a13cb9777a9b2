"""What the live kernel of each demo host shows: /proc, /sys, devices, the KVM probe, CPUID, logs (data)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from wizard.host.facts import CommandRun, KvmApiProbe, PathStat, UdevDevice

X86_BASE = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse "
    "sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl "
    "xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl {vmx}smx est tm2 ssse3 sdbg "
    "fma cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c "
    "rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb cat_l3 invpcid_single intel_ppin ssbd mba ibrs ibpb "
    "stibp ibrs_enhanced {vmxfeat}fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a avx512f "
    "avx512dq rdseed adx smap avx512ifma clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl "
    "xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local split_lock_detect "
    "wbnoinvd dtherm ida arat pln pts hwp hwp_act_window hwp_epp hwp_pkg_req vnmi avx512vbmi umip pku "
    "ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme avx512_vpopcntdq la57 rdpid "
    "fsrm md_clear pconfig flush_l1d arch_capabilities"
)
VMX_FEATURES = "tpr_shadow flexpriority ept vpid ept_ad "
VMX_FLAGS = (
    "vnmi preemption_timer posted_intr invvpid ept_x_only ept_ad ept_1gb flexpriority apicv tsc_offset vtpr "
    "mtf vapic ept vpid unrestricted_guest vapic_reg vid ple shadow_vmcs pml ept_mode_based_exec tsc_scaling"
)
AMD_FLAGS = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht "
    "syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid "
    "extd_apicid aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe "
    "popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse "
    "3dnowprefetch osvw ibs skinit wdt tce topoext perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb "
    "cat_l3 cdp_l3 invpcid_single hw_pstate ssbd mba ibrs ibpb stibp vmmcall fsgsbase bmi1 avx2 smep bmi2 "
    "invpcid cqm rdt_a rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves cqm_llc "
    "cqm_occup_llc cqm_mbm_total cqm_mbm_local clzero irperf xsaveerptr rdpru wbnoinvd amd_ppin brs arat "
    "npt lbrv svm_lock nrip_save tsc_scale vmcb_clean flushbyasid decodeassists pausefilter pfthreshold "
    "v_vmsave_vmload vgif v_spec_ctrl umip pku ospke vaes vpclmulqdq rdpid overflow_recov succor smca"
)
GUEST_FLAGS = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss "
    "syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology cpuid tsc_known_freq "
    "pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx "
    "f16c rdrand hypervisor lahf_lm abm 3dnowprefetch cpuid_fault invpcid_single ssbd ibrs ibpb stibp "
    "ibrs_enhanced fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid mpx avx512f avx512dq rdseed adx "
    "smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves arat umip pku ospke "
    "avx512_vnni md_clear arch_capabilities"
)


def x86_cpuinfo(
    vendor: str, name: str, flags: str, *, family: int, model: int, stepping: int, extra: str = ""
) -> str:
    stanzas = []
    for number in range(2):
        stanzas.append(
            f"processor\t: {number}\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model}\n"
            f"model name\t: {name}\nstepping\t: {stepping}\nmicrocode\t: 0xd0003e7\ncpu MHz\t\t: 2000.000\n"
            f"cache size\t: 49152 KB\nphysical id\t: 0\nsiblings\t: 64\ncore id\t\t: {number}\ncpu cores\t: 32\n"
            f"apicid\t\t: {number * 2}\ninitial apicid\t: {number * 2}\nfpu\t\t: yes\nfpu_exception\t: yes\n"
            f"cpuid level\t: 27\nwp\t\t: yes\nflags\t\t: {flags}\n{extra}"
            "bugs\t\t: spectre_v1 spectre_v2 spec_store_bypass swapgs\nbogomips\t: 4000.00\n"
            "clflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 46 bits physical, 57 bits virtual\n"
            "power management:\n"
        )
    return "\n".join(stanzas)


INTEL_FLAGS = X86_BASE.format(vmx="vmx ", vmxfeat=VMX_FEATURES)
INTEL_FLAGS_HIDDEN = X86_BASE.format(vmx="", vmxfeat="")  # Linux >= 5.6 with VMX off in the firmware
POWER9_CPUINFO = "".join(
    f"processor\t: {number}\ncpu\t\t: POWER9, altivec supported\nclock\t\t: 3800.000000MHz\n"
    "revision\t: 2.2 (pvr 004e 1202)\n\n"
    for number in range(2)
) + (
    "timebase\t: 512000000\nplatform\t: PowerNV\nmodel\t\t: 8335-GTH\nmachine\t\t: PowerNV 8335-GTH\n"
    "firmware\t: OPAL\nMMU\t\t: Radix\n"
)
ALTRA_CPUINFO = "\n".join(
    f"processor\t: {number}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics "
    "fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU architecture: 8\n"
    "CPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n"
    for number in range(2)
)


def char(major: int, minor: int, group: str = "root", gid: int = 0, mode: int = 0o600) -> PathStat:
    return PathStat(
        exists=True,
        kind="char",
        mode=mode,
        uid=0,
        gid=gid,
        owner="root",
        group=group,
        major=major,
        minor=minor,
    )


SOCKET = PathStat(exists=True, kind="socket", mode=0o600, uid=0, gid=0, owner="root", group="root")
WORKING_KVM = KvmApiProbe(
    attempted=True,
    opened=True,
    api_version=12,
    create_vm=True,
    capabilities={
        "KVM_CAP_USER_MEMORY": 1,
        "KVM_CAP_NR_VCPUS": 64,
        "KVM_CAP_NR_MEMSLOTS": 32764,
        "KVM_CAP_MAX_VCPUS": 4096,
        "KVM_CAP_MAX_VCPU_ID": 4096,
        "KVM_CAP_NESTED_STATE": 16384,
    },
)
NO_KVM_DEVICE = KvmApiProbe(attempted=True, open_error="ENOENT: No such file or directory")
INTEL_CPUID = {
    "0x0.eax": "0x0000001b", "0x0.ebx": "0x756e6547", "0x0.ecx": "0x6c65746e", "0x0.edx": "0x49656e69",
    "0x1.eax": "0x000606a6", "0x1.ebx": "0x00400800", "0x1.ecx": "0x7ffefbff", "0x1.edx": "0xbfebfbff",
    "0x80000000.eax": "0x80000008", "0x80000001.ecx": "0x00000121", "0x80000001.edx": "0x2c100800",
}  # fmt: skip
GUEST_CPUID = {
    "0x0.eax": "0x0000000d", "0x0.ebx": "0x756e6547", "0x0.ecx": "0x6c65746e", "0x0.edx": "0x49656e69",
    "0x1.eax": "0x00050657", "0x1.ebx": "0x00010800", "0x1.ecx": "0xfffa3203", "0x1.edx": "0x0f8bfbff",
    "0x40000000.eax": "0x40000001", "0x40000000.ebx": "0x4b4d564b", "0x40000000.ecx": "0x564b4d56",
    "0x40000000.edx": "0x0000004d", "0x80000001.ecx": "0x00000121", "0x80000001.edx": "0x2c100800",
}  # fmt: skip


@dataclass
class Hardware:
    """What the live kernel of a demo host shows."""

    machine: str
    release: str
    cpuinfo: str
    modules: dict[str, str]  # loaded module -> /proc/modules line tail
    builtin: tuple[str, ...] = ()  # built-in modules that have a /sys/module entry
    nested: dict[str, str] = field(default_factory=dict)
    config: tuple[str, ...] = ("CONFIG_MODULES=y", "CONFIG_KVM=m", "CONFIG_VHOST_NET=m", "CONFIG_TUN=m")
    cmdline: str = "ro quiet"
    dmi: tuple[str, str] | None = None
    opal: bool = False
    acpi: tuple[str, ...] = ()
    iommu_groups: int = 0
    tpm: tuple[str, ...] = ()
    executables: tuple[str, ...] = ()
    devices: dict[str, PathStat] = field(default_factory=dict)
    kvm: KvmApiProbe = WORKING_KVM
    kernel_log: tuple[str, ...] = ()
    cpuid: dict[str, str] = field(default_factory=dict)
    cpuid_error: str | None = "ENOENT: No such file or directory"
    msr: dict[str, str] = field(default_factory=dict)
    msr_error: str | None = "ENOENT: No such file or directory"
    tpm2_version: str | None = None
    udev: tuple[UdevDevice, ...] = ()
    # Running services as /proc shows them: (pid, argv, the first line of /proc/PID/cgroup).
    processes: tuple[tuple[int, tuple[str, ...], str], ...] = ()
    commands: dict[str, CommandRun] = field(default_factory=dict)  # read-only commands beyond vgs and tpm2
    python_packages: tuple[str, ...] = ()  # files and directories of the nova and Ceph Python packages
    libvirt_answers: str | None = None  # a recording of tools/libvirt_answers/ that matches this host
    efi: tuple[int, int] | None = None  # booted through UEFI: the values of SecureBoot and SetupMode
    lockdown: str = ""  # the kernel's lockdown mode, "" when the kernel has none
    # QEMU's firmware descriptors of this host's UEFI package (a directory of tools/firmware/)
    guest_firmware: str | None = None


DEBIAN_TOOLS = ("udevadm", "modprobe", "systemctl", "apt-get", "vgs", "virsh", "nova-compute")
RHEL_TOOLS = ("udevadm", "modprobe", "systemctl", "dnf", "yum", "vgs", "virsh", "nova-compute", "qemu-kvm")
KVM_UDEV = UdevDevice("misc", "kvm", "/dev/kvm", True, {"DEVNAME": "/dev/kvm", "TAGS": ":uaccess:"})
DEBIAN_KVM = char(10, 232, "kvm", 108, 0o660)
RHEL_KVM = char(10, 232, "kvm", 36, 0o666)
TUN = char(10, 200, mode=0o666)


# Debian 12's own nova (Zed) and Ubuntu 24.04's (Caracal); Ceph's Python bindings as Ubuntu 24.04 ships them.
DEBIAN12_NOVA = ("/usr/lib/python3/dist-packages/nova-26.0.0.egg-info/",)
UBUNTU2404_NOVA_CEPH = (
    "/usr/lib/python3/dist-packages/nova-29.0.0.egg-info/",
    "/usr/lib/python3/dist-packages/rbd.cpython-312-x86_64-linux-gnu.so",
    "/usr/lib/python3/dist-packages/rados.cpython-312-x86_64-linux-gnu.so",
)
# Recorded from Debian 12's libvirt 9.0 and QEMU 7.2 (tools/record_libvirt.py): the answers that do not depend
# on the CPU, for the demo hosts that run exactly that libvirt.
DEBIAN12_LIBVIRT = "debian12-x86_64.toml"
# Debian 12's ovmf package (2022.11): QEMU's descriptors of its firmware, as /usr/share/qemu/firmware has them.
DEBIAN_OVMF = "debian12-ovmf"


def _modules(*names: str) -> dict[str, str]:
    sizes = {
        "kvm_intel": "487424 0",
        "kvm_amd": "204800 0",
        "kvm": "1421312 1 {vendor},",
        "irqbypass": "12288 1 kvm,",
    }
    return {name: sizes.get(name, "57344 0") for name in names}


HARDWARE: dict[str, Hardware] = {
    "intel-ready": Hardware(
        machine="x86_64",
        release="6.8.0-45-generic",
        cpuinfo=x86_cpuinfo(
            "GenuineIntel",
            "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
            INTEL_FLAGS,
            family=6,
            model=106,
            stepping=6,
            extra=f"vmx flags\t: {VMX_FLAGS}\n",
        ),
        modules=_modules("kvm_intel", "kvm", "irqbypass", "vhost_net", "vhost", "tun"),
        nested={"kvm_intel": "Y"},
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=m",
            "CONFIG_KVM_INTEL=m",
            "CONFIG_KVM_AMD=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=y",
            "CONFIG_INTEL_IOMMU=y",
        ),
        cmdline="BOOT_IMAGE=/vmlinuz-6.8.0-45-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro intel_iommu=on iommu=pt",
        dmi=("Dell Inc.", "PowerEdge R650"),
        acpi=("DMAR",),
        iommu_groups=84,
        executables=(*DEBIAN_TOOLS, "qemu-system-x86_64", "swtpm", "swtpm_setup", "rbd"),
        devices={
            "/dev/kvm": DEBIAN_KVM,
            "/dev/vhost-net": char(10, 238, "kvm", 108, 0o660),
            "/dev/net/tun": TUN,
            "/run/udev/control": SOCKET,
        },
        kernel_log=(
            "[    0.000000] DMI: Dell Inc. PowerEdge R650/0Y2G81, BIOS 1.13.2 12/18/2023",
            "[    0.812405] DMAR: IOMMU enabled",
            "[    1.204871] DMAR: Intel(R) Virtualization Technology for Directed I/O",
        ),
        udev=(KVM_UDEV,),
        python_packages=UBUNTU2404_NOVA_CEPH,
        efi=(0, 0),
        lockdown="none",
        guest_firmware=DEBIAN_OVMF,
    ),
    "intel-vt-disabled": Hardware(
        machine="x86_64",
        release="6.1.0-26-amd64",
        cpuinfo=x86_cpuinfo(
            "GenuineIntel",
            "Intel(R) Xeon(R) E-2288G CPU @ 3.70GHz",
            INTEL_FLAGS_HIDDEN,
            family=6,
            model=158,
            stepping=13,
        ),
        modules=_modules("kvm", "irqbypass", "vhost_net", "vhost", "tun", "msr", "cpuid"),
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=m",
            "CONFIG_KVM_INTEL=m",
            "CONFIG_KVM_AMD=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=m",
        ),
        cmdline="BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=4f2d8b1e-7c3a-4e5f-9a6b-0d1c2e3f4a5b ro quiet",
        dmi=("Dell Inc.", "PowerEdge R340"),
        executables=(*DEBIAN_TOOLS, "qemu-system-x86_64"),
        devices={
            "/dev/vhost-net": char(10, 238, "kvm", 108, 0o660),
            "/dev/net/tun": TUN,
            "/run/udev/control": SOCKET,
        },
        kvm=NO_KVM_DEVICE,
        kernel_log=(
            "[    0.000000] DMI: Dell Inc. PowerEdge R340/045M96, BIOS 2.14.1 05/29/2024",
            "[    0.000000] x86/cpu: VMX (outside TXT) disabled by BIOS",
            "[   14.882613] kvm: no hardware support for 'kvm_intel'",
        ),
        cpuid=INTEL_CPUID | {"0x1.eax": "0x000906ed"},
        cpuid_error=None,
        msr={"0x3a": "0x1"},
        msr_error=None,
        python_packages=DEBIAN12_NOVA,
        libvirt_answers=DEBIAN12_LIBVIRT,
        guest_firmware=DEBIAN_OVMF,
    ),
    "amd-modules-missing": Hardware(
        machine="x86_64",
        release="5.14.0-427.16.1.el9_4.x86_64",
        cpuinfo=x86_cpuinfo(
            "AuthenticAMD", "AMD EPYC 7313 16-Core Processor", AMD_FLAGS, family=25, model=1, stepping=1
        ),
        modules=_modules("tun", "bonding"),
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=m",
            "CONFIG_KVM_INTEL=m",
            "CONFIG_KVM_AMD=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=m",
        ),
        cmdline="BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-427.16.1.el9_4.x86_64 root=/dev/mapper/rl-root ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M rd.lvm.lv=rl/root",
        dmi=("Supermicro", "AS -1114S-WN10RT"),
        acpi=("IVRS",),
        iommu_groups=62,
        executables=RHEL_TOOLS,
        devices={"/dev/net/tun": TUN, "/run/udev/control": SOCKET},
        kvm=NO_KVM_DEVICE,
        kernel_log=(
            "[    0.000000] DMI: Supermicro AS -1114S-WN10RT/H12SSW-NTR, BIOS 2.7 10/25/2023",
            "[    1.394820] AMD-Vi: Interrupt remapping enabled",
        ),
    ),
    "amd-nested-off": Hardware(
        machine="x86_64",
        release="6.1.0-26-amd64",
        cpuinfo=x86_cpuinfo(
            "AuthenticAMD", "AMD EPYC 7443P 24-Core Processor", AMD_FLAGS, family=25, model=1, stepping=1
        ),
        modules=_modules("kvm_amd", "kvm", "irqbypass", "ccp", "vhost_net", "vhost", "tun"),
        nested={"kvm_amd": "0"},
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=m",
            "CONFIG_KVM_INTEL=m",
            "CONFIG_KVM_AMD=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=m",
        ),
        cmdline="BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f ro quiet",
        dmi=("Supermicro", "Super Server"),
        acpi=("IVRS",),
        iommu_groups=58,
        executables=(*DEBIAN_TOOLS, "qemu-system-x86_64"),
        devices={
            "/dev/kvm": DEBIAN_KVM,
            "/dev/vhost-net": char(10, 238, "kvm", 108, 0o660),
            "/dev/net/tun": TUN,
            "/run/udev/control": SOCKET,
        },
        kernel_log=(
            "[    0.000000] DMI: Supermicro Super Server/H12SSL-i, BIOS 2.6 08/18/2023",
            "[    1.612033] AMD-Vi: Interrupt remapping enabled",
        ),
        msr={"0xc0010114": "0x0"},
        msr_error=None,
        udev=(KVM_UDEV,),
        python_packages=DEBIAN12_NOVA,
        libvirt_answers=DEBIAN12_LIBVIRT,
        guest_firmware=DEBIAN_OVMF,
    ),
    "power9": Hardware(
        machine="ppc64le",
        release="5.14.0-427.13.1.el9_4.ppc64le",
        cpuinfo=POWER9_CPUINFO,
        modules=_modules("kvm_hv", "kvm", "vhost_net", "vhost", "tun"),
        nested={"kvm_hv": "Y"},
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=y",
            "CONFIG_KVM_BOOK3S_64=m",
            "CONFIG_KVM_BOOK3S_64_HV=m",
            "CONFIG_KVM_BOOK3S_64_PR=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=m",
        ),
        cmdline="root=/dev/mapper/rhel-root ro crashkernel=2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G rd.lvm.lv=rhel/root",
        opal=True,
        iommu_groups=12,
        executables=RHEL_TOOLS,
        devices={
            "/dev/kvm": RHEL_KVM,
            "/dev/vhost-net": char(10, 238, "root", 0, 0o600),
            "/dev/net/tun": TUN,
            "/run/udev/control": SOCKET,
        },
        kernel_log=("[    0.000000] opal: OPAL detected !",),
        cpuid_error="not read: ppc64le has no x86 CPUID or MSRs",
        msr_error="not read: ppc64le has no x86 CPUID or MSRs",
    ),
    "aarch64": Hardware(
        machine="aarch64",
        release="6.8.0-45-generic",
        cpuinfo=ALTRA_CPUINFO,
        modules=_modules("vhost_net", "vhost", "tun"),
        builtin=("kvm",),
        config=("CONFIG_MODULES=y", "CONFIG_KVM=y", "CONFIG_VHOST_NET=m", "CONFIG_TUN=y"),
        cmdline="BOOT_IMAGE=/vmlinuz-6.8.0-45-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro",
        dmi=("GIGABYTE", "R272-P30-00"),
        iommu_groups=40,
        executables=(*DEBIAN_TOOLS, "qemu-system-aarch64"),
        devices={
            "/dev/kvm": DEBIAN_KVM,
            "/dev/vhost-net": char(10, 238, "kvm", 108, 0o660),
            "/dev/net/tun": TUN,
            "/run/udev/control": SOCKET,
        },
        kernel_log=(
            "[    2.193510] kvm [1]: IPA Size Limit: 48 bits",
            "[    2.193590] kvm [1]: GICv3: no GICV resource entry",
            "[    2.193593] kvm [1]: disabling GICv2 emulation",
            "[    2.193610] kvm [1]: GIC system register CPU interface enabled",
            "[    2.193718] kvm [1]: vgic interrupt IRQ9",
            "[    2.193845] kvm [1]: VHE mode initialized successfully",
        ),
        cpuid_error="not read: aarch64 has no x86 CPUID or MSRs",
        msr_error="not read: aarch64 has no x86 CPUID or MSRs",
        udev=(KVM_UDEV,),
    ),
    "vm-guest-no-nested": Hardware(
        machine="x86_64",
        release="5.15.0-122-generic",
        cpuinfo=x86_cpuinfo(
            "GenuineIntel", "Intel Xeon Processor (Cascadelake)", GUEST_FLAGS, family=6, model=85, stepping=7
        ),
        modules=_modules("vhost_net", "vhost", "tun", "cpuid"),
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=m",
            "CONFIG_KVM_INTEL=m",
            "CONFIG_KVM_AMD=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=y",
        ),
        cmdline="BOOT_IMAGE=/boot/vmlinuz-5.15.0-122-generic root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0",
        dmi=("OpenStack Foundation", "OpenStack Nova"),
        executables=(*DEBIAN_TOOLS, "qemu-system-x86_64"),
        devices={
            "/dev/vhost-net": char(10, 238, "kvm", 108, 0o660),
            "/dev/net/tun": TUN,
            "/run/udev/control": SOCKET,
        },
        kvm=NO_KVM_DEVICE,
        kernel_log=(
            "[    0.000000] DMI: OpenStack Foundation OpenStack Nova, BIOS 1.15.0-1 04/01/2014",
            "[    0.000000] Hypervisor detected: KVM",
            "[   21.306417] kvm: no hardware support",
        ),
        cpuid=GUEST_CPUID,
        cpuid_error=None,
    ),
    "kvm-permissions": Hardware(
        machine="x86_64",
        release="6.1.0-26-amd64",
        cpuinfo=x86_cpuinfo(
            "GenuineIntel",
            "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz",
            INTEL_FLAGS,
            family=6,
            model=106,
            stepping=6,
            extra=f"vmx flags\t: {VMX_FLAGS}\n",
        ),
        modules=_modules("kvm_intel", "kvm", "irqbypass", "vhost_net", "vhost", "tun"),
        nested={"kvm_intel": "Y"},
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=m",
            "CONFIG_KVM_INTEL=m",
            "CONFIG_KVM_AMD=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=m",
        ),
        cmdline="BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e ro quiet",
        dmi=("HPE", "ProLiant DL360 Gen10 Plus"),
        acpi=("DMAR",),
        executables=(*DEBIAN_TOOLS, "qemu-system-x86_64"),
        devices={
            "/dev/kvm": char(10, 232, "root", 0, 0o660),
            "/dev/vhost-net": char(10, 238, "kvm", 108, 0o660),
            "/dev/net/tun": TUN,
            "/run/udev/control": SOCKET,
        },
        kernel_log=(
            "[    0.000000] DMI: HPE ProLiant DL360 Gen10 Plus/ProLiant DL360 Gen10 Plus, BIOS U46 07/20/2023",
        ),
        udev=(KVM_UDEV,),
        python_packages=DEBIAN12_NOVA,
        libvirt_answers=DEBIAN12_LIBVIRT,
        guest_firmware=DEBIAN_OVMF,
    ),
    "tpm2-host": Hardware(
        machine="x86_64",
        release="5.15.0-122-generic",
        cpuinfo=x86_cpuinfo(
            "GenuineIntel",
            "Intel(R) Xeon(R) Gold 5318Y CPU @ 2.10GHz",
            INTEL_FLAGS,
            family=6,
            model=106,
            stepping=6,
            extra=f"vmx flags\t: {VMX_FLAGS}\n",
        ),
        modules=_modules("kvm_intel", "kvm", "irqbypass", "vhost_net", "vhost", "tun", "tpm_crb"),
        nested={"kvm_intel": "Y"},
        config=(
            "CONFIG_MODULES=y",
            "CONFIG_KVM=m",
            "CONFIG_KVM_INTEL=m",
            "CONFIG_KVM_AMD=m",
            "CONFIG_VHOST_NET=m",
            "CONFIG_TUN=y",
            "CONFIG_TCG_TPM=y",
            "CONFIG_TCG_CRB=y",
        ),
        cmdline="BOOT_IMAGE=/vmlinuz-5.15.0-122-generic root=/dev/mapper/ubuntu--vg-ubuntu--lv ro intel_iommu=on",
        dmi=("Lenovo", "ThinkSystem SR650 V2"),
        acpi=("DMAR",),
        iommu_groups=96,
        tpm=("tpm0",),
        executables=(
            *DEBIAN_TOOLS,
            "qemu-system-x86_64",
            "tpm2",
            "tpm2_getrandom",
            "tpm2_selftest",
            "tpm2_getcap",
            "tpm2_pcrread",
            "tpm2_startup",
            "swtpm",
            "swtpm_setup",
        ),
        devices={
            "/dev/kvm": DEBIAN_KVM,
            "/dev/vhost-net": char(10, 238, "kvm", 108, 0o660),
            "/dev/net/tun": TUN,
            "/dev/tpm0": PathStat(
                exists=True,
                kind="char",
                mode=0o660,
                uid=102,
                gid=0,
                owner="tss",
                group="root",
                major=10,
                minor=224,
            ),
            "/dev/tpmrm0": char(253, 65536, "tss", 110, 0o660),
            "/run/udev/control": SOCKET,
        },
        kernel_log=(
            "[    0.000000] DMI: Lenovo ThinkSystem SR650 V2/7Z73CTO1WW, BIOS AFE124B-1.32 03/14/2024",
            "[    1.002514] DMAR: IOMMU enabled",
        ),
        tpm2_version="5.2",
        efi=(1, 0),
        lockdown="integrity",
        guest_firmware=DEBIAN_OVMF,
        udev=(
            KVM_UDEV,
            UdevDevice("tpm", "tpm0", "/dev/tpm0", True, {"DEVNAME": "/dev/tpm0", "TAGS": ":systemd:"}),
            UdevDevice(
                "tpmrm", "tpmrm0", "/dev/tpmrm0", True, {"DEVNAME": "/dev/tpmrm0", "TAGS": ":systemd:"}
            ),
        ),
    ),
}

# Rescue scenarios: the same machines as two of the above, after a bad hand edit of their configuration.
HARDWARE["broken-nova-conf"] = HARDWARE["intel-ready"]
HARDWARE["lvm-missing-vg"] = HARDWARE["amd-nested-off"]

# Configured nodes: where nova-compute reads its configuration decides what the wizard keeps and where it writes.
HARDWARE["lvm-custom-cpu"] = dataclasses.replace(
    HARDWARE["intel-ready"],
    nested={"kvm_intel": "N"},
    processes=(
        (
            2317,
            (
                "/usr/bin/python3",
                "/usr/bin/nova-compute",
                "--config-file=/etc/nova/nova.conf",
                "--config-file=/etc/nova/nova-compute.conf",
                "--log-file=/var/log/nova/nova-compute.log",
            ),
            "0::/system.slice/nova-compute.service",
        ),
    ),
)
HARDWARE["debian-qemu-override"] = dataclasses.replace(HARDWARE["amd-nested-off"], nested={"kvm_amd": "1"})
HARDWARE["rdo-nova-conf-d"] = dataclasses.replace(
    HARDWARE["amd-nested-off"],
    release="5.14.0-427.16.1.el9_4.x86_64",
    cmdline="BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-427.16.1.el9_4.x86_64 root=/dev/mapper/rl-root ro rd.lvm.lv=rl/root",
    nested={"kvm_amd": "1"},
    executables=RHEL_TOOLS,
    devices={
        "/dev/kvm": RHEL_KVM,
        "/dev/vhost-net": char(10, 238, "kvm", 36, 0o660),
        "/dev/net/tun": TUN,
        "/run/udev/control": SOCKET,
    },
    processes=(
        (
            2841,
            ("/usr/bin/python3", "/usr/bin/nova-compute"),
            "0::/system.slice/openstack-nova-compute.service",
        ),
    ),
    # Rocky's own libvirt and RDO's nova, not Debian's: no recording of them (as for amd-modules-missing).
    python_packages=(),
    libvirt_answers=None,
)
HARDWARE["kolla-compute"] = dataclasses.replace(
    HARDWARE["intel-ready"],
    executables=(*HARDWARE["intel-ready"].executables, "docker"),
    processes=(
        (
            4711,
            ("/var/lib/kolla/venv/bin/python3", "/var/lib/kolla/venv/bin/nova-compute"),
            "0::/system.slice/docker-3f2a9c81d4e6b7a05c1f2e3d4c5b6a7980f1e2d3c4b5a6978e0f1d2c3b4a5968.scope",
        ),
    ),
    commands={
        "docker ps": CommandRun(
            argv=("docker", "ps", "--format", "{{.Names}}"),
            returncode=0,
            stdout="nova_compute\nnova_libvirt\nnova_ssh\nfluentd\ncron\nkolla_toolbox\n",
        )
    },
)
