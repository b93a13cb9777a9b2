"""Apply: progress per step, live command output, the log; a failure shows the rollback that happened."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import RichLog

from screens.apply import ApplyScreen
from tests.screens.harness import ScreenApp, banner, demo_files, screen_text, shows, until
from tests.screens.plans import demo_plan, with_failing_action
from wizard.apply.results import ApplyResult


async def test_each_step_is_shown_and_the_result_given_back(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    plan = demo_plan(root)
    app = ScreenApp(lambda: ApplyScreen(banner("Apply"), plan, root, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[PASS] Apply done")
        text = screen_text(app)
        assert "[ OK ] Record a generation" in text
        assert "[ OK ] Write /etc/nova/nova.conf" in text
        assert "[SKIP] Restart nova-compute" in text  # acts on the running system: not under a staging root
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    result = app.exit_value.value
    assert isinstance(result, ApplyResult)
    assert result.ok
    assert result.generation == 1
    assert "virt_type = kvm" in (root / "etc/nova/nova.conf").read_text()


async def test_a_failure_shows_the_rollback_and_the_commands_output(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    before = (root / "etc/nova/nova.conf").read_bytes()
    plan = with_failing_action(demo_plan(root))
    app = ScreenApp(lambda: ApplyScreen(banner("Apply"), plan, root, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[FAIL] Esc goes back to the Review; F10 shows the summary.")
        await shows(pilot, "Apply failed at: A command that fails")
        log = app.screen.query_one("#log")
        assert isinstance(log, RichLog)
        lines = "\n".join(strip.text for strip in log.lines)
        assert "| about to fail" in lines
        assert "Rolling back" in lines
        assert "Rollback done." in lines
        assert "[UNDO] Write /etc/nova/nova.conf" in screen_text(app)
        assert "[FAIL] A command that fails" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.direction == "back"
    assert (root / "etc/nova/nova.conf").read_bytes() == before


async def test_it_cannot_be_left_while_it_runs(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    plan = demo_plan(root)
    app = ScreenApp(lambda: ApplyScreen(banner("Apply"), plan, root, None))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ApplyScreen)
        assert screen.busy == "the apply is running"
        screen.action_back()
        assert not app.exits
        await until(pilot, lambda: not screen.busy)
