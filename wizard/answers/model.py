"""The answers: what the operator chose, as typed sections, and the table of every key they may hold."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Version 2: a key left out keeps the node's current value (version 1 gave it its default).
ANSWERS_VERSION = 2

Value = bool | int | str | tuple[str, ...]


@dataclass(frozen=True)
class HypervisorAnswers:
    virt_type: str = "kvm"
    allow_emulation: bool = False


@dataclass(frozen=True)
class StorageAnswers:
    backend: str = "qcow2"
    volume_group: str = ""
    rbd_pool: str = "vms"
    ceph_conf: str = "/etc/ceph/ceph.conf"
    rbd_user: str = "nova"
    rbd_secret_uuid: str = ""


@dataclass(frozen=True)
class NestedAnswers:
    enabled: bool = False
    cpu_mode: str = "host-model"
    cpu_models: tuple[str, ...] = ()
    extra_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CephDownloadAnswers:
    enabled: bool = False
    rbd_user: str = "glance"
    rbd_pool: str = "images"
    ceph_conf: str = "/etc/ceph/ceph.conf"
    connect_timeout: int = 5
    glance_api_node: bool = False


# PCRs the measured configuration may use: resettable by software at locality 0 and used by no firmware, boot
# loader, IMA or systemd (TCG PC Client Platform Firmware Profile): 16 "debug", 23 "application support".
MEASURE_PCRS = (16, 23)
DEFAULT_MEASURE_PCR = 23


@dataclass(frozen=True)
class TpmAnswers:
    verify: bool = True
    install_tools: bool = True
    vtpm: bool = False
    swtpm_user: str = ""  # "": the account libvirt runs swtpm as (qemu.conf's swtpm_user, or libvirt's tss)
    swtpm_group: str = ""
    secure_boot: bool = False  # guests may require TPM 2.0 and UEFI Secure Boot (needs vtpm)
    measure: bool = False  # extend each applied generation's manifest digest into measure_pcr
    measure_pcr: int = DEFAULT_MEASURE_PCR


@dataclass(frozen=True)
class PerformanceAnswers:
    vhost_net: bool = True


def _every_key() -> frozenset[str]:
    return ALL_PATHS


@dataclass(frozen=True)
class Answers:
    """A value for every key, and which of them the operator gave (``given``): only those change the node.

    The others hold the node's current values once resolved (``resolved``), for validation and for the rules
    that follow from a given key. Built in code, every key is given (a complete set of choices); read from a
    file, the keys the file has; in the wizard, the keys the operator changed.
    """

    version: int = ANSWERS_VERSION
    hypervisor: HypervisorAnswers = field(default_factory=HypervisorAnswers)
    storage: StorageAnswers = field(default_factory=StorageAnswers)
    nested: NestedAnswers = field(default_factory=NestedAnswers)
    ceph_download: CephDownloadAnswers = field(default_factory=CephDownloadAnswers)
    tpm: TpmAnswers = field(default_factory=TpmAnswers)
    performance: PerformanceAnswers = field(default_factory=PerformanceAnswers)
    given: frozenset[str] = field(default_factory=_every_key)

    def value(self, path: str) -> Value:
        """The value at a dotted key path, e.g. ``storage.backend``."""
        section, key = path.split(".", 1)
        result: Value = getattr(getattr(self, section), key)
        return result

    def is_given(self, path: str) -> bool:
        return path in self.given

    def with_value(self, path: str, value: Value) -> Answers:
        """These answers with the key at ``path`` set to ``value`` (of the key's type), e.g. ``nested.enabled``:
        a choice made, so the key is given from now on."""
        section, key = path.split(".", 1)
        changed = dataclasses.replace(getattr(self, section), **{key: value})
        return dataclasses.replace(self, **{section: changed}, given=self.given | {path})

    def with_section(self, section: str, value: object) -> Answers:
        """These answers with one section replaced (what a screen collected): the keys whose value changed
        become given; the others stay as they were."""
        changed = {
            spec.path
            for spec in KEYS
            if spec.section == section and getattr(value, spec.key) != self.value(spec.path)
        }
        if changed and section == "nested":
            # The nested step decides as a whole: a CPU mode or flags chosen there go with its on or off (the
            # vendor's flag follows it).
            changed.add("nested.enabled")
        sections: dict[str, Any] = {section: value}
        return dataclasses.replace(self, **sections, given=self.given | changed)

    def resolved(self, node: Answers) -> Answers:
        """Every key not given takes ``node``'s value (the node's current configuration); ``given`` is kept."""
        result = self
        for spec in KEYS:
            if spec.path not in self.given:
                section = getattr(result, spec.section)
                replaced = dataclasses.replace(section, **{spec.key: node.value(spec.path)})
                result = dataclasses.replace(result, **{spec.section: replaced})
        return result

    def changed_from(self, node: Answers) -> frozenset[str]:
        """The keys whose value differs from ``node``'s."""
        return frozenset(spec.path for spec in KEYS if self.value(spec.path) != node.value(spec.path))

    def summary(self) -> str:
        """One line for generation lists: the choices that matter most."""
        parts = [f"virt_type={self.hypervisor.virt_type}", f"storage={self.storage.backend}"]
        if self.storage.backend == "lvm":
            parts[-1] += f" ({self.storage.volume_group})"
        if self.storage.backend == "rbd":
            parts[-1] += f" ({self.storage.rbd_pool})"
        parts.append(f"nested={'on' if self.nested.enabled else 'off'}")
        parts.append(f"cpu_mode={self.nested.cpu_mode}")
        if self.ceph_download.enabled:
            parts.append("ceph-download")
        if self.tpm.vtpm:
            parts.append("vtpm")
        if self.tpm.secure_boot:
            parts.append("secure-boot guests")
        if self.tpm.measure:
            parts.append(f"measured (PCR {self.tpm.measure_pcr})")
        if self.performance.vhost_net:
            parts.append("vhost_net")
        return ", ".join(parts)


