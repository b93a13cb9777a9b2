"""Hypervisor: kvm by default; qemu only with consent; where KVM cannot work, the wizard stops with the reason."""

from __future__ import annotations

import dataclasses

from screens.hypervisor import HypervisorScreen
from tests.screens.harness import ScreenApp, banner, demo_facts, demo_root, shows, until
from wizard.answers import HypervisorAnswers
from wizard.diagnosis.diagnose import diagnose
from wizard.host.facts import FileRead


def hypervisor(scenario: str, answers: HypervisorAnswers | None = None) -> HypervisorScreen:
    facts = demo_facts(scenario)
    verdict = diagnose(facts).verdict
    return HypervisorScreen(
        banner("Hypervisor"), answers or HypervisorAnswers(), verdict, facts, demo_root(scenario)
    )


async def test_kvm_where_it_works() -> None:
    app = ScreenApp(lambda: hypervisor("intel-ready"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[PASS] KVM can work on this host (ready).")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == HypervisorAnswers("kvm", False)


async def test_qemu_needs_consent_and_says_what_it_costs() -> None:
    app = ScreenApp(lambda: hypervisor("intel-ready"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "space")  # the radio set has the focus: qemu
        await shows(pilot, "10 to 50 times slower")
        await shows(pilot, "hypervisor.allow_emulation: is false, but KVM works or can be made to work here")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
        await pilot.press("tab", "space")  # the consent box
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == HypervisorAnswers("qemu", True)


async def test_where_kvm_cannot_work_the_wizard_stops_with_the_reason() -> None:
    app = ScreenApp(lambda: hypervisor("intel-vt-disabled"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[FAIL] KVM cannot work on this host (disabled-in-firmware)")
        await shows(pilot, "The wizard stops here")
        await pilot.press("f10")
        await shows(pilot, "hypervisor.virt_type: 'kvm' cannot work on this host (disabled-in-firmware")
        assert not app.exits
        await pilot.press("escape")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.direction == "back"
    assert app.exit_value.value == HypervisorAnswers("kvm", False)


async def test_where_kvm_cannot_work_qemu_goes_on_without_recording_consent() -> None:
    """The answers file must not carry consent to emulation to a node where KVM works."""
    app = ScreenApp(lambda: hypervisor("intel-vt-disabled"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "space")  # qemu
        await shows(pilot, "10 to 50 times slower")
        assert not app.screen.query_one("#consent").display
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == HypervisorAnswers("qemu", False)


async def test_kvm_on_a_power8_with_smt_on_is_refused_with_the_remedy() -> None:
    facts = demo_facts("power9")
    cpuinfo = (facts.text("/proc/cpuinfo") or "").replace("POWER9", "POWER8")
    files = {
        **facts.files,
        "/proc/cpuinfo": FileRead(content=cpuinfo),
        "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list": FileRead(content="0-7\n"),
    }
    facts = dataclasses.replace(facts, files=files)
    verdict = diagnose(facts).verdict
    app = ScreenApp(
        lambda: HypervisorScreen(
            banner("Hypervisor"), HypervisorAnswers(), verdict, facts, demo_root("power9")
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "kvm_hv on POWER8 runs guests only while SMT is off")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
