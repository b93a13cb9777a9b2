"""The virtualization stack as the facts show it: what libvirt answered (typed by wizard.virsh), which nova and
which Ceph pieces are installed, libvirt's swtpm account, and POWER8's SMT state. It interprets; it judges nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wizard.host.facts import CommandRun, HostFacts
from wizard.host.stack_probe import CEPH_CONF, CEPH_DIR, SMT_FILES
from wizard.host.swtpm_account import LIBVIRT_DEFAULT_SWTPM, QEMU_CONF, swtpm_accounts_in
from wizard.virsh import Answer, LibvirtAnswers, Triple, read_answers

_NOVA_RECORD = re.compile(r"^nova-(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class CephPieces:
    """What Ceph's clients (nova's rbd code, the `rbd` command, libvirt) find on this host; None: not known."""

    keyrings: tuple[str, ...] | None  # keyring files in /etc/ceph
    keyring_settings: tuple[str, ...] = ()  # `keyring =` values of ceph.conf (paths, perhaps with $name)
    rbd_command: bool | None = None
    python_rbd: bool | None = None  # nova imports rbd and rados (python3-rbd, python3-rados)
    python_rados: bool | None = None


@dataclass(frozen=True)
class StackView:
    """The stack's answers, typed. ``libvirt`` is None when it did not answer; ``libvirt_said`` says why
    ("not asked: not the live host", "it did not answer (qemu:///system): Failed to connect socket ...")."""

    libvirt: LibvirtAnswers | None
    libvirt_said: str
    nova_version: Triple | None = None
    nova_version_source: str = ""  # the package record it was read from
    ceph: CephPieces = field(default_factory=lambda: CephPieces(None))
    swtpm_user: str = LIBVIRT_DEFAULT_SWTPM  # the account libvirt runs swtpm as (qemu.conf, or its default)
    swtpm_group: str = LIBVIRT_DEFAULT_SWTPM
    swtpm_source: str = "libvirt's default"
    smt_threads: int | None = None  # threads per core online on CPU 0 (POWER); None: not known


def _answer(run: CommandRun) -> Answer:
    return Answer(run.returncode, run.stdout, run.stderr, run.error)


def _libvirt(facts: HostFacts) -> tuple[LibvirtAnswers | None, str]:
    stack = facts.stack
    if not stack.libvirt:
        return None, stack.libvirt_error or "not in this record"
    answers = {key: _answer(run) for key, run in stack.libvirt.items()}
    typed = read_answers(stack.libvirt_uri, answers)
    if typed is None:
        version = answers.get("version")
        said = version.reason if version is not None else "it was not asked"
        return None, f"it did not answer ({stack.libvirt_uri}): {said}"
    return typed, f"it answered ({stack.libvirt_uri})"


def _nova(facts: HostFacts) -> tuple[Triple | None, str]:
    for directory, names in facts.stack.python_packages.items():
        for name in names:
            match = _NOVA_RECORD.match(name)
            if match:
                return (int(match[1]), int(match[2]), int(match[3] or 0)), f"{directory}/{name}"
    return None, ""


def _has_package(facts: HostFacts, module: str) -> bool | None:
    if not facts.stack.packages_searched:
        return None
    return any(
        name == module or name.startswith((f"{module}.", f"{module}-"))
        for names in facts.stack.python_packages.values()
        for name in names
    )


def _ceph(facts: HostFacts) -> CephPieces:
    listing = facts.dirs.get(CEPH_DIR)
    keyrings: tuple[str, ...] | None = None
    if listing is not None:
        absent = listing.error is not None and listing.error.startswith(("ENOENT", "ENOTDIR"))
        if listing.error is None or absent:
            keyrings = tuple(name for name in listing.names if "keyring" in name)
    settings = tuple(
        line.split("=", 1)[1].strip()
        for line in (facts.text(CEPH_CONF) or "").splitlines()
        if line.strip().startswith("keyring") and "=" in line
    )
    rbd = facts.executables.get("rbd")
    return CephPieces(
        keyrings=keyrings,
        keyring_settings=settings,
        rbd_command=None if rbd is None else bool(rbd),
        python_rbd=_has_package(facts, "rbd"),
        python_rados=_has_package(facts, "rados"),
    )


def _swtpm(facts: HostFacts) -> tuple[str, str, str]:
    return swtpm_accounts_in(facts.text(QEMU_CONF))


def _smt_threads(facts: HostFacts) -> int | None:
    control = (facts.text(SMT_FILES[0]) or "").strip()
    if control in ("off", "forceoff", "notsupported"):
        return 1
    siblings = (facts.text(SMT_FILES[1]) or "").strip()
    if not siblings:
        return None
    count = 0
    for part in siblings.split(","):
        low, _, high = part.partition("-")
        try:
            count += int(high) - int(low) + 1 if high else 1
        except ValueError:
            return None
    return count


def read_stack(facts: HostFacts) -> StackView:
    libvirt, said = _libvirt(facts)
    nova, nova_source = _nova(facts)
    user, group, source = _swtpm(facts)
    return StackView(
        libvirt=libvirt,
        libvirt_said=said,
        nova_version=nova,
        nova_version_source=nova_source,
        ceph=_ceph(facts),
        swtpm_user=user,
        swtpm_group=group,
        swtpm_source=source,
        smt_threads=_smt_threads(facts),
    )
