"""UI benchmarks: first frame and peak memory of `kvm-wizard --demo` in a pseudo-terminal against a bare Textual
app, and screen-to-screen navigation in Pilot against a bare Textual screen switch."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pexpect
import pyte

from bench.engine import child_environment, kvm_wizard_command
from bench.measure import Result, Sample

if TYPE_CHECKING:
    from textual.app import App
    from textual.binding import BindingType
    from textual.pilot import Pilot

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
                raw = data if isinstance(data, bytes) else data.encode()
                stream.feed(raw)
                if b"\x1b[6n" in raw:
                    child.send(b"\x1b[1;1R")  # the terminal's answer to the wizard's cursor position query
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


NAVIGATION_TIMEOUT = 10.0
FIRST_VISITS = 5  # Hypervisor -> Storage -> Nested guests -> Ceph download -> TPM -> Performance


async def _key_to_drawn(app: App[Any], key: str) -> float:
    """Seconds from a key, posted as the terminal driver posts it, until another screen is current and has
    been drawn. Nothing polls in between: Pilot's press and pause wait for idleness in 20 ms polls, three per
    navigation (a floor of 60 ms, which was most of what an earlier version of this figure measured)."""
    from textual import events

    before = app.screen
    started = time.perf_counter()
    app.post_message(events.Key(key, None))
    while app.screen is before:
        if time.perf_counter() - started > NAVIGATION_TIMEOUT:
            raise SystemExit(f"bench: {key} did not change the screen of {type(app).__name__}")
        await asyncio.sleep(0)
    await app.screen.wait_for_refresh()
    return time.perf_counter() - started


async def _back_and_forth(app: App[Any], pilot: Pilot[Any], runs: int) -> list[float]:
    """F10 and Esc alternately, key to drawn. The first is left out: it also builds caches (and, in the
    wizard, the screen it keeps from then on), which the first visits figure measures."""
    drawn: list[float] = []
    for index in range(runs + 1):
        seconds = await _key_to_drawn(app, "f10" if index % 2 == 0 else "escape")
        await pilot.pause()
        if index:
            drawn.append(seconds)
    return drawn


def _bare_app() -> App[None]:
    """Two plain screens, a new one built on each key (F10 and Esc alike), as a bare Textual app does."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
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
        BINDINGS: ClassVar[list[BindingType]] = [Binding("f10,escape", "turn", "Next page")]

        def __init__(self) -> None:
            super().__init__()
            self.page = 0

        def on_mount(self) -> None:
            self.push_screen(Page(self.page))

        def action_turn(self) -> None:
            self.page += 1
            self.switch_screen(Page(self.page))

    return Bare()


def _wizard_app(scratch: Path) -> App[int]:
    """The intel-ready demo, its files copied under ``scratch`` (removed with it)."""
    from screens.app import WizardApp
    from screens.session import Session
    from wizard.source import HostSource

    source = HostSource("demo", scratch / "root", scenario="intel-ready", ready=False)
    return WizardApp(Session(mode="demo", source=source))


async def _to_hypervisor(app: App[Any], pilot: Pilot[Any]) -> None:
    """Welcome -> Host check (its detection worker) -> Hypervisor, as an operator gets there."""
    from screens.registry import Step

    for _ in range(2):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("f10")
    await pilot.pause()
    await app.workers.wait_for_complete()
    step = getattr(app, "step", None)
    if step is not Step.HYPERVISOR:
        raise SystemExit(f"bench: expected the Hypervisor step, the wizard is at {step}")


def _navigation_samples(runs: int) -> tuple[Sample, Sample, Sample]:
    """Bare and wizard back and forth, and the wizard's first visits of the choice steps."""

    async def bare() -> list[float]:
        app = _bare_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return await _back_and_forth(app, pilot, runs)

    async def wizard() -> list[float]:
        with tempfile.TemporaryDirectory(prefix="kvm-wizard-bench-") as scratch:
            app = _wizard_app(Path(scratch))
            async with app.run_test(size=(80, 24)) as pilot:
                await _to_hypervisor(app, pilot)
                return await _back_and_forth(app, pilot, runs)

    async def first_visits() -> list[float]:
        with tempfile.TemporaryDirectory(prefix="kvm-wizard-bench-") as scratch:
            return await first_visits_in(_wizard_app(Path(scratch)))

    async def first_visits_in(app: App[int]) -> list[float]:
        times: list[float] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await _to_hypervisor(app, pilot)
            for _ in range(FIRST_VISITS):
                times.append(await _key_to_drawn(app, "f10"))
                await pilot.pause()
                await app.workers.wait_for_complete()  # TPM reads its status in a worker
        return times

    bare_drawn = asyncio.run(bare())
    wizard_drawn = asyncio.run(wizard())
    # Fresh wizards, as many visits in all as the other figures have runs (at least one wizard).
    visits: list[float] = []
    while len(visits) < runs:
        visits += asyncio.run(first_visits())
    return Sample(tuple(bare_drawn)), Sample(tuple(wizard_drawn)), Sample(tuple(visits[:runs]))


def bench_navigation(runs: int) -> list[Result]:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    bare_drawn, wizard_drawn, first_visits = _navigation_samples(runs)
    bare_name = "a bare Textual app switching between two plain screens (a new one each time)"
    return [
        Result(
            "screen-to-screen navigation in Pilot (wizard steps, key to the next screen drawn)",
            wizard_drawn,
            bare_drawn,
            bare_name,
            absolute_budget=0.050,
        ),
        Result(
            "first visit of a choice step in Pilot (its screen built, key to drawn)",
            first_visits,
            bare_drawn,
            bare_name,
            absolute_budget=0.050,
        ),
    ]


SUITES: dict[str, Callable[[int], list[Result]]] = {
    "first-frame": bench_first_frame_and_memory,
    "navigation": bench_navigation,
}
