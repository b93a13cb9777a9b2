"""Where a transaction stands, read from the record on disk: every fate the screens, the quit question and the
exit status speak of, each reached by the real engine (apply, confirm, revert, the watcher's deadline)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apply.scenario import MODPROBE, NOVA_CONF, standard_plan
from tests.apply.test_confirm import wait_for
from wizard.apply.confirm import confirm, revert_now, seconds_left
from wizard.apply.pending import watcher_alive
from wizard.apply.results import ApplyResult
from wizard.apply.settlement import Fate, settlement
from wizard.apply.startup import check_on_start
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.plan.model import Check, CheckKind


@pytest.fixture
def applied(root: Path) -> Iterator[ApplyResult]:
    """An apply waiting for confirmation; its watcher is stopped at the end whatever the test did."""
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=30)
    assert result.ok, result.error
    assert result.confirmation is not None
    yield result
    if watcher_alive(result.confirmation.watcher_pid):
        os.kill(result.confirmation.watcher_pid, signal.SIGKILL)


def test_waiting_for_confirmation(root: Path, applied: ApplyResult) -> None:
    state = settlement(root, applied)
    assert state.fate is Fate.PENDING
    assert state.changed
    assert state.confirmed is None
    assert 0 < state.seconds_left <= 30
    assert applied.confirmation is not None
    assert state.deadline == applied.confirmation.deadline
    files = {item.path: item for item in state.files}
    assert files[NOVA_CONF].created is False
    assert files[MODPROBE].created is True
    assert files[MODPROBE].fate(undone=False) == "created"
    assert files[MODPROBE].fate(undone=True) == "removed again: the change had created it"
    assert files[NOVA_CONF].fate(undone=True) == "restored as it was"


def test_kept(root: Path, applied: ApplyResult) -> None:
    assert confirm(root).confirmed
    state = settlement(root, applied)
    assert state.fate is Fate.KEPT
    assert state.confirmed is True
    assert state.when


def test_reverted_by_the_operator(root: Path, applied: ApplyResult) -> None:
    assert revert_now(root).reverted
    state = settlement(root, applied)
    assert state.fate is Fate.REVERTED
    assert not state.changed
    assert state.confirmed is False
    assert state.reason == "the operator asked to revert"
    assert state.revert_generation == 2


def test_reverted_at_the_deadline(root: Path) -> None:
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=0.3)
    assert result.confirmation is not None
    wait_for(lambda: seconds_left(root) is None, "the watcher to revert")
    state = settlement(root, result)
    assert state.fate is Fate.REVERTED_AT_DEADLINE
    assert "not confirmed within" in state.reason
    assert state.confirmed is False


def test_reverted_at_the_next_start_after_the_watcher_died(root: Path) -> None:
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=0.3)
    assert result.confirmation is not None
    os.kill(result.confirmation.watcher_pid, signal.SIGKILL)
    wait_for(lambda: seconds_left(root) == 0, "the deadline")
    check_on_start(root)
    assert settlement(root, result).fate is Fate.REVERTED_AT_DEADLINE


def test_the_record_of_a_later_revert_does_not_hide_an_earlier_one(root: Path, applied: ApplyResult) -> None:
    assert revert_now(root).reverted
    again = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=30)
    assert again.confirmation is not None
    try:
        assert revert_now(root).reverted
    finally:
        if watcher_alive(again.confirmation.watcher_pid):
            os.kill(again.confirmation.watcher_pid, signal.SIGKILL)
    assert settlement(root, applied).fate is Fate.REVERTED  # found by its revert's generation
    assert settlement(root, again).fate is Fate.REVERTED


def test_failed_and_rolled_back(root: Path) -> None:
    check = Check(CheckKind.MODULE_LOADED, "kvm_wizard_no_such_module", live_only=False)
    result = apply_plan(
        standard_plan(root, checks=(check,)), root, runner=CommandRunner(), confirm_timeout=30
    )
    state = settlement(root, result)
    assert state.fate is Fate.FAILED
    assert "kvm_wizard_no_such_module" in state.reason
    assert {item.path for item in state.files} >= {NOVA_CONF, MODPROBE}


def test_kept_at_once_without_confirmation(root: Path) -> None:
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert settlement(root, result).fate is Fate.KEPT


def test_a_damaged_pending_file_is_unknown_not_absent(root: Path, applied: ApplyResult) -> None:
    (root / "var/lib/kvm-wizard/pending-confirm.toml").write_text("generation = [")
    state = settlement(root, applied)
    assert state.fate is Fate.UNKNOWN
    assert "damaged" in state.reason
    assert state.confirmed is None
