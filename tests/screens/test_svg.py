"""SVG snapshots of the main screens at 80x24 in the console profile: nothing cut off or overlapping.

Deterministic: no animations, no cursor blink, no clock, and the roots live at fixed paths. Review
tests/screens/__snapshots__ (snapshot_report.html) before accepting a change with --snapshot-update.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled, WorkerFailed

from screens.app import WizardApp
from screens.registry import Step
from screens.session import Session
from tests.screens.harness import demo_facts, demo_files, screen_text
from tests.screens.test_flows import ready
from wizard.answers import Answers, HypervisorAnswers, NestedAnswers, StorageAnswers
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.diagnosis.diagnose import diagnose
from wizard.plan.planner import make_plan
from wizard.plan.suggest import suggest_answers
from wizard.source import HostSource

SnapCompare = Callable[..., bool]
FIXED = Path("/tmp/kvm-wizard-svg")  # a fixed path: roots are shown on some screens


@pytest.fixture(autouse=True, scope="module")
def _remove_the_fixed_roots() -> Iterator[None]:
    """The fixed roots are this module's alone while it runs: another checkout's suite on this machine waits
    (a lock) instead of removing them mid-test; removed at the end."""
    with Path("/tmp/kvm-wizard-svg.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            shutil.rmtree(FIXED, ignore_errors=True)


def fixed_root(name: str, scenario: str) -> Path:
    root = FIXED / name
    shutil.rmtree(root, ignore_errors=True)
    return demo_files(scenario, root)


def session(name: str, scenario: str, answers: Answers | None = None, *, known: bool = True) -> Session:
    facts = demo_facts(scenario)
    chosen = answers or dataclasses.replace(
        suggest_answers(facts, scenario).answers, hypervisor=HypervisorAnswers()
    )
    source = HostSource("demo", fixed_root(name, scenario), scenario=scenario)
    result = Session(mode="demo", source=source)
    if known:
        result.facts, result.diagnosis, result.answers = facts, diagnose(facts), chosen
    return result


def settled(
    extra: Callable[[Pilot[Any]], Awaitable[None]] | None = None,
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, WizardApp)
        for _ in range(500):
            if ready(app) and "Detecting" not in screen_text(app):
                break
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await app.workers.wait_for_complete()
            await pilot.pause(0.01)
        if extra is not None:
            await extra(pilot)
        for entry in app.screen.query(Input):
            entry.cursor_blink = False
        await pilot.pause()

    return run_before


def test_welcome(snap_compare: SnapCompare) -> None:
    app = WizardApp(session("welcome", "intel-ready", known=False), "console")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_demo_picker(snap_compare: SnapCompare) -> None:
    app = WizardApp(Session(mode="demo", source=HostSource("demo", None, ready=False)), "console")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_host_check_of_a_fixable_host(snap_compare: SnapCompare) -> None:
    app = WizardApp(session("host-check", "kvm-permissions", known=False), "console", Step.HOST_CHECK)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_hypervisor_where_kvm_cannot_work(snap_compare: SnapCompare) -> None:
    app = WizardApp(session("hypervisor", "vm-guest-no-nested"), "console", Step.HYPERVISOR)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_storage_on_lvm(snap_compare: SnapCompare) -> None:
    answers = Answers(storage=StorageAnswers(backend="lvm", volume_group="nova-vg"))
    app = WizardApp(session("storage", "intel-ready", answers), "console", Step.STORAGE)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_nested_on_amd_with_its_limitations(snap_compare: SnapCompare) -> None:
    answers = Answers(nested=NestedAnswers(enabled=True))
    app = WizardApp(session("nested", "amd-nested-off", answers), "console", Step.NESTED)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_review(snap_compare: SnapCompare) -> None:
    app = WizardApp(session("review", "kvm-permissions"), "console", Step.REVIEW)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_done(snap_compare: SnapCompare) -> None:
    wizard = session("done", "intel-ready")
    assert wizard.facts is not None
    assert wizard.answers is not None
    assert wizard.root is not None
    wizard.outcome = make_plan(wizard.facts, wizard.answers, wizard.root)
    assert wizard.outcome.plan is not None
    wizard.result = apply_plan(wizard.outcome.plan, wizard.root, runner=CommandRunner())
    app = WizardApp(wizard, "console", Step.DONE)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_troubleshoot_of_a_broken_nova_conf(snap_compare: SnapCompare) -> None:
    """`kvm-wizard rescue --demo broken-nova-conf`: verdict, findings with their fixes, the fixes ticked."""
    root = fixed_root("troubleshoot", "broken-nova-conf")
    source = HostSource("demo", root, scenario="broken-nova-conf")
    app = WizardApp(Session(mode="rescue", source=source), "console")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_the_snapshots_draw_only_console_glyphs() -> None:
    """Every character in the accepted snapshots is in every Linux console font (a second net under the
    end-to-end scan, covering the screens the end-to-end run does not visit)."""
    import html
    import re

    from screens.console import outside_portable

    folder = Path(__file__).parent / "__snapshots__" / "test_svg"
    for svg in sorted(folder.glob("*.svg")):
        drawn = "".join(
            html.unescape(text) for text in re.findall(r"<text [^>]*>(.*?)</text>", svg.read_text())
        )
        assert outside_portable(drawn.replace("\xa0", " ")) == set(), svg.name
