"""A realistic tmp root and the four-file plan the apply tests use (also run by the crash tests' child)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from wizard.plan.model import (
    Action,
    Check,
    CheckKind,
    FileEdit,
    FileKind,
    NewFileAttributes,
    Plan,
    Reason,
)

NOGROUP = 65534  # a real group number of this host (nogroup), standing in for the root's "nova" group
NOVA_CONF = "/etc/nova/nova.conf"
GLANCE_LINK = "/etc/glance/glance-api.conf"  # a symbolic link to GLANCE_REAL
GLANCE_REAL = "/etc/glance/real/glance-api.conf"
MODPROBE = "/etc/modprobe.d/kvm.conf"  # created by the plan
MODULES_LOAD = (
    "/etc/modules-load.d/kvm-wizard.conf"  # created by the plan, in a directory that does not exist
)
FILES = (NOVA_CONF, GLANCE_REAL, MODPROBE, MODULES_LOAD)

NOVA_BEFORE = b"""[DEFAULT]
#compute_driver = <None>
transport_url = rabbit://nova:rabbit-secret@controller:5672/

[libvirt]
#virt_type = kvm
#images_type = default

[database]
connection = mysql+pymysql://nova:db-secret@controller/nova
"""
GLANCE_BEFORE = b"[DEFAULT]\n#show_image_direct_url = false\n\n[glance_store]\nstores = rbd\n"
ANSWERS = 'version = 1\n[hypervisor]\nvirt_type = "kvm"\n[storage]\nbackend = "qcow2"\n[nested]\nenabled = true\ncpu_mode = "host-passthrough"\n'


def make_root(root: Path) -> Path:
    """The files a distribution ships, with real owners: nova.conf root:65534 0640, glance through a symlink."""
    (root / "etc/nova").mkdir(parents=True)
    (root / "etc/glance/real").mkdir(parents=True)
    (root / "etc/modprobe.d").mkdir(parents=True)
    (root / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\nnova:x:64060:65534::/var/lib/nova:/bin/false\n"
    )
    (root / "etc/group").write_text("root:x:0:\nnova:x:65534:\n")
    nova = root / NOVA_CONF.lstrip("/")
    nova.write_bytes(NOVA_BEFORE)
    os.chown(nova, 0, NOGROUP)
    nova.chmod(0o640)
    (root / GLANCE_REAL.lstrip("/")).write_bytes(GLANCE_BEFORE)
    (root / GLANCE_LINK.lstrip("/")).symlink_to("real/glance-api.conf")
    return root


def _read(root: Path, path: str) -> bytes | None:
    location = root / path.lstrip("/")
    return location.read_bytes() if location.exists() else None


def standard_plan(
    root: Path, *, checks: tuple[Check, ...] = (), actions: tuple[Action, ...] | None = None
) -> Plan:
    """Four files: an edit with secrets, an edit through a symlink, two new files (one in a new directory)."""
    nova = _read(root, NOVA_CONF) or b""
    glance = _read(root, GLANCE_REAL) or b""
    reason = (Reason("the test wants it", "test"),)
    edits = (
        FileEdit(
            NOVA_CONF,
            FileKind.NOVA_CONF,
            nova,
            nova.replace(b"#virt_type = kvm", b"virt_type = kvm\ncpu_mode = host-passthrough"),
            (),
        ),
        FileEdit(
            GLANCE_LINK,
            FileKind.GLANCE_API_CONF,
            glance,
            glance.replace(b"#show_image_direct_url = false", b"show_image_direct_url = true"),
            (),
            target=GLANCE_REAL,
        ),
        FileEdit(MODPROBE, FileKind.MODPROBE, None, b"options kvm_intel nested=1\n", ()),
        FileEdit(
            MODULES_LOAD,
            FileKind.MODULES,
            None,
            b"kvm\nkvm_intel\nvhost_net\n",
            (),
            new_file=NewFileAttributes("root", "nova", 0o640),
        ),
    )
    if actions is None:
        actions = (
            Action(
                "echo:loaded",
                "Say the modules are loaded",
                ("echo", "loaded"),
                reason,
                True,
                ("true",),
                live_only=False,
            ),
            Action("load-module:kvm_intel", "Load kvm_intel now", ("modprobe", "kvm_intel"), reason, True),
        )
    checks = checks or (Check(CheckKind.FILE_PARSES, NOVA_CONF, live_only=False),)
    return Plan(edits=edits, actions=actions, checks=checks, answers_toml=ANSWERS)


@dataclass(frozen=True)
class Entry:
    kind: str  # "file", "dir", "link"
    content: bytes  # file content, or link target
    uid: int
    gid: int
    mode: int


def snapshot(root: Path, top: str = "etc") -> dict[str, Entry]:
    """Every entry under ROOT/top with content, owner, group and mode: 'byte-identical' made checkable."""
    entries: dict[str, Entry] = {}
    base = root / top
    for directory, names, files in os.walk(base):
        for name in sorted([*names, *files]):
            path = Path(directory) / name
            info = path.lstat()
            relative = "/" + str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                entries[relative] = Entry("link", os.readlink(path).encode(), info.st_uid, info.st_gid, 0)
            elif stat.S_ISDIR(info.st_mode):
                entries[relative] = Entry("dir", b"", info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode))
            else:
                entries[relative] = Entry(
                    "file", path.read_bytes(), info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)
                )
    return entries


def files_only(entries: dict[str, Entry]) -> dict[str, Entry]:
    return {path: entry for path, entry in entries.items() if entry.kind != "dir"}
