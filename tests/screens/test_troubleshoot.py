"""Troubleshoot (rescue): the report made in a worker on a demo's copy, fixes ticked with space, the preview, the
plan given back; a host with nothing to fix, and fixes that cannot be planned shown as a message."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import OptionList

from screens.steps.troubleshoot import TroubleshootResult
from screens.troubleshoot import TroubleshootScreen
from screens.widgets.plan_preview import PlanPreviewScreen
from screens.widgets.rescue_lists import RescueFindings
from tests.screens.harness import ScreenApp, banner, demo_files, screen_text, shows, until
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.rescue.report import build_report
from wizard.source import HostSource

URGENT = (
    "nova-conf-inline-comment:libvirt.virt_type",
    "nova-conf-invalid-value:libvirt.images_type",
    "nova-conf-two-options-on-one-line:libvirt.cpu_mode",
)
LOGDIR = "nova-conf-renamed-option:DEFAULT.logdir"


def troubleshoot(source: HostSource, applied: int | None = None) -> TroubleshootScreen:
    return TroubleshootScreen(banner("Troubleshoot"), source, 60, applied=applied)


def demo(root: Path, scenario: str = "broken-nova-conf") -> HostSource:
    """A demo whose copy the screen makes (into ``root``, which must not exist yet)."""
    return HostSource("demo", root, scenario=scenario, ready=False)


async def ticked(pilot: Pilot[None], app: ScreenApp, count: str) -> None:
    """The fixes list's title says how many are ticked: "Fixes: 3 of 6 ticked (...)"."""

    def title() -> str:
        return str(app.screen.query_one("#fix-list").border_title or "")

    await until(pilot, lambda: title().startswith(f"Fixes: {count} ticked"), f"{count} fixes ticked")


def made(app: ScreenApp) -> TroubleshootScreen:
    screen = app.screen
    assert isinstance(screen, TroubleshootScreen)
    return screen


async def test_the_report_with_the_urgent_fixes_ticked_then_untick_preview_and_apply(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = ScreenApp(lambda: troubleshoot(demo(root)))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[WARN] Verdict: fixable.")
        screen = made(app)
        await ticked(pilot, app, "3 of 6")
        text = screen_text(app)
        assert "[X] nova.conf line 29: virt_type = kvm" in text
        assert "[ ] nova.conf line 7: logdir becomes [DEFAULT] log_dir (optional)" in text
        assert "[FAIL] [fix: X] nova.conf line 29" in text
        assert "[WARN] [by hand] nova.conf line 12" in text  # auth_strategy: only the operator knows
        assert "nova-compute.log since its last start" in text
        assert screen.focused is screen.query_one("#fix-list")
        await pilot.press("space")  # the first (urgent) fix: unticked
        await ticked(pilot, app, "2 of 6")
        assert "[ ] nova.conf line 29: virt_type = kvm" in screen_text(app)
        assert "[FAIL] [fix:  ] nova.conf line 29" in screen_text(app)
        await pilot.press("enter")  # Enter ticks as well
        await ticked(pilot, app, "3 of 6")
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, PlanPreviewScreen), "the preview")
        await shows(pilot, "[PASS] 3 fix(es) as one transaction: 1 file(s) change")
        await shows(pilot, "-images_type = qcow")
        await shows(pilot, "+images_type = qcow2")
        await shows(pilot, "# why: images_type = qcow is not a value nova accepts")
        await pilot.press("escape")  # back to the choice, which is kept
        await until(pilot, lambda: app.screen is screen, "the fixes again")
        await ticked(pilot, app, "3 of 6")
        await until(pilot, lambda: not screen.checking, "the report made again on return")
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, PlanPreviewScreen), "the preview")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits, "the screen to be left")
    exit = app.exit_value
    assert exit.direction == "next"
    result = exit.value
    assert isinstance(result, TroubleshootResult)
    assert result.source.root == root
    assert result.source.ready
    assert result.plan is not None
    assert [edit.path for edit in result.plan.edits] == ["/etc/nova/nova.conf"]
    assert sorted(result.fixes) == sorted(URGENT)  # named in the generation's summary
    assert (root / "etc/nova/nova.conf").read_text().count("images_type = qcow\n") == 1  # nothing written


