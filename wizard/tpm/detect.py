"""Which TPM the host has, read purely from its host facts (sysfs, /dev nodes, udev)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from wizard.host.areas import SYSFS_TPM, SYSFS_TPMRM
from wizard.host.facts import HostFacts, PathStat
from wizard.host.kernel import read_config, read_module_loading

FIRMWARE_HINT = (
    "Enable the TPM in the firmware setup (UEFI/BIOS): look for 'TPM', 'Security Chip', 'Intel PTT' "
    "(Platform Trust Technology) or 'AMD fTPM', set it to enabled and to TPM 2.0, and boot again."
)
STILL_POSSIBLE = (
    "Everything else the wizard does works without a host TPM (KVM, nova.conf, storage, nested "
    "virtualisation), and guests can still get a virtual TPM from swtpm (Nova's vTPM), which does not need "
    "one either."
)


class TpmKind(StrEnum):
    TPM2 = "2.0"
    TPM12 = "1.2"
    NONE = "none"
    UNKNOWN = "unknown"  # the record could not tell (sysfs unreadable, not recorded)


@dataclass(frozen=True)
class DeviceNode:
    """A TPM character device and who may open it."""

    path: str  # "/dev/tpmrm0"
    exists: bool
    mode: int = 0
    owner: str = ""
    group: str = ""

    @property
    def access(self) -> str:
        if not self.exists:
            return "absent"
        return f"mode {self.mode:04o}, owner {self.owner or '?'}, group {self.group or '?'}"


@dataclass(frozen=True)
class TpmDevice:
    """One TPM the kernel knows, as /sys/class/tpm/tpmN and its /dev nodes."""

    name: str  # "tpm0"
    version: str  # "2.0", "1.2", "" when the record does not say
    device: DeviceNode  # /dev/tpmN: direct access, one user at a time
    resource_manager: DeviceNode  # /dev/tpmrmN: the kernel's resource manager (TPM 2.0 only)
    driver: str = ""  # "tpm_crb" (often a firmware TPM), "tpm_tis" (often a discrete chip), ""
    description: str = ""  # ACPI description, e.g. "TPM 2.0 Device"
    source: str = "sysfs"  # "udev" when udev enumerated it, else "sysfs"


@dataclass(frozen=True)
class TpmDetection:
    kind: TpmKind
    devices: tuple[TpmDevice, ...]
    summary: str
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def tpm2(self) -> TpmDevice | None:
        return next((device for device in self.devices if device.version == "2.0"), None)


def _node(facts: HostFacts, path: str) -> DeviceNode:
    stat: PathStat = facts.stat(path)
    if not stat.exists:
        return DeviceNode(path, False)
    return DeviceNode(path, True, stat.mode, stat.owner or str(stat.uid), stat.group or str(stat.gid))


def _version(facts: HostFacts, name: str, has_resource_manager: bool) -> str:
    major = (facts.text(f"{SYSFS_TPM}/{name}/tpm_version_major") or "").strip()
    if major == "2":
        return "2.0"
    if major == "1":
        return "1.2"
    caps = facts.text(f"{SYSFS_TPM}/{name}/device/caps") or ""
    match = re.search(r"TCG version:\s*([0-9.]+)", caps)
    if match:
        return match.group(1)
    # Only TPM 2.0 devices get a kernel resource manager, so its presence answers the question.
    return "2.0" if has_resource_manager else ""


def _device(facts: HostFacts, name: str, udev_names: set[str]) -> TpmDevice:
    number = name.removeprefix("tpm")
    rm_name = f"tpmrm{number}"
    device_path, rm_path = f"/dev/{name}", f"/dev/{rm_name}"
    for udev_device in facts.udev:
        if udev_device.sys_name == name and udev_device.device_node:
            device_path = udev_device.device_node
        if udev_device.sys_name == rm_name and udev_device.device_node:
            rm_path = udev_device.device_node
    resource_manager = _node(facts, rm_path)
    has_rm = (
        resource_manager.exists
        or rm_name in facts.listing(SYSFS_TPMRM)
        or any(device.subsystem == "tpmrm" and device.sys_name == rm_name for device in facts.udev)
    )
    driver_link = facts.stat(f"{SYSFS_TPM}/{name}/device/driver")
    return TpmDevice(
        name=name,
        version=_version(facts, name, has_rm),
        device=_node(facts, device_path),
        resource_manager=resource_manager,
        driver=driver_link.target.rstrip("/").rsplit("/", 1)[-1] if driver_link.target else "",
        description=(facts.text(f"{SYSFS_TPM}/{name}/device/description") or "").strip(),
        source="udev" if name in udev_names else "sysfs",
    )


def _is_virtual_machine(facts: HostFacts) -> bool:
    cpuinfo = facts.text("/proc/cpuinfo") or ""
    return any(
        line.startswith("flags") and "hypervisor" in line.split(":", 1)[-1].split()
        for line in cpuinfo.splitlines()
    )


def _kernel_lines(facts: HostFacts) -> tuple[str, ...]:
    return tuple(f"kernel: {line.strip()}" for line in facts.kernel_log if "tpm" in line.lower())[:5]


def _absent_hints(facts: HostFacts, class_missing: bool) -> tuple[str, ...]:
    hints = [FIRMWARE_HINT]
    if class_missing:
        config, _ = read_config(facts)
        if read_module_loading(facts, config).possible is False:
            # No modprobe to offer: the driver must be built in (CONFIG_TCG_TIS, CONFIG_TCG_CRB).
            hints.append(
                "This kernel cannot load modules and has no TPM driver built in: a TPM needs a kernel built "
                "with CONFIG_TCG_TIS or CONFIG_TCG_CRB (=y)."
            )
        else:
            hints.append(
                "If the firmware already enables it, check that the kernel driver is loaded: "
                "`lsmod | grep tpm` should show tpm_tis or tpm_crb (`modprobe tpm_crb` or `modprobe tpm_tis`)."
            )
    if _is_virtual_machine(facts):
        hints.append(
            "This host is a virtual machine: give it a virtual TPM in its hypervisor (libvirt: "
            "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>)."
        )
    return tuple(hints)


def _udev_names(facts: HostFacts) -> set[str]:
    return {device.sys_name for device in facts.udev if device.subsystem == "tpm"}


def detect_tpm(facts: HostFacts) -> TpmDetection:
    """Detect the host's TPM from the record; never touches the system."""
    listing = facts.dirs.get(SYSFS_TPM)
    udev_names = _udev_names(facts)
    names = sorted(
        {name for name in facts.listing(SYSFS_TPM) if re.fullmatch(r"tpm\d+", name)} | udev_names,
        key=lambda name: int(name[3:]) if name[3:].isdigit() else 0,
    )
    evidence = list(_kernel_lines(facts))
    if not names:
        # No sysfs entry: the /dev nodes are the last witness (a record made without sysfs access).
        for path in ("/dev/tpmrm0", "/dev/tpm0"):
            if facts.stat(path).exists:
                names = ["tpm0"]
                evidence.append(f"{path} exists, but {SYSFS_TPM} lists no TPM")
                break
    if not names:
        if listing is not None and listing.error and not listing.error.startswith("ENOENT"):
            return TpmDetection(
                TpmKind.UNKNOWN,
                (),
                f"Could not tell whether this host has a TPM: {SYSFS_TPM} could not be read ({listing.error}).",
                problems=(f"{SYSFS_TPM} could not be read: {listing.error}. Run the check as root.",),
                evidence=(f"{SYSFS_TPM}: {listing.error}", *evidence),
            )
        if listing is None and not facts.udev:
            return TpmDetection(
                TpmKind.UNKNOWN,
                (),
                f"Could not tell whether this host has a TPM: the host record has no {SYSFS_TPM}.",
                problems=("The host record does not include the TPM; record the host again.",),
                evidence=tuple(evidence),
            )
        class_missing = listing is None or bool(listing.error)
        evidence.insert(0, f"{SYSFS_TPM}: " + ("does not exist" if class_missing else "empty"))
        return TpmDetection(
            TpmKind.NONE,
            (),
            "No TPM found: the kernel shows no TPM device.",
            problems=("This host has no TPM (or it is disabled in the firmware).",),
            hints=_absent_hints(facts, class_missing),
            evidence=tuple(evidence),
        )
    devices = tuple(_device(facts, name, udev_names) for name in names)
    for device in devices:
        evidence.append(
            f"{device.name}: version {device.version or 'unknown'}"
            + (f", driver {device.driver}" if device.driver else "")
            + (f", {device.description}" if device.description else "")
            + f"; {device.device.path} {device.device.access}"
            + f"; {device.resource_manager.path} {device.resource_manager.access}"
        )
    return _classify(facts, devices, tuple(evidence))


