"""The one quit question in each state the wizard and the record on disk can be in: what it says, what its
answers are named, what quitting then does to the change, what the farewell says and the exit status.

Its answers are buttons and ctrl+q; no letter answers it, so a key meant for the screen below (y keeps a change
on Confirm) never does."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button

from screens.app import WizardApp
from screens.registry import Step
from screens.session import Session
from screens.widgets.quit_confirm import QuitScreen, QuittingScreen
from tests.screens.harness import demo_facts, demo_files, demo_session, screen_text, shows, until
from tests.screens.plans import demo_plan, with_failing_action
from tests.screens.test_flows import applied_fixes, at, ready, rescue_session
from wizard.apply.confirm import pending_confirmation, revert_now
from wizard.apply.generations import generations_under
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.diagnosis.diagnose import diagnose
from wizard.plan.model import Action, Reason
from wizard.plan.planner import make_plan
from wizard.plan.suggest import suggest_answers
from wizard.source import HostSource


async def ask(pilot: Pilot[Any], app: WizardApp) -> QuitScreen:
    await pilot.press("ctrl+q")
    await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit question")
    screen = app.screen
    assert isinstance(screen, QuitScreen)
    return screen


def answers(screen: QuitScreen) -> list[str]:
    return [str(button.label) for button in screen.query(Button)]


def kinds(root: Path) -> list[str]:
    return [entry.generation.kind for entry in generations_under(root) if entry.generation]


async def end(pilot: Pilot[Any], app: WizardApp) -> None:
    await until(pilot, lambda: not app.is_running, "the end")


async def test_nothing_changed(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await at(pilot, app, "WelcomeScreen")
        await until(pilot, lambda: ready(app), "the start check")
        screen = await ask(pilot, app)
        assert "Nothing has been changed on this host" in screen.question.text
        assert answers(screen) == ["[ Stay ]", "[ Quit ]"]
        for key in ("y", "n", "q", "enter"):  # enter on the focused answer: Stay
            await pilot.press(key)
            if key != "enter":
                assert isinstance(app.screen, QuitScreen), key
        await at(pilot, app, "WelcomeScreen")
        await ask(pilot, app)
        await pilot.press("ctrl+q")
        await end(pilot, app)
    assert app.return_value == 0


def slow_session(root: Path, confirm_timeout: float | None) -> Session:
    """A session whose apply takes a second (an action that sleeps): time to quit during it."""
    facts = demo_facts("intel-ready")
    answers_ = suggest_answers(facts, "test").answers
    slow = Action(
        "test:slow", "Wait a little", ("sleep", "1"), (Reason("a test", "test"),), True, live_only=False
    )
    plan = dataclasses.replace(demo_plan(root, answers=answers_), actions=(slow,))
    outcome = dataclasses.replace(make_plan(facts, answers_, root), plan=plan)
    return Session(
        mode="setup",
        source=HostSource("live", root),
        facts=facts,
        diagnosis=diagnose(facts),
        answers=answers_,
        outcome=outcome,
        confirm_timeout=confirm_timeout,
    )


async def test_during_an_apply_without_confirmation_it_waits_and_keeps_it(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    app = WizardApp(slow_session(root, None), "console", Step.APPLY)
    async with app.run_test(size=(80, 24)) as pilot:
        await at(pilot, app, "ApplyScreen")
        screen = await ask(pilot, app)
        assert "what it changes is kept (--no-confirm)" in screen.question.text
        assert answers(screen) == ["[ Stay ]", "[ Quit when it ends ]"]
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuittingScreen), "the note while it waits")
        await end(pilot, app)
    assert app.return_value == 0
    assert kinds(root) == ["apply"]
    assert any("Kept: the apply of generation 1 stays" in line for line in app.farewell), app.farewell


async def test_during_an_apply_it_waits_then_reverts(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    before = (root / "etc/nova/nova.conf").read_bytes()
    app = WizardApp(slow_session(root, 60), "console", Step.APPLY)
    async with app.run_test(size=(80, 24)) as pilot:
        await at(pilot, app, "ApplyScreen")
        screen = await ask(pilot, app)
        assert "then reverts what it changed" in screen.question.text
        assert answers(screen) == ["[ Stay ]", "[ Quit when it ends, then revert ]"]
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuittingScreen), "the note while it waits")
        await end(pilot, app)
    assert app.return_value == 1
    assert kinds(root) == ["apply", "revert"]
    assert (root / "etc/nova/nova.conf").read_bytes() == before
    assert pending_confirmation(root) is None


async def test_waiting_on_confirm_y_does_not_answer_and_quitting_reverts(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await applied_fixes(pilot, app)
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        screen = await ask(pilot, app)
        assert "The apply of generation 1 waits for your confirmation" in screen.question.text
        assert "To keep it, choose Stay and press y." in screen.question.text
        assert answers(screen) == ["[ Stay ]", "[ Quit and revert ]", "[ Quit, leave it waiting ]"]
        await pilot.press("y")  # Confirm's key: it neither keeps the change nor answers the question
        await pilot.pause()
        assert app.screen is screen
        assert pending_confirmation(root) is not None
        await pilot.press("ctrl+q")
        await end(pilot, app)
    assert app.return_value == 1
    assert kinds(root) == ["apply", "revert"]
    assert any("as you asked" in line for line in app.farewell), app.farewell


async def test_a_rollbacks_confirm_quits_at_once_after_reverting_the_rollback(tmp_path: Path) -> None:
    """The rollback made from the snapshots waits for its decision: quitting reverts the rollback (the files
    are as the apply left them) and ends the wizard then, not after a long note."""
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await applied_fixes(pilot, app)
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await until(pilot, lambda: ready(app), "the decision")
        applied = (root / "etc/nova/nova.conf").read_bytes()
        await pilot.press("f10")
        await at(pilot, app, "DoneScreen")
        await pilot.press("f2")
        await at(pilot, app, "SnapshotsScreen")
        await shows(pilot, "apply (applied, confirmed)")
        await pilot.press("r")
        await shows(pilot, "Undo generation 1 and every change after it?")
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        screen = await ask(pilot, app)
        assert "The rollback of generation 2 waits for your confirmation" in screen.question.text
        await pilot.press("ctrl+q")
        await end(pilot, app)
    assert kinds(root) == ["apply", "rollback", "revert"]
    assert (root / "etc/nova/nova.conf").read_bytes() == applied
    assert app.return_value == 0  # the apply is kept: the revert undid the rollback
    assert any("Kept: the apply of generation 1 stays" in line for line in app.farewell), app.farewell


async def test_after_keeping(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await applied_fixes(pilot, app)
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await until(pilot, lambda: ready(app), "the decision")
        screen = await ask(pilot, app)
        assert "Quit kvm-wizard? Kept: the apply of generation 1 stays (confirmed at" in screen.question.text
        assert "`kvm-wizard snapshots rollback 1` can undo it later" in screen.question.text
        assert answers(screen) == ["[ Stay ]", "[ Quit ]"]
        await pilot.press("ctrl+q")
        await end(pilot, app)
    assert app.return_value == 0


async def test_after_reverting(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = WizardApp(rescue_session(root, "broken-nova-conf"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await applied_fixes(pilot, app)
        await pilot.press("f10")
        await at(pilot, app, "ConfirmScreen")
        await shows(pilot, "Reverting in")
        await pilot.press("r")
        await until(pilot, lambda: ready(app), "the decision")
        screen = await ask(pilot, app)
        assert "Quit kvm-wizard? Reverted at" in screen.question.text
        assert "can undo it" not in screen.question.text
        await pilot.press("ctrl+q")
        await end(pilot, app)
    assert app.return_value == 1


async def test_after_a_failed_apply(tmp_path: Path) -> None:
    root = demo_files("broken-nova-conf", tmp_path / "root")
    plan = with_failing_action(demo_plan(root, "broken-nova-conf"))
    session = Session(mode="rescue", source=HostSource("live", root), plan=plan, fixes=("a-fix",))
    app = WizardApp(session, "console", Step.APPLY)
    async with app.run_test(size=(80, 24)) as pilot:
        await at(pilot, app, "ApplyScreen")
        await shows(pilot, "Esc goes back to Troubleshoot")
        screen = await ask(pilot, app)
        assert "Quit kvm-wizard? Apply failed at: A command that fails" in screen.question.text
        assert "Every file written was restored; nothing changed." in screen.question.text
        await pilot.press("ctrl+q")
        await end(pilot, app)
    assert app.return_value == 1


async def test_a_change_an_earlier_run_left_waiting(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    result = apply_plan(demo_plan(root), root, runner=CommandRunner(), confirm_timeout=60)
    assert result.confirmation is not None
    app = WizardApp(Session(mode="setup", source=HostSource("live", root)), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await at(pilot, app, "WelcomeScreen")
        await shows(pilot, "Generation 1 waits for confirmation")
        screen = await ask(pilot, app)
        assert "To keep it, choose Stay and press k." in screen.question.text
        screen.query_one("#leave").focus()
        await pilot.press("enter")
        await end(pilot, app)
    assert pending_confirmation(root) is not None  # left waiting, as the answer said
    assert any("kvm-wizard confirm" in line for line in app.farewell), app.farewell
    assert revert_now(root).reverted


async def test_a_damaged_record_is_said_not_guessed(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    state = root / "var/lib/kvm-wizard"
    state.mkdir(parents=True)
    (state / "pending-confirm.toml").write_text("generation = [")
    app = WizardApp(Session(mode="setup", source=HostSource("live", root)), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await at(pilot, app, "WelcomeScreen")
        await until(pilot, lambda: ready(app), "the start check")
        screen = await ask(pilot, app)
        assert "is damaged" in screen.question.text
        assert "Nothing has been changed" not in screen.question.text
        assert "kvm-wizard recover" in screen_text(app)
        await pilot.press("ctrl+q")
        await end(pilot, app)
    assert any("is damaged" in line for line in app.farewell), app.farewell