async def test_space_on_a_finding_ticks_the_fix_that_answers_it(tmp_path: Path) -> None:
    app = ScreenApp(lambda: troubleshoot(demo(tmp_path / "root")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ticked(pilot, app, "3 of 6")
        screen = made(app)
        listing = screen.query_one("#finding-list", OptionList)
        listing.focus()
        await pilot.press("home")
        findings = [finding.id for finding in screen.query_one(RescueFindings).findings]
        await pilot.press(*["down"] * findings.index(LOGDIR))
        assert listing.highlighted == findings.index(LOGDIR)
        await shows(pilot, "[WARN] [fix:  ] nova.conf line 7")
        await pilot.press("space")
        await ticked(pilot, app, "4 of 6")
        await shows(pilot, "[X] nova.conf line 7: logdir becomes [DEFAULT] log_dir")
        await shows(pilot, "Fix (ticked; space ticks or unticks it)")
        await pilot.press("down")  # auth_strategy: no fix, said so
        await pilot.press("space")
        await ticked(pilot, app, "4 of 6")
        assert screen.chosen == {*URGENT, LOGDIR}


async def test_a_host_with_nothing_left_to_fix(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    source = HostSource("demo", root, scenario="intel-ready")
    report = build_report(source.load_facts(), root)
    assert report.fixes  # the optional ones: applied here first, so that nothing is left
    assert apply_plan(report.plan([fix.id for fix in report.fixes]), root, runner=CommandRunner()).ok
    app = ScreenApp(lambda: troubleshoot(source))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[PASS] Verdict: ready.")
        await shows(pilot, "[PASS] Nothing here for kvm-wizard to fix.")
        screen = made(app)
        assert not screen.query_one("#fix-list").display
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
        assert not isinstance(app.screen, PlanPreviewScreen)


async def test_fixes_that_cannot_be_planned_are_a_message_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = ScreenApp(lambda: troubleshoot(demo(root)))
    async with app.run_test(size=(80, 24)) as pilot:
        await ticked(pilot, app, "3 of 6")
        nova = root / "etc/nova/nova.conf"
        nova.rename(root / "etc/nova/nova.conf.moved")
        nova.mkdir()  # the fixes were planned for a file; now it is a directory
        await pilot.press("f10")
        await shows(pilot, "[FAIL] The fixes cannot be planned:")
        assert "is a directory" in screen_text(app)
        assert isinstance(app.screen, TroubleshootScreen)
        assert not app.exits


async def test_after_an_apply_the_files_are_linted_again(tmp_path: Path) -> None:
    root = demo_files("broken-nova-conf", tmp_path / "root")
    source = HostSource("demo", root, scenario="broken-nova-conf")
    report = build_report(source.load_facts(), root)
    result = apply_plan(report.plan(), root, runner=CommandRunner())
    assert result.ok
    app = ScreenApp(lambda: troubleshoot(source, applied=result.generation))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Checked again after generation 1:\n[PASS] nova.conf: no error left; 3 warning(s)")
        await shows(pilot, "[PASS] glance-api.conf follows the option rules.")
        screen = made(app)
        # nova-compute still runs with the old file: restarting it is the urgent fix now.
        assert screen.chosen == {"restart-nova-compute"}


async def test_a_preview_with_a_problem_offers_no_apply() -> None:
    summary = Text(
        "[FAIL] The apply would be refused: /etc/nova/nova.conf is a directory. Nothing is changed."
    )
    app = ScreenApp(
        lambda: PlanPreviewScreen(
            banner("Preview"), summary, Text("diff"), can_go_on=False, help_name="troubleshoot"
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "The apply would be refused")
        assert not app.screen.query("#go-on")
        await pilot.press("f10")  # not offered: nothing happens
        await pilot.pause()
        assert not app.exits
        await pilot.press("escape")
        await until(pilot, lambda: app.exits)
    assert app.exits == [False]
