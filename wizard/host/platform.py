"""What kind of machine the facts describe: architecture, CPU vendor and features, guest or bare metal."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from enum import StrEnum

from wizard.host.facts import HostFacts
from wizard.host.hypervisor import Virtualization
from wizard.host.identify import read_virtualization
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
    MIPS64 = "mips64"
    SPARC64 = "sparc64"
    OTHER = "other"  # named by the kernel, but none of the above: Platform.arch_name says which
    UNKNOWN = "unknown"  # nothing told which architecture this is


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
    SPARC = "sparc"
    OTHER = "other"
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
    Arch.MIPS64: ArchFamily.MIPS,
    Arch.SPARC64: ArchFamily.SPARC,
    Arch.OTHER: ArchFamily.OTHER,
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
    source: str = "/dev/cpu/0/cpuid"  # or the CPUID instruction, run in user space


@dataclass(frozen=True)
class Platform:
    machine: str  # as recorded ("" when unknown)
    arch: Arch
    arch_inferred: bool  # the architecture came from /proc/cpuinfo's layout, not from the kernel
    vendor: Vendor
    vendor_id: str  # raw: "GenuineIntel", "AuthenticAMD", "IBM/S390", CPU implementer "0x41", ...
    model_name: str
    flags: frozenset[str] = field(default_factory=frozenset)  # x86 flags, s390/ARM/LoongArch features, ...
    cpuinfo_readable: bool = True
    cpuinfo_error: str | None = None  # why /proc/cpuinfo was not readable
    cpuid: CpuidView = field(default_factory=lambda: CpuidView(readable=False))
    is_guest: bool | None = None
    hypervisor: str | None = None  # the name of the hypervisor directly below, when known
    guest_evidence: tuple[tuple[str, str], ...] = ()  # (where, what) for each sign of a hypervisor
    power_platform: str | None = None  # "PowerNV", "pSeries", "PowerMac", ...
    opal: bool = False  # /sys/firmware/opal: POWER firmware that hosts kvm_hv (bare metal)
    arm_hyp_mode: str | None = None  # "VHE", "nVHE", "hVHE", "protected", "unavailable"
    virtualization: Virtualization = field(default_factory=lambda: Virtualization(None))
    power_generation: int | None = None  # 7 for POWER7, 8 for POWER8E, ...: which firmware modes exist

    @property
    def family(self) -> ArchFamily:
        return _FAMILY[self.arch]

    @property
    def arch_name(self) -> str:
        """The architecture as the kernel names it: "sparc64", "riscv64"; the machine word for OTHER."""
        if self.arch is Arch.OTHER:
            return self.machine or "unknown"
        return str(self.arch)

    @property
    def supported(self) -> bool:
        return self.arch in SUPPORTED_ARCHES

    @property
    def vt_flag(self) -> str | None:
        """The cpuinfo word that means hardware virtualization for this vendor: vmx, svm, sie, lvz, h, vz.
        POWER, Arm and SPARC have none (the firmware mode, the exception level or nothing tells)."""
        return (
            VT_FLAGS.get(self.family)
            if self.family is not ArchFamily.X86
            else ("svm" if self.vendor is Vendor.AMD else "vmx")
        )

    @property
    def vt_shown(self) -> bool | None:
        """Whether /proc/cpuinfo shows the vt_flag; None when there is no such flag or cpuinfo was not read."""
        flag = self.vt_flag
        if flag is None or not self.cpuinfo_readable:
            return None
        return flag in self.flags


# The word /proc/cpuinfo shows for hardware virtualization, per architecture family (x86: by vendor).
VT_FLAGS = {
    ArchFamily.S390: "sie",  # features
    ArchFamily.LOONGARCH: "lvz",  # Features
    ArchFamily.RISCV: "h",  # a single-letter extension in isa
    ArchFamily.MIPS: "vz",  # ASEs implemented
}


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
    if word.startswith("mips64"):
        return Arch.MIPS64
    if word.startswith("mips"):
        return Arch.MIPS
    if word == "sparc64":
        return Arch.SPARC64
    return Arch.OTHER if word else Arch.UNKNOWN


def arch_from_cpuinfo(values: dict[str, str]) -> Arch:
    """The architecture /proc/cpuinfo's layout betrays (for trees recorded without /proc/sys/kernel/arch)."""
    vendor_id = values.get("vendor_id", "")
    if vendor_id == "IBM/S390":
        return Arch.S390X
    if vendor_id:
        # fdiv_bug and hlt_bug are printed by 32-bit x86 kernels only, whatever the CPU can do ("lm").
        if "fdiv_bug" in values or "lm" not in values.get("flags", "").split():
            return Arch.X86_32
        return Arch.X86_64
    architecture = values.get("cpu architecture", "")
    if architecture:
        return Arch.AARCH64 if architecture.startswith(("8", "9", "AArch64")) else Arch.ARM32
    if values.get("processor", "").startswith("ARMv7") or "v7l" in values.get("processor", ""):
        return Arch.ARM32
    if values.get("isa", "").startswith("rv64"):
        return Arch.RISCV64
    if "loongarch64" in values.get("isa", "") or "loongson" in values.get("cpu family", "").lower():
        return Arch.LOONGARCH64
    # SPARC (sun4u, sun4v) has a `cpu` line too: it must be told apart before POWER.
    if values.get("type", "").startswith("sun4") or values.get("prom", "").startswith("OBP"):
        return Arch.SPARC64
    if "cpu model" in values and "system type" in values:
        # `isa` lists what the CPU can run, so this names the CPU; a 32-bit kernel on it would say "mips".
        return Arch.MIPS64 if "mips64" in values.get("isa", "") else Arch.MIPS
    cpu = values.get("cpu", "")
    match = _POWER64.search(cpu)
    if match:
        # POWER8 and later run Linux little-endian; POWER7 and older only big-endian.
        generation = power_generation(cpu)
        return Arch.PPC64LE if generation is not None and generation >= 8 else Arch.PPC64
    if "platform" in values or "pvr" in values.get("revision", ""):
        return Arch.PPC32
    return Arch.UNKNOWN


