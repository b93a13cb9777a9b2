"""Review: the plan's diff with reasons and masked secrets, actions marked, the answers file, problems -> step."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from screens.registry import Step, step_of_section
from screens.review import ReviewScreen
from screens.widgets.apply_consent import ApplyConsentScreen
from tests.screens.harness import ScreenApp, banner, demo_facts, demo_files, screen_text, shows, until
from wizard.answers import Answers, StorageAnswers
from wizard.plan.planner import PlanOutcome

SECRET = "S3cret-Pass"


def review(
    root: Path, answers: Answers, scenario: str = "intel-ready", *, live: bool = False
) -> ReviewScreen:
    facts = demo_facts(scenario)
    return ReviewScreen(
        banner("Review"),
        facts,
        answers,
        root,
        live=live,
        confirm_timeout=120,
        step_of_section=step_of_section,
    )


def with_a_secret_next_to_a_change(root: Path) -> Path:
    nova = root / "etc/nova/nova.conf"
    text = nova.read_text().replace(
        "#compute_driver = <None>\n",
        f"#compute_driver = <None>\ntransport_url = rabbit://nova:{SECRET}@ctl/\n",
    )
    nova.write_text(text)
    return root


async def test_every_change_with_its_reason_secrets_masked_and_the_answers_file(tmp_path: Path) -> None:
    root = with_a_secret_next_to_a_change(demo_files("kvm-permissions", tmp_path / "root"))
    app = ScreenApp(lambda: review(root, Answers(), "kvm-permissions"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[PASS] The answers are valid here.")
        text = screen_text(app)
        assert "/etc/nova/nova.conf" in text
        assert "[libvirt]" in text
        assert text.index("What changes (before -> after)") < text.index("/etc/nova/nova.conf")
        assert "Nested guests: on, CPU host-model -> off, CPU host-model" in text
        assert "+compute_driver = libvirt.LibvirtDriver" in text
        assert "    # why: " in text
        assert "CANNOT BE UNDONE" in text
        assert "transport_url = ****" in text or "rabbit://nova:****@ctl/" in text
        assert SECRET not in text
        assert "The answers saved in /var/lib/kvm-wizard/answers.toml" in text
        assert 'backend = "qcow2"' in text
        await pilot.press("f10")
        # A deliberate apply: the question names what cannot be undone and what restarts; n goes back.
        await until(pilot, lambda: isinstance(app.screen, ApplyConsentScreen), "the question")
        question = screen_text(app)
        assert "Apply 3 file change(s) and 5 action(s) to this host?" in question
        assert "Not run under this root (5 action(s) left for the target), among them:" in question
        assert "  - Install tpm2-tools with apt-get" in question
        assert "Then 120 s to confirm it; otherwise everything is reverted." in question
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the Review again")
        assert not app.exits
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ApplyConsentScreen), "the question again")
        await pilot.press("y")
        await until(pilot, lambda: app.exits)
    outcome = app.exit_value.value
    assert isinstance(outcome, PlanOutcome)
    assert outcome.ok


async def test_a_problem_names_its_key_and_enter_goes_to_its_step(tmp_path: Path) -> None:
    root = demo_files("intel-ready", tmp_path / "root")
    answers = Answers(storage=StorageAnswers(backend="lvm", volume_group="missing-vg"))
    app = ScreenApp(lambda: review(root, answers))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[FAIL] 1 problem(s) stop the plan; nothing will be changed.")
        await shows(pilot, "storage.volume_group: 'missing-vg' does not exist on this host")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
        assert app.screen.query_one(OptionList).has_focus
        await pilot.press("enter")
        await until(pilot, lambda: app.exits)
    assert (app.exit_value.direction, app.exit_value.target) == ("jump", Step.STORAGE)


async def test_the_question_on_a_live_host_names_what_cannot_be_undone_and_what_restarts(
    tmp_path: Path,
) -> None:
    """As on the running system (nothing is applied here: the question is answered n)."""
    root = demo_files("kvm-permissions", tmp_path / "root")
    app = ScreenApp(lambda: review(root, Answers(), "kvm-permissions", live=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "[PASS] The answers are valid here.")
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ApplyConsentScreen), "the question")
        question = screen_text(app)
        assert (
            "Cannot be undone by a rollback:\n  - Ask udev to apply its rules to /dev/kvm again" in question
        )
        assert "  - Install tpm2-tools with apt-get" in question
        assert "Restarted: nova-compute (running instances keep running)" in question
        assert app.screen.query_one("#no").has_focus  # the safe answer
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the Review again")
    assert not app.exits
