"""Performance: vhost_net's state on the host and the switch."""

from __future__ import annotations

from screens.performance import PerformanceScreen
from tests.screens.harness import ScreenApp, banner, demo_facts, shows, until
from wizard.answers import PerformanceAnswers


async def test_vhost_net_state_and_switch() -> None:
    facts = demo_facts("intel-ready")
    app = ScreenApp(lambda: PerformanceScreen(banner("Performance"), PerformanceAnswers(), facts))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[INFO] On this host: vhost_net is")
        await pilot.press("space", "f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == PerformanceAnswers(vhost_net=False)
