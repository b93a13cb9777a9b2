"""Every demo host through the whole wizard with the keyboard: the files written in its throwaway root and the
generation made. Where KVM cannot work, the wizard stops with the reason and goes on only with qemu, consented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from screens.app import WizardApp
from screens.confirm import ConfirmScreen
from screens.host_check import HostCheckScreen
from screens.review import ReviewScreen
from screens.welcome import WelcomeScreen
from tests.oslo_reader import read_with_oslo
from tests.screens.harness import demo_facts, demo_session, screen_name, screen_text, shows, until
from wizard.apply.generations import generations_under
from wizard.demo import scenario_names
from wizard.host.diagnose import diagnose
from wizard.plan.validate import KVM_CAN_WORK

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
    if isinstance(screen, ConfirmScreen):
        return screen.settled is not None
    return not getattr(screen, "busy", "")


@pytest.mark.parametrize("scenario", scenario_names())
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
                await shows(pilot, "kvm cannot work here")
                assert screen_name(app) == name
                await pilot.press("down", "space")  # qemu
                await shows(pilot, "10 to 50 times slower")
                await pilot.press("f10")
                await shows(pilot, "qemu needs your consent")
                assert screen_name(app) == name
                await pilot.press("tab", "space")  # the consent
            if name == "ConfirmScreen":
                await shows(pilot, "Reverting in")
                await pilot.press("y")
            await until(pilot, lambda: ready(app), f"{name} to finish its work")
            if name == "ReviewScreen":
                assert "[PASS] The answers are valid here." in screen_text(app)
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
    saved = (root / "var/lib/kvm-wizard/answers.toml").read_text()
    assert f'virt_type = "{"kvm" if kvm_works else "qemu"}"' in saved
