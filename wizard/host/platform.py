"""What kind of machine the facts describe: architecture, CPU vendor and features, guest or bare metal."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from enum import StrEnum

from wizard.host.facts import HostFacts
from wizard.host.parsing import parse_cpuinfo
from wizard.host.patterns import ARM_HYP, ARM_HYP_UNAVAILABLE


class Arch(StrEnum):
    X86_64 = "x86_64"
    AARCH64 = "aarch64"
    PPC64LE = "ppc64le"
    PPC64 = "ppc64"  # big-endian POWER
    S390X = "s390x"
    X86_32 = "i686"
    ARM32 = "arm"
    PPC32 = "ppc"
    RISCV64 = "riscv64"
    LOONGARCH64 = "loongarch64"
    MIPS = "mips"
    UNKNOWN = "unknown"


# Where Nova runs KVM guests (and distributions ship OpenStack): the seed document's x86, POWER (PowerNV),
# plus aarch64 and s390x, which Nova's libvirt driver supports with KVM too.
SUPPORTED_ARCHES = frozenset({Arch.X86_64, Arch.AARCH64, Arch.PPC64LE, Arch.S390X})


class ArchFamily(StrEnum):
    X86 = "x86"
    ARM = "arm"
    POWER = "power"
    S390 = "s390"
    RISCV = "riscv"
    LOONGARCH = "loongarch"
    MIPS = "mips"
    UNKNOWN = "unknown"


_FAMILY = {
    Arch.X86_64: ArchFamily.X86,
    Arch.X86_32: ArchFamily.X86,
    Arch.AARCH64: ArchFamily.ARM,
    Arch.ARM32: ArchFamily.ARM,
    Arch.PPC64LE: ArchFamily.POWER,
    Arch.PPC64: ArchFamily.POWER,
    Arch.PPC32: ArchFamily.POWER,
    Arch.S390X: ArchFamily.S390,
    Arch.RISCV64: ArchFamily.RISCV,
    Arch.LOONGARCH64: ArchFamily.LOONGARCH,
    Arch.MIPS: ArchFamily.MIPS,
    Arch.UNKNOWN: ArchFamily.UNKNOWN,
}


class Vendor(StrEnum):
    INTEL = "intel"
    AMD = "amd"
    IBM_POWER = "ibm-power"
    IBM_S390 = "ibm-s390"
    ARM = "arm"
    OTHER = "other"
    UNKNOWN = "unknown"


# Hypervisor signatures in CPUID leaf 0x40000000 (EBX, ECX, EDX as 12 ASCII bytes).
CPUID_HYPERVISORS = {
    "KVMKVMKVM": "KVM",
    "Microsoft Hv": "Microsoft Hyper-V",
    "VMwareVMware": "VMware",
    "XenVMMXenVMM": "Xen",
    "TCGTCGTCGTCG": "QEMU (TCG emulation)",
    "VBoxVBoxVBox": "VirtualBox",
    "ACRNACRNACRN": "ACRN",
    " lrpepyh  vr": "Parallels",
    "bhyve bhyve ": "bhyve",
    "QNXQVMBSQG": "QNX",
}
# DMI sys_vendor/product_name words that name a virtual machine.
DMI_HYPERVISORS = (
    ("QEMU", "QEMU/KVM"),
    ("KVM", "KVM"),
    ("VMware", "VMware"),
    ("innotek", "VirtualBox"),
    ("VirtualBox", "VirtualBox"),
    ("Microsoft Corporation", "Microsoft Hyper-V"),
    ("Xen", "Xen"),
    ("Amazon EC2", "Amazon EC2 (Nitro)"),
    ("Google Compute Engine", "Google Compute Engine"),
    ("OpenStack", "OpenStack (KVM)"),
    ("Parallels", "Parallels"),
    ("bhyve", "bhyve"),
)
_POWER64 = re.compile(r"POWER\d+|PPC970|Cell|e5500|e6500", re.IGNORECASE)


@dataclass(frozen=True)
class CpuidView:
    """What raw CPUID says, independent of what the kernel shows in /proc/cpuinfo."""

    readable: bool
    error: str | None = None
    vmx: bool | None = None  # leaf 1 ECX bit 5
    svm: bool | None = None  # leaf 0x80000001 ECX bit 2
    hypervisor_bit: bool | None = None  # leaf 1 ECX bit 31
    hypervisor_signature: str | None = None  # leaf 0x40000000, when the hypervisor bit is set


@dataclass(frozen=True)
class Platform:
    machine: str  # as recorded ("" when unknown)
    arch: Arch
    arch_inferred: bool  # the architecture came from /proc/cpuinfo's layout, not from the kernel
    vendor: Vendor
    vendor_id: str  # raw: "GenuineIntel", "AuthenticAMD", "IBM/S390", CPU implementer "0x41", ...
    model_name: str
    flags: frozenset[str] = field(default_factory=frozenset)  # x86 flags, s390/ARM features
    cpuinfo_readable: bool = True
    cpuinfo_error: str | None = None  # why /proc/cpuinfo was not readable
    cpuid: CpuidView = field(default_factory=lambda: CpuidView(readable=False))
    is_guest: bool | None = None
    hypervisor: str | None = None
    guest_evidence: tuple[tuple[str, str], ...] = ()  # (where, what) for each sign of a hypervisor
    power_platform: str | None = None  # "PowerNV", "pSeries", "PowerMac", ...
    opal: bool = False  # /sys/firmware/opal: POWER firmware that hosts kvm_hv (bare metal)
    arm_hyp_mode: str | None = None  # "VHE", "nVHE", "hVHE", "protected", "unavailable"

    @property
    def family(self) -> ArchFamily:
        return _FAMILY[self.arch]

    @property
    def supported(self) -> bool:
        return self.arch in SUPPORTED_ARCHES

    @property
    def vt_flag(self) -> str | None:
        """The cpuinfo flag that means hardware virtualization for this vendor: vmx, svm, sie."""
        if self.family is ArchFamily.X86:
            return "svm" if self.vendor is Vendor.AMD else "vmx"
        if self.family is ArchFamily.S390:
            return "sie"
        return None


def arch_from_machine(machine: str) -> Arch:
    word = machine.strip().lower()
    if word in {"x86_64", "amd64"}:
        return Arch.X86_64
    if re.fullmatch(r"i[3-6]86|x86", word):
        return Arch.X86_32
    if word in {"aarch64", "arm64", "aarch64_be"}:
        return Arch.AARCH64
    if word.startswith("arm"):
        return Arch.ARM32
    if word == "ppc64le":
        return Arch.PPC64LE
    if word == "ppc64":
        return Arch.PPC64
    if word in {"ppc", "ppcle"}:
        return Arch.PPC32
    if word == "s390x":
        return Arch.S390X
    if word == "riscv64":
        return Arch.RISCV64
    if word == "loongarch64":
        return Arch.LOONGARCH64
    if word.startswith("mips"):
        return Arch.MIPS
    return Arch.UNKNOWN


def arch_from_cpuinfo(values: dict[str, str]) -> Arch:
    """The architecture /proc/cpuinfo's layout betrays (for trees recorded without /proc/sys/kernel/arch)."""
    vendor_id = values.get("vendor_id", "")
    if vendor_id == "IBM/S390":
        return Arch.S390X
    if vendor_id:
        return Arch.X86_64 if "lm" in values.get("flags", "").split() else Arch.X86_32
    architecture = values.get("cpu architecture", "")
    if architecture:
        return Arch.AARCH64 if architecture.startswith(("8", "9", "AArch64")) else Arch.ARM32
    if values.get("processor", "").startswith("ARMv7") or "v7l" in values.get("processor", ""):
        return Arch.ARM32
    if values.get("isa", "").startswith("rv64"):
        return Arch.RISCV64
    if "loongarch64" in values.get("isa", "") or "loongson" in values.get("cpu family", "").lower():
        return Arch.LOONGARCH64
    cpu = values.get("cpu", "")
    if cpu or "platform" in values:
        match = _POWER64.search(cpu)
        if not match:
            return Arch.PPC32
        # POWER8 and later run Linux little-endian; POWER7 and older only big-endian.
        generation = re.search(r"POWER(\d+)", cpu, re.IGNORECASE)
        return Arch.PPC64LE if generation and int(generation.group(1)) >= 8 else Arch.PPC64
    if "system type" in values and "mips" in values.get("cpu model", "").lower():
        return Arch.MIPS
    return Arch.UNKNOWN


