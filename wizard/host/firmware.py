"""Guest firmware: QEMU's firmware descriptors (docs/interop/firmware.json in QEMU), typed from the JSON files
the probe read. libvirt picks a guest's UEFI firmware from them, and so does this reading: the same
directories, the same override and order rules. It judges nothing.

Search order (QEMU's specification, which libvirt follows): /usr/share/qemu/firmware (the distribution's),
then /etc/qemu/firmware (the administrator's). A file in /etc replaces the one of the same name in /usr/share;
an empty one there hides it. The descriptors are then taken in the order of their file names, the first match
winning: "40-edk2-x86_64-secure-enrolled.json" before "50-...", before "60-...".
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass

from wizard.host.facts import HostFacts
from wizard.host.observed import Seen, path_seen

FIRMWARE_DIRECTORIES = ("/usr/share/qemu/firmware", "/etc/qemu/firmware")
MAX_DESCRIPTORS = 64  # a distribution ships a handful; more is not a firmware directory


@dataclass(frozen=True)
class FirmwareTarget:
    architecture: str  # "x86_64", "aarch64", "i386", "arm"
    machines: tuple[str, ...]  # glob patterns: "pc-q35-*", "virt-*"

    def runs(self, machine: str) -> bool:
        return any(fnmatch.fnmatchcase(machine, pattern) for pattern in self.machines)


@dataclass(frozen=True)
class FirmwareDescriptor:
    path: str  # where it was read
    description: str
    interfaces: tuple[str, ...]  # "uefi", "bios"
    device: str  # "flash", "memory", "kernel"
    executable: str  # the firmware code: /usr/share/OVMF/OVMF_CODE_4M.ms.fd
    nvram_template: str  # the variable store template each guest's NVRAM is copied from ("" if none)
    targets: tuple[FirmwareTarget, ...]
    features: frozenset[str]  # "secure-boot", "enrolled-keys", "requires-smm", "amd-sev", ...
    executable_exists: bool | None = None  # None: not observed

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def secure_boot(self) -> bool:
        return "secure-boot" in self.features

    @property
    def enrolled_keys(self) -> bool:
        return "enrolled-keys" in self.features

    def runs(self, architecture: str, machine: str) -> bool:
        return any(target.architecture == architecture and target.runs(machine) for target in self.targets)


@dataclass(frozen=True)
class GuestFirmware:
    """Every usable descriptor, in the order libvirt considers them, and what could not be read."""

    descriptors: tuple[FirmwareDescriptor, ...]
    seen: Seen  # PRESENT: a firmware directory was listed; ABSENT: none exists; UNKNOWN: not observed
    problems: tuple[str, ...] = ()  # descriptors that are not valid JSON or lack what libvirt needs

    def matching(self, architecture: str, machine: str) -> tuple[FirmwareDescriptor, ...]:
        """UEFI firmware for flash devices that runs this machine type, in libvirt's order."""
        return tuple(
            descriptor
            for descriptor in self.descriptors
            if "uefi" in descriptor.interfaces
            and descriptor.device == "flash"
            and descriptor.runs(architecture, machine)
        )

    def secure_boot_pick(self, architecture: str, machine: str) -> FirmwareDescriptor | None:
        """The firmware libvirt gives a guest that asks for Secure Boot (nova asks for secure-boot only, not
        for enrolled keys): the first matching descriptor with the secure-boot feature."""
        return next(
            (item for item in self.matching(architecture, machine) if item.secure_boot),
            None,
        )


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def parse_descriptor(path: str, text: str) -> FirmwareDescriptor | str:
    """One descriptor, or why it cannot be used."""
    try:
        data = json.loads(text)
    except ValueError as error:
        return f"{path}: not JSON ({error})"
    if not isinstance(data, dict):
        return f"{path}: not a firmware descriptor (a JSON object is expected)"
    mapping = data.get("mapping")
    mapping = mapping if isinstance(mapping, dict) else {}

    def filename(key: str) -> str:
        item = mapping.get(key)
        return str(item.get("filename", "")) if isinstance(item, dict) else ""

    targets = tuple(
        FirmwareTarget(str(target.get("architecture", "")), _strings(target.get("machines")))
        for target in data.get("targets", [])
        if isinstance(target, dict)
    )
    interfaces = _strings(data.get("interface-types"))
    if not interfaces or not targets:
        return f"{path}: no interface-types or targets: libvirt ignores it"
    return FirmwareDescriptor(
        path=path,
        description=str(data.get("description", "")),
        interfaces=interfaces,
        device=str(mapping.get("device", "")),
        executable=filename("executable"),
        nvram_template=filename("nvram-template"),
        targets=targets,
        features=frozenset(_strings(data.get("features"))),
    )


def descriptor_paths(facts: HostFacts) -> tuple[str, ...]:
    """The descriptor files in libvirt's order: by file name, /etc's replacing /usr/share's of that name."""
    by_name: dict[str, str] = {}
    for directory in FIRMWARE_DIRECTORIES:
        for name in facts.listing(directory):
            if name.endswith(".json"):
                by_name[name] = f"{directory}/{name}"
    return tuple(by_name[name] for name in sorted(by_name))[:MAX_DESCRIPTORS]


def read_guest_firmware(facts: HostFacts) -> GuestFirmware:
    listed = [directory for directory in FIRMWARE_DIRECTORIES if directory in facts.dirs]
    if not listed:
        return GuestFirmware((), Seen.UNKNOWN)
    if all(facts.dirs[directory].error for directory in listed):
        seen = (
            Seen.ABSENT
            if all(path_seen(facts, directory) is Seen.ABSENT for directory in FIRMWARE_DIRECTORIES)
            else Seen.UNKNOWN
        )
        return GuestFirmware((), seen)
    descriptors: list[FirmwareDescriptor] = []
    problems: list[str] = []
    for path in descriptor_paths(facts):
        text = facts.text(path)
        if text is None or not text.strip():
            continue  # unreadable (its error is in the facts), or an empty file that hides a descriptor
        parsed = parse_descriptor(path, text)
        if isinstance(parsed, str):
            problems.append(parsed)
            continue
        stat = facts.stats.get(parsed.executable)
        exists = None if stat is None or stat.error else stat.exists
        descriptors.append(
            FirmwareDescriptor(
                parsed.path,
                parsed.description,
                parsed.interfaces,
                parsed.device,
                parsed.executable,
                parsed.nvram_template,
                parsed.targets,
                parsed.features,
                exists,
            )
        )
    return GuestFirmware(tuple(descriptors), Seen.PRESENT, tuple(problems))
