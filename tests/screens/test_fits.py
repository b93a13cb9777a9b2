"""What must fit, and say so when it does not: the F1 help on a 60x20 console, every demo host in the picker,
the apply log left of its scrollbar, the title line with the revert deadline and a long root, list rows cut
with a mark."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import OptionList, RichLog

from screens.app import WizardApp
from screens.registry import Step
from screens.session import Banner, Session
from screens.widgets.help import HelpScreen
from screens.widgets.text import CUT, Cropped
from screens.widgets.title_bar import TitleBar
from tests.screens.harness import ScreenApp, demo_files, screen_name, until
from tests.screens.test_quit import slow_session
from wizard.demo import scenario_names
from wizard.source import HostSource


async def test_the_help_fits_a_60x20_console() -> None:
    app = ScreenApp(lambda: HelpScreen("welcome", "Welcome"))
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen.is_mounted)
        await pilot.pause()
        body = app.screen.query_one("#help-body")
        title = app.screen.query_one("#help-title")
        for widget in (body, title):
            assert widget.region.x >= 0
            assert widget.region.right <= 60, widget
            assert widget.region.bottom <= 20, widget


async def test_the_demo_picker_lists_every_host_at_80x24(tmp_path: Path) -> None:
    session = Session(mode="demo", source=HostSource("demo", tmp_path / "root", ready=False))
    app = WizardApp(session, "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen_name(app) == "DemoPickerScreen")
        listing = app.screen.query_one("#scenarios", OptionList)
        await until(pilot, lambda: listing.option_count == len(scenario_names()), "the hosts")
        await pilot.pause()
        assert listing.content_region.height >= listing.option_count, "every host without scrolling"


async def test_the_apply_log_stays_left_of_its_scrollbar(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    app = WizardApp(slow_session(root, None), "console", Step.APPLY)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen_name(app) == "ApplyScreen" and not app.busy(), "the apply")
        log = app.screen.query_one("#log", RichLog)
        await pilot.pause()
        assert log.max_scroll_y > 0, "enough lines for a scrollbar"
        widest = max(strip.cell_length for strip in log.lines)
        assert widest <= log.scrollable_content_region.width


class TitleOnly(Screen[None]):
    def compose(self) -> ComposeResult:
        yield TitleBar(
            Banner("Confirm the rollback", "Step 11 of 12", "ROOT /srv/a/very/long/staging/tree/path")
        )


async def test_the_title_line_gives_way_in_order_and_marks_a_cut() -> None:
    app = ScreenApp(TitleOnly)
    app.revert_clock = "REVERTS IN 1:32"  # type: ignore[attr-defined]  # as WizardApp has it
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TitleOnly) and app.screen.is_mounted)
        line = app.screen.query_one(TitleBar).render().plain
    assert len(line) <= 80
    assert "REVERTS IN 1:32" in line
    assert "Confirm the rollback" in line
    assert "Step 11 of 12" not in line  # the position gives way first
    assert CUT in line  # then the marker is cut, with a mark


def rendered_cropped(text: Text, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(Cropped(text))
    output: str = console.file.getvalue()  # type: ignore[attr-defined]
    return output.rstrip("\n")


def test_a_list_row_cut_at_the_edge_says_so() -> None:
    text = Text("  1  2026-12-07 15:21  apply (applied, confirmed): kvm, lvm, nested host-model, vhost_net")
    assert rendered_cropped(text, 40) == text.plain[:39] + CUT
    assert rendered_cropped(Text("short"), 40) == "short"
