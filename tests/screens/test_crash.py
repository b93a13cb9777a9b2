"""An error nobody planned for, forced in a handler, in a worker, in the app itself and during an apply: the
console-safe dialog, a masked crash report next to the log (its path shown), and the step resumed with the
answers kept; a transaction in flight settles first and Resume goes where its outcome leads."""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import RadioButton

from screens import console
from screens.app import WizardApp
from screens.apply import ApplyScreen
from screens.crash import MAX_DIALOGS
from screens.hypervisor import HypervisorScreen
from screens.registry import Step
from screens.widgets.crash_dialog import CrashScreen
from tests.screens.harness import demo_files, screen_name, screen_text, shows, until
from tests.screens.test_flows import ready
from tests.screens.test_quit import slow_session
from tests.screens.test_svg import session
from wizard.apply import transaction
from wizard.apply.confirm import pending_confirmation
from wizard.diagnosis import diagnose
from wizard.plan.model import Plan

SECRET = "hunter2-do-not-show"


def crash_app(app: WizardApp) -> WizardApp:
    app.raise_in_tests = False  # the crash is what these tests expect
    return app


async def dialog(pilot: Pilot[Any], app: WizardApp) -> CrashScreen:
    """The dialog, as soon as it is there (not waiting for the workers, as until() does: one is the apply)."""
    deadline = time.monotonic() + 10
    while not (isinstance(app.screen, CrashScreen) and app.screen.is_mounted):
        assert time.monotonic() < deadline, f"no crash dialog; the screen shows:\n{screen_text(app)}"
        await pilot.pause(0.01)
    screen = app.screen
    assert isinstance(screen, CrashScreen)
    return screen


def the_report(app: WizardApp, root: Path) -> str:
    path = Path(app.last_report)
    assert path.parent == root / "var/log", "next to the log"
    assert path.name.startswith("kvm-wizard-crash-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert SECRET not in text, "masked"
    assert "Traceback (most recent call last)" in text
    return text


def boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError(f"forced for the test, password={SECRET}")


async def test_an_error_in_a_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    wizard = session("crash-handler", "intel-ready")
    app = crash_app(WizardApp(wizard, "console", Step.HYPERVISOR))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen_name(app) == "HypervisorScreen")
        broken = app.screen
        monkeypatch.setattr(HypervisorScreen, "on_checkbox_changed", boom)
        await pilot.press("down", "space")  # qemu chosen: the consent checkbox appears; tick it
        await until(pilot, lambda: app.screen.query_one("#consent").display, "the consent")
        app.screen.query_one("#consent").focus()
        await pilot.press("space")
        crash = await dialog(pilot, app)
        text = screen_text(app)
        assert "[FAIL] kvm-wizard hit an error it did not expect: RuntimeError: forced for the test" in text
        assert SECRET not in text
        assert app.last_report in text
        assert "Your answers are kept. Resume shows Hypervisor again" in text
        assert console.outside_portable(text) == set()
        monkeypatch.undo()
        await pilot.press("enter")  # Resume, focused first
        await until(pilot, lambda: screen_name(app) == "HypervisorScreen" and app.screen is not broken)
        assert crash not in app.screen_stack
        assert app.screen.query_one("#qemu", RadioButton).value, "the choice made before the crash is kept"
        assert app.session.answers is not None
        assert app.session.answers.hypervisor.virt_type == "qemu"
        await pilot.press("escape")
        await until(pilot, lambda: screen_name(app) == "HostCheckScreen", "Esc still works")
    assert "RuntimeError" in the_report(app, wizard.source.root or Path("/"))


async def test_an_error_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    wizard = session("crash-worker", "intel-ready", known=False)
    monkeypatch.setattr(diagnose, "diagnose", boom)
    app = crash_app(WizardApp(wizard, "console", Step.HOST_CHECK))
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog(pilot, app)
        assert "in the background work 'detection'" in the_report(app, wizard.source.root or Path("/"))
        monkeypatch.undo()
        await pilot.press("escape")  # Esc resumes too
        await until(pilot, lambda: screen_name(app) == "HostCheckScreen" and ready(app), "Host check again")
        await shows(pilot, "Verdict: ready.")


async def test_an_error_in_the_apps_own_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's handlers run in its own message loop: it must go on, not end."""
    app = crash_app(WizardApp(session("crash-app", "intel-ready"), "console", Step.STORAGE))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen_name(app) == "StorageScreen")
        monkeypatch.setattr(WizardApp, "action_snapshots", boom)
        await pilot.press("f2")
        await dialog(pilot, app)
        monkeypatch.undo()
        await pilot.press("enter")
        await until(pilot, lambda: screen_name(app) == "StorageScreen")
        await pilot.press("f10")
        await until(pilot, lambda: screen_name(app) == "NestedScreen", "the wizard goes on")


async def test_an_apply_in_flight_is_settled_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler of the Apply screen breaks while the transaction runs: the dialog waits for it to end, says
    how it ended, and Resume goes to Confirm, where the change is kept."""
    root = demo_files("intel-ready", tmp_path / "root")
    app = crash_app(WizardApp(slow_session(root, 60), "console", Step.APPLY))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen_name(app) == "ApplyScreen" and app.screen.is_mounted)
        monkeypatch.setattr(
            ApplyScreen, "on_apply_progressed", boom
        )  # at its next step: the writes, the wait
        crash = await dialog(pilot, app)
        assert "The apply is still running and cannot stop half-way" in screen_text(app)
        assert crash.query_one("#resume").disabled
        await pilot.press("escape")  # no answer until it has ended
        assert app.screen is crash
        await shows(pilot, "It has ended: Not confirmed yet: the apply of generation 1 is reverted at")
        await pilot.press("enter")
        await until(pilot, lambda: screen_name(app) == "ConfirmScreen", "Confirm")
        await shows(pilot, "Reverting in")
        await pilot.press("y")
        await shows(pilot, "Kept: the apply of generation 1 stays")
    assert pending_confirmation(root) is None


async def test_an_apply_that_raises_resumes_on_welcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction itself raised (a bug in the engine): Welcome reads what it left and settles it."""
    root = demo_files("intel-ready", tmp_path / "root")

    def broken_apply(plan: Plan, root: Path, **_kwargs: object) -> None:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(transaction, "apply_plan", broken_apply)
    app = crash_app(WizardApp(slow_session(root, 60), "console", Step.APPLY))
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog(pilot, app)
        await shows(pilot, "Resume shows Welcome again")
        await pilot.press("enter")
        await until(pilot, lambda: screen_name(app) == "WelcomeScreen", "Welcome")
        await shows(pilot, "Nothing unfinished was found.")


async def test_a_step_that_breaks_again_and_again_ends_the_wizard_with_one_console_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = crash_app(WizardApp(session("crash-many", "intel-ready"), "console", Step.STORAGE))

    async def again_and_again() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: screen_name(app) == "StorageScreen")
            monkeypatch.setattr(WizardApp, "action_snapshots", boom)
            for _ in range(MAX_DIALOGS):
                await pilot.press("f2")
                await dialog(pilot, app)
                await pilot.press("enter")
                await until(pilot, lambda: screen_name(app) == "StorageScreen")
            await pilot.press("f2")
            await until(pilot, lambda: not app.is_running, "the end")

    with pytest.raises(RuntimeError, match="forced for the test"):  # run_test re-raises what ended the app
        await again_and_again()
    printed = capsys.readouterr().err
    assert "kvm-wizard: internal error: RuntimeError: forced for the test, password=****" in printed
    assert "The details (secrets masked) are in" in printed
    assert SECRET not in printed
    assert console.outside_portable(printed) == set()
