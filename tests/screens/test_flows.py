"""Every demo host through the whole wizard with the keyboard: the files written in its throwaway root and the
generation made. Where KVM cannot work, the wizard stops with the reason and goes on only with qemu, without recording consent (it would carry to nodes where KVM works).
The rescue view fixes the broken demo hosts the same way, and a rollback from it brings the problems back."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from screens.app import WizardApp
from screens.confirm import ConfirmScreen
from screens.host_check import HostCheckScreen
from screens.registry import Step
from screens.review import ReviewScreen
from screens.session import Session
from screens.troubleshoot import TroubleshootScreen
from screens.welcome import WelcomeScreen
from screens.widgets.apply_consent import ApplyConsentScreen
from screens.widgets.plan_preview import PlanPreviewScreen
from tests.oslo_reader import read_with_oslo
from tests.screens.harness import demo_facts, demo_files, demo_session, screen_name, screen_text, shows, until
from tests.screens.plans import demo_plan, with_failing_action
from wizard.apply.generations import generations_under
from wizard.demo import scenario_names
from wizard.diagnosis.diagnose import diagnose
from wizard.host.profile import HostProfile
from wizard.plan.validate import KVM_CAN_WORK
from wizard.rescue.report import review_files
from wizard.source import HostSource

ORDER = (
    "WelcomeScreen",
    "HostCheckScreen",
    "HypervisorScreen",
    "StorageScreen",
    "NestedScreen",
    "CephDownloadScreen",
    "TpmScreen",
    "PerformanceScreen",
    "ReviewScreen",
    "ApplyScreen",
    "ConfirmScreen",
    "DoneScreen",
)


async def at(pilot: Pilot[Any], app: WizardApp, name: str) -> None:
    await until(pilot, lambda: screen_name(app) == name, name)


def ready(app: WizardApp) -> bool:
    """The current screen's background work is done (start check, detection, plan, apply, decision)."""
    screen = app.screen
    if isinstance(screen, WelcomeScreen):
        return screen.report is not None
    if isinstance(screen, HostCheckScreen):
        return screen.known is not None and screen.ticker is None
    if isinstance(screen, ReviewScreen):
        return screen.made is not None
    if isinstance(screen, TroubleshootScreen):
        return screen.report is not None and not screen.checking
    if isinstance(screen, ConfirmScreen):
        return screen.settled is not None
    return not getattr(screen, "busy", "")


# Configured nodes: the wizard starts from them as they are, so going through it without a change changes
# nothing (tests/screens/test_configured.py goes through them changing one thing).
CONFIGURED = ("lvm-custom-cpu", "debian-qemu-override", "rdo-nova-conf-d", "kolla-compute")