@dataclass(frozen=True)
class KeySpec:
    """One key of the answers file: its type, allowed values, meaning, and what it changes on the host."""

    path: str  # "storage.backend"
    kind: type  # bool, int, str or tuple (a list of strings)
    help: str  # what the choice means for the operator
    changes: str  # what it writes or does
    allowed: tuple[str, ...] = ()  # closed set of values, when there is one
    applies_when: str = ""  # "storage.backend = lvm": ignored otherwise

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.path.split(".", 1)[1]

    @property
    def default(self) -> Value:
        return Answers().value(self.path)


KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "hypervisor.virt_type",
        str,
        "kvm uses the CPU's virtualization extensions; qemu emulates every instruction in software (TCG), "
        "typically 10 to 50 times slower, for hosts without usable KVM.",
        "nova.conf [libvirt] virt_type, and [DEFAULT] compute_driver = libvirt.LibvirtDriver",
        allowed=("kvm", "qemu"),
    ),
    KeySpec(
        "hypervisor.allow_emulation",
        bool,
        "Consent to software emulation. Must be true to choose qemu on a host where KVM works or could work, "
        "so that nobody ends up on emulation by accident.",
        "nothing by itself; it allows virt_type = qemu",
    ),
    KeySpec(
        "storage.backend",
        str,
        "Where instance disks live. qcow2: copy-on-write files on local disk (the default, thin, a little "
        "slower). flat: raw files, full size reserved, fastest local files. lvm: logical volumes in a volume "
        "group. rbd: Ceph RBD images (shared storage, live migration without copying disks; images must be "
        "raw in Glance).",
        "nova.conf [libvirt] images_type (and the options of the chosen backend)",
        allowed=("qcow2", "flat", "lvm", "rbd"),
    ),
    KeySpec(
        "storage.volume_group",
        str,
        "The LVM volume group that holds instance disks; it must exist on this host (vgs).",
        "nova.conf [libvirt] images_volume_group",
        applies_when="storage.backend = lvm",
    ),
    KeySpec(
        "storage.rbd_pool",
        str,
        "The Ceph pool for instance disks.",
        "nova.conf [libvirt] images_rbd_pool",
        applies_when="storage.backend = rbd",
    ),
    KeySpec(
        "storage.ceph_conf",
        str,
        "Path of ceph.conf on this host.",
        "nova.conf [libvirt] images_rbd_ceph_conf",
        applies_when="storage.backend = rbd",
    ),
    KeySpec(
        "storage.rbd_user",
        str,
        "The Ceph client (without 'client.') libvirt connects as.",
        "nova.conf [libvirt] rbd_user",
        applies_when="storage.backend = rbd",
    ),
    KeySpec(
        "storage.rbd_secret_uuid",
        str,
        "UUID of the libvirt secret that holds the Ceph client's key (virsh secret-list).",
        "nova.conf [libvirt] rbd_secret_uuid",
        applies_when="storage.backend = rbd",
    ),
    KeySpec(
        "nested.enabled",
        bool,
        "Let instances run their own KVM guests. While nested guests run, their instance cannot live-migrate "
        "and cannot resume from suspend.",
        "/etc/modprobe.d/kvm.conf options kvm_intel|kvm_amd nested=1, a module reload, and the vmx/svm flag "
        "for host-model and custom CPU modes",
    ),
    KeySpec(
        "nested.cpu_mode",
        str,
        "The CPU instances see. host-passthrough: exactly this CPU (fastest, nested works, live migration only "
        "to identical CPUs). host-model: the closest named model plus this CPU's features (migrates to newer "
        "CPUs). custom: named models you choose (the most portable).",
        "nova.conf [libvirt] cpu_mode",
        allowed=("host-passthrough", "host-model", "custom"),
    ),
    KeySpec(
        "nested.cpu_models",
        tuple,
        'CPU models for custom mode, e.g. ["IvyBridge"] (virsh cpu-models x86_64 lists them).',
        "nova.conf [libvirt] cpu_models",
        applies_when="nested.cpu_mode = custom",
    ),
    KeySpec(
        "nested.extra_flags",
        tuple,
        'Extra CPU flags for instances, e.g. ["pcid"]. The vendor\'s virtualization flag (vmx on Intel, svm '
        "on AMD) is added by the wizard when nested guests need it.",
        "nova.conf [libvirt] cpu_model_extra_flags",
    ),
    KeySpec(
        "ceph_download.enabled",
        bool,
        "Download Glance images straight from Ceph with rbd export instead of through the Glance API: faster "
        "boots from large images. Only when instance disks are not on rbd themselves.",
        "nova.conf [glance] enable_rbd_download and its rbd_* options",
    ),
    KeySpec(
        "ceph_download.rbd_user",
        str,
        "The Ceph client (without 'client.') used to read images.",
        "nova.conf [glance] rbd_user",
        applies_when="ceph_download.enabled = true",
    ),
    KeySpec(
        "ceph_download.rbd_pool",
        str,
        "The Ceph pool Glance stores images in.",
        "nova.conf [glance] rbd_pool",
        applies_when="ceph_download.enabled = true",
    ),
    KeySpec(
        "ceph_download.ceph_conf",
        str,
        "Path of ceph.conf on this host.",
        "nova.conf [glance] rbd_ceph_conf",
        applies_when="ceph_download.enabled = true",
    ),
    KeySpec(
        "ceph_download.connect_timeout",
        int,
        "Seconds to wait for the Ceph cluster before giving up (a positive whole number).",
        "nova.conf [glance] rbd_connect_timeout",
        applies_when="ceph_download.enabled = true",
    ),
    KeySpec(
        "ceph_download.glance_api_node",
        bool,
        "This host also runs the Glance API: set show_image_direct_url there, which direct download needs. "
        "Image locations then become visible to users of the API.",
        "glance-api.conf [DEFAULT] show_image_direct_url = True",
        applies_when="ceph_download.enabled = true",
    ),
    KeySpec(
        "tpm.verify",
        bool,
        "Check the host's TPM 2.0 with tpm2-tools (self test, random numbers, manufacturer, PCR banks).",
        "runs read-only tpm2-tools commands; changes no file",
    ),
    KeySpec(
        "tpm.install_tools",
        bool,
        "Install tpm2-tools with the distribution's package manager when missing (cannot be undone by the "
        "wizard's rollback).",
        "apt-get / dnf / zypper install tpm2-tools",
    ),
    KeySpec(
        "tpm.vtpm",
        bool,
        "Offer an emulated TPM (swtpm) to instances. Needs swtpm and swtpm_setup on this host and a key "
        "manager (Barbican) in the cloud for the TPM secrets.",
        "nova.conf [libvirt] swtpm_enabled = True",
    ),
    KeySpec(
        "tpm.swtpm_user",
        str,
        "The account swtpm runs as. libvirt decides it (swtpm_user in /etc/libvirt/qemu.conf, tss by default) "
        "and nova must name the same one, to give the vTPM files back to it after a migration or resize. "
        "Empty: the wizard mirrors libvirt's.",
        "nova.conf [libvirt] swtpm_user",
        applies_when="tpm.vtpm = true",
    ),
    KeySpec(
        "tpm.swtpm_group",
        str,
        "The group swtpm runs as: libvirt's swtpm_group in /etc/libvirt/qemu.conf (tss by default), mirrored in "
        "nova. Empty: the wizard mirrors libvirt's.",
        "nova.conf [libvirt] swtpm_group",
        applies_when="tpm.vtpm = true",
    ),
    KeySpec(
        "tpm.secure_boot",
        bool,
        "Guests may require TPM 2.0 and UEFI Secure Boot (Windows 11, Windows Server 2025, hardened Linux "
        "images). Checks that this node has what nova needs for them (swtpm and its accounts, UEFI firmware with "
        "Secure Boot and keys enrolled, q35 on x86, what libvirt offers) and installs the firmware when missing. "
        "Needs tpm.vtpm = true. Images then ask for it with properties (shown at the end, and by `plan`).",
        "nova.conf [libvirt] swtpm_enabled (with tpm.vtpm); the distribution's UEFI firmware package when "
        "missing; a smoke guest with vTPM and Secure Boot firmware after the apply",
    ),
    KeySpec(
        "tpm.measure",
        bool,
        "Measure each applied configuration: the digest of every committed generation's manifest (the files' "
        "sums and the answers) is extended into a PCR of the host's TPM, with an event log kept in the "
        "generation, so that `kvm-wizard attest quote` and `attest verify` can prove which generation this node "
        "runs. Needs a TPM 2.0 (the one TPM2TOOLS_TCTI names, as for `tpm status`).",
        "extends TPM PCR tpm.measure_pcr after each apply, rollback and revert (reset at every reboot; the "
        "first quote after a boot measures the current generation again)",
    ),
    KeySpec(
        "tpm.measure_pcr",
        int,
        "The PCR measured into: 23 (application support) or 16 (debug). Both are resettable by software and "
        "used by no firmware, boot loader, IMA or systemd; PCRs 0-15 record the boot and 17-22 a dynamic launch. "
        "Resettable means that root on this node can reset it too: a quote proves what was measured, not that "
        "root did not forge it.",
        "which PCR is extended",
        applies_when="tpm.measure = true",
    ),
    KeySpec(
        "performance.vhost_net",
        bool,
        "Move virtio-net packet processing into the kernel (vhost_net): more throughput, less CPU.",
        "loads vhost_net now and persists it for reboots",
    ),
)

KEYS_BY_PATH: dict[str, KeySpec] = {spec.path: spec for spec in KEYS}
ALL_PATHS: frozenset[str] = frozenset(KEYS_BY_PATH)
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(spec.section for spec in KEYS))
