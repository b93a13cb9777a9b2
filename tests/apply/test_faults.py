"""Real faults during an apply: a full disk, an immutable file, no permission: a clear error, nothing lost."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apply.conftest import NOBODY, run_child
from tests.apply.scenario import (
    GLANCE_REAL,
    MODPROBE,
    NOVA_CONF,
    files_only,
    make_root,
    snapshot,
    standard_plan,
)
from tests.conftest import SYSTEM_TEMP
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner


def _fill(handle: int) -> None:
    while True:
        os.write(handle, b"x" * 4096)


@pytest.fixture
def full_modprobe_directory(root: Path) -> Iterator[Path]:
    """ROOT/etc/modprobe.d on a 64 KiB tmpfs, filled up: the third file of the plan cannot be written."""
    directory = root / "etc/modprobe.d"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert mounted.returncode == 0, f"mounting a tmpfs failed (the test needs root): {mounted.stderr}"
    try:
        handle = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            with pytest.raises(OSError, match="No space left") as full:
                _fill(handle)
            assert full.value.errno == errno.ENOSPC
        finally:
            os.close(handle)
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def test_no_space_left_rolls_back_the_files_already_written(
    root: Path, full_modprobe_directory: Path
) -> None:
    before = files_only(snapshot(root))
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert not result.ok
    assert result.failed_step is not None
    assert result.failed_step.id == f"write:{MODPROBE}"
    assert "No space left on device (ENOSPC)" in result.error
    assert result.rolled_back
    assert not result.rollback_problems
    assert result.written == (NOVA_CONF, "/etc/glance/glance-api.conf", MODPROBE)
    assert files_only(snapshot(root)) == before
    assert sorted(os.listdir(full_modprobe_directory)) == ["filler"], "no temporary copy left behind"
    assert not (root / "var/lib/kvm-wizard/journal").exists()


@pytest.fixture
def immutable_glance(root: Path) -> Iterator[Path]:
    path = root / GLANCE_REAL.lstrip("/")
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_an_immutable_file_is_a_clear_error_and_nothing_changes(root: Path, immutable_glance: Path) -> None:
    before = files_only(snapshot(root))
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert not result.ok
    assert result.failed_step is not None
    assert result.failed_step.id == "write:/etc/glance/glance-api.conf"
    real = root / GLANCE_REAL.lstrip("/")
    assert result.error == (
        f"Operation not permitted (EPERM): {real} (the file is immutable: chattr -i {real} allows the change)"
    )
    assert ".kvm-wizard-new" not in result.error
    assert files_only(snapshot(root)) == before


@pytest.fixture
def public_root() -> Iterator[Path]:
    """A root another user can reach (pytest's own tmp directory is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="kvm-wizard-test-", dir=SYSTEM_TEMP))
    base.chmod(0o755)
    try:
        yield make_root(base / "root")
    finally:
        shutil.rmtree(base)


def test_permission_denied_for_an_unprivileged_user_restores_what_it_wrote(public_root: Path) -> None:
    root = public_root
    # The user owns the tree except glance's real directory: nova.conf is written, then glance fails.
    for directory, names, files in os.walk(root):
        for name in [".", *names, *files]:
            os.chown(Path(directory) / name, NOBODY, NOBODY, follow_symlinks=False)
    os.chown(root / "etc/glance/real", 0, 0)
    os.chown(root / GLANCE_REAL.lstrip("/"), 0, 0)
    before = files_only(snapshot(root))
    child = run_child(root, "apply", user=NOBODY)
    assert child.returncode == 1, child.stderr
    report = json.loads(child.stdout)
    assert report["failed_step"] == "write:/etc/glance/glance-api.conf"
    assert "Permission denied (EACCES)" in report["error"]
    assert report["rolled_back"]
    assert files_only(snapshot(root)) == before
    assert (root / NOVA_CONF.lstrip("/")).stat().st_uid == NOBODY