@pytest.mark.parametrize("scenario", [name for name in scenario_names() if name not in CONFIGURED])
async def test_the_whole_wizard_on_a_demo_host(scenario: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    kvm_works = diagnose(demo_facts(scenario)).verdict.code in KVM_CAN_WORK
    app = WizardApp(demo_session(root, scenario, confirm_timeout=60), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        for name in ORDER:
            await at(pilot, app, name)
            if name == "HypervisorScreen" and not kvm_works:
                await shows(pilot, "The wizard stops here")
                await pilot.press("f10")
                await shows(pilot, "hypervisor.virt_type: 'kvm' cannot work on this host")
                assert screen_name(app) == name
                await pilot.press("down", "space")  # qemu: the only way on, no consent recorded
                await shows(pilot, "10 to 50 times slower")
            if name == "ConfirmScreen":
                await shows(pilot, "Reverting in")
                await pilot.press("y")
            await until(pilot, lambda: ready(app), f"{name} to finish its work")
            if name == "ReviewScreen":
                assert "[PASS] The answers are valid here." in screen_text(app)
                await pilot.press("f10")
                await until(pilot, lambda: isinstance(app.screen, ApplyConsentScreen), "the question")
                await shows(pilot, "to this host?")
                await pilot.press("y")
                continue
            await pilot.press("f10")
        await until(pilot, lambda: not app.is_running, "the end")
    assert app.return_value == 0
    nova = read_with_oslo(root / "etc/nova/nova.conf", "nova.conf")
    assert nova[("DEFAULT", "compute_driver")] == "libvirt.LibvirtDriver"
    assert nova[("libvirt", "virt_type")] == ("kvm" if kvm_works else "qemu")
    entries = generations_under(root)
    assert [entry.number for entry in entries] == [1]
    generation = entries[0].generation
    assert generation is not None
    assert (generation.kind, generation.status) == ("apply", "applied")
    assert generation.confirmed
    assert generation.summary.startswith("kvm" if kvm_works else "qemu")  # the answers, summed up
    saved = (root / "var/lib/kvm-wizard/answers.toml").read_text()
    assert f'virt_type = "{"kvm" if kvm_works else "qemu"}"' in saved


def rescue_session(root: Path, scenario: str) -> Session:
    """`kvm-wizard rescue --demo SCENARIO --root ROOT`: the Troubleshoot view on a demo's copy."""
    source = HostSource("demo", root, scenario=scenario, ready=False)
    return Session(mode="rescue", source=source, confirm_timeout=60)


async def fix_and_confirm(pilot: Pilot[Any], app: WizardApp, preview: str) -> None:
    """From Troubleshoot with the urgent fixes ticked: the preview, the apply, the decision, Done."""
    await at(pilot, app, "TroubleshootScreen")
    await until(pilot, lambda: ready(app), "the rescue report")
    await pilot.press("f10")
    await until(pilot, lambda: isinstance(app.screen, PlanPreviewScreen), "the preview")
    await shows(pilot, preview)
    await pilot.press("f10")
    for name in ("ApplyScreen", "ConfirmScreen", "DoneScreen"):
        await at(pilot, app, name)
        if name == "ConfirmScreen":
            await shows(pilot, "Reverting in")
            await pilot.press("y")
        await until(pilot, lambda: ready(app), f"{name} to finish its work")
        if name != "DoneScreen":
            await pilot.press("f10")


RESCUES = {
    "broken-nova-conf": "3 fix(es) as one transaction: 1 file(s) change",
    "amd-modules-missing": "Load kvm_amd now: modprobe kvm_amd",
    "kvm-permissions": "Ask udev to apply its rules to /dev/kvm again",
}


@pytest.mark.parametrize("scenario", RESCUES)
async def test_rescue_fixes_a_broken_demo_host(scenario: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, scenario), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await fix_and_confirm(pilot, app, RESCUES[scenario])
        await shows(pilot, "Confirmed: the changes of generation 1 stay.")
        await shows(pilot, "Esc goes back to Troubleshoot")
        await pilot.press("escape")  # the rescue report again, on the files as they are now
        await at(pilot, app, "TroubleshootScreen")
        await shows(pilot, "Checked again after generation 1:")
        await pilot.press("ctrl+q")
        await shows(pilot, "What was applied stays")
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "the end")
    assert app.return_value == 0
    entries = generations_under(root)
    assert [entry.number for entry in entries] == [1]
    generation = entries[0].generation
    assert generation is not None
    assert (generation.kind, generation.status) == ("apply", "applied")
    assert generation.confirmed
    # Listed by `kvm-wizard snapshots list` as the CLI's rescue lists it: by the fixes applied.
    assert app.session.fixes
    assert generation.summary == "rescue: " + ", ".join(app.session.fixes)
    result = app.session.result
    assert result is not None
    left = [action.argv[0] for action in result.remaining]  # work on the running system: not under a root
    facts = demo_facts(scenario)
    review = review_files(root, HostProfile.from_facts(facts))
    if scenario == "broken-nova-conf":
        assert [issue.id for issue in review.issues if issue.severity == "error"] == []
        nova = read_with_oslo(root / "etc/nova/nova.conf", "nova.conf")
        assert nova[("libvirt", "virt_type")] == "kvm"
        assert nova[("libvirt", "images_type")] == "qcow2"
        assert nova[("libvirt", "cpu_mode")] == "host-model"
        assert nova[("libvirt", "cpu_model_extra_flags")] == ("vmx",)
        assert left == ["systemctl"]
    elif scenario == "amd-modules-missing":
        assert (root / "etc/modules-load.d/kvm.conf").read_text().splitlines()[-1] == "kvm_amd"
        assert left == ["modprobe"]  # left for the target
    else:
        assert result.written == ()
        assert left == ["udevadm"]


async def test_a_rollback_from_troubleshoot_brings_the_problems_back(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await fix_and_confirm(pilot, app, "+images_type = qcow2")
        await pilot.press("escape")
        await at(pilot, app, "TroubleshootScreen")
        await shows(pilot, "nova.conf: no error left")
        await pilot.press("f2")
        await at(pilot, app, "SnapshotsScreen")
        await shows(pilot, "apply (applied, confirmed)")
        await pilot.press("enter")
        await shows(pilot, "Generation 1 against the files now:")
        await pilot.press("r")
        await shows(pilot, "Roll back to generation 1")
        await pilot.press("y")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await shows(pilot, "Confirmed: the changes of generation 2 stay.")
        await pilot.press("f10")
        await at(pilot, app, "SnapshotsScreen")
        await pilot.press("escape")
        await at(pilot, app, "TroubleshootScreen")
        # Back on the rescue view, the report is made again on the files the rollback restored.
        await shows(pilot, "[FAIL] [fix: X] nova.conf line 30: [libvirt] images_type = qcow")
    assert "\nimages_type = qcow\n" in (root / "etc/nova/nova.conf").read_text()
    kinds = [entry.generation.kind for entry in generations_under(root) if entry.generation]
    assert kinds == ["apply", "rollback"]


async def test_a_rescue_demo_has_its_snapshots_at_once() -> None:
    """`kvm-wizard rescue --demo NAME`: Troubleshoot makes the throwaway copy, so F2 works before leaving it."""
    source = HostSource("demo", None, scenario="kvm-permissions", ready=False)
    app = WizardApp(Session(mode="rescue", source=source), "console")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await at(pilot, app, "TroubleshootScreen")
            await until(pilot, lambda: ready(app), "the rescue report")
            await pilot.press("f2")
            await at(pilot, app, "SnapshotsScreen")
            await shows(pilot, "No generations yet")
            await pilot.press("escape")
            await at(pilot, app, "TroubleshootScreen")
            await pilot.press("ctrl+q")
            await shows(pilot, "Nothing has been changed")
            await pilot.press("y")
            await until(pilot, lambda: not app.is_running, "the end")
        root = app.session.root
        assert root is not None
        assert (root / "etc/nova/nova.conf").is_file()
        assert app.farewell == [
            f"kvm-wizard: the demo's files are in {root} (a throwaway copy; remove it when done)."
        ]
    finally:
        if app.session.root is not None:
            shutil.rmtree(app.session.root)


async def test_a_rollback_from_done_in_rescue_goes_back_to_troubleshoot(tmp_path: Path) -> None:
    """Rescue has no answers to review: after a rollback the fixes are chosen again where they were."""
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await fix_and_confirm(pilot, app, "+images_type = qcow2")
        await pilot.press("f2")
        await at(pilot, app, "SnapshotsScreen")
        await shows(pilot, "apply (applied, confirmed)")
        await pilot.press("r")
        await shows(pilot, "Roll back to generation 1")
        await pilot.press("y")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await shows(pilot, "Confirmed: the changes of generation 2 stay.")
        await pilot.press("f10")
        await at(pilot, app, "SnapshotsScreen")
        await pilot.press("escape")
        await at(pilot, app, "TroubleshootScreen")
        await shows(pilot, "[FAIL] [fix: X] nova.conf line 30: [libvirt] images_type = qcow")
    assert app.session.plan is None  # the fixes' plan was made for the files before the rollback


async def test_a_failed_rescue_apply_says_esc_goes_back_to_troubleshoot(tmp_path: Path) -> None:
    root = demo_files("broken-nova-conf", tmp_path / "root")
    plan = with_failing_action(demo_plan(root, "broken-nova-conf"))
    session = Session(mode="rescue", source=HostSource("live", root), plan=plan, fixes=("a-fix",))
    app = WizardApp(session, "console", Step.APPLY)
    async with app.run_test(size=(80, 24)) as pilot:
        await at(pilot, app, "ApplyScreen")
        await shows(pilot, "Esc goes back to Troubleshoot; F10 shows the summary.")
        await pilot.press("escape")
        await at(pilot, app, "TroubleshootScreen")
    generation = generations_under(root)[0].generation
    assert generation is not None
    assert generation.summary == "rescue: a-fix"


async def test_with_no_confirm_the_apply_is_kept_without_the_question(tmp_path: Path) -> None:
    """`kvm-wizard --demo --no-confirm`: the Review says so and the apply goes straight to Done."""
    root = tmp_path / "root"
    app = WizardApp(demo_session(root, confirm_timeout=None), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        for name in ("WelcomeScreen", "HostCheckScreen"):
            await at(pilot, app, name)
            await until(pilot, lambda: ready(app), f"{name} to finish its work")
            await pilot.press("f10")
        app.jump(Step.REVIEW)
        await at(pilot, app, "ReviewScreen")
        await shows(pilot, "It is kept as soon as it is applied (--no-confirm)")
        await until(pilot, lambda: ready(app), "the plan")
        await pilot.press("f10")
        await shows(pilot, "to this host?")
        await pilot.press("y")
        await at(pilot, app, "ApplyScreen")
        await until(pilot, lambda: ready(app), "the apply")
        await shows(pilot, "F10 goes on.")
        await pilot.press("f10")
        await at(pilot, app, "DoneScreen")
    generation = generations_under(root)[0].generation
    assert generation is not None
    assert generation.status == "applied"


async def applied_fixes(pilot: Pilot[Any], app: WizardApp) -> None:
    """From Troubleshoot: the urgent fixes previewed and applied; the Apply screen has ended."""
    await at(pilot, app, "TroubleshootScreen")
    await until(pilot, lambda: ready(app), "the rescue report")
    await pilot.press("f10")
    await until(pilot, lambda: isinstance(app.screen, PlanPreviewScreen), "the preview")
    await pilot.press("f10")
    await at(pilot, app, "ApplyScreen")
    await until(pilot, lambda: ready(app), "the apply")


async def test_quitting_on_confirm_after_keeping_says_nothing_waits(tmp_path: Path) -> None:
    """Confirmed on the Confirm screen, then quit before Done: the farewell must not say it still waits."""
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await applied_fixes(pilot, app)
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await until(pilot, lambda: ready(app), "the decision")
        await pilot.press("ctrl+q")
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "the end")
    assert not any("waits for confirmation" in line for line in app.farewell)
    generation = generations_under(root)[0].generation
    assert generation is not None
    assert generation.confirmed


async def test_quitting_after_the_apply_before_deciding_says_how_to_confirm(tmp_path: Path) -> None:
    """Quit on the Apply screen once it has ended: the change waits for `kvm-wizard confirm`, and both the
    question and the farewell say so (and until when)."""
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await applied_fixes(pilot, app)
        await pilot.press("ctrl+q")
        await shows(pilot, "Generation 1 is not confirmed yet")
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "the end")
    assert any(
        "generation 1 waits for confirmation" in line and f"kvm-wizard confirm --root {root}" in line
        for line in app.farewell
    ), app.farewell


async def test_an_applied_change_waiting_for_its_decision_cannot_be_left_behind(tmp_path: Path) -> None:
    """Esc, F9 and F2 on the ended Apply would leave the change to be reverted unseen: only F10 goes on."""
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await applied_fixes(pilot, app)
        await shows(pilot, "Next: check and confirm it (F10).")
        for key in ("escape", "f9", "f2"):
            await pilot.press(key)
            await pilot.pause()
            assert screen_name(app) == "ApplyScreen", key
        assert app.jumpable() == ()
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await shows(pilot, "Confirmed: the changes of generation 1 stay.")