def power_generation(cpu: str) -> int | None:
    """7 for "POWER7 (architected)", 8 for "POWER8E (raw)"; None for other POWER CPUs or unknown."""
    generation = re.search(r"POWER(\d+)", cpu, re.IGNORECASE)
    return int(generation.group(1)) if generation else None


def _flags(family: ArchFamily, values: dict[str, str]) -> frozenset[str]:
    """The CPU's feature words, where each architecture keeps them."""
    if family is ArchFamily.RISCV:
        # "rv64imafdch_zicsr_...": single letters after rv64 (h is the hypervisor extension), then named ones.
        isa = values.get("isa", "").lower()
        base, _, named = isa.partition("_")
        letters = set(re.sub(r"^rv\d+", "", base))
        return frozenset(letters | {word for word in named.split("_") if word})
    if family is ArchFamily.MIPS:
        return frozenset(values.get("ases implemented", "").split())
    return frozenset((values.get("flags") or values.get("features") or "").split())


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
        source=facts.cpuid_source or "/dev/cpu/0/cpuid",
        vmx=bit("0x1.ecx", 5),
        svm=bit("0x80000001.ecx", 2),
        hypervisor_bit=hypervisor_bit,
        hypervisor_signature=signature,
    )


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
    family = _FAMILY[arch]
    flags = _flags(family, values)
    cpuid = read_cpuid(facts)
    virtualization = read_virtualization(
        facts,
        family.value,
        flags,
        cpuid.hypervisor_signature,
        None if cpuid.readable else (cpuid.error or "not recorded"),
    )
    arm_mode: str | None = None
    if family is ArchFamily.ARM:
        for line in facts.kernel_log:
            if ARM_HYP_UNAVAILABLE.search(line):
                arm_mode = "unavailable"
            match = ARM_HYP.search(line)
            if match:
                arm_mode = match.group("mode")
    model = (
        values.get("model name")
        or values.get("cpu")
        or values.get("cpu model")
        or values.get("model")
        or values.get("uarch")
        or ""
    )
    direct = virtualization.direct
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
        is_guest=virtualization.is_guest,
        hypervisor=direct.name if direct is not None else None,
        guest_evidence=virtualization.evidence,
        power_platform=values.get("platform") if family is ArchFamily.POWER else None,
        opal=facts.stat("/sys/firmware/opal").exists,
        arm_hyp_mode=arm_mode,
        virtualization=virtualization,
        power_generation=power_generation(values.get("cpu", "")) if family is ArchFamily.POWER else None,
    )
