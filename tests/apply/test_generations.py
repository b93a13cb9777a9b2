"""Generations: private on disk, rollback byte-identical (and undoable), drift, damaged manifests, diffs."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.apply.conftest import NOBODY
from tests.apply.scenario import GLANCE_REAL, NOVA_CONF, files_only, snapshot, standard_plan
from wizard.apply.compare import diff_generations
from wizard.apply.generations import GenerationError, list_generations, load_generation
from wizard.apply.rollback import preview_rollback, rollback_generation
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.plan.model import FileEdit, FileKind, Plan


def _apply(root: Path) -> int:
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert result.ok, result.error
    assert result.generation is not None
    return result.generation


def _rollback(root: Path, number: int, *, accept_drift: bool = False) -> int:
    result = rollback_generation(root, number, runner=CommandRunner(), accept_drift=accept_drift)
    assert result.ok, result.error
    assert result.generation is not None
    return result.generation


def test_apply_then_rollback_is_byte_identical_and_the_rollback_can_be_undone(root: Path) -> None:
    glance = root / GLANCE_REAL.lstrip("/")
    os.chown(glance, NOBODY, NOBODY)
    glance.chmod(0o604)
    pristine = snapshot(root)
    applied_generation = _apply(root)
    applied = snapshot(root)
    assert applied != pristine
    rollback = _rollback(root, applied_generation)
    assert rollback == applied_generation + 1
    # Every file, owner, group and mode as before (the directory the apply created stays, empty).
    assert files_only(snapshot(root)) == files_only(pristine)
    assert _rollback(root, rollback) == rollback + 1
    assert snapshot(root) == applied
    kinds = [entry.generation.kind for entry in list_generations(state_paths(root)) if entry.generation]
    assert kinds == ["apply", "rollback", "rollback"]


def test_generations_are_private_to_root(root: Path) -> None:
    number = _apply(root)
    directory = root / "var/lib/kvm-wizard"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for path in directory.joinpath("generations").rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    saved = directory / f"generations/{number}/before/0"
    assert b"db-secret" in saved.read_bytes()
    # Even with the directories opened up, the saved copy of nova.conf is unreadable to another user.
    for opened in (root, root / "var", root / "var/lib"):
        opened.chmod(0o755)
    reader = subprocess.run(
        ["cat", str(saved)],
        capture_output=True,
        text=True,
        check=False,
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
    )
    assert reader.returncode != 0
    assert "Permission denied" in reader.stderr
    assert "db-secret" not in reader.stdout


def test_drift_is_reported_before_a_rollback_overwrites_it(root: Path) -> None:
    number = _apply(root)
    nova = root / NOVA_CONF.lstrip("/")
    hand_edited = nova.read_bytes() + b"# added by hand\n"
    nova.write_bytes(hand_edited)
    preview = preview_rollback(root, number)
    assert [(item.path, item.detail) for item in preview.drift] == [
        (NOVA_CONF, "edited by hand since generation 1")
    ]
    refused = rollback_generation(root, number, runner=CommandRunner())
    assert not refused.ok
    assert "hand edits would be overwritten" in refused.error
    assert nova.read_bytes() == hand_edited
    rollback = _rollback(root, number, accept_drift=True)
    assert b"# added by hand" not in nova.read_bytes()
    # Nothing lost: the rollback's own generation kept the hand edit.
    _rollback(root, rollback)
    assert nova.read_bytes() == hand_edited


def test_diff_against_the_disk_shows_drift_and_masks_secrets(root: Path) -> None:
    number = _apply(root)
    nova = root / NOVA_CONF.lstrip("/")
    nova.write_bytes(nova.read_bytes().replace(b"db-secret", b"new-db-secret"))
    diff = diff_generations(root, number)
    by_path = {item.path: item for item in diff.files}
    text = "\n".join(by_path[NOVA_CONF].lines)
    assert "-#virt_type = kvm" in text
    assert "+virt_type = kvm" in text
    assert "db-secret" not in text
    assert "rabbit-secret" not in text
    # A changed secret shows as changed, without showing either value.
    assert "-connection = ****" in text
    assert "+connection = ****" in text
    assert [item.path for item in diff.drift] == [NOVA_CONF]


def test_diff_between_two_generations(root: Path) -> None:
    number = _apply(root)
    rollback = _rollback(root, number)
    diff = diff_generations(root, number, rollback)
    changed = {item.path for item in diff.files if item.changed}
    assert changed == {
        NOVA_CONF,
        "/etc/glance/glance-api.conf",
        "/etc/modprobe.d/kvm.conf",
        "/etc/modules-load.d/kvm-wizard.conf",
    }
    assert not [item for item in diff_generations(root, rollback, rollback).files if item.changed]


@pytest.mark.parametrize("damage", ["missing", "corrupt", "content"])
def test_a_damaged_generation_gives_a_clear_error_and_loses_nothing(root: Path, damage: str) -> None:
    number = _apply(root)
    directory = root / f"var/lib/kvm-wizard/generations/{number}"
    if damage == "missing":
        (directory / "manifest.toml").unlink()
        expected = "generation 1 has no manifest"
    elif damage == "corrupt":
        (directory / "manifest.toml").write_text("number = [unclosed\n")
        expected = "generation 1: its manifest is damaged"
    else:
        (directory / "before/0").write_bytes(b"tampered\n")
        expected = "does not match its sha256"
    applied = snapshot(root)
    paths = state_paths(root)
    if damage != "content":
        with pytest.raises(GenerationError, match=expected):
            load_generation(paths, number)
        entries = list_generations(paths)
        assert [(entry.number, expected in entry.problem) for entry in entries] == [(1, True)]
    result = rollback_generation(root, number, runner=CommandRunner())
    assert not result.ok
    assert expected in result.error
    assert snapshot(root) == applied
    with pytest.raises(GenerationError, match=expected):
        diff_generations(root, number)
    # A later apply still works and takes the next number: a damaged generation is never overwritten.
    another = Plan(
        edits=(
            FileEdit(
                "/etc/modprobe.d/other.conf", FileKind.MODPROBE, None, b"options kvm ignore_msrs=1\n", ()
            ),
        )
    )
    second = apply_plan(another, root, runner=CommandRunner())
    assert second.ok, second.error
    assert second.generation == number + 1
