"""Done: how the apply stands by the record on disk, for each outcome: kept, reverted by you, reverted at the
deadline (a file the apply created is removed again; nothing to undo), failed and rolled back, nothing to do,
a revert that failed, and a record that cannot tell."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from screens.done import DoneScreen
from screens.steps.done import Outcome
from tests.apply.test_confirm import wait_for
from tests.screens.harness import ScreenApp, banner, demo_files, screen_text, shows, until
from tests.screens.plans import demo_plan, with_failing_action
from wizard.answers import Answers, NestedAnswers, TpmAnswers
from wizard.apply.confirm import confirm, revert_now, seconds_left
from wizard.apply.pending import watcher_alive
from wizard.apply.results import ApplyResult
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner

# The plan also creates /etc/modprobe.d/kvm.conf; it installs nothing (planned again after it, it is empty).
NESTED = Answers(nested=NestedAnswers(enabled=True), tpm=TpmAnswers(install_tools=False))
STILL = ("[FAIL] something the apply was to fix",)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return demo_files("intel-ready", tmp_path / "root")


@pytest.fixture
def watchers() -> Iterator[list[int]]:
    """The watchers of the applies a test made: stopped at its end, whatever it did (they are detached)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if watcher_alive(pid):
            os.kill(pid, signal.SIGKILL)


def apply(root: Path, timeout: float | None, watchers: list[int], *, failing: bool = False) -> ApplyResult:
    plan = demo_plan(root, answers=NESTED)
    result = apply_plan(
        with_failing_action(plan) if failing else plan, root, runner=CommandRunner(), confirm_timeout=timeout
    )
    if result.confirmation is not None:
        watchers.append(result.confirmation.watcher_pid)
    return result


async def done_text(root: Path, result: ApplyResult) -> str:
    outcome = Outcome(
        result, ("Restart nova-compute to read the new settings.",), root, live=False, still_broken=STILL
    )
    app = ScreenApp(lambda: DoneScreen(banner("Done"), outcome))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "state", None) is not None, "the record read")
        text = screen_text(app)
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.direction == "next"
    return text


async def test_kept(root: Path, watchers: list[int]) -> None:
    result = apply(root, 60, watchers)
    assert confirm(root).confirmed
    text = await done_text(root, result)
    assert "[PASS] Kept: the apply of generation 1 stays (confirmed at " in text
    assert "/etc/nova/nova.conf: written" in text
    assert "/etc/modprobe.d/kvm.conf: created" in text
    assert "Restart nova-compute to read the new settings." in text
    assert f"kvm-wizard snapshots rollback 1 --root {root}" in text
    assert "Still as before" not in text


async def test_kept_at_once_without_confirmation(root: Path, watchers: list[int]) -> None:
    text = await done_text(root, apply(root, None, watchers))
    assert "[PASS] Kept: the apply of generation 1 stays (kept at once: no confirmation asked)." in text
    assert "How to undo it" in text


async def test_reverted_by_you(root: Path, watchers: list[int]) -> None:
    result = apply(root, 60, watchers)
    assert revert_now(root).reverted
    text = await done_text(root, result)
    assert "[WARN] Reverted at " in text
    assert "as you asked: the files are as they were before the apply of generation 1." in text
    assert "/etc/nova/nova.conf: restored as it was" in text
    assert "/etc/modprobe.d/kvm.conf: removed again: the change had created it" in text
    assert not (root / "etc/modprobe.d/kvm.conf").exists()
    assert "How to undo it" not in text
    assert "Next steps" not in text
    assert "Restart nova-compute" not in text
    assert "Still as before" in text
    assert STILL[0] in text


async def test_reverted_at_the_deadline(root: Path, watchers: list[int]) -> None:
    result = apply(root, 0.5, watchers)
    wait_for(lambda: seconds_left(root) is None, "the watcher to revert it")
    text = await done_text(root, result)
    assert "[WARN] Reverted at " in text
    assert "not confirmed within 0.5 s" in text
    assert "Nothing of the apply of generation 1 stays" in text
    assert "removed again: the change had created it" in text
    assert ": written" not in text
    assert "How to undo it" not in text
    assert "Restart nova-compute" not in text


async def test_failed_and_rolled_back(root: Path, watchers: list[int]) -> None:
    result = apply(root, 60, watchers, failing=True)
    assert not result.ok
    text = await done_text(root, result)
    assert "[FAIL] Apply failed at: A command that fails" in text
    assert "Every file written was restored; nothing changed." in text
    assert "/etc/nova/nova.conf: restored as it was" in text
    assert "How to undo it" not in text


async def test_nothing_to_do(root: Path, watchers: list[int]) -> None:
    assert apply(root, None, watchers).ok
    text = await done_text(root, apply(root, None, watchers))
    assert "[PASS] Nothing had to change" in text
    assert "How to undo it" not in text
    assert "Still as before" not in text


async def test_a_revert_that_failed_leaves_the_change_standing(root: Path, watchers: list[int]) -> None:
    result = apply(root, 60, watchers)
    # nova.conf's directory replaced by a file: the revert cannot write it, fails, and the change stands.
    nova = root / "etc/nova"
    nova.rename(root / "etc/nova.moved")
    nova.write_text("not a directory\n")
    try:
        assert not revert_now(root).reverted
    finally:
        nova.unlink()
        (root / "etc/nova.moved").rename(nova)
    text = await done_text(root, result)
    assert "[FAIL] The revert failed" in text
    assert "the apply of generation 1 stands" in text
    assert "/etc/nova/nova.conf: written" in text
    assert "How to undo it" in text


async def test_a_record_that_cannot_tell_is_not_read_as_kept(root: Path, watchers: list[int]) -> None:
    result = apply(root, 60, watchers)
    (root / "var/lib/kvm-wizard/pending-confirm.toml").write_text("generation = [")
    text = await done_text(root, result)
    assert "[ ?? ] Cannot tell whether the apply of generation 1 was kept or reverted" in text
    assert "How to undo it" not in text


async def test_image_properties_of_secure_boot_guests_ready_to_copy(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    plan = demo_plan(root)
    result = apply_plan(plan, root, runner=CommandRunner())
    commands = (
        "openstack image set --property hw_firmware_type=uefi --property os_secure_boot=required IMAGE",
        "openstack flavor set --property os:secure_boot=required FLAVOR",
    )
    outcome = Outcome(result, plan.notes, root, live=False, image_commands=commands)
    app = ScreenApp(lambda: DoneScreen(banner("Done"), outcome))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Guests that require TPM 2.0 and Secure Boot")
        text = screen_text(app)
        assert "    openstack image set \\\n      --property hw_firmware_type=uefi \\\n" in text
        assert "      IMAGE\n" in text
        assert "      FLAVOR\n" in text
