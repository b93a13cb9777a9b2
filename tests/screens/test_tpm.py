"""TPM: the status from the engine, verification in a worker against a real TPM 2.0 (swtpm), the choices."""

from __future__ import annotations

import pytest

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
