"""Troubleshoot (rescue): the placeholder names the command that has the rescue report today."""

from __future__ import annotations

from screens.troubleshoot import TroubleshootScreen
from tests.screens.harness import ScreenApp, banner, shows, until


async def test_placeholder_points_to_the_rescue_report() -> None:
    app = ScreenApp(lambda: TroubleshootScreen(banner("Troubleshoot")))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "kvm-wizard rescue --report")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.direction == "next"
