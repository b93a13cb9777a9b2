"""Confirm-or-revert with a real detached watcher: it reverts a killed wizard's apply; confirm stops it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.apply.conftest import REPOSITORY, child_environment, run_child
from tests.apply.scenario import NOVA_CONF, files_only, snapshot, standard_plan
from wizard.apply.confirm import (
    confirm,
    mark_revert_reported,
    pending_confirmation,
    revert_now,
    seconds_left,
    unreported_revert,
)
from wizard.apply.generations import list_generations
from wizard.apply.pending import watcher_alive
from wizard.apply.recovery import RecoveryDecision, find_unfinished, recover
from wizard.apply.startup import check_on_start
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.plan.model import Check, CheckKind

WAIT = 15.0  # the longest any condition below may take before the test fails


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _process_gone(pid: int) -> Callable[[], bool]:
    return lambda: not watcher_alive(pid)


@pytest.fixture
def watchers(root: Path) -> Iterator[list[int]]:
    """Watcher pids a test started; any still running at the end is killed (they are detached)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if watcher_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_the_watcher_reverts_when_the_wizard_is_killed(root: Path, watchers: list[int]) -> None:
    before = files_only(snapshot(root))
    wizard = subprocess.Popen(
        [sys.executable, "-m", "tests.apply.child", str(root), "apply-and-wait", "1"],
        cwd=REPOSITORY,
        env=child_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert wizard.stdout is not None
    report = json.loads(wizard.stdout.readline())
    watchers.append(report["watcher"])
    assert report["ok"]
    assert watcher_alive(report["watcher"])
    # Detached: its own session (no SIGHUP from our terminal), not our child, stdio on /dev/null.
    stat_fields = Path(f"/proc/{report['watcher']}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(stat_fields[3]) != os.getsid(0)
    assert int(stat_fields[1]) != wizard.pid
    assert {os.readlink(f"/proc/{report['watcher']}/fd/{fd}") for fd in (0, 1, 2)} == {"/dev/null"}
    applied = (root / NOVA_CONF.lstrip("/")).read_bytes()
    wizard.kill()  # the operator's console is gone, and the wizard with it
    wizard.wait()
    assert (root / NOVA_CONF.lstrip("/")).read_bytes() == applied
    wait_for(lambda: files_only(snapshot(root)) == before, "the watcher to revert")
    wait_for(_process_gone(report["watcher"]), "the watcher to exit")
    assert pending_confirmation(root) is None
    record = unreported_revert(root)
    assert record is not None
    assert record.automatic
    assert record.restored == 1
    assert "not confirmed within 1 s" in record.reason
    kinds = [entry.generation.kind for entry in list_generations(state_paths(root)) if entry.generation]
    assert kinds == ["apply", "revert"]
    # The next start reports it once.
    assert check_on_start(root).revert == record
    mark_revert_reported(root)
    assert check_on_start(root).quiet


def test_confirm_stops_the_watcher_and_keeps_the_changes(root: Path, watchers: list[int]) -> None:
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=30)
    assert result.ok, result.error
    assert result.confirmation is not None
    watchers.append(result.confirmation.watcher_pid)
    left = seconds_left(root)
    assert left is not None
    assert 0 < left <= 30
    applied = files_only(snapshot(root))
    # While the confirmation is pending, no other transaction starts.
    blocked = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert "still waits for confirmation" in blocked.error
    outcome = confirm(root)
    assert outcome.confirmed, outcome.message
    wait_for(_process_gone(result.confirmation.watcher_pid), "the watcher to stop")
    assert files_only(snapshot(root)) == applied
    assert seconds_left(root) is None
    assert not confirm(root).confirmed
    generation = list_generations(state_paths(root))[0].generation
    assert generation is not None
    assert generation.confirmed


def test_a_failing_health_check_reverts_at_once(root: Path) -> None:
    before = files_only(snapshot(root))
    check = Check(CheckKind.MODULE_LOADED, "kvm_wizard_no_such_module", live_only=False)
    result = apply_plan(
        standard_plan(root, checks=(check,)), root, runner=CommandRunner(), confirm_timeout=30
    )
    assert not result.ok
    assert "kvm_wizard_no_such_module is not loaded" in result.error
    assert result.confirmation is None
    assert files_only(snapshot(root)) == before
    assert pending_confirmation(root) is None


def test_revert_now_by_the_operator(root: Path, watchers: list[int]) -> None:
    before = files_only(snapshot(root))
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=30)
    assert result.confirmation is not None
    watchers.append(result.confirmation.watcher_pid)
    outcome = revert_now(root)
    assert outcome.reverted, outcome.message
    assert files_only(snapshot(root)) == before
    wait_for(_process_gone(result.confirmation.watcher_pid), "the watcher to stop")
    assert unreported_revert(root) is None, "the operator saw it happen"
    # The revert has its own generation: rolling back to it brings the changes back.
    assert outcome.result is not None
    assert outcome.result.generation == 2


