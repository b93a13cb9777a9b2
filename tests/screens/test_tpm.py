"""TPM: the status from the engine, verification in a worker against a real TPM 2.0 (swtpm), the choices."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Checkbox

from screens.tpm import TpmScreen
from tests.screens.harness import ScreenApp, banner, demo_facts, demo_root, shows, until
from tests.tpm.conftest import Swtpm, swtpm, swtpm_factory
from wizard.answers import TpmAnswers

__all__ = ["swtpm", "swtpm_factory"]  # the fixtures


def tpm(scenario: str) -> TpmScreen:
    return TpmScreen(banner("TPM"), TpmAnswers(), demo_facts(scenario), live=False, root=demo_root(scenario))


async def test_status_of_a_recorded_tpm_and_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TPM2TOOLS_TCTI", raising=False)
    app = ScreenApp(lambda: tpm("tpm2-host"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Device: ")
        await shows(pilot, "not run yet: v runs it now")
        await pilot.press("v")
        await shows(pilot, "Not verified: the facts describe another host or root")
        await pilot.press("tab", "tab", "space")  # vTPM for instances
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == TpmAnswers(verify=True, install_tools=True, vtpm=True)


async def test_verification_runs_in_a_worker_against_a_real_tpm(
    swtpm: Swtpm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TPM2TOOLS_TCTI", swtpm.tcti)
    app = ScreenApp(lambda: tpm("tpm2-host"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Device: ")
        await pilot.press("v")
        await shows(pilot, "[PASS] ")
        await shows(pilot, "TPM 2.0 verified through")
        await shows(pilot, "[PASS] Self test")


async def test_vtpm_is_not_offered_where_libvirt_gives_no_emulated_tpm() -> None:
    facts = demo_facts("amd-nested-off")
    run = facts.stack.libvirt["domcapabilities qemu"]
    no_tpm = dataclasses.replace(
        run, stdout=run.stdout.replace('<tpm supported="yes">', '<tpm supported="no">')
    )
    stack = dataclasses.replace(facts.stack, libvirt={**facts.stack.libvirt, "domcapabilities qemu": no_tpm})
    facts = dataclasses.replace(facts, stack=stack)
    app = ScreenApp(
        lambda: TpmScreen(
            banner("TPM"),
            TpmAnswers(vtpm=True),
            facts,
            live=False,
            root=demo_root("amd-nested-off"),
            virt_type="qemu",
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Not offered: libvirt cannot give qemu guests an emulated TPM here")
        assert app.screen.query_one("#vtpm", Checkbox).disabled
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == TpmAnswers(vtpm=False)


async def test_guests_that_require_secure_boot_and_measuring(monkeypatch: pytest.MonkeyPatch) -> None:
    """tpm2-host: Debian's OVMF with keys enrolled, and a TPM 2.0 to measure into. Ticking the guests ticks the
    vTPM they need; unticking the vTPM unticks them."""
    monkeypatch.delenv("TPM2TOOLS_TCTI", raising=False)
    app = ScreenApp(lambda: tpm("tpm2-host"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Host Secure Boot: Secure Boot is enabled on this host")
        await shows(pilot, "Their firmware: 40-edk2-x86_64-secure-enrolled.json (Secure Boot, keys enrolled)")
        screen = app.screen
        screen.query_one("#secure_boot", Checkbox).focus()
        await pilot.press("space")
        await until(pilot, lambda: screen.query_one("#vtpm", Checkbox).value)
        screen.query_one("#vtpm", Checkbox).focus()
        await pilot.press("space")
        await until(pilot, lambda: not screen.query_one("#secure_boot", Checkbox).value)
        await pilot.press("space")  # the vTPM again, then the guests and measuring
        screen.query_one("#secure_boot", Checkbox).focus()
        await pilot.press("space")
        screen.query_one("#measure", Checkbox).focus()
        await pilot.press("space")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == TpmAnswers(vtpm=True, secure_boot=True, measure=True)


async def test_what_cannot_work_is_greyed_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """POWER: no UEFI firmware for its guests; no TPM to measure into."""
    monkeypatch.delenv("TPM2TOOLS_TCTI", raising=False)
    app = ScreenApp(lambda: tpm("power9"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Not offered: Guests with UEFI Secure Boot need UEFI firmware")
        await shows(pilot, "Not offered: needs a TPM 2.0, and this host has none")
        assert app.screen.query_one("#secure_boot", Checkbox).disabled
        assert app.screen.query_one("#measure", Checkbox).disabled
