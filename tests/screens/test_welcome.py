"""Welcome: the mode, where things are kept, and what was found on start (an interrupted apply, settled here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from screens.session import Banner
from screens.steps.welcome import WelcomeResult
from screens.welcome import WelcomeScreen
from tests.apply.conftest import REPOSITORY, child_environment
from tests.apply.scenario import make_root
from tests.screens.harness import ScreenApp, shows, until
from wizard.source import HostSource

BANNER = Banner("Welcome", "Step 1 of 12", "DEMO intel-ready")


def welcome(root: Path) -> WelcomeScreen:
    return WelcomeScreen(BANNER, "demo", HostSource("demo", root, scenario="intel-ready", ready=False))


async def test_the_demo_is_copied_and_start_gives_its_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    app = ScreenApp(lambda: welcome(root))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Nothing unfinished was found.")
        await shows(pilot, f"Kept under {root}:")
        await shows(pilot, "Mode: demo")
        assert (root / "etc/nova/nova.conf").is_file()
        await pilot.press("escape")  # the first step: Esc does not leave it
        assert not app.exits
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.direction == "next"
    assert app.exit_value.value == WelcomeResult(HostSource("demo", root, scenario="intel-ready"))


async def test_an_interrupted_apply_must_be_settled_first(tmp_path: Path) -> None:
    root = make_root(tmp_path / "root")
    interrupted(root)
    source = HostSource("live", root)
    app = ScreenApp(lambda: WelcomeScreen(BANNER, "setup", source))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[WARN] An earlier apply was interrupted")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits  # refused until settled
        await pilot.press("r")
        await shows(pilot, "Rolled back the interrupted apply")
        await shows(pilot, "Nothing unfinished")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == WelcomeResult(HostSource("live", root))
    assert not (root / "var/lib/kvm-wizard/journal").exists()


def interrupted(root: Path) -> None:
    """An apply killed between two writes, as kill -9 would leave it."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tests.apply.scenario import standard_plan\n"
        "from wizard.apply.transaction import apply_plan\n"
        "from wizard.commands import CommandRunner\n"
        "root = Path(sys.argv[1])\n"
        "apply_plan(standard_plan(root), root, runner=CommandRunner())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        cwd=REPOSITORY,
        env=child_environment(KVM_WIZARD_CRASH_AT="verify"),
        capture_output=True,
        check=False,
    )
    assert done.returncode != 0, done.stderr


async def test_no_step_can_be_jumped_to_before_an_interrupted_apply_is_settled(tmp_path: Path) -> None:
    """F9 and the palette would skip the Welcome's question: they wait until the apply is settled."""
    from screens.app import WizardApp
    from screens.registry import Step
    from screens.session import Session

    root = make_root(tmp_path / "root")
    interrupted(root)
    app = WizardApp(Session(mode="setup", source=HostSource("live", root)), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[WARN] An earlier apply was interrupted")
        assert app.jumpable() == ()
        app.jump(Step.STORAGE)
        await pilot.pause()
        assert type(app.screen).__name__ == "WelcomeScreen"
        await pilot.press("f9")
        await pilot.pause()
        assert type(app.screen).__name__ == "WelcomeScreen"  # no palette opened
        await pilot.press("r")
        await shows(pilot, "Nothing unfinished")
        assert Step.STORAGE in app.jumpable()