def _vendor(arch: Arch, values: dict[str, str]) -> tuple[Vendor, str]:
    vendor_id = values.get("vendor_id", "")
    if _FAMILY[arch] is ArchFamily.X86:
        if vendor_id == "GenuineIntel":
            return Vendor.INTEL, vendor_id
        # Hygon's Dhyana is AMD's Zen under licence: same svm flag, same kvm_amd module.
        if vendor_id in {"AuthenticAMD", "HygonGenuine"}:
            return Vendor.AMD, vendor_id
        return (Vendor.OTHER if vendor_id else Vendor.UNKNOWN), vendor_id
    if _FAMILY[arch] is ArchFamily.POWER:
        return Vendor.IBM_POWER, values.get("cpu", "")
    if _FAMILY[arch] is ArchFamily.S390:
        return Vendor.IBM_S390, vendor_id
    if _FAMILY[arch] is ArchFamily.ARM:
        return Vendor.ARM, values.get("cpu implementer", "")
    if arch is Arch.UNKNOWN:
        return Vendor.UNKNOWN, vendor_id
    return Vendor.OTHER, vendor_id or values.get("uarch", "") or values.get("model name", "")


def read_cpuid(facts: HostFacts) -> CpuidView:
    registers = facts.cpuid
    if not registers:
        return CpuidView(readable=False, error=facts.cpuid_error or "not recorded")

    def bit(key: str, number: int) -> bool | None:
        raw = registers.get(key)
        if raw is None:
            return None
        try:
            return bool(int(raw, 16) >> number & 1)
        except ValueError:
            return None

    hypervisor_bit = bit("0x1.ecx", 31)
    signature: str | None = None
    if hypervisor_bit:
        try:
            words = [int(registers[f"0x40000000.{name}"], 16) for name in ("ebx", "ecx", "edx")]
            signature = struct.pack("<3I", *words).rstrip(b"\0").decode("ascii", "replace")
        except (KeyError, ValueError):
            signature = None
    return CpuidView(
        readable=True,
        vmx=bit("0x1.ecx", 5),
        svm=bit("0x80000001.ecx", 2),
        hypervisor_bit=hypervisor_bit,
        hypervisor_signature=signature,
    )


