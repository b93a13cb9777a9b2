"""The choice steps' screens are kept: shown again as they were left while the session is the same, built
anew when what they are built from changed (another step's answers, the host's facts), and the Review plans
again each time it is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, RadioButton

from screens.app import WizardApp
from screens.registry import Step
from screens.review import ReviewScreen
from tests.screens.harness import demo_session, screen_name, screen_text, shows, until
from tests.screens.test_app import past_welcome


async def go(pilot: Pilot[Any], app: WizardApp, step: Step, name: str) -> None:
    app.jump(step)
    await until(pilot, lambda: screen_name(app) == name and app.screen.is_mounted, name)
    await pilot.pause()


def styles(app: WizardApp) -> dict[int, str]:
    return {id(node): node.styles.base.css for node in app.screen.walk_children(with_self=True)}


async def test_a_step_shown_again_is_the_screen_left_there(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await pilot.press("f10")
        await until(pilot, lambda: screen_name(app) == "HypervisorScreen", "Hypervisor")
        await pilot.press("f10")
        await until(pilot, lambda: screen_name(app) == "StorageScreen", "Storage")
        storage = app.screen
        await pilot.press("down", "space")  # flat
        await pilot.press("escape")
        await until(pilot, lambda: screen_name(app) == "HypervisorScreen", "Hypervisor")
        await pilot.press("f10")
        await until(pilot, lambda: app.screen is storage, "the same Storage screen")
        assert storage.query_one("#flat", RadioButton).value
        assert storage.focused is storage.query_one("#backend")  # where the operator was
        # Not restyled when shown again (Textual would): nothing it would change.
        before = styles(app)
        app.stylesheet.update(app.screen)
        assert styles(app) == before
    answers = app.session.answers
    assert answers is not None
    assert answers.storage.backend == "flat"


async def test_ceph_download_is_built_anew_when_storage_changes_to_rbd(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await go(pilot, app, Step.CEPH_DOWNLOAD, "CephDownloadScreen")
        ceph = app.screen
        await shows(pilot, "Instances boot from Glance images")
        assert ceph.query(Checkbox)
        await go(pilot, app, Step.STORAGE, "StorageScreen")
        await pilot.press("down", "down", "down", "space")  # rbd
        await go(pilot, app, Step.CEPH_DOWNLOAD, "CephDownloadScreen")
        assert app.screen is not ceph
        await shows(pilot, "Not applicable: instance disks are on rbd")


async def test_host_check_marks_a_fix_chosen_on_another_step(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root", "amd-nested-off"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        assert "[fix:  ]" in screen_text(app)
        await go(pilot, app, Step.NESTED, "NestedScreen")
        await pilot.press("space")  # nested guests on: the enable-nested fix is in the plan
        await go(pilot, app, Step.HOST_CHECK, "HostCheckScreen")
        await shows(pilot, "[fix: X]")
        assert "[fix:  ]" not in screen_text(app)


async def test_the_review_plans_again_each_time_it_is_shown(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await go(pilot, app, Step.REVIEW, "ReviewScreen")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await until(pilot, lambda: review.made is not None, "the plan")
        first = review.made
        await go(pilot, app, Step.TPM, "TpmScreen")
        await go(pilot, app, Step.REVIEW, "ReviewScreen")
        shown_again = app.screen is review  # (not asserted as is: mypy would narrow review's type)
        assert shown_again  # the same answers: the same screen, with a plan made again
        await until(pilot, lambda: review.made is not None and review.made is not first, "a new plan")
        await go(pilot, app, Step.PERFORMANCE, "PerformanceScreen")
        await pilot.press("space")  # vhost_net off: other answers, so another Review
        await go(pilot, app, Step.REVIEW, "ReviewScreen")
        assert app.screen is not review
        await shows(pilot, "vhost_net = false")


async def test_going_to_the_step_shown_keeps_it_working(tmp_path: Path) -> None:
    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await go(pilot, app, Step.STORAGE, "StorageScreen")
        storage = app.screen
        app.jump(Step.STORAGE)  # as "Go to step: Storage" from the palette on Storage
        await pilot.pause()
        assert app.screen is storage
        await pilot.press("down", "space")  # flat: the screen still takes keys
        assert storage.query_one("#flat", RadioButton).value
        await pilot.press("f10")
        await until(pilot, lambda: screen_name(app) == "NestedScreen", "Nested guests")
    answers = app.session.answers
    assert answers is not None
    assert answers.storage.backend == "flat"


async def test_a_field_left_invalid_stops_the_review_instead_of_being_replaced(tmp_path: Path) -> None:
    """30x typed as the Ceph timeout, then F9 to the Review: the Review says so; it never plans with the old value."""
    from textual.widgets import Input

    app = WizardApp(demo_session(tmp_path / "root"), "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await past_welcome(pilot, app)
        await go(pilot, app, Step.CEPH_DOWNLOAD, "CephDownloadScreen")
        ceph = app.screen
        await pilot.press("space")  # enabled: its fields are built
        await until(pilot, lambda: bool(ceph.query("#connect_timeout-input")), "the fields")
        ceph.query_one("#connect_timeout-input", Input).value = "30x"
        await go(pilot, app, Step.REVIEW, "ReviewScreen")
        await shows(pilot, "Ceph direct download: Connect timeout (s) must be a whole number")
        await shows(pilot, "problem(s) stop the plan")
        await pilot.press("f10")
        await pilot.pause()
        assert screen_name(app) == "ReviewScreen"  # nothing is applied
        # Enter on the problem goes back to the field; corrected, the Review plans with it.
        app.screen.query_one("#problems").focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is ceph, "the Ceph step again")
        ceph.query_one("#connect_timeout-input", Input).value = "30"
        await go(pilot, app, Step.REVIEW, "ReviewScreen")
        await shows(pilot, "[PASS] The answers are valid here.")
    answers = app.session.answers
    assert answers is not None
    assert answers.ceph_download.connect_timeout == 30
