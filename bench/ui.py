"""UI benchmarks: first frame and peak memory of `kvm-wizard --demo` in a pseudo-terminal against a bare Textual
app, and screen-to-screen navigation in Pilot against a bare Textual screen switch."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pexpect
import pyte

from bench.engine import child_environment, kvm_wizard_command
from bench.measure import Result, Sample

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("Hello from a bare Textual app")
        yield Footer()

Bare().run()
"""
FIRST_FRAME_TIMEOUT = 30.0


def _first_frame(argv: list[str], marker: str, environment: dict[str, str]) -> tuple[float, int]:
    """Seconds from spawn until ``marker`` is on the 80x24 screen, and the peak RSS (bytes) at that point."""
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)
    started = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), env=environment)
    try:
        deadline = started + FIRST_FRAME_TIMEOUT
        while True:
            with contextlib.suppress(pexpect.TIMEOUT):
                data: bytes | str = child.read_nonblocking(65536, timeout=0.05)
                stream.feed(data if isinstance(data, bytes) else data.encode())
            if any(marker in line for line in screen.display):
                elapsed = time.perf_counter() - started
                break
            if time.perf_counter() > deadline:
                raise SystemExit(f"bench: {' '.join(argv)} showed no {marker!r} in {FIRST_FRAME_TIMEOUT:g} s")
        peak = _peak_rss(child.pid) if child.pid is not None else 0
        return elapsed, peak
    finally:
        child.terminate(force=True)
        child.close()


def _peak_rss(pid: int) -> int:
    """VmHWM of the process, or of its biggest child (a launcher script may exec or fork)."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    best = 0
    for candidate in pids:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]) * 1024)
        except OSError:
            continue
    return best


def bench_first_frame_and_memory(runs: int) -> list[Result]:
    environment = child_environment()
    environment.update({"TERM": "linux", "TEXTUAL_ANIMATIONS": "none"})
    with tempfile.TemporaryDirectory(prefix="kvm-wizard-bench-") as scratch:
        bare = Path(scratch) / "bare.py"
        bare.write_text(BARE_APP)
        bare_times: list[float] = []
        bare_memory: list[float] = []
        wizard_times: list[float] = []
        wizard_memory: list[float] = []
        wizard = [kvm_wizard_command(), "--demo", "intel-ready"]
        for _ in range(2):  # warm-up: bytecode caches written, files in the page cache
            _first_frame([sys.executable, str(bare)], "Hello from a bare", environment)
            _first_frame(wizard, "Welcome", environment)
        for _ in range(runs):  # alternate, so that a busy moment of the machine hits both alike
            seconds, peak = _first_frame([sys.executable, str(bare)], "Hello from a bare", environment)
            bare_times.append(seconds)
            bare_memory.append(float(peak))
            seconds, peak = _first_frame(wizard, "Welcome", environment)
            wizard_times.append(seconds)
            wizard_memory.append(float(peak))
    return [
        Result(
            "first frame of kvm-wizard --demo (pty, 80x24, TERM=linux)",
            Sample(tuple(wizard_times)),
            Sample(tuple(bare_times)),
            "a bare Textual app (Header, Static, Footer) in the same pty",
            ratio_budget=1.3,
        ),
        Result(
            "peak memory of the running wizard (VmHWM at first frame)",
            Sample(tuple(wizard_memory)),
            Sample(tuple(bare_memory)),
            "the bare Textual app",
            ratio_budget=1.3,
            unit="MB",
        ),
    ]


def _pilot_switch_times(
    make_app: Callable[[], object], forward: Callable[..., Awaitable[None]], runs: int
) -> Sample:
    async def measure() -> list[float]:
        app = make_app()
        times: list[float] = []
        async with app.run_test(size=(80, 24)) as pilot:  # type: ignore[attr-defined]
            await pilot.pause()
            for index in range(runs + 1):
                started = time.perf_counter()
                await forward(app, pilot, index)
                await pilot.pause()
                if index:  # the first switch also builds caches: not what an operator waits for each time
                    times.append(time.perf_counter() - started)
        return times

    return Sample(tuple(asyncio.run(measure())))


def bench_navigation(runs: int) -> list[Result]:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    class Page(Screen[None]):
        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static(f"Page {self.number}")
            yield Footer()

    class Bare(App[None]):
        def on_mount(self) -> None:
            self.push_screen(Page(0))

    async def bare_forward(app: Bare, pilot: object, index: int) -> None:
        app.switch_screen(Page(index + 1))

    baseline = _pilot_switch_times(Bare, bare_forward, runs)
    measured = _wizard_navigation(runs)
    return [
        Result(
            "screen-to-screen navigation in Pilot (wizard steps, key to settled screen)",
            measured,
            baseline,
            "a bare Textual app switching between two plain screens",
            absolute_budget=0.050,
        )
    ]


def _wizard_navigation(runs: int) -> Sample:
    """Going back and forth between two choice steps (Hypervisor and Storage) of the demo, by their keys."""
    from screens.app import WizardApp
    from screens.session import HostSource, Session, Step
    from wizard.cli.tui import prepare_demo

    async def measure() -> list[float]:
        session = Session(
            mode="demo",
            source=HostSource("demo", None, scenario="intel-ready", ready=False),
            prepare_demo=prepare_demo,
        )
        app = WizardApp(session)
        times: list[float] = []
        async with app.run_test(size=(80, 24)) as pilot:
            # Welcome -> Host check (its detection worker) -> Hypervisor, as an operator gets there.
            for _ in range(2):
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.press("f10")
            await pilot.pause()
            await app.workers.wait_for_complete()
            if app.step is not Step.HYPERVISOR:
                raise SystemExit(f"bench: expected the Hypervisor step, the wizard is at {app.step}")
            for index in range(runs + 1):
                started = time.perf_counter()
                await pilot.press("f10" if index % 2 == 0 else "escape")
                await pilot.pause()
                if index:
                    times.append(time.perf_counter() - started)
        return times

    return Sample(tuple(asyncio.run(measure())))


SUITES: dict[str, Callable[[int], list[Result]]] = {
    "first-frame": bench_first_frame_and_memory,
    "navigation": bench_navigation,
}