def _guest(
    facts: HostFacts, arch: Arch, flags: frozenset[str], cpuid: CpuidView
) -> tuple[bool | None, str | None, tuple[tuple[str, str], ...]]:
    """Whether this is a virtual machine, which hypervisor runs it, and what says so."""
    evidence: list[tuple[str, str]] = []
    name: str | None = None
    if "hypervisor" in flags:
        evidence.append(("/proc/cpuinfo", "flags: ... hypervisor ..."))
    if cpuid.hypervisor_signature:
        name = CPUID_HYPERVISORS.get(cpuid.hypervisor_signature, cpuid.hypervisor_signature)
        evidence.append(("CPUID leaf 0x40000000", f"signature {cpuid.hypervisor_signature!r}"))
    dmi = " ".join(
        (facts.text(path) or "").strip()
        for path in ("/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name")
    )
    for word, hypervisor in DMI_HYPERVISORS:
        if word.lower() in dmi.lower():
            name = name or hypervisor
            evidence.append(("/sys/class/dmi/id", dmi.strip()))
            break
    xen = (facts.text("/sys/hypervisor/type") or "").strip()
    if xen:
        name = name or xen.capitalize()
        evidence.append(("/sys/hypervisor/type", xen))
    for line in facts.kernel_log:
        match = re.search(r"Hypervisor detected: (.+)$", line)
        if match:
            name = name or match.group(1).strip()
            evidence.append(("kernel log", f"Hypervisor detected: {match.group(1).strip()}"))
            break
    if arch is Arch.S390X:
        sysinfo = facts.text("/proc/sysinfo") or ""
        program = re.search(r"VM\d\d Control Program:\s*(.+?)\s*$", sysinfo, re.MULTILINE)
        if program:
            evidence.append(("/proc/sysinfo", f"Control Program: {program.group(1)}"))
            return True, program.group(1), tuple(evidence)
        # On IBM Z, Linux always runs in a logical partition (PR/SM): the usual home of a KVM host.
        evidence.append(("IBM Z", "Linux runs in a logical partition (PR/SM)"))
        return True, "PR/SM (LPAR)", tuple(evidence)
    if _FAMILY[arch] is ArchFamily.POWER:
        values = parse_cpuinfo(facts.text("/proc/cpuinfo") or "")
        platform = values.get("platform", "")
        if platform == "pSeries":
            # A logical partition of PowerVM, or a KVM guest ("IBM pSeries (emulated by qemu)").
            hypervisor = "KVM" if "qemu" in values.get("model", "").lower() else "PowerVM (LPAR)"
            evidence.append(("/proc/cpuinfo", f"platform {platform}, model {values.get('model', '?')}"))
            return True, name or hypervisor, tuple(evidence)
        if platform == "PowerNV" or facts.stat("/sys/firmware/opal").exists:
            return False, None, tuple(evidence)
    if evidence:
        return True, name, tuple(evidence)
    if facts.text("/proc/cpuinfo") is None:
        return None, None, ()
    if _FAMILY[arch] is ArchFamily.X86:
        return False, None, ()
    # Other architectures have no guest flag: absence of evidence is weaker there.
    return (False if dmi.strip() else None), None, ()


