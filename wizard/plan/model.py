"""The plan: exact file edits with the reason for every changed line, and the actions around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Reason:
    """Why a line or an action is in the plan: which answer or which host fact caused it."""

    text: str  # plain words: "instances' disks become LVM logical volumes in nova-vg"
    source: (
        str  # "answers: storage.backend = lvm", "host: CPU vendor GenuineIntel", "rule: rbd needs raw images"
    )


class FileKind(StrEnum):
    """How a file is parsed, re-verified and (for INI files) masked."""

    NOVA_CONF = "nova.conf"
    GLANCE_API_CONF = "glance-api.conf"
    MODULES = "modules"  # /etc/modules and /etc/modules-load.d/*.conf
    MODPROBE = "modprobe"  # /etc/modprobe.d/*.conf
    UDEV_RULES = "udev-rules"
    TEXT = "text"

    @property
    def is_ini(self) -> bool:
        return self in (FileKind.NOVA_CONF, FileKind.GLANCE_API_CONF)


@dataclass(frozen=True)
class LineChange:
    """One logical change in a file: the lines removed and added, and why."""

    section: str | None  # INI section, None for other kinds
    key: str | None  # option or module name
    old_lines: tuple[str, ...]  # without line endings; () for a pure addition
    new_lines: tuple[str, ...]  # () for a pure removal
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class NewFileAttributes:
    """Owner, group and mode a distribution gives a file the wizard creates (existing files keep theirs)."""

    owner: str = "root"
    group: str = "root"
    mode: int = 0o644


@dataclass(frozen=True)
class FileEdit:
    """The whole new content of one file, and how it differs from what is there now."""

    path: str  # the system path the operator knows, e.g. "/etc/nova/nova.conf"
    kind: FileKind
    before: bytes | None  # None: the file does not exist yet
    after: bytes
    changes: tuple[LineChange, ...]
    target: str = ""  # the system path written when ``path`` is a symlink (resolved inside the root), else ""
    new_file: NewFileAttributes = field(default_factory=NewFileAttributes)

    @property
    def written_path(self) -> str:
        return self.target or self.path

    @property
    def creates(self) -> bool:
        return self.before is None


@dataclass(frozen=True)
class Action:
    """Something run on the system, not a file: load a module, fix /dev/kvm, install a package, restart."""

    id: str  # stable: "load-module:kvm_intel", "reload-module:kvm_amd", "install:tpm2-tools"
    title: str  # "Load kvm_intel now"
    argv: tuple[str, ...]  # run through the command runner, never a shell
    reasons: tuple[Reason, ...]
    reversible: bool
    inverse: tuple[str, ...] | None = None  # the command that undoes it, when one exists
    live_only: bool = True  # acts on the running system: with a root other than "/", listed as remaining work
    timeout: float = 120.0


class CheckKind(StrEnum):
    """Verification run after writing (and again as the confirm step's health checks)."""

    MODULE_LOADED = "module-loaded"  # subject: module name
    KVM_OPENS = "kvm-opens"  # subject: "/dev/kvm"
    MODULE_PARAMETER = "module-parameter"  # subject: "kvm_intel.nested", expected: "Y" (or "1")
    FILE_PARSES = "file-parses"  # subject: system path
    # subject: "nova.conf [libvirt] virt_type", expected: the text written ("" : not set), files: the chain
    EFFECTIVE_VALUE = "effective-value"
    LIBVIRT_ACCEPTS = (
        "libvirt-accepts"  # subject: nova.conf's path, expected: libvirt's URI (apply/libvirt_check)
    )
    # subject: nova.conf's path, expected: libvirt's URI, options: what else the guest has (apply/smoke_guest)
    SMOKE_GUEST = "smoke-guest"


@dataclass(frozen=True)
class Check:
    kind: CheckKind
    subject: str
    expected: str = ""
    title: str = ""
    live_only: bool = True  # needs the running system (not meaningful under a staging root)
    # EFFECTIVE_VALUE, LIBVIRT_ACCEPTS, SMOKE_GUEST: every file the service reads, in its order
    files: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # SMOKE_GUEST: "secure-boot", "tpm-model=tpm-crb", "machine=q35"


@dataclass(frozen=True)
class Plan:
    """Everything an apply will do, computed purely from host facts, answers and the files under the root."""

    edits: tuple[FileEdit, ...] = ()
    actions: tuple[Action, ...] = ()
    checks: tuple[Check, ...] = ()
    answers_toml: str = ""  # the answers that produced the plan, kept with the generation
    notes: tuple[str, ...] = ()  # what the operator should know or do afterwards
    # Ready-to-copy commands that set the image (and flavor) properties of guests that require TPM 2.0 and
    # Secure Boot on this node (wizard.tpm.guests), when the answers ask for such guests.
    image_commands: tuple[str, ...] = ()
    # Measured configuration (wizard.apply.measure): turned on into this PCR, or off (measure_off), for the
    # transactions to come; neither: the node's setting is kept (a rescue fix, a plan without a TPM choice).
    measure_pcr: int | None = None
    measure_off: bool = False

    @property
    def empty(self) -> bool:
        return not self.edits and not self.actions

    @property
    def irreversible_actions(self) -> tuple[Action, ...]:
        return tuple(action for action in self.actions if not action.reversible)

    def irreversible_here(self, *, live: bool) -> tuple[Action, ...]:
        """The irreversible actions an apply will really run: under a staging root (not live) the actions on
        the running system are left for the target, so they need no undoing here."""
        return tuple(action for action in self.irreversible_actions if live or not action.live_only)
