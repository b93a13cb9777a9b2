"""The wizard on configured nodes: it opens on what the node has, and changes only what the operator changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, RadioButton

from screens.app import WizardApp
from screens.registry import Step
from screens.widgets.apply_consent import ApplyConsentScreen
from tests.oslo_reader import read_chain_with_oslo
from tests.screens.harness import demo_session, screen_name, screen_text, shows, until
from tests.screens.test_flows import at, ready


async def to(pilot: Pilot[Any], app: WizardApp, step: Step, name: str) -> None:
    """Past Welcome and Host check (detection, the node read), then to ``step``."""
    for first in ("WelcomeScreen", "HostCheckScreen"):
        await at(pilot, app, first)
        await until(pilot, lambda: ready(app), f"{first} to finish its work")
        if first == "HostCheckScreen":
            await shows(pilot, "Your answers start from this node as it is")
        await pilot.press("f10")
    app.jump(step)
    await at(pilot, app, name)
    await until(pilot, lambda: app.screen.query("RadioSet"), "the step's fields")


async def test_storage_opens_on_the_nodes_lvm_and_its_volume_group(tmp_path: Path) -> None:
    """lvm-missing-vg: the node's images_type = lvm is where Storage starts, not a default."""
    app = WizardApp(demo_session(tmp_path / "root", "lvm-missing-vg"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to(pilot, app, Step.STORAGE, "StorageScreen")
        assert app.screen.query_one("#lvm", RadioButton).value
        assert app.screen.query_one("#volume_group-input", Input).value == "nova-volumes"
        app.jump(Step.REVIEW)
        await at(pilot, app, "ReviewScreen")
        await until(pilot, lambda: ready(app), "the plan")
        text = screen_text(app)
        assert "Storage: unchanged (lvm (nova-volumes))" in text
        assert "'nova-volumes' does not exist on this host" in text  # the node's own problem, as a warning
        assert "-images_type = lvm" not in text


async def test_nested_on_keeps_the_clusters_cpu_baseline_and_adds_the_vendor_flag(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root", "lvm-custom-cpu"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to(pilot, app, Step.NESTED, "NestedScreen")
        screen = app.screen
        assert not screen.query_one("#enabled", Checkbox).value
        assert screen.query_one("#custom", RadioButton).value
        assert screen.query_one("#cpu_models-input", Input).value == "IvyBridge"
        assert screen.query_one("#extra_flags-input", Input).value == "pcid, ssbd, md-clear"
        await shows(pilot, "cpu_model_extra_flags = pcid, ssbd, md-clear")
        screen.query_one("#enabled", Checkbox).value = True
        await shows(pilot, "cpu_model_extra_flags = pcid, ssbd, md-clear, vmx")
        app.jump(Step.REVIEW)
        await at(pilot, app, "ReviewScreen")
        await until(pilot, lambda: ready(app), "the plan")
        text = screen_text(app)
        assert (
            "Nested guests: off, CPU custom IvyBridge +pcid,ssbd,md-clear -> on, CPU custom IvyBridge "
            "+pcid,ssbd,md-clear,vmx" in text
        )
        assert "+cpu_model_extra_flags = pcid,ssbd,md-clear,vmx" in text
        assert "+options kvm_intel nested=1" in text
        assert "Storage: unchanged (lvm (nova-vg))" in text


async def test_on_debian_choosing_kvm_changes_nova_compute_conf_after_a_deliberate_apply(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    app = WizardApp(demo_session(root, "debian-qemu-override", confirm_timeout=60), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to(pilot, app, Step.HYPERVISOR, "HypervisorScreen")
        assert app.screen.query_one("#qemu", RadioButton).value  # the node as it is
        app.screen.query_one("#kvm", RadioButton).value = True
        await pilot.press("f10")
        app.jump(Step.REVIEW)
        await at(pilot, app, "ReviewScreen")
        await until(pilot, lambda: ready(app), "the plan")
        text = screen_text(app)
        assert "Hypervisor: qemu -> kvm" in text
        assert "/etc/nova/nova-compute.conf" in text
        assert "+virt_type=kvm" in text
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ApplyConsentScreen), "the question")
        await pilot.press("y")
        await at(pilot, app, "ApplyScreen")
        await until(pilot, lambda: ready(app), "the apply")
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await until(pilot, lambda: ready(app), "the decision")
        assert screen_name(app) == "ConfirmScreen"
    chain = [root / "etc/nova/nova.conf", root / "etc/nova/nova-compute.conf"]
    assert read_chain_with_oslo(chain, "nova.conf")[("libvirt", "virt_type")] == "kvm"