def _read_error(facts: HostFacts, path: str) -> str:
    read = facts.files.get(path)
    return (read.error if read is not None else None) or "not recorded"


def read_platform(facts: HostFacts) -> Platform:
    cpuinfo_text = facts.text("/proc/cpuinfo")
    values = parse_cpuinfo(cpuinfo_text or "")
    arch = arch_from_machine(facts.machine) if facts.machine else Arch.UNKNOWN
    inferred = False
    if arch is Arch.UNKNOWN and values:
        arch, inferred = arch_from_cpuinfo(values), True
    vendor, vendor_id = _vendor(arch, values)
    words = values.get("flags") or values.get("features") or ""
    flags = frozenset(words.split())
    cpuid = read_cpuid(facts)
    is_guest, hypervisor, evidence = _guest(facts, arch, flags, cpuid)
    arm_mode: str | None = None
    if _FAMILY[arch] is ArchFamily.ARM:
        for line in facts.kernel_log:
            if ARM_HYP_UNAVAILABLE.search(line):
                arm_mode = "unavailable"
            match = ARM_HYP.search(line)
            if match:
                arm_mode = match.group("mode")
    model = values.get("model name") or values.get("cpu") or values.get("model") or values.get("uarch") or ""
    return Platform(
        machine=facts.machine,
        arch=arch,
        arch_inferred=inferred,
        vendor=vendor,
        vendor_id=vendor_id,
        model_name=model,
        flags=flags,
        cpuinfo_readable=cpuinfo_text is not None,
        cpuinfo_error=_read_error(facts, "/proc/cpuinfo") if cpuinfo_text is None else None,
        cpuid=cpuid,
        is_guest=is_guest,
        hypervisor=hypervisor,
        guest_evidence=evidence,
        power_platform=values.get("platform") if _FAMILY[arch] is ArchFamily.POWER else None,
        opal=facts.stat("/sys/firmware/opal").exists,
        arm_hyp_mode=arm_mode,
    )
