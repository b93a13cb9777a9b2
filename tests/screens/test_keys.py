"""Keys typed ahead (a laggy serial console, an operator who knows the way): each goes to a screen that is ready
for it, in order; none is raised as an error on a screen still being built, none skips a step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot

from screens.app import WizardApp
from screens.keys import LIMIT, building
from screens.registry import Step
from tests.screens.harness import demo_session, screen_name, until
from tests.screens.test_svg import session


def burst(app: WizardApp, *keys: str) -> None:
    """Keys arriving together: all in the app's queue before the first is handled (as from one read)."""
    for key in keys:
        app.post_message(events.Key(key, " " if key == "space" else None))


async def settled(pilot: Pilot[Any], app: WizardApp) -> None:
    await until(pilot, lambda: not app.gate.held and app.gate.inflight is None, "the keys to be handled")


async def test_two_f10_together_on_the_first_visit_of_each_choice_step(tmp_path: Path) -> None:
    """The crash of the issue: a second F10 reached Hypervisor, Storage or Nested before its widgets existed."""
    app = WizardApp(session("keys-hyp", "intel-ready"), "console", Step.HOST_CHECK)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen_name(app) == "HostCheckScreen" and not building(app.screen))
        visited: list[str] = []
        app.screen_change_signal.subscribe(app, lambda screen: visited.append(type(screen).__name__), True)
        burst(app, "f10", "f10")
        await until(pilot, lambda: screen_name(app) == "StorageScreen", "Storage")
        burst(app, "f10", "f10")
        await until(pilot, lambda: screen_name(app) == "CephDownloadScreen", "Ceph download")
        await settled(pilot, app)
    assert app.return_code in (None, 0)
    assert [name for name in visited if name.endswith("Screen") and name != "Screen"] == [
        "HypervisorScreen",
        "StorageScreen",
        "NestedScreen",
        "CephDownloadScreen",
    ]


async def test_keys_typed_during_detection_wait_for_it_and_keep_their_order(tmp_path: Path) -> None:
    """F10, down, down, space, F10 typed on Welcome before anything is ready: lvm is chosen on Storage."""
    app = WizardApp(demo_session(tmp_path / "root", "intel-ready"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen_name(app) == "WelcomeScreen")
        burst(app, "f10", "f10", "f10", "down", "down", "space", "f10")
        await until(pilot, lambda: screen_name(app) == "NestedScreen", "Nested guests")
        await settled(pilot, app)
    assert app.session.answers is not None
    assert app.session.answers.storage.backend == "lvm"


async def test_a_quit_key_is_not_held_behind_a_long_detection_and_drops_what_was_typed_ahead(
    tmp_path: Path,
) -> None:
    app = WizardApp(demo_session(tmp_path / "root", "intel-ready"), "console")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: screen_name(app) == "WelcomeScreen" and not building(app.screen))
        burst(app, "f10")
        await until(pilot, lambda: screen_name(app) == "HostCheckScreen")
        screen = app.screen
        screen.ticker = screen.set_interval(60, lambda: None)  # type: ignore[attr-defined]  # detection never ends
        await until(pilot, lambda: bool(building(app.screen)), "Host check building")
        burst(app, "f10", "f10", "ctrl+q")
        await until(pilot, lambda: screen_name(app) == "QuitScreen", "the quit question")
        assert not app.gate.held
        assert any("2 key(s) typed ahead were dropped" in str(note.message) for note in app._notifications)


async def test_too_many_keys_ahead_are_dropped_with_a_note(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root", "intel-ready"), "console")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: screen_name(app) == "WelcomeScreen")
        screen = app.screen
        burst(app, *["down"] * (LIMIT + 3))

        def notes() -> list[str]:
            return [
                str(note.message) for note in app._notifications if "Typed too far ahead" in str(note.message)
            ]

        await until(pilot, lambda: len(notes()) >= 2, "the note on the keys dropped")
        await settled(pilot, app)
        assert screen is app.screen  # 64 downs on Welcome: nothing but scrolling