def test_a_deadline_that_passed_unwatched_is_enforced_on_the_next_start(root: Path) -> None:
    before = files_only(snapshot(root))
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=0.3)
    assert result.confirmation is not None
    os.kill(result.confirmation.watcher_pid, signal.SIGKILL)  # as a reboot would
    wait_for(_process_gone(result.confirmation.watcher_pid), "the watcher to die")
    wait_for(lambda: seconds_left(root) == 0, "the deadline")
    assert files_only(snapshot(root)) != before
    report = check_on_start(root)
    assert report.revert is not None
    assert files_only(snapshot(root)) == before


def test_confirming_too_late_reverts_instead(root: Path) -> None:
    before = files_only(snapshot(root))
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=30)
    assert result.confirmation is not None
    os.kill(result.confirmation.watcher_pid, signal.SIGKILL)
    pending_file = root / "var/lib/kvm-wizard/pending-confirm.toml"
    pending_file.write_text(pending_file.read_text().replace(result.confirmation.boot_id, "another-boot"))
    outcome = confirm(root)
    assert not outcome.confirmed
    assert "Too late" in outcome.message
    assert "the system restarted" in outcome.message
    assert files_only(snapshot(root)) == before


@pytest.mark.parametrize("decision", [RecoveryDecision.COMPLETE, RecoveryDecision.ROLL_BACK])
def test_kill_9_before_the_watcher_started(
    root: Path, watchers: list[int], decision: RecoveryDecision
) -> None:
    before = files_only(snapshot(root))
    child = run_child(root, "apply", "30", crash_at="pending-written:1")
    assert child.returncode == -9
    recovery = recover(root, decision, runner=CommandRunner())
    assert recovery is not None
    assert recovery.ok, recovery.message
    pending = pending_confirmation(root)
    if decision is RecoveryDecision.ROLL_BACK:
        assert pending is None
        assert files_only(snapshot(root)) == before
        return
    assert pending is not None
    watchers.append(pending.watcher_pid)
    assert watcher_alive(pending.watcher_pid), "completing restarted confirm-or-revert with a watcher"
    assert confirm(root).confirmed


def test_an_interrupted_revert_is_always_completed(root: Path, watchers: list[int]) -> None:
    before = files_only(snapshot(root))
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=30)
    assert result.confirmation is not None
    watchers.append(result.confirmation.watcher_pid)
    child = run_child(root, "revert", crash_at="temp-written:3")
    assert child.returncode == -9, child.stderr
    unfinished = find_unfinished(root)
    assert unfinished is not None
    assert unfinished.kind == "revert"
    assert unfinished.must_complete
    recovery = recover(root, RecoveryDecision.ROLL_BACK, runner=CommandRunner())
    assert recovery is not None
    assert recovery.decision == "complete"
    assert recovery.ok, recovery.message
    assert files_only(snapshot(root)) == before
    assert pending_confirmation(root) is None
    record = unreported_revert(root)
    assert record is not None
    assert "completed by recovery" in record.reason
