"""Confirm: the countdown from the deadline on disk, the health checks, keep or revert; time up reverts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from screens.confirm import ConfirmScreen, smoke_guest_line
from screens.steps.confirm import Settled
from tests.screens.harness import ScreenApp, banner, demo_files, screen_text, shows, until
from tests.screens.plans import demo_plan
from wizard.apply.confirm import confirm, pending_confirmation, unreported_revert
from wizard.apply.reporter import SMOKE_STEP
from wizard.apply.results import ApplyResult, StepOutcome, StepStatus
from wizard.apply.settlement import Fate
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner

NOVA = "etc/nova/nova.conf"


def applied(tmp_path: Path, timeout: float) -> tuple[Path, bytes, ApplyResult]:
    root = demo_files("intel-ready", tmp_path / "root")
    before = (root / NOVA).read_bytes()
    result = apply_plan(demo_plan(root), root, runner=CommandRunner(), confirm_timeout=timeout)
    assert result.ok
    assert result.confirmation is not None
    return root, before, result


async def test_keep_it(tmp_path: Path) -> None:
    root, before, result = applied(tmp_path, 60)
    app = ScreenApp(lambda: ConfirmScreen(banner("Confirm"), root, result))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Reverting in ")
        await shows(pilot, "[PASS] Verify: re-read every file, re-parse, run the checks")
        await pilot.press("escape", "f10")  # neither leaves before the decision
        assert not app.exits
        await pilot.press("y")
        await shows(pilot, "[PASS] Kept: the apply of generation 1 stays (confirmed at ")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    settled = app.exit_value.value
    assert isinstance(settled, Settled)
    assert settled.confirmed is True
    assert pending_confirmation(root) is None
    assert (root / NOVA).read_bytes() != before


async def test_revert_now(tmp_path: Path) -> None:
    root, before, result = applied(tmp_path, 60)
    app = ScreenApp(lambda: ConfirmScreen(banner("Confirm"), root, result))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await shows(pilot, "[WARN] Reverted at ")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    settled = app.exit_value.value
    assert isinstance(settled, Settled)
    assert settled.confirmed is False
    assert (root / NOVA).read_bytes() == before


async def test_time_up_reverts(tmp_path: Path) -> None:
    """Reverted here or by the watcher a moment before: the screen says it was reverted at the deadline (not
    "decided", not as the operator asked), from the record."""
    root, before, result = applied(tmp_path, 1.0)
    app = ScreenApp(lambda: ConfirmScreen(banner("Confirm"), root, result))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        await until(pilot, lambda: screen.settled is not None, "the revert at the deadline")
        text = screen_text(app)
        assert "[WARN] Reverted at " in text
        assert "Nothing of the apply of generation 1 stays" in text
        assert "as you asked" not in text
        assert "Decided" not in text
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    settled = app.exit_value.value
    assert isinstance(settled, Settled)
    assert settled.confirmed is False
    assert settled.state is not None
    assert settled.state.fate is Fate.REVERTED_AT_DEADLINE
    assert pending_confirmation(root) is None
    assert unreported_revert(root) is None  # shown here: the next start does not report it again
    assert (root / NOVA).read_bytes() == before


async def test_decided_elsewhere_meanwhile(tmp_path: Path) -> None:
    """`kvm-wizard confirm` from another console kept it: y here finds nothing waiting, and says it was kept."""
    root, _before, result = applied(tmp_path, 60)
    app = ScreenApp(lambda: ConfirmScreen(banner("Confirm"), root, result))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Reverting in ")
        assert confirm(root).confirmed
        await pilot.press("r")
        await shows(pilot, "[PASS] Kept: the apply of generation 1 stays")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    settled = app.exit_value.value
    assert isinstance(settled, Settled)
    assert settled.confirmed is True


async def test_the_keep_button_keeps_it(tmp_path: Path) -> None:
    """The screen's own buttons run their actions, as their keys do (Tab to one, Enter)."""
    root, _before, result = applied(tmp_path, 60)
    app = ScreenApp(lambda: ConfirmScreen(banner("Confirm"), root, result))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Reverting in ")
        app.screen.query_one("#keep").focus()
        await pilot.press("enter")
        await shows(pilot, "[PASS] Kept: the apply of generation 1 stays (confirmed at ")


async def test_the_smoke_guest_has_a_line_of_its_own(tmp_path: Path) -> None:
    root, _, result = applied(tmp_path, 60)
    app = ScreenApp(lambda: ConfirmScreen(banner("Confirm"), root, result))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[SKIP] Smoke guest: none (libvirt did not answer when the plan was made")
        await pilot.press("r")
        await shows(pilot, "Reverted")
    said = "libvirt started the qemu guest, CPU host-model, machine q35, UEFI Secure Boot firmware (paused)"
    smoked = dataclasses.replace(
        result, steps=(*result.steps, StepOutcome(SMOKE_STEP, StepStatus.DONE, f"{said}, and removed it"))
    )
    assert f"[PASS] Smoke guest: {said}, and removed it" in smoke_guest_line(smoked).plain
