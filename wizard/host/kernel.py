"""The kernel as the facts show it: its configuration, modules, nested parameters and the KVM API result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wizard.host.facts import HostFacts, PathStat
from wizard.host.observed import Seen, file_seen, path_seen
from wizard.host.parsing import (
    ModprobeOption,
    parse_bool,
    parse_cmdline_parameters,
    parse_kernel_config,
    parse_proc_modules,
)
from wizard.host.patterns import FIRMWARE_DISABLED, FIRMWARE_DISABLED_CERTAIN, VIRTUALIZATION_BUSY

# Kernel configuration option of each module the wizard cares about.
MODULE_CONFIG = {
    "kvm": "CONFIG_KVM",
    "kvm_intel": "CONFIG_KVM_INTEL",
    "kvm_amd": "CONFIG_KVM_AMD",
    "kvm_hv": "CONFIG_KVM_BOOK3S_64_HV",
    "kvm_pr": "CONFIG_KVM_BOOK3S_64_PR",
    "kvm_pvm": "CONFIG_KVM_PVM",
    "vhost_net": "CONFIG_VHOST_NET",
    "tun": "CONFIG_TUN",
}


class ModuleState(StrEnum):
    LOADED = "loaded"  # a loadable module, loaded now
    BUILTIN = "built-in"  # compiled into the kernel: always there, cannot be unloaded or reloaded
    ABSENT = "absent"  # neither loaded nor built in
    UNKNOWN = "unknown"  # the facts do not tell


@dataclass(frozen=True)
class ModuleInfo:
    name: str
    state: ModuleState
    config: str | None  # "y", "m" or "n" in the kernel configuration; None when it was not readable
    evidence: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        return self.state in {ModuleState.LOADED, ModuleState.BUILTIN}

    @property
    def in_kernel(self) -> bool | None:
        """Whether this kernel has the module at all (built in or as a loadable file)."""
        if self.present or self.config in {"y", "m"}:
            return True
        if self.config == "n":
            return False
        return None


@dataclass(frozen=True)
class ModuleLoading:
    """Whether this kernel can load modules at all, and why the facts say so."""

    possible: bool | None
    evidence: tuple[str, ...]


class KvmUsability(StrEnum):
    USABLE = "usable"  # /dev/kvm opened, API version 12, a VM was created
    UNUSABLE = "unusable"  # the probe ran and failed
    NOT_PROBED = "not-probed"  # a recording or a tree: decide from the other facts


@dataclass(frozen=True)
class KvmProbeResult:
    usability: KvmUsability
    api_version: int | None = None
    error: str | None = None  # the open or KVM_CREATE_VM error, as recorded
    failed_step: str | None = None  # "open", "api-version", "create-vm"
    capabilities: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class NestedState:
    """Nested virtualization of one module: what the kernel uses now and what is configured."""

    module: str
    active: bool | None  # /sys/module/M/parameters/nested (Y/N or 1/0); None when not readable
    raw: str | None  # the parameter as the kernel printed it
    configured: bool | None  # the last `options M nested=...` in modprobe.d or the kernel command line
    configured_by: str | None = None  # "options kvm_amd nested=0 in /etc/modprobe.d/kvm.conf"


@dataclass(frozen=True)
class FirmwareHints:
    """Signs that firmware (or an outer hypervisor) keeps hardware virtualization from Linux."""

    log_lines: tuple[str, ...]  # kernel log lines matching FIRMWARE_DISABLED
    certain: bool  # a line only firmware causes ("disabled by BIOS", "not enabled (by BIOS)")
    msr_disabled: bool | None  # MSR says locked and off; None when not readable
    msr_evidence: str | None
    busy_lines: tuple[str, ...]  # another hypervisor holds VT-x/AMD-V


def read_config(facts: HostFacts) -> tuple[dict[str, str], str | None]:
    """The recorded kernel configuration lines and where they came from."""
    for path in ("/proc/config.gz", *(p for p in facts.files if p.startswith("/boot/config-"))):
        text = facts.text(path)
        if text is not None:
            return parse_kernel_config(text), path
    return {}, None


def read_module_loading(facts: HostFacts, config: dict[str, str]) -> ModuleLoading:
    evidence: list[str] = []
    verdicts: list[bool] = []
    if config.get("CONFIG_MODULES") == "n":
        evidence.append("CONFIG_MODULES is not set in the kernel configuration")
        verdicts.append(False)
    elif config.get("CONFIG_MODULES") == "y":
        evidence.append("CONFIG_MODULES=y")
        verdicts.append(True)
    modules_file = file_seen(facts, "/proc/modules")
    if modules_file is Seen.PRESENT:
        verdicts.append(True)
        evidence.append("/proc/modules exists")
    elif modules_file is Seen.ABSENT:
        evidence.append("/proc/modules does not exist (a kernel without module support)")
        verdicts.append(False)
    cmdline = facts.text("/proc/cmdline") or ""
    if "nomodule" in cmdline.split(" -- ")[0].split():
        evidence.append("'nomodule' on the kernel command line")
        verdicts.append(False)
    release = facts.kernel_release
    if release:
        tree = facts.stat(f"/lib/modules/{release}")
        if f"/lib/modules/{release}" in facts.stats:
            if tree.exists:
                evidence.append(f"/lib/modules/{release} exists")
            else:
                evidence.append(f"/lib/modules/{release} does not exist (no module files for this kernel)")
                verdicts.append(False)
    if not verdicts:
        return ModuleLoading(None, tuple(evidence))
    return ModuleLoading(all(verdicts), tuple(evidence))


def read_modules(facts: HostFacts, config: dict[str, str]) -> dict[str, ModuleInfo]:
    modules_text = facts.text("/proc/modules")
    loaded = parse_proc_modules(modules_text) if modules_text is not None else None
    builtin_text = "".join(
        facts.text(path) or "" for path in facts.files if path.endswith("/modules.builtin")
    )
    builtin_names = {
        line.rsplit("/", 1)[-1].split(".ko")[0].replace("-", "_") for line in builtin_text.splitlines()
    }
    result: dict[str, ModuleInfo] = {}
    for name, option in MODULE_CONFIG.items():
        if name == "kvm" and "CONFIG_KVM_BOOK3S_64" in config:
            option = "CONFIG_KVM_BOOK3S_64"  # noqa: PLW2901 - POWER builds kvm.ko from this option; CONFIG_KVM is a bool
        configured = config.get(option)
        evidence: list[str] = []
        sys_dir = facts.stats.get(f"/sys/module/{name}")
        initstate = facts.text(f"/sys/module/{name}/initstate")
        state = ModuleState.UNKNOWN
        if loaded is not None and name in loaded:
            state = ModuleState.LOADED
            evidence.append(f"/proc/modules: {name} {loaded[name]}".rstrip())
        elif initstate is not None:
            state = ModuleState.LOADED
            evidence.append(f"/sys/module/{name}/initstate: {initstate.strip()}")
        elif sys_dir is not None and sys_dir.exists:
            # A built-in module has a /sys/module entry (when it has parameters) but no initstate.
            state = ModuleState.BUILTIN
            evidence.append(f"/sys/module/{name} exists without initstate")
        elif configured == "y" or name in builtin_names:
            state = ModuleState.BUILTIN
            evidence.append(f"{option}=y" if configured == "y" else "listed in modules.builtin")
        elif (
            loaded is not None
            or configured == "n"
            or (sys_dir is not None and path_seen(facts, f"/sys/module/{name}") is Seen.ABSENT)
        ):
            state = ModuleState.ABSENT
            evidence.append("not in /proc/modules" if loaded is not None else f"no /sys/module/{name}")
        if configured is not None:
            evidence.append(f"{option}={configured}" if configured != "n" else f"{option} is not set")
        result[name] = ModuleInfo(name, state, configured, tuple(dict.fromkeys(evidence)))
    return result


def read_kvm_probe(facts: HostFacts) -> KvmProbeResult:
    probe = facts.kvm
    capabilities = tuple(sorted(probe.capabilities.items()))
    if not probe.attempted:
        return KvmProbeResult(KvmUsability.NOT_PROBED, capabilities=capabilities)
    if not probe.opened:
        return KvmProbeResult(KvmUsability.UNUSABLE, error=probe.open_error, failed_step="open")
    if probe.api_version != 12:
        return KvmProbeResult(
            KvmUsability.UNUSABLE,
            api_version=probe.api_version,
            error=probe.create_vm_error or f"API version {probe.api_version}",
            failed_step="api-version",
            capabilities=capabilities,
        )
    if not probe.create_vm:
        return KvmProbeResult(
            KvmUsability.UNUSABLE,
            api_version=probe.api_version,
            error=probe.create_vm_error,
            failed_step="create-vm",
            capabilities=capabilities,
        )
    return KvmProbeResult(KvmUsability.USABLE, api_version=probe.api_version, capabilities=capabilities)


def read_nested(
    facts: HostFacts, options: tuple[ModprobeOption, ...], modules: tuple[str, ...]
) -> dict[str, NestedState]:
    cmdline = parse_cmdline_parameters(facts.text("/proc/cmdline") or "")
    result: dict[str, NestedState] = {}
    for module in modules:
        raw = facts.text(f"/sys/module/{module}/parameters/nested")
        configured: bool | None = None
        configured_by: str | None = None
        for option in options:
            if option.module == module and "nested" in option.parameters:
                configured = parse_bool(option.parameters["nested"])
                configured_by = f"{option.line} in {option.file}"
        if (module, "nested") in cmdline:
            configured = parse_bool(cmdline[(module, "nested")])
            configured_by = f"{module}.nested={cmdline[(module, 'nested')]} on the kernel command line"
        result[module] = NestedState(
            module=module,
            active=parse_bool(raw),
            raw=raw.strip() if raw is not None else None,
            configured=configured,
            configured_by=configured_by,
        )
    return result


def read_firmware_hints(facts: HostFacts, vendor_is_amd: bool) -> FirmwareHints:
    lines = tuple(line for line in facts.kernel_log if FIRMWARE_DISABLED.search(line))
    certain = any(FIRMWARE_DISABLED_CERTAIN.search(line) for line in lines)
    busy = tuple(line for line in facts.kernel_log if VIRTUALIZATION_BUSY.search(line))
    msr_disabled: bool | None = None
    msr_evidence: str | None = None
    if vendor_is_amd and "0xc0010114" in facts.msr:
        value = int(facts.msr["0xc0010114"], 16)
        msr_disabled = bool(value >> 4 & 1)  # VM_CR.SVMDIS
        msr_evidence = (
            f"MSR 0xC0010114 (VM_CR) = {value:#x}: SVMDIS (bit 4) {'set' if msr_disabled else 'clear'}"
        )
    elif not vendor_is_amd and "0x3a" in facts.msr:
        value = int(facts.msr["0x3a"], 16)
        # IA32_FEATURE_CONTROL: once locked (bit 0), VMX outside SMX (bit 2) cannot change until reset.
        msr_disabled = bool(value & 1) and not value >> 2 & 1
        msr_evidence = (
            f"MSR 0x3A (IA32_FEATURE_CONTROL) = {value:#x}: lock {'set' if value & 1 else 'clear'}, "
            f"VMX outside SMX {'enabled' if value >> 2 & 1 else 'disabled'}"
        )
    return FirmwareHints(lines, certain, msr_disabled, msr_evidence, busy)


def device_summary(found: PathStat) -> str:
    """`char 10:232 root:kvm 0660` for a stat record."""
    if not found.exists:
        return "does not exist" if not found.error else f"cannot stat: {found.error}"
    owner = found.owner or str(found.uid)
    group = found.group or str(found.gid)
    numbers = f" {found.major}:{found.minor}" if found.major >= 0 else ""
    return f"{found.kind}{numbers} {owner}:{group} {found.mode:04o}"
