"""Nested guests: the limitations shown before the choice, the vendor's flag added and shown, custom models."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, RadioButton

from screens.nested import NestedScreen
from tests.screens.harness import ScreenApp, banner, demo_facts, demo_root, screen_text, shows, until
from wizard.answers import NestedAnswers


def nested(scenario: str, answers: NestedAnswers | None = None) -> NestedScreen:
    return NestedScreen(
        banner("Nested guests"), answers or NestedAnswers(), demo_facts(scenario), demo_root(scenario)
    )


async def test_enabling_shows_the_limitations_and_the_intel_flag() -> None:
    app = ScreenApp(lambda: nested("intel-ready"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.screen.query_one("#limitations").display
        await shows(pilot, "nova.conf will say: cpu_mode = host-model")
        await pilot.press("space")
        assert app.screen.query_one("#limitations").display
        await shows(pilot, "[WARN] While an instance runs nested guests it cannot be live-migrated")
        await shows(pilot, "cpu_model_extra_flags = vmx")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == NestedAnswers(enabled=True, cpu_mode="host-model")


async def test_amd_gets_svm_and_an_intel_flag_is_refused() -> None:
    app = ScreenApp(lambda: nested("amd-nested-off", NestedAnswers(enabled=True)))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "AMD CPU: the wizard adds svm")
        await shows(pilot, "cpu_model_extra_flags = svm")
        app.screen.query_one("#extra_flags-input", Input).value = "pcid, vmx"
        await shows(pilot, "[FAIL] Extra CPU flags cpu_model_extra_flags vmx do not exist on an AMD CPU")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
        app.screen.query_one("#extra_flags-input", Input).value = "pcid"
        await shows(pilot, "cpu_model_extra_flags = pcid, svm")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == NestedAnswers(enabled=True, cpu_mode="host-model", extra_flags=("pcid",))


async def test_custom_mode_needs_models_of_this_vendor() -> None:
    app = ScreenApp(lambda: nested("intel-ready", NestedAnswers(enabled=True, cpu_mode="custom")))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[FAIL] CPU models is empty")
        models = app.screen.query_one("#cpu_models-input", Input)
        models.value = "EPYC-Rome"
        await shows(pilot, "cpu_models EPYC-Rome cannot run on an Intel host")
        models.value = "IvyBridge"
        await shows(pilot, "cpu_mode = custom, cpu_models = IvyBridge, cpu_model_extra_flags = vmx")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == NestedAnswers(enabled=True, cpu_mode="custom", cpu_models=("IvyBridge",))


async def test_power_has_no_vendor_flag() -> None:
    app = ScreenApp(lambda: nested("power9", NestedAnswers(enabled=True, cpu_mode="host-passthrough")))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "kvm_hv controls nested guests here")
        await shows(pilot, "nova.conf will say: cpu_mode = host-passthrough")
        assert "cpu_model_extra_flags" not in screen_text(app)


async def test_what_cannot_be_valid_here_is_not_offered_with_the_reason() -> None:
    """aarch64: no host-model for KVM guests, and no nested guests without kvm-arm.mode=nested."""
    app = ScreenApp(lambda: nested("aarch64", NestedAnswers(enabled=True, cpu_mode="host-model")))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Not offered: host-model: cpu_mode = host-model is not available for aarch64")
        await shows(pilot, "Not offered: nested guests cannot work on this host: on aarch64 they need")
        screen = app.screen
        assert screen.query_one("#host-model", RadioButton).disabled
        assert screen.query_one("#host-passthrough", RadioButton).value  # the mode offered instead
        assert screen.query_one("#enabled", Checkbox).disabled
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == NestedAnswers(enabled=False, cpu_mode="host-passthrough")


async def test_tcg_is_not_offered_host_passthrough_in_libvirts_words() -> None:
    app = ScreenApp(
        lambda: NestedScreen(
            banner("Nested guests"),
            NestedAnswers(),
            demo_facts("amd-nested-off"),
            demo_root("amd-nested-off"),
            virt_type="qemu",
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Not offered: host-passthrough: libvirt does not support CPU mode")
        assert app.screen.query_one("#host-passthrough", RadioButton).disabled


async def test_a_model_libvirt_does_not_know_is_refused_in_the_field() -> None:
    app = ScreenApp(lambda: nested("amd-nested-off", NestedAnswers(cpu_mode="custom", cpu_models=("EPYC",))))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#cpu_models-input", Input).value = "Pentium9000"
        await shows(pilot, "libvirt knows no CPU model Pentium9000 here")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
