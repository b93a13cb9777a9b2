"""Progress lines, rendered once by the engine: every event's words, secrets masked, for the CLI and the screens."""

from __future__ import annotations

import io

from wizard.apply.events import (
    CommandOutput,
    ProgressEvent,
    RollbackFinished,
    RollbackStarted,
    StepFailed,
    StepFinished,
    StepKind,
    StepSkipped,
    StepStarted,
    TransactionStep,
)
from wizard.apply.progress import ProgressKind, ProgressLine, progress_lines
from wizard.cli.apply_common import ProgressPrinter

WRITE = TransactionStep("write:/etc/nova/nova.conf", StepKind.WRITE, "Write /etc/nova/nova.conf")
LINKED = TransactionStep(
    "write:/etc/glance/glance-api.conf",
    StepKind.WRITE,
    "Write /etc/glance/glance-api.conf",
    note="a symbolic link: its target /srv/glance-api.conf is edited",
)
RESTART = TransactionStep("action:restart:nova-compute", StepKind.ACTION, "Restart nova-compute", runs=False)


def lines(event: ProgressEvent) -> list[tuple[str, str]]:
    return [(line.kind.value, line.text) for line in progress_lines(event)]


def test_a_step_starts_counted_with_its_note_under_it() -> None:
    assert lines(StepStarted(2, 8, WRITE)) == [("step", "[3/8] Write /etc/nova/nova.conf")]
    assert lines(StepStarted(3, 8, LINKED)) == [
        ("step", "[4/8] Write /etc/glance/glance-api.conf"),
        ("note", "      (a symbolic link: its target /srv/glance-api.conf is edited)"),
    ]


def test_an_ended_step_says_its_detail_and_nothing_without_one() -> None:
    assert lines(StepFinished(2, 8, WRITE)) == []
    assert lines(StepFinished(2, 8, WRITE, "3 lines changed")) == [("detail", "      3 lines changed")]


def test_skipped_and_failed_steps_say_why() -> None:
    assert lines(StepSkipped(6, 8, RESTART, "acts on the running system")) == [
        ("skipped", "[7/8] Restart nova-compute: not run: acts on the running system")
    ]
    assert lines(StepFailed(2, 8, WRITE, "No space left on device (ENOSPC)")) == [
        ("failed", "      FAILED: No space left on device (ENOSPC)")
    ]


def test_command_output_is_masked_and_marked() -> None:
    output = CommandOutput(4, 8, RESTART, "stderr", "connecting to rabbit://nova:s3cret@controller:5672/")
    [(kind, text)] = lines(output)
    assert kind == "output"
    assert text.startswith("      | connecting to rabbit://nova:")
    assert "s3cret" not in text


def test_the_rollback_says_why_and_how_it_ended() -> None:
    assert lines(RollbackStarted("No space left on device (ENOSPC)", 3)) == [
        ("rollback", "Rolling back 3 file(s): No space left on device (ENOSPC)")
    ]
    assert lines(RollbackStarted("", 1)) == [("rollback", "Rolling back 1 file(s).")]
    assert lines(RollbackFinished(())) == [("rollback", "Rollback done.")]
    assert lines(RollbackFinished(("/etc/nova/nova.conf: EACCES", "/etc/modprobe.d/kvm.conf: EROFS"))) == [
        ("rollback", "Rollback incomplete: /etc/nova/nova.conf: EACCES; /etc/modprobe.d/kvm.conf: EROFS")
    ]


def test_the_command_line_prints_exactly_the_rendered_lines() -> None:
    events: list[ProgressEvent] = [
        StepStarted(3, 8, LINKED),
        StepFinished(3, 8, LINKED, "written"),
        StepFailed(4, 8, WRITE, "boom"),
        RollbackStarted("boom", 2),
        RollbackFinished(()),
    ]
    stdout = io.StringIO()
    printer = ProgressPrinter(stdout)
    for event in events:
        printer(event)
    expected = [line.text for event in events for line in progress_lines(event)]
    assert stdout.getvalue().splitlines() == expected
    assert ProgressLine(
        ProgressKind.NOTE, "      (a symbolic link: its target /srv/glance-api.conf is edited)"
    ) in [line for event in events for line in progress_lines(event)]
