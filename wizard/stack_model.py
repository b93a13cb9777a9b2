"""The terms of wizard.stack_rules: the host as its judgements see it, nova.conf's settings as nova reads them,
and a judgement (who judges, about which options, what to do)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wizard.virsh import LibvirtAnswers, Triple
from wizard.virsh_domcaps import DomainCapabilities

Judge = Literal["libvirt", "rule"]
Severity = Literal["error", "warning"]
Arch = Literal["x86", "power", "arm", "s390"]
Option = tuple[str, str]  # (section, option) of nova.conf

VIRT_TYPE: Option = ("libvirt", "virt_type")
CPU_MODE: Option = ("libvirt", "cpu_mode")
CPU_MODELS: Option = ("libvirt", "cpu_models")
CPU_FLAGS: Option = ("libvirt", "cpu_model_extra_flags")
ARCH_WORDS = {"x86": "x86 (Intel and AMD)", "power": "IBM POWER", "arm": "Arm (aarch64)", "s390": "IBM Z"}


@dataclass(frozen=True)
class CephHost:
    """What Ceph's clients find here; None: not known."""

    keyrings: tuple[str, ...] | None = None  # keyring files in /etc/ceph
    keyring_set: bool = False  # ceph.conf names a keyring path of its own (not checked)
    rbd_command: bool | None = None
    python_rbd: bool | None = None
    python_rados: bool | None = None


@dataclass(frozen=True)
class StackHost:
    """The host as these judgements see it; None where it is unknown (the judgement that needs it is skipped)."""

    arch: Arch | None = None
    machine: str = ""
    libvirt: LibvirtAnswers | None = None  # None: libvirt did not answer (``libvirt_said`` says why)
    libvirt_said: str = ""
    nested_blocker: str | None = None  # why this host cannot give its guests nested virtualization
    nested_cmdline: str | None = None  # "kvm_intel.nested=0": the kernel command line turns nested off
    smt_blocker: str | None = None  # why kvm_hv cannot run guests with SMT as it is (POWER8)
    nova_version: Triple | None = None
    ceph: CephHost = CephHost()
    swtpm_user: str | None = None  # the account libvirt runs swtpm as (qemu.conf, or libvirt's default tss)
    swtpm_group: str | None = None
    swtpm_source: str = ""


@dataclass(frozen=True)
class Settings:
    """nova.conf's settings as nova reads them (None: unset), and whether the operator wants nested guests."""

    virt_type: str | None = "kvm"
    cpu_mode: str | None = None
    cpu_models: tuple[str, ...] = ()
    extra_flags: tuple[str, ...] = ()
    nested_guests: bool = False
    swtpm_enabled: bool = False
    swtpm_user: str | None = None  # None: nova's default, tss
    swtpm_group: str | None = None
    images_type: str | None = None
    rbd_user: str | None = None
    rbd_secret_uuid: str | None = None
    rbd_download: bool = False
    download_user: str | None = None


@dataclass(frozen=True)
class Judgement:
    rule: str
    severity: Severity
    about: tuple[Option, ...]  # the nova.conf options it is about; the first decides the answers key
    message: str
    fix: str
    judge: Judge


def nova_cpu_mode(settings: Settings, arch: Arch | None) -> str | None:
    """The CPU mode nova uses: the configured one, else its default for kvm and qemu (host-passthrough on
    aarch64, host-model elsewhere; nova/virt/libvirt/driver.py _get_guest_cpu_model_config)."""
    if settings.cpu_mode is not None:
        return settings.cpu_mode
    if settings.virt_type not in ("kvm", "qemu"):
        return None
    return "host-passthrough" if arch == "arm" else "host-model"


def domain_of(host: StackHost, virt_type: str | None) -> DomainCapabilities | None:
    """libvirt's domain capabilities for a virt type (None: not answered, or not for that virt type)."""
    if host.libvirt is None or virt_type is None:
        return None
    return host.libvirt.domain(virt_type)


def libvirt_words(host: StackHost) -> str:
    return f"no answer from libvirt here ({host.libvirt_said or 'not asked'})"