def _classify(facts: HostFacts, devices: tuple[TpmDevice, ...], evidence: tuple[str, ...]) -> TpmDetection:
    tpm2 = next((device for device in devices if device.version == "2.0"), None)
    if tpm2 is not None:
        warnings: list[str] = []
        if not tpm2.resource_manager.exists and tpm2.device.exists:
            warnings.append(
                f"{tpm2.resource_manager.path} is missing, only {tpm2.device.path} exists: without the kernel's "
                "resource manager one program at a time may use the TPM (tpm2-abrmd can share it). Kernels "
                "since 4.12 provide /dev/tpmrm0 for TPM 2.0."
            )
        elif not tpm2.resource_manager.exists and not tpm2.device.exists:
            warnings.append(
                f"Neither {tpm2.resource_manager.path} nor {tpm2.device.path} exists although the kernel lists "
                f"{tpm2.name}: udev may not have created the nodes (is systemd-udevd running?)."
            )
        nodes = ", ".join(node.path for node in (tpm2.device, tpm2.resource_manager) if node.exists)
        return TpmDetection(
            TpmKind.TPM2,
            devices,
            f"TPM 2.0 found: {tpm2.name}" + (f" ({nodes})" if nodes else "") + ".",
            warnings=tuple(warnings),
            evidence=evidence,
        )
    if any(device.version == "1.2" for device in devices):
        return TpmDetection(
            TpmKind.TPM12,
            devices,
            "TPM 1.2 found: tpm2-tools and Nova need TPM 2.0.",
            problems=("The TPM is a TPM 1.2, which tpm2-tools cannot use.",),
            hints=(
                "Some TPMs (firmware TPMs, some Infineon chips) can be switched to TPM 2.0 in the firmware "
                "setup or with a vendor firmware update; look for 'TPM device selection' or 'TPM mode'.",
            ),
            evidence=evidence,
        )
    return TpmDetection(
        TpmKind.UNKNOWN,
        devices,
        f"A TPM was found ({', '.join(device.name for device in devices)}) but its version could not be read.",
        problems=(f"The TPM version could not be read from {SYSFS_TPM}; run the check as root.",),
        evidence=(
            *evidence,
            *(
                f"{SYSFS_TPM}/{device.name}/tpm_version_major: {error}"
                for device in devices
                if (error := _read_error(facts, f"{SYSFS_TPM}/{device.name}/tpm_version_major"))
            ),
        ),
    )


def _read_error(facts: HostFacts, path: str) -> str:
    read = facts.files.get(path)
    if read is None:
        return "not recorded"
    return read.error or ""
