"""Helpers of the screen tests: a demo session, an app that shows one screen alone, waiting without sleeps."""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.worker import WorkerCancelled, WorkerFailed

from screens import console
from screens.base import stylesheet
from screens.registry import StepExit
from screens.session import Banner, Session
from screens.widgets.title_bar import TitleBar
from wizard.demo import load_scenario, make_root
from wizard.host.facts import HostFacts
from wizard.source import HostSource

TIMEOUT = 10.0


def demo_files(scenario: str, into: Path) -> Path:
    """A demo host's files, copied into ``into``."""
    return make_root(load_scenario(scenario), into)


def demo_session(root: Path, scenario: str = "intel-ready", **extra: Any) -> Session:
    """A demo session whose files will be copied into ``root`` (which must not exist yet)."""
    source = HostSource("demo", root, scenario=scenario, ready=False)
    return Session(mode="demo", source=source, **extra)


class ScreenApp(App[None]):
    """Shows one screen, as the wizard would, and keeps what it gave back."""

    CSS_PATH: ClassVar[str] = stylesheet("wizard")

    def __init__(self, make: Callable[[], Screen[Any]]) -> None:
        super().__init__(ansi_color=console.ansi_color("console"))
        self.make = make
        self.exits: list[Any] = []
        self.stylesheet.add_source(
            console.stylesheet("console"), read_from=("console", ""), is_default_css=False
        )
        console.use_theme(self, "console")

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.exits.append)

    @property
    def exit_value(self) -> StepExit[Any]:
        assert self.exits, "the screen was not left"
        value = self.exits[-1]
        assert isinstance(value, StepExit)
        return value


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str = "the condition") -> None:
    """Let the app run (workers, messages, screen changes) until ``condition()`` holds."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen_text(pilot.app)}")
        with contextlib.suppress(WorkerCancelled, WorkerFailed):  # the screens report their workers' ends
            await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.01)


def _plain(content: object) -> str:
    plain = getattr(content, "plain", None)
    return plain if isinstance(plain, str) else str(content)


def screen_text(app: App[Any]) -> str:
    """The text of the current screen's Statics, Inputs and option lists (what an operator reads)."""
    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Static):
            parts.append(_plain(widget.content))
        elif isinstance(widget, Input):
            parts.append(widget.value)
        elif isinstance(widget, TitleBar):
            parts.append(widget.render().plain)
        elif isinstance(widget, OptionList):
            parts += [
                _plain(widget.get_option_at_index(index).prompt) for index in range(widget.option_count)
            ]
    return "\n".join(parts)


async def shows(pilot: Pilot[Any], text: str) -> None:
    await until(pilot, lambda: text in screen_text(pilot.app), repr(text))


def screen_name(app: App[Any]) -> str:
    return type(app.screen).__name__


@functools.cache
def demo_facts(name: str) -> HostFacts:
    from wizard.demo import load_demo_facts, load_scenario

    return load_demo_facts(load_scenario(name))


@functools.cache
def demo_root(name: str) -> Path:
    """A scenario's files, copied once per test run, for screens that only read them (ceph.conf, as planned)."""
    parent = Path(tempfile.mkdtemp(prefix="kvm-wizard-screens-"))
    atexit.register(shutil.rmtree, parent, ignore_errors=True)
    return demo_files(name, parent / "root")


def banner(title: str) -> Banner:
    return Banner(title, "Step 1 of 12", "DEMO test")
