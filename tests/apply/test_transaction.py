"""apply_plan on real tmp roots: files, owners, symlinks, staging actions, verification, refusals, events."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.apply.conftest import REPOSITORY, child_environment
from tests.apply.scenario import (
    GLANCE_LINK,
    GLANCE_REAL,
    MODPROBE,
    MODULES_LOAD,
    NOGROUP,
    NOVA_CONF,
    files_only,
    snapshot,
    standard_plan,
)
from wizard.apply.events import (
    CommandOutput,
    ProgressEvent,
    StepFailed,
    StepFinished,
    StepSkipped,
    StepStarted,
)
from wizard.apply.results import StepStatus
from wizard.apply.transaction import apply_plan, preview_apply
from wizard.commands import CommandRunner
from wizard.plan.model import Action, Check, CheckKind, FileEdit, FileKind, Plan, Reason


def _on_disk(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def test_apply_writes_every_file_keeps_owners_and_records_a_generation(root: Path) -> None:
    plan = standard_plan(root)
    result = apply_plan(plan, root, runner=CommandRunner())
    assert result.ok, result.error
    assert result.generation == 1
    for edit in plan.edits:
        assert _on_disk(root, edit.written_path).read_bytes() == edit.after
    nova = _on_disk(root, NOVA_CONF).stat()
    assert (nova.st_uid, nova.st_gid, nova.st_mode & 0o7777) == (0, NOGROUP, 0o640)
    # New files: owner and group looked up in the root's own /etc/passwd and /etc/group.
    created = _on_disk(root, MODULES_LOAD).stat()
    assert (created.st_uid, created.st_gid, created.st_mode & 0o7777) == (0, NOGROUP, 0o640)
    assert (_on_disk(root, MODPROBE).stat().st_mode & 0o7777) == 0o644
    assert not (root / "var/lib/kvm-wizard/journal").exists()
    assert (root / "var/lib/kvm-wizard/answers.toml").read_text() == plan.answers_toml


def test_a_symlinked_path_edits_its_target_and_keeps_the_link(root: Path) -> None:
    preview = preview_apply(standard_plan(root), root)
    assert any("symbolic link" in note and GLANCE_REAL in note for note in preview.notes)
    assert any(step.note and GLANCE_REAL in step.note for step in preview.steps)
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert result.ok
    assert os.readlink(_on_disk(root, GLANCE_LINK)) == "real/glance-api.conf"
    assert b"show_image_direct_url = true" in _on_disk(root, GLANCE_REAL).read_bytes()


def test_under_a_staging_root_live_actions_are_left_for_the_target(root: Path) -> None:
    plan = standard_plan(root)
    preview = preview_apply(plan, root)
    assert [action.id for action in preview.remaining] == ["load-module:kvm_intel"]
    events: list[ProgressEvent] = []
    result = apply_plan(plan, root, runner=CommandRunner(), progress=events.append)
    assert result.ok
    assert [action.id for action in result.remaining] == ["load-module:kvm_intel"]
    # The persistent action ran, its output streamed line by line with its step's index.
    output = [event for event in events if isinstance(event, CommandOutput)]
    assert [(event.step.id, event.line) for event in output] == [("action:echo:loaded", "loaded")]
    skipped = [event.step.id for event in events if isinstance(event, StepSkipped)]
    assert skipped == ["action:load-module:kvm_intel"]
    started = [event.index for event in events if isinstance(event, StepStarted)]
    assert started == sorted(started)
    assert all(event.count == len(preview.steps) for event in events if isinstance(event, StepFinished))


def test_irreversible_actions_are_named_before_and_after(root: Path) -> None:
    reason = (Reason("why", "test"),)
    action = Action("install:thing", "Install a thing", ("true",), reason, reversible=False, live_only=False)
    plan = standard_plan(root, actions=(action,))
    assert [item.id for item in preview_apply(plan, root).irreversible] == ["install:thing"]
    result = apply_plan(plan, root, runner=CommandRunner())
    assert [item.id for item in result.irreversible] == ["install:thing"]


def test_a_failing_action_rolls_back_every_file_and_runs_the_inverses(root: Path, tmp_path: Path) -> None:
    before = files_only(snapshot(root))
    marker = tmp_path / "undone"
    reason = (Reason("why", "test"),)
    actions = (
        Action("first", "First", ("true",), reason, True, ("touch", str(marker)), live_only=False),
        Action(
            "second", "Second fails", ("sh", "-c", "echo broken >&2; exit 3"), reason, True, live_only=False
        ),
    )
    events: list[ProgressEvent] = []
    result = apply_plan(
        standard_plan(root, actions=actions), root, runner=CommandRunner(), progress=events.append
    )
    assert not result.ok
    assert result.rolled_back
    assert result.failed_step is not None
    assert result.failed_step.id == "action:second"
    assert "exit status 3: broken" in result.error
    assert files_only(snapshot(root)) == before
    assert not (root / "etc/modules-load.d").exists(), "the directory the apply created is removed again"
    assert marker.exists(), "the inverse of the action that ran was run"
    assert any(isinstance(event, StepFailed) and event.step.id == "action:second" for event in events)
    statuses = {outcome.step.id: outcome.status for outcome in result.steps}
    assert statuses[f"write:{NOVA_CONF}"] is StepStatus.UNDONE
    assert statuses["verify"] is StepStatus.NOT_REACHED


def test_a_verification_failure_rolls_back(root: Path) -> None:
    before = files_only(snapshot(root))
    check = Check(CheckKind.MODULE_LOADED, "kvm_wizard_no_such_module", live_only=False)
    result = apply_plan(standard_plan(root, checks=(check,)), root, runner=CommandRunner())
    assert not result.ok
    assert result.failed_step is not None
    assert result.failed_step.id == "verify"
    assert "kvm_wizard_no_such_module is not loaded" in result.error
    assert files_only(snapshot(root)) == before


def test_an_edit_that_breaks_the_ini_syntax_is_rolled_back(root: Path) -> None:
    plan = standard_plan(root)
    nova = plan.edits[0]
    broken = FileEdit(
        nova.path, FileKind.NOVA_CONF, nova.before, b"key_before_any_section = 1\n" + nova.after, ()
    )
    before = files_only(snapshot(root))
    result = apply_plan(Plan(edits=(broken,)), root, runner=CommandRunner())
    assert not result.ok
    assert "does not parse" in result.error
    assert files_only(snapshot(root)) == before


def test_refusals_change_nothing(root: Path) -> None:
    before = snapshot(root)
    escaping = FileEdit("/etc/../../outside.conf", FileKind.TEXT, None, b"x\n", ())
    (root / "etc/escape").symlink_to("../../..")
    through_link = FileEdit("/etc/escape/etc/hostname", FileKind.TEXT, None, b"x\n", ())
    stale = FileEdit(NOVA_CONF, FileKind.NOVA_CONF, b"something else\n", b"new\n", ())
    for edit, expected in (
        (escaping, "/etc/../../outside.conf is refused"),
        (through_link, "/etc/escape/etc/hostname is refused"),
        (stale, "changed since the plan was made"),
    ):
        result = apply_plan(Plan(edits=(edit,)), root, runner=CommandRunner())
        assert not result.ok
        assert result.failed_step is not None
        assert result.failed_step.id == "check"
        assert expected in result.error
        assert result.generation is None
    (root / "etc/escape").unlink()
    assert snapshot(root) == before
    assert not (root / "var/lib/kvm-wizard/generations/1").exists()


def test_a_target_that_is_a_directory_is_refused(root: Path) -> None:
    (root / "etc/modprobe.d/kvm.conf").mkdir()
    before = snapshot(root)
    result = apply_plan(standard_plan(root), root, runner=CommandRunner())
    assert not result.ok
    assert f"{MODPROBE} is a directory, not a file" in result.error
    assert snapshot(root) == before


def test_a_second_apply_is_told_who_holds_the_lock(root: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.apply.child", str(root), "hold-lock"],
        cwd=REPOSITORY,
        env=child_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        before = snapshot(root)
        result = apply_plan(standard_plan(root), root, runner=CommandRunner())
        assert not result.ok
        assert f"pid {holder.pid}" in result.error
        assert "tests.apply.child" in result.error
        assert "apply since" in result.error
        assert snapshot(root) == before
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok


def test_dry_run_changes_nothing_and_says_what_it_would_run(root: Path) -> None:
    before = snapshot(root)
    events: list[ProgressEvent] = []
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(dry_run=True), progress=events.append)
    assert result.ok
    assert result.dry_run
    assert snapshot(root) == before
    assert not (root / "var").exists()
    assert any(
        isinstance(event, CommandOutput) and event.line == "would run: echo loaded" for event in events
    )


def test_the_log_says_what_was_done_with_secrets_masked(root: Path) -> None:
    reason = (Reason("why", "test"),)
    action = Action(
        "show",
        "Show a URL",
        ("echo", "rabbit://nova:rabbit-secret@controller:5672/"),
        reason,
        True,
        live_only=False,
    )
    assert apply_plan(standard_plan(root, actions=(action,)), root, runner=CommandRunner()).ok
    log = (root / "var/log/kvm-wizard.log").read_text()
    assert "Write /etc/nova/nova.conf" in log
    assert "rabbit://nova:****@controller" in log
    assert "rabbit-secret" not in log
    assert (root / "var/log/kvm-wizard.log").stat().st_mode & 0o777 == 0o600


def test_an_empty_plan_does_nothing(root: Path) -> None:
    result = apply_plan(Plan(), root, runner=CommandRunner())
    assert result.ok
    assert result.nothing_to_do
    assert not (root / "var").exists()
