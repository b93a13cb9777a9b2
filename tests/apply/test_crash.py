"""kill -9 of a real applying process at many points: every file wholly old or new, recovery consistent.

The child stops itself with SIGKILL at a named point (KVM_WIZARD_CRASH_AT, see wizard/apply/faults.py),
so every crash is exact and needs no sleep. Each crashed root is copied and recovered both ways.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.apply.conftest import run_child
from tests.apply.scenario import FILES, Entry, files_only, make_root, snapshot, standard_plan
from wizard.apply.generations import list_generations
from wizard.apply.recovery import RecoveryDecision, find_unfinished, recover
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner

# (point, what recovery must find): "nothing" = no file changed yet, "ended" = it had finished.
APPLY_CRASHES = [
    ("journal-append:1", "nothing"),  # the journal file exists, empty
    ("journal-torn:1", "nothing"),  # the begin record half written
    ("generation-file:1", "nothing"),
    ("generation-file:4", "nothing"),
    ("generation-manifest:1", "nothing"),
    ("journal-torn:2", "nothing"),  # "recorded" half written: as if not written
    ("journal-append:3", "changed"),  # before the first write record
    ("journal-torn:3", "changed"),
    ("temp-written:2", "changed"),  # nova.conf's new copy synced, not renamed
    ("renamed:2", "changed"),  # nova.conf renamed, directory not synced
    ("journal-torn:4", "changed"),
    ("temp-written:3", "changed"),  # through the symlink
    ("renamed:4", "changed"),  # a new file
    ("temp-written:5", "changed"),  # a new file in a directory the apply created
    ("renamed:5", "changed"),
    ("journal-append:7", "changed"),  # before the action
    ("action:1", "changed"),
    ("journal-append:8", "changed"),  # the action ran, not yet recorded as done
    ("verify:1", "changed"),
    ("temp-written:6", "changed"),  # the generation's status file
    ("commit:1", "changed"),  # before the end record
    ("journal-torn:10", "changed"),  # the end record half written
    ("ended:1", "ended"),  # after the end record, before the journal is removed
]


def _copy(root: Path, name: str) -> Path:
    copy = root.parent / name
    subprocess.run(["cp", "-a", str(root), str(copy)], check=True)
    return copy


def _assert_each_file_old_or_new(
    now: dict[str, Entry], before: dict[str, Entry], after: dict[str, Entry]
) -> None:
    for path in FILES:
        assert now.get(path) in (before.get(path), after.get(path)), f"{path} is neither old nor new"


@pytest.fixture(scope="module")
def applied_snapshot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Entry]:
    """The tree an uninterrupted apply produces (same inputs, same result); paths are relative to the root."""
    reference = make_root(tmp_path_factory.mktemp("reference") / "root")
    assert apply_plan(standard_plan(reference), reference, runner=CommandRunner()).ok
    return snapshot(reference)


@pytest.mark.parametrize(("point", "found"), APPLY_CRASHES, ids=[point for point, _ in APPLY_CRASHES])
def test_kill_9_during_apply(root: Path, applied_snapshot: dict[str, Entry], point: str, found: str) -> None:
    before = snapshot(root)
    child = run_child(root, "apply", crash_at=point)
    assert child.returncode == -9, (child.stdout, child.stderr)
    _assert_each_file_old_or_new(snapshot(root), before, applied_snapshot)
    unfinished = find_unfinished(root)
    assert unfinished is not None
    assert unfinished.recorded == (found != "nothing")
    expected_after_complete = before if found == "nothing" else applied_snapshot
    expected_after_rollback = applied_snapshot if found == "ended" else before
    for decision, expected in (
        (RecoveryDecision.ROLL_BACK, expected_after_rollback),
        (RecoveryDecision.COMPLETE, expected_after_complete),
    ):
        copy = _copy(root, f"recovered-{decision.value}")
        recovery = recover(copy, decision, runner=CommandRunner())
        assert recovery is not None
        assert recovery.ok, recovery.message
        assert snapshot(copy) == {
            path.replace(str(root), str(copy)): entry for path, entry in expected.items()
        }
        assert find_unfinished(copy) is None
        assert not (copy / "var/lib/kvm-wizard/journal").exists()
        assert recover(copy, decision) is None, "nothing left to recover"
        statuses = [
            entry.generation.status for entry in list_generations(state_paths(copy)) if entry.generation
        ]
        if found == "nothing":
            assert statuses == []
        elif found == "ended" or decision is RecoveryDecision.COMPLETE:
            assert statuses == ["applied"]
        else:
            assert statuses == ["rolled-back"]


@pytest.mark.parametrize("point", ["restore:1", "restore:3", "journal-append:9"])
def test_kill_9_while_rolling_back_a_failed_apply_can_only_roll_back(root: Path, point: str) -> None:
    before = snapshot(root)
    child = run_child(root, "apply-failing", crash_at=point)
    assert child.returncode == -9, (child.stdout, child.stderr)
    unfinished = find_unfinished(root)
    assert unfinished is not None
    assert unfinished.must_roll_back
    assert unfinished.failure
    recovery = recover(root, RecoveryDecision.COMPLETE, runner=CommandRunner())
    assert recovery is not None
    assert recovery.decision == "rollback"
    assert snapshot(root) == before


def test_kill_9_during_recovery_is_recovered_again(root: Path, applied_snapshot: dict[str, Entry]) -> None:
    assert run_child(root, "apply", crash_at="renamed:4").returncode == -9
    second = run_child(root, "recover", "complete", crash_at="temp-written:2")
    assert second.returncode == -9, (second.stdout, second.stderr)
    recovery = recover(root, RecoveryDecision.COMPLETE, runner=CommandRunner())
    assert recovery is not None
    assert recovery.ok, recovery.message
    assert snapshot(root) == applied_snapshot


@pytest.mark.parametrize("point", ["temp-written:3", "journal-append:5"])
def test_kill_9_during_a_snapshot_rollback(
    root: Path, applied_snapshot: dict[str, Entry], point: str
) -> None:
    before = snapshot(root)
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok
    applied = snapshot(root)
    child = run_child(root, "rollback", "1", crash_at=point)
    assert child.returncode == -9, (child.stdout, child.stderr)
    _assert_each_file_old_or_new(snapshot(root), applied, before)
    unfinished = find_unfinished(root)
    assert unfinished is not None
    assert unfinished.kind == "rollback"
    copy = _copy(root, "completed")
    completed = recover(copy, RecoveryDecision.COMPLETE, runner=CommandRunner())
    assert completed is not None
    assert completed.ok, completed.message
    assert files_only(snapshot(copy)) == files_only(before)
    rolled_back = recover(root, RecoveryDecision.ROLL_BACK, runner=CommandRunner())
    assert rolled_back is not None
    assert rolled_back.ok, rolled_back.message
    assert snapshot(root) == applied
