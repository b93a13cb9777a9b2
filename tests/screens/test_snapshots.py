"""Snapshots: the generations, one compared with the files now, a rollback through the preview and a question."""

from __future__ import annotations

from pathlib import Path

from screens.snapshots import SnapshotsScreen
from screens.widgets.quit_confirm import QuitScreen
from tests.screens.harness import ScreenApp, banner, demo_files, screen_text, shows, until
from tests.screens.plans import demo_plan
from wizard.apply.confirm import confirm
from wizard.apply.results import ApplyResult
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner

NOVA = "etc/nova/nova.conf"


async def test_list_compare_and_roll_back(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    before = (root / NOVA).read_bytes()
    assert apply_plan(demo_plan(root), root, runner=CommandRunner()).ok
    app = ScreenApp(lambda: SnapshotsScreen(banner("Snapshots"), root, live=False, confirm_timeout=60))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "apply (applied)")
        await pilot.press("enter")
        await shows(pilot, "Generation 1 against the files now:")
        assert "+compute_driver = libvirt.LibvirtDriver" in screen_text(app)
        assert "apply (applied) at " in screen_text(app)  # the whole line the list cuts at 80 columns
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the rollback's preview")
        assert "Roll back to generation 1" in screen_text(app)
        assert "/etc/modules: restore" in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: app.exits)
    result = app.exit_value.value
    assert isinstance(result, ApplyResult)
    assert result.ok
    assert result.confirmation is not None
    assert confirm(root).confirmed
    assert (root / NOVA).read_bytes() == before


async def test_no_generations_yet_and_esc_closes(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    app = ScreenApp(lambda: SnapshotsScreen(banner("Snapshots"), root, live=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "No generations yet")
        await pilot.press("r")  # nothing to roll back to
        await pilot.press("escape")
        await until(pilot, lambda: app.exits)
    assert (app.exit_value.direction, app.exit_value.value) == ("back", None)
