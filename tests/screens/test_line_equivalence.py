"""The line mode and the full screen share every decision: on every demo host, a line-mode session and a
full-screen session given the same answers (Enter/F10 through every step; qemu where KVM cannot work; apply)
save the same answers file and make the same plan."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from screens.app import WizardApp
from screens.line.input import LineInput
from screens.line.wizard import LineWizard
from screens.session import Session
from screens.widgets.apply_consent import ApplyConsentScreen
from tests.e2e.lines import Walk, answer
from tests.screens.harness import demo_facts, demo_session, screen_name, shows, until
from tests.screens.test_flows import at, ready
from wizard.demo import scenario_names
from wizard.diagnosis.diagnose import diagnose
from wizard.plan.explain import explain_plan
from wizard.plan.validate import KVM_CAN_WORK

SETUP = (
    "WelcomeScreen",
    "HostCheckScreen",
    "HypervisorScreen",
    "StorageScreen",
    "NestedScreen",
    "CephDownloadScreen",
    "TpmScreen",
    "PerformanceScreen",
    "ReviewScreen",
)


class Answering(LineInput):
    """The operator of the line mode, in this process: each question answered by the walk's policy from what
    was printed since the last answer."""

    def __init__(self, out: io.StringIO, walk: Walk) -> None:
        super().__init__(-1)
        self.out = out
        self.walk = walk
        self.mark = 0
        self.asked = 0

    def read_line(self, timeout: float | None = None) -> str | None:
        printed = self.out.getvalue()[self.mark :]
        self.mark = len(self.out.getvalue())
        self.asked += 1
        assert self.asked < 400, f"still asking:\n{printed}"
        return answer(self.walk, printed.rsplit("\n", 1)[-1], printed)


def line_session(root: Path, scenario: str, qemu: bool) -> Session:
    session = demo_session(root, scenario, confirm_timeout=None)
    out = io.StringIO()
    code = LineWizard(session, Answering(out, Walk(qemu=qemu)), out).run()
    assert code == 0, out.getvalue()[-3000:]
    return session


async def screen_session(root: Path, scenario: str, qemu: bool) -> Session:
    app = WizardApp(demo_session(root, scenario, confirm_timeout=None), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        for name in SETUP:
            await at(pilot, app, name)
            if name == "HypervisorScreen" and qemu:
                await pilot.press("f10")
                await shows(pilot, "hypervisor.virt_type: 'kvm' cannot work on this host")
                await pilot.press("down", "space")
            await until(pilot, lambda: ready(app), f"{name} to finish its work")
            await pilot.press("f10")
        await go_on(pilot, app)
        await until(pilot, lambda: screen_name(app) == "DoneScreen", "Done")
        await until(pilot, lambda: ready(app), "Done to read the outcome")
        await pilot.press("f10")
        await until(pilot, lambda: not app.is_running, "the end")
    return app.session


async def go_on(pilot: Pilot[Any], app: WizardApp) -> None:
    """After the Review's F10: the apply's question (y), or straight on when nothing changes."""
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, ApplyConsentScreen) or screen_name(app) in ("ApplyScreen", "DoneScreen")
        ),
        "the question or the apply",
    )
    if isinstance(app.screen, ApplyConsentScreen):
        await pilot.press("y")
    await until(pilot, lambda: screen_name(app) in ("ApplyScreen", "DoneScreen"), "the apply")
    if screen_name(app) == "ApplyScreen":
        await until(pilot, lambda: ready(app), "the apply to end")
        await pilot.press("f10")


def what_it_made(session: Session, root: Path) -> tuple[str, list[str]]:
    """The answers file saved and the plan applied, with the root's path taken out."""
    outcome = session.outcome
    assert outcome is not None
    assert outcome.plan is not None
    saved = root / "var/lib/kvm-wizard/answers.toml"
    answers = saved.read_text() if saved.exists() else ""
    plan = [line.plain().replace(str(root), "ROOT") for line in explain_plan(outcome.plan, live=False)]
    return answers.replace(str(root), "ROOT"), plan


@pytest.mark.parametrize("scenario", scenario_names())
async def test_line_mode_and_full_screen_make_the_same_answers_and_plan(
    scenario: str, tmp_path: Path
) -> None:
    qemu = diagnose(demo_facts(scenario)).verdict.code not in KVM_CAN_WORK
    lines = line_session(tmp_path / "line", scenario, qemu)
    screen = await screen_session(tmp_path / "screen", scenario, qemu)
    line_answers, line_plan = what_it_made(lines, tmp_path / "line")
    screen_answers, screen_plan = what_it_made(screen, tmp_path / "screen")
    assert line_answers == screen_answers
    assert line_plan == screen_plan
    assert lines.result is not None
    assert screen.result is not None
    assert lines.result.written == screen.result.written
