"""POSIX ACLs, SELinux labels and user extended attributes: carried through every write, restored by every
rollback, recorded in the generation. Real attributes on the real file system (ext4 or tmpfs, as root)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apply.conftest import NOBODY, run_child
from tests.apply.scenario import GLANCE_REAL, MODPROBE, NOVA_CONF, make_root, standard_plan
from tests.conftest import SYSTEM_TEMP
from wizard.apply.atomic import read_state
from wizard.apply.generations import load_generation
from wizard.apply.rollback import rollback_generation
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner

LABEL = b"system_u:object_r:nova_etc_t:s0\x00"
ACL = "system.posix_acl_access"
UNDEFINED = 0xFFFFFFFF


def access_acl(reader: int) -> bytes:
    """user::rw- user:READER:r-- group::--- mask::r-- other::--- in the kernel's binary form (mode 0640)."""
    entries = [(0x01, 6, UNDEFINED), (0x02, 4, reader), (0x04, 0, UNDEFINED), (0x10, 4, UNDEFINED)]
    entries.append((0x20, 0, UNDEFINED))
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


def default_acl(reader: int) -> bytes:
    return access_acl(reader)  # the same entries, as the directory's default for new files


def label(path: Path) -> None:
    os.setxattr(path, "security.selinux", LABEL)
    os.setxattr(path, "user.backup-policy", b"nightly")
    os.chown(path, 0, 0)
    os.setxattr(path, ACL, access_acl(NOBODY))


def attributes(path: Path) -> dict[str, bytes]:
    return {name: os.getxattr(path, name) for name in sorted(os.listxattr(path))}


@pytest.fixture
def labelled(root: Path) -> dict[str, bytes]:
    nova = root / NOVA_CONF.lstrip("/")
    label(nova)
    label(root / GLANCE_REAL.lstrip("/"))
    found = attributes(nova)
    assert set(found) == {ACL, "security.selinux", "user.backup-policy"}
    return found


def test_apply_keeps_the_acl_the_label_and_user_attributes(root: Path, labelled: dict[str, bytes]) -> None:
    nova = root / NOVA_CONF.lstrip("/")
    inode = nova.stat().st_ino
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert result.ok, result.error
    assert nova.stat().st_ino != inode  # a new file (atomic rename), with the old one's attributes
    assert attributes(nova) == labelled
    assert attributes(root / GLANCE_REAL.lstrip("/")) == labelled
    assert oct(nova.stat().st_mode & 0o777) == "0o640"
    # The generation records them (base64 in the manifest): a rollback can put them back.
    generation = load_generation(state_paths(root), 1)
    recorded = next(item for item in generation.files if item.path == NOVA_CONF)
    assert dict(recorded.before.xattrs or ()) == labelled


def test_a_failed_apply_restores_them_with_the_old_content(root: Path, labelled: dict[str, bytes]) -> None:
    nova = root / NOVA_CONF.lstrip("/")
    before = nova.read_bytes()
    child = run_child(root, "apply-failing")
    assert child.returncode == 1, child.stderr
    assert nova.read_bytes() == before
    assert attributes(nova) == labelled


def test_a_snapshot_rollback_restores_the_attributes_recorded(root: Path, labelled: dict[str, bytes]) -> None:
    nova = root / NOVA_CONF.lstrip("/")
    before = nova.read_bytes()
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok
    # Someone strips them after the apply; rolling back to generation 1 brings back the file as it was.
    for name in list(os.listxattr(nova)):
        os.removexattr(nova, name)
    result = rollback_generation(root, 1, runner=CommandRunner(), accept_drift=True)
    assert result.ok, result.error
    assert nova.read_bytes() == before
    assert attributes(nova) == labelled


def test_a_new_file_gets_what_the_system_gives_it(root: Path) -> None:
    """A new file in a directory with a default ACL inherits it (as `cp` would), and the apply verifies."""
    directory = root / "etc/modprobe.d"
    os.setxattr(directory, "system.posix_acl_default", default_acl(NOBODY))
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert result.ok, result.error
    assert ACL in os.listxattr(root / MODPROBE.lstrip("/"))


def test_an_acl_the_file_did_not_have_is_not_inherited_by_the_rewrite(root: Path) -> None:
    """nova.conf without an ACL, its directory with a default one: the rewritten file must not gain it."""
    os.setxattr(root / "etc/nova", "system.posix_acl_default", default_acl(NOBODY))
    nova = root / NOVA_CONF.lstrip("/")
    assert ACL not in os.listxattr(nova)
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok
    assert ACL not in os.listxattr(nova)
    assert oct(nova.stat().st_mode & 0o777) == "0o640"


def test_attributes_on_the_file_read_back_are_part_of_its_state(
    root: Path, labelled: dict[str, bytes]
) -> None:
    state = read_state(root / NOVA_CONF.lstrip("/"))
    assert state.attributes is not None
    assert dict(state.attributes.xattrs or ()) == labelled


@pytest.fixture
def public_root() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="kvm-wizard-test-", dir=SYSTEM_TEMP))
    base.chmod(0o755)
    try:
        yield make_root(base / "root")
    finally:
        shutil.rmtree(base)


def test_the_user_the_acl_lets_in_can_still_read_the_file_after_apply_and_rollback(public_root: Path) -> None:
    root = public_root
    for directory in [root, *[path for path in root.rglob("*") if path.is_dir()]]:
        directory.chmod(0o755)
    nova = root / NOVA_CONF.lstrip("/")
    os.chown(nova, 0, 0)
    os.setxattr(nova, ACL, access_acl(NOBODY))

    def nobody_reads() -> bool:
        done = subprocess.run(["cat", str(nova)], user=NOBODY, group=NOBODY, capture_output=True, check=False)
        return done.returncode == 0

    assert nobody_reads()
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok
    assert nobody_reads(), "the apply dropped the ACL: nova (here: nobody) can no longer read nova.conf"
    assert rollback_generation(root, 1, runner=CommandRunner()).ok
    assert nobody_reads()
