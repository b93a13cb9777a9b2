"""SIGTERM, SIGHUP and SIGINT at every point of a real transaction: rolled back whole, or (past the commit)
finished whole; never a journal left behind, never a file half-way.

The child sends itself the signal at a named point (KVM_WIZARD_CRASH_AT with KVM_WIZARD_CRASH_SIGNAL), and
handles it as the command line does (wizard.interrupts), so every delivery is exact and needs no sleep.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.apply.conftest import run_child
from tests.apply.scenario import Entry, files_only, make_root, snapshot, standard_plan
from tests.apply.test_crash import APPLY_CRASHES
from wizard.apply.generations import list_generations
from wizard.apply.pending import watcher_alive
from wizard.apply.recovery import find_unfinished
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner

# Past these points the transaction is committing: a signal there is taken once it has finished.
COMMITTING = {"temp-written:6", "commit:1", "journal-torn:10", "ended:1"}
SIGNAL_POINTS = [point for point, _ in APPLY_CRASHES]


@pytest.fixture(scope="module")
def applied_snapshot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Entry]:
    reference = make_root(tmp_path_factory.mktemp("reference") / "root")
    assert apply_plan(standard_plan(reference), reference, runner=CommandRunner()).ok
    return snapshot(reference)


def _statuses(root: Path) -> list[str]:
    return [entry.generation.status for entry in list_generations(state_paths(root)) if entry.generation]


def _settled(root: Path) -> None:
    """Nothing left running or half-done: no journal, no unfinished transaction, the lock free."""
    assert not (root / "var/lib/kvm-wizard/journal").exists()
    assert find_unfinished(root) is None
    assert "pending" not in _statuses(root)


@pytest.mark.parametrize("point", SIGNAL_POINTS)
def test_sigterm_at_every_point_of_an_apply(
    root: Path, applied_snapshot: dict[str, Entry], point: str
) -> None:
    before = snapshot(root)
    child = run_child(root, "apply", crash_at=point, signal="TERM")
    report = json.loads(child.stdout.splitlines()[-1])
    if point in COMMITTING:
        assert child.returncode == 0, (child.stdout, child.stderr)
        assert report["ok"]
        assert report["waiting"] == "SIGTERM"
        assert snapshot(root) == applied_snapshot
        assert _statuses(root) == ["applied"]
    else:
        assert child.returncode == 143, (child.stdout, child.stderr)
        assert report["interrupted"] == "SIGTERM"
        assert any("rolled back" in note or "changed no file" in note for note in report["notes"]), report
        assert snapshot(root) == before
        assert _statuses(root) in ([], ["rolled-back"])
    _settled(root)


@pytest.mark.parametrize("signal", ["INT", "HUP"])
@pytest.mark.parametrize("point", ["journal-append:1", "renamed:4", "action:1", "verify:1"])
def test_sigint_and_sighup_roll_back_as_sigterm_does(root: Path, point: str, signal: str) -> None:
    before = snapshot(root)
    child = run_child(root, "apply", crash_at=point, signal=signal)
    assert child.returncode == 128 + {"INT": 2, "HUP": 1}[signal], (child.stdout, child.stderr)
    assert json.loads(child.stdout.splitlines()[-1])["interrupted"] == f"SIG{signal}"
    assert snapshot(root) == before
    _settled(root)


def test_a_signal_while_confirm_or_revert_starts_rolls_back(root: Path) -> None:
    before = snapshot(root)
    child = run_child(root, "apply", "60", crash_at="pending-written:1", signal="TERM")
    assert child.returncode == 143, (child.stdout, child.stderr)
    assert snapshot(root) == before
    assert not (root / "var/lib/kvm-wizard/pending-confirm.toml").exists()
    _settled(root)


@pytest.mark.parametrize("point", ["restore:1", "restore:3", "journal-append:9"])
def test_a_signal_during_a_rollback_waits_for_it_to_finish(root: Path, point: str) -> None:
    before = snapshot(root)
    child = run_child(root, "apply-failing", crash_at=point, signal="TERM")
    assert child.returncode == 1, (child.stdout, child.stderr)
    report = json.loads(child.stdout.splitlines()[-1])
    assert report["rolled_back"]
    assert report["waiting"] == "SIGTERM"
    assert snapshot(root) == before
    _settled(root)


@pytest.mark.parametrize("point", ["temp-written:3", "journal-append:5"])
def test_a_signal_during_a_snapshot_rollback_undoes_the_rollback(root: Path, point: str) -> None:
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok
    applied = snapshot(root)
    child = run_child(root, "rollback", "1", crash_at=point, signal="TERM")
    assert child.returncode == 143, (child.stdout, child.stderr)
    assert files_only(snapshot(root)) == files_only(applied)
    _settled(root)


def test_a_signal_while_recovery_completes_rolls_the_whole_change_back(root: Path) -> None:
    before = snapshot(root)
    assert run_child(root, "apply", crash_at="renamed:4").returncode == -9
    child = run_child(root, "recover", "complete", crash_at="temp-written:1", signal="TERM")
    assert child.returncode == 143, (child.stdout, child.stderr)
    assert snapshot(root) == before
    _settled(root)


def _watchers_of(root: Path) -> list[int]:
    """Confirm-or-revert watchers running for this root (any process whose command line names both)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(root).encode() in command and watcher_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def test_a_signal_after_the_watcher_started_leaves_no_watcher_behind(root: Path) -> None:
    child = run_child(root, "apply", "60", crash_at="pending-written:1", signal="HUP")
    assert child.returncode == 129, (child.stdout, child.stderr)
    assert not state_paths(root).pending.exists()
    # The watcher was started and told to stop (SIGTERM); it is not our child, so wait for it to be gone.
    deadline = time.monotonic() + 10
    while _watchers_of(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _watchers_of(root) == []
