"""The app: step order, the palette, F2 and F1 from any step, answers kept across steps, quitting safely."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import RadioButton

from assets import asset_path
from screens import console
from screens.app import WizardApp
from screens.base import StepScreen
from screens.registry import Step
from screens.session import Session
from screens.widgets.help import HelpScreen
from screens.widgets.quit_confirm import QuitScreen
from tests.screens.harness import demo_facts, demo_files, demo_session, screen_name, screen_text, shows, until
from tests.screens.plans import demo_plan
from wizard.apply.generations import generations_under
from wizard.diagnosis.diagnose import diagnose
from wizard.plan.model import Action, Reason
from wizard.plan.planner import make_plan
from wizard.plan.suggest import suggest_answers
from wizard.source import HostSource


async def to_step(pilot: Pilot[Any], app: WizardApp, name: str) -> None:
    await until(pilot, lambda: screen_name(app) == name, name)


async def past_welcome(pilot: Pilot[Any], app: WizardApp) -> None:
    await to_step(pilot, app, "WelcomeScreen")
    await shows(pilot, "Nothing unfinished")
    await pilot.press("f10")
    await to_step(pilot, app, "HostCheckScreen")
    await shows(pilot, "Verdict:")


async def test_the_palette_goes_to_a_step_and_offers_nothing_else(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"storage")
        await pilot.press("enter")
        await to_step(pilot, app, "StorageScreen")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        commands = [text async for text in _palette_texts(app)]
        assert commands
        assert all(text.startswith("Go to step: ") for text in commands)
        await pilot.press("escape")


async def _palette_texts(app: WizardApp) -> AsyncIterator[str]:
    from screens.palette import StepCommands

    provider = StepCommands(app.screen, None)
    async for hit in provider.discover():
        yield hit.text or ""


async def test_answers_are_kept_going_back_and_forth(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await pilot.press("f10")
        await to_step(pilot, app, "HypervisorScreen")
        await pilot.press("f10")
        await to_step(pilot, app, "StorageScreen")
        await pilot.press("down", "down", "space")  # lvm
        await pilot.press("escape")
        await to_step(pilot, app, "HypervisorScreen")
        await pilot.press("f10")
        await to_step(pilot, app, "StorageScreen")
        assert app.screen.query_one("#lvm", RadioButton).value
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"perf", "enter")
        await to_step(pilot, app, "PerformanceScreen")
        await pilot.press("space")  # vhost_net off
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"stor", "enter")
        await to_step(pilot, app, "StorageScreen")
        assert app.screen.query_one("#lvm", RadioButton).value
    answers = app.session.answers
    assert answers is not None
    assert (answers.storage.backend, answers.storage.volume_group) == ("lvm", "nova-vg")
    assert answers.performance.vhost_net is False


async def test_f1_help_and_f2_snapshots_from_a_step_and_back(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        step = app.screen
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "Fixes" in screen_text(app) or app.screen.query("Markdown")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is step, "the step again")
        await pilot.press("f2")
        await to_step(pilot, app, "SnapshotsScreen")
        await shows(pilot, "No generations yet")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is step, "the step again")


async def test_ctrl_c_asks_and_twice_quits(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "WelcomeScreen")
        await pilot.press("ctrl+c")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the question")
        await shows(pilot, "Nothing has been changed on this host")
        await pilot.press("escape")
        await to_step(pilot, app, "WelcomeScreen")
        await pilot.press("ctrl+c", "ctrl+c")
        await until(pilot, lambda: not app.is_running, "the end")
    assert app.return_value == 0


async def test_a_signal_ends_an_idle_wizard(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "WelcomeScreen")
        app.signalled(15)
        await until(pilot, lambda: not app.is_running, "the end")
    assert app.return_value == 143


async def test_quitting_during_an_apply_waits_for_it_and_reverts_it(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    before = (root / "etc/nova/nova.conf").read_bytes()
    facts = demo_facts("intel-ready")
    answers = suggest_answers(facts, "test").answers
    slow = Action(
        "test:slow", "Wait a little", ("sleep", "1"), (Reason("a test", "test"),), True, live_only=False
    )
    plan = dataclasses.replace(demo_plan(root, answers=answers), actions=(slow,))
    outcome = dataclasses.replace(make_plan(facts, answers, root), plan=plan)
    session = Session(
        mode="setup",
        source=HostSource("live", root),
        facts=facts,
        diagnosis=diagnose(facts),
        answers=answers,
        outcome=outcome,
        confirm_timeout=60,
    )
    app = WizardApp(session, "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "WelcomeScreen")
        await shows(pilot, "Nothing unfinished")
        app.jump(Step.APPLY)
        await to_step(pilot, app, "ApplyScreen")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the question")
        await shows(pilot, "it cannot stop half-way")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the end")
    assert app.return_value == 1
    assert (root / "etc/nova/nova.conf").read_bytes() == before
    kinds = [entry.generation.kind for entry in generations_under(root) if entry.generation]
    assert kinds == ["apply", "revert"]


async def test_rescue_opens_the_troubleshoot_view(tmp_path: Path) -> None:
    session = Session(mode="rescue", source=HostSource("live", demo_files("intel-ready", tmp_path / "root")))
    app = WizardApp(session, "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "TroubleshootScreen")
        await shows(pilot, "RESCUE")
        await shows(pilot, "Verdict:")


async def test_demo_without_a_name_opens_the_picker(tmp_path: Path) -> None:
    session = Session(mode="demo", source=HostSource("demo", tmp_path / "root", ready=False))
    app = WizardApp(session, "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "DemoPickerScreen")
        await shows(pilot, "intel-vt-disabled")
        await pilot.press("down", "enter")
        await to_step(pilot, app, "WelcomeScreen")
        await shows(pilot, "DEMO intel-vt-disabled")
    assert (tmp_path / "root/etc/nova/nova.conf").is_file()


def screen_classes() -> list[type[StepScreen[Any]]]:
    import importlib

    from screens.registry import Step as Steps

    classes: list[type[StepScreen[Any]]] = []
    for step in Steps:
        module = importlib.import_module(f"screens.{step.value}")
        classes += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, StepScreen)
            and value.__module__ == module.__name__
        ]
    return classes


@pytest.mark.parametrize("screen", screen_classes(), ids=lambda screen: screen.__name__)
def test_each_screen_has_its_help_and_its_own_stylesheet(screen: type[StepScreen[Any]]) -> None:
    help_text = asset_path("help", f"{screen.HELP}.md").read_text(encoding="utf-8")
    assert help_text.startswith("# ")
    assert console.outside_portable(help_text) == set(), "help must draw on a Linux console"
    css_path = Path(str(screen.CSS_PATH))
    assert css_path.parent == asset_path("styles")
    for rule in re.findall(r"^([^\s/}][^{]*)\{", css_path.read_text(encoding="utf-8"), re.MULTILINE):
        for selector in rule.split(","):
            assert selector.split()[0] == screen.__name__, f"{css_path.name}: {selector.strip()!r}"


async def test_on_this_host_it_checks_the_host_itself_and_changes_nothing() -> None:
    """kvm-wizard without options: root / and a live probe. Only the Host check: nothing is applied here."""
    session = Session(mode="setup", source=HostSource("live", Path("/")))
    app = WizardApp(session, "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "WelcomeScreen")
        await shows(pilot, "Host: this host")
        await until(pilot, lambda: getattr(app.screen, "report", None) is not None, "the start check")
        await pilot.press("f10")
        await to_step(pilot, app, "HostCheckScreen")
        await shows(pilot, "Verdict:")
        assert app.session.facts is None  # kept only when the step is left
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the question")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the end")
    assert app.return_value == 0


async def test_rescue_can_go_into_the_setup_steps(tmp_path: Path) -> None:
    session = Session(mode="rescue", source=HostSource("live", demo_files("intel-ready", tmp_path / "root")))
    app = WizardApp(session, "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "TroubleshootScreen")
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"welc", "enter")
        await to_step(pilot, app, "WelcomeScreen")
        await shows(pilot, "Nothing unfinished")
        await pilot.press("f10")
        await to_step(pilot, app, "HostCheckScreen")


async def test_quitting_on_welcome_says_where_the_demo_files_are(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = WizardApp(demo_session(root), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "WelcomeScreen")
        await shows(pilot, "Nothing unfinished")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the question")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the end")
    assert app.farewell == [
        f"kvm-wizard: the demo's files are in {root} (a throwaway copy; remove it when done)."
    ]


async def test_a_new_screen_is_styled_once_and_as_a_restyle_would(tmp_path: Path) -> None:
    """Textual restyles a screen it pushes after styling its widgets as they mounted; the step screens skip
    that second pass under the same stylesheet and theme, which must change nothing."""
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await pilot.press("f10")
        await to_step(pilot, app, "HypervisorScreen")
        await pilot.pause()
        before = {id(node): node.styles.base.css for node in app.screen.walk_children(with_self=True)}
        app.stylesheet.update(app.screen)
        after = {id(node): node.styles.base.css for node in app.screen.walk_children(with_self=True)}
        assert after == before
