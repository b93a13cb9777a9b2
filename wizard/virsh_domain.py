"""The smoke guest's domain, as nova would define an instance on this node, and what libvirt says of it.

A throwaway, diskless guest: nova's CPU element for the configured mode, models and flags (mode, match
'exact', the first model, each flag once as a feature), and, when guests may require them, UEFI firmware with
Secure Boot (`<os firmware='efi'>` with the secure-boot firmware feature and `<loader secure='yes'/>`, as nova
writes them; libvirt picks the firmware) on the machine type they need, and an emulated TPM 2.0. Its name
starts with a prefix of the root it belongs to, so that whatever a crash left behind can be found and removed.
Nothing here runs virsh (wizard.apply.smoke_guest does).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from xml.etree import ElementTree

from wizard.xml_text import escape, quoteattr

SMOKE_PREFIX = "kvm-wizard-smoke-"
MEMORY_MIB = 256  # never runs: started paused, then destroyed; OVMF's smallest comfortable size


def smoke_prefix(root: str) -> str:
    """The names of this root's smoke guests start with it (one root's recovery never removes another's)."""
    return f"{SMOKE_PREFIX}{hashlib.sha256(root.encode()).hexdigest()[:8]}-"


def smoke_name(root: str, generation: int) -> str:
    return f"{smoke_prefix(root)}g{generation}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class GuestCpu:
    """The guest CPU nova's settings ask for (None mode: nova's default for the architecture)."""

    mode: str  # host-passthrough, host-model, custom
    models: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # cpu_model_extra_flags: "pcid", "-arch-capabilities"


@dataclass(frozen=True)
class SmokeGuest:
    name: str
    virt_type: str  # kvm, qemu
    arch: str  # x86_64, aarch64, ...
    cpu: GuestCpu
    secure_boot: bool = False
    tpm_model: str = ""  # "tpm-crb", "tpm-tis": an emulated TPM 2.0; "" none
    machine: str = ""  # "q35"; "" the default machine
    description: str = ""

    def describe(self) -> str:
        parts = [f"{self.virt_type} guest, CPU {self.cpu.mode}"]
        if self.cpu.mode == "custom" and self.cpu.models:
            parts[-1] += f" {self.cpu.models[0]}"
        if self.cpu.flags:
            parts[-1] += f" with {', '.join(self.cpu.flags)}"
        if self.machine:
            parts.append(f"machine {self.machine}")
        if self.secure_boot:
            parts.append("UEFI Secure Boot firmware")
        if self.tpm_model:
            parts.append(f"vTPM 2.0 ({self.tpm_model})")
        return ", ".join(parts)


def _features(flags: tuple[str, ...]) -> list[str]:
    seen: dict[str, str] = {}
    for flag in flags:
        text = flag.strip().lower()
        name = text.lstrip("+-")
        if name and name not in seen:
            seen[name] = "disable" if text.startswith("-") else "require"
    return [
        f"    <feature policy={quoteattr(policy)} name={quoteattr(name)}/>" for name, policy in seen.items()
    ]


def _cpu(cpu: GuestCpu) -> list[str]:
    inner = []
    if cpu.mode == "custom" and cpu.models:
        inner.append(f"    <model>{escape(cpu.models[0])}</model>")
    inner += _features(cpu.flags)
    head = f"  <cpu mode={quoteattr(cpu.mode)} match='exact'"
    return [f"{head}/>"] if not inner else [f"{head}>", *inner, "  </cpu>"]


def domain_xml(guest: SmokeGuest) -> str:
    machine = f" machine={quoteattr(guest.machine)}" if guest.machine else ""
    os_lines = [f"  <os{' firmware=' + quoteattr('efi') if guest.secure_boot else ''}>"]
    if guest.secure_boot:
        os_lines += ["    <firmware>", "      <feature enabled='yes' name='secure-boot'/>", "    </firmware>"]
    os_lines.append(f"    <type arch={quoteattr(guest.arch)}{machine}>hvm</type>")
    if guest.secure_boot:
        os_lines.append("    <loader secure='yes'/>")
    os_lines.append("  </os>")
    devices = ["  <devices>"]
    if guest.tpm_model:
        devices += [
            f"    <tpm model={quoteattr(guest.tpm_model)}>",
            "      <backend type='emulator' version='2.0'/>",
            "    </tpm>",
        ]
    devices += ["    <memballoon model='none'/>", "  </devices>"]
    lines = [
        f"<domain type={quoteattr(guest.virt_type)}>",
        f"  <name>{escape(guest.name)}</name>",
        f"  <description>{escape(guest.description)}</description>",
        f"  <memory unit='MiB'>{MEMORY_MIB}</memory>",
        "  <vcpu>1</vcpu>",
        *os_lines,
        "  <features>",
        "    <acpi/>",
        "    <apic/>",
        "  </features>",
        *_cpu(guest.cpu),
        "  <clock offset='utc'/>",
        "  <on_poweroff>destroy</on_poweroff>",
        "  <on_reboot>destroy</on_reboot>",
        "  <on_crash>destroy</on_crash>",
        *devices,
        "</domain>",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class LiveFirmware:
    """What libvirt gave the running guest: its firmware image and the template of its variable store."""

    loader: str
    nvram_template: str
    secure: bool
    smm: bool


def parse_live_firmware(text: str) -> LiveFirmware | None:
    """From `virsh dumpxml` of the running guest (libvirt picks the firmware at start)."""
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - libvirt's own answer about our own guest
    except ElementTree.ParseError:
        return None
    loader = root.find("os/loader")
    if loader is None:
        return None
    nvram = root.find("os/nvram")
    smm = root.find("features/smm")
    return LiveFirmware(
        loader=(loader.text or "").strip(),
        nvram_template=nvram.get("template", "") if nvram is not None else "",
        secure=loader.get("secure") == "yes",
        smm=smm is not None and smm.get("state", "on") == "on",
    )


def listed_names(text: str) -> tuple[str, ...]:
    """`virsh list --all --name`: one name per line."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())
