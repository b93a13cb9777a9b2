"""Ceph direct download: not applicable with rbd storage (and why); its fields checked as typed."""

from __future__ import annotations

from textual.widgets import Input

from screens.ceph_download import CephDownloadScreen
from tests.screens.harness import ScreenApp, banner, demo_facts, demo_root, shows, until
from wizard.answers import CephDownloadAnswers


def ceph_download(answers: CephDownloadAnswers, storage_backend: str) -> CephDownloadScreen:
    facts, root = demo_facts("intel-ready"), demo_root("intel-ready")
    return CephDownloadScreen(banner("Ceph"), answers, storage_backend, facts, root)


async def test_not_applicable_when_disks_are_on_rbd() -> None:
    app = ScreenApp(lambda: ceph_download(CephDownloadAnswers(enabled=True), "rbd"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[INFO] Not applicable: instance disks are on rbd")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == CephDownloadAnswers(enabled=False)


async def test_fields_are_checked_and_the_glance_node_is_asked() -> None:
    app = ScreenApp(lambda: ceph_download(CephDownloadAnswers(), "qcow2"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.screen.query_one("#fields").display
        await pilot.press("space")  # enabled
        assert app.screen.query_one("#fields").display
        screen = app.screen
        screen.query_one("#rbd_user-input", Input).value = "client.glance"
        await shows(pilot, "[FAIL] Ceph client 'client.glance' is given with its type prefix")
        screen.query_one("#connect_timeout-input", Input).value = "0"
        await shows(pilot, "[FAIL] Connect timeout (s) must be a positive number of seconds, not 0")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
        screen.query_one("#rbd_user-input", Input).value = "glance"
        screen.query_one("#connect_timeout-input", Input).value = "30"
        screen.query_one("#glance_api_node").focus()
        await pilot.press("space")
        await shows(pilot, "Image locations then become visible")
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == CephDownloadAnswers(enabled=True, connect_timeout=30, glance_api_node=True)


async def test_the_fields_are_built_when_first_ticked() -> None:
    answers = CephDownloadAnswers(rbd_pool="glance-images")
    app = ScreenApp(lambda: ceph_download(answers, "qcow2"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Instances boot from Glance images")
        assert not app.screen.query(Input)
        await pilot.press("escape")  # never ticked: what it was given, kept
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == answers
