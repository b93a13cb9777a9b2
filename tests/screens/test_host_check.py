"""Host check: detection in a worker, the verdict and findings with status words, fixes ticked into the plan."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from screens.host_check import HostCheckResult, HostCheckScreen
from tests.screens.harness import ScreenApp, banner, demo_files, shows, until
from wizard.plan.fixes import AUTOMATIC_FIXES
from wizard.source import HostSource


def host_check(scenario: str, root: Path | None = None) -> HostCheckScreen:
    source = HostSource("demo", root, scenario=scenario)
    return HostCheckScreen(banner("Host check"), source, None, frozenset(), want_answers=True)


async def test_a_fixable_host_shows_its_verdict_findings_and_remedies() -> None:
    app = ScreenApp(lambda: host_check("kvm-permissions"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[WARN] Verdict: fixable.")
        await shows(pilot, "[FAIL]")
        await shows(pilot, "your answers start from the suggestions for this host.")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    result = app.exit_value.value
    assert isinstance(result, HostCheckResult)
    assert result.diagnosis.verdict.code.value == "fixable"
    assert result.answers is not None
    # Consent to emulation is never suggested: the operator gives it on the Hypervisor screen.
    assert (result.answers.hypervisor.virt_type, result.answers.hypervisor.allow_emulation) == ("kvm", False)
    assert result.fixes == {}


async def test_space_adds_a_fix_to_the_plan_and_the_line_says_so() -> None:
    app = ScreenApp(lambda: host_check("amd-nested-off"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Verdict:")
        screen = app.screen
        assert isinstance(screen, HostCheckScreen)
        assert screen.known is not None
        findings = screen.known.diagnosis.findings
        index = next(
            i for i, item in enumerate(findings) if item.remedy and item.remedy.plan_fix == "enable-nested"
        )
        listing = screen.query_one(OptionList)
        listing.focus()
        start = listing.highlighted or 0
        await pilot.press(*(["down"] * (index - start) if index >= start else ["up"] * (start - index)))
        assert listing.highlighted == index
        await shows(pilot, "[fix:  ]")
        await pilot.press("space")
        await shows(pilot, "[fix: X]")
        await shows(pilot, "Fix enable-nested: added to the plan")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    result = app.exit_value.value
    assert isinstance(result, HostCheckResult)
    assert result.fixes == {"enable-nested": True}


async def test_r_checks_again_and_the_node_as_it_is_is_the_start(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    nova = root / "etc/nova/nova.conf"
    text = nova.read_text().replace("#virt_type = kvm\n", "virt_type = qemu\n")
    nova.write_text(text.replace("#images_type = default\n", "images_type = flat\n"))
    app = ScreenApp(lambda: host_check("intel-ready", root))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Your answers start from this node as it is (2 choice(s) configured here")
        screen = app.screen
        assert isinstance(screen, HostCheckScreen)
        first = screen.known
        await pilot.press("r")
        await until(pilot, lambda: screen.known is not first and screen.ticker is None, "a second detection")
        await pilot.press("escape")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.direction == "back"
    result = app.exit_value.value
    assert isinstance(result, HostCheckResult)
    assert result.answers is not None
    assert result.answers.storage.backend == "flat"
    # Consent to emulation is a person's, asked in this session: the node's qemu does not give it.
    assert (result.answers.hypervisor.virt_type, result.answers.hypervisor.allow_emulation) == ("qemu", False)
    # Nothing the node has is changed unless asked: the suggestions fill in only what it does not configure.
    assert not {"hypervisor.virt_type", "storage.backend"} & result.answers.given


async def test_the_detail_is_reached_with_tab_and_scrolled_with_the_keys() -> None:
    """At 80x24 a finding's evidence and remedy can be longer than the lines they get; no mouse on a console."""
    app = ScreenApp(lambda: host_check("kvm-permissions"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Verdict:")
        screen = app.screen
        listing = screen.query_one("#finding-list")
        detail = screen.query_one("#finding-detail")
        await until(pilot, lambda: screen.focused is listing, "the findings focused")
        await pilot.press("tab")
        assert screen.focused is detail
        assert detail.max_scroll_y > 0
        await pilot.press("down", "down")
        assert detail.scroll_y == 2
        await pilot.press("end")
        assert detail.scroll_y == detail.max_scroll_y
        await pilot.press("shift+tab")
        assert screen.focused is listing


async def test_space_on_a_fix_the_plan_always_has_says_so() -> None:
    """[fix: in plan] comes with virt_type kvm: space explains that, not that there is no fix."""
    source = HostSource("demo", None, scenario="kvm-permissions")
    app = ScreenApp(
        lambda: HostCheckScreen(banner("Host check"), source, None, AUTOMATIC_FIXES, want_answers=False)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[fix: in plan]")
        screen = app.screen
        assert isinstance(screen, HostCheckScreen)
        assert screen.known is not None
        findings = screen.known.diagnosis.findings
        index = next(
            i
            for i, item in enumerate(findings)
            if item.remedy and item.remedy.plan_fix in AUTOMATIC_FIXES and item.status.value != "pass"
        )
        listing = screen.query_one(OptionList)
        listing.focus()
        listing.highlighted = index
        await pilot.press("space")
        await until(
            pilot,
            lambda: any("already in the plan" in str(item.message) for item in app._notifications),
            "the notification",
        )
