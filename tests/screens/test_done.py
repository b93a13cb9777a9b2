"""Done: the generation, what changed, the next steps and how to undo it."""

from __future__ import annotations

from pathlib import Path

from screens.done import DoneScreen, Outcome
from tests.screens.harness import ScreenApp, banner, demo_files, screen_text, shows, until
from tests.screens.plans import demo_plan
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner


async def test_generation_changes_next_steps_and_undo(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    plan = demo_plan(root)
    result = apply_plan(plan, root, runner=CommandRunner())
    outcome = Outcome(result, None, "", plan.notes, root, live=False)
    app = ScreenApp(lambda: DoneScreen(banner("Done"), outcome))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[PASS] Apply done (3 file(s) written; generation 1 holds the state before).")
        text = screen_text(app)
        assert "/etc/nova/nova.conf (written)" in text
        assert "On the target: Restart nova-compute" in text
        assert f"kvm-wizard snapshots rollback 1 --root {root}" in text
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.direction == "next"


async def test_image_properties_of_secure_boot_guests_ready_to_copy(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    plan = demo_plan(root)
    result = apply_plan(plan, root, runner=CommandRunner())
    commands = (
        "openstack image set --property hw_firmware_type=uefi --property os_secure_boot=required IMAGE",
        "openstack flavor set --property os:secure_boot=required FLAVOR",
    )
    outcome = Outcome(result, None, "", plan.notes, root, live=False, image_commands=commands)
    app = ScreenApp(lambda: DoneScreen(banner("Done"), outcome))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Guests that require TPM 2.0 and Secure Boot")
        text = screen_text(app)
        assert "    openstack image set \\\n      --property hw_firmware_type=uefi \\\n" in text
        assert "      IMAGE\n" in text
        assert "      FLAVOR\n" in text
