"""Dead ends, found and left: a journal damaged in its middle (or not a file at all), and a change whose
confirmation deadline passed with its watcher killed. `recover` is the way forward from both; `apply` and
`rollback` point at it; a listing changes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.apply.conftest import run_child
from tests.apply.scenario import NOVA_CONF, Entry, files_only, make_root, snapshot, standard_plan
from wizard.apply.confirm import pending_confirmation, seconds_left
from wizard.apply.generations import list_generations
from wizard.apply.pending import watcher_alive
from wizard.apply.recovery import RecoveryDecision, RecoveryError, find_unfinished
from wizard.apply.salvage import recover_damaged
from wizard.apply.state import state_paths
from wizard.apply.transaction import apply_plan, busy_reason
from wizard.cli import main
from wizard.commands import CommandRunner

ENTRY = "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture(scope="module")
def applied_snapshot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Entry]:
    reference = make_root(tmp_path_factory.mktemp("reference") / "root")
    assert apply_plan(standard_plan(reference), reference, runner=CommandRunner()).ok
    return snapshot(reference)


def damage(journal: Path, record: int) -> None:
    """Flip one character of record ``record`` (1-based): its checksum fails, and it is not the last."""
    lines = journal.read_bytes().splitlines(keepends=True)
    line = bytearray(lines[record - 1])
    line[len(line) // 2] ^= 0x01
    lines[record - 1] = bytes(line)
    journal.write_bytes(b"".join(lines))


def files(root: Path) -> dict[str, Entry]:
    return files_only(snapshot(root))


def interrupted(root: Path) -> Path:
    """An apply killed after its second file (kill -9): a journal of several records."""
    assert run_child(root, "apply", crash_at="renamed:4").returncode == -9
    return state_paths(root).journal


@pytest.mark.parametrize("record", [2, 3, 4])
@pytest.mark.parametrize("decision", [RecoveryDecision.ROLL_BACK, RecoveryDecision.COMPLETE])
def test_a_journal_damaged_in_its_middle_is_recovered_from_the_generation(
    root: Path, applied_snapshot: dict[str, Entry], record: int, decision: RecoveryDecision
) -> None:
    before = files(root)
    damage(interrupted(root), record)
    with pytest.raises(RecoveryError, match="kvm-wizard recover sets it aside"):
        find_unfinished(root)
    refusal = busy_reason(state_paths(root))
    assert refusal is not None
    assert "kvm-wizard recover" in refusal
    recovery = recover_damaged(root, decision, runner=CommandRunner())
    assert recovery is not None
    assert recovery.ok, recovery.message
    assert "The damaged journal is kept as" in recovery.message
    expected = before if decision is RecoveryDecision.ROLL_BACK else files_only(applied_snapshot)
    assert files(root) == expected
    state = state_paths(root)
    assert not state.journal.exists()
    assert [path.name.startswith("journal.damaged-") for path in state.directory.glob("journal.*")] == [True]
    assert busy_reason(state) is None, "a new apply can start again"
    statuses = [entry.generation.status for entry in list_generations(state) if entry.generation]
    assert statuses == ["rolled-back" if decision is RecoveryDecision.ROLL_BACK else "applied"]


def test_a_journal_whose_first_record_is_damaged_rolls_the_files_back_from_the_generation(root: Path) -> None:
    before = files(root)
    damage(interrupted(root), 1)
    recovery = recover_damaged(root, RecoveryDecision.ROLL_BACK, runner=CommandRunner())
    assert recovery is not None
    assert recovery.ok, recovery.message
    assert "its actions cannot be known" in recovery.message.lower() or "rolled back" in recovery.message
    assert files(root) == before
    state = state_paths(root)
    assert busy_reason(state) is None
    statuses = {
        entry.number: entry.generation.status for entry in list_generations(state) if entry.generation
    }
    assert statuses[1] == "rolled-back"


def test_a_journal_that_is_not_a_file_is_set_aside(root: Path) -> None:
    before = files(root)
    journal = interrupted(root)
    journal.unlink()
    os.mkfifo(journal)
    with pytest.raises(RecoveryError):
        find_unfinished(root)
    recovery = recover_damaged(root, RecoveryDecision.ROLL_BACK, runner=CommandRunner())
    assert recovery is not None
    assert recovery.ok, recovery.message
    assert files(root) == before
    assert busy_reason(state_paths(root)) is None


def test_a_damaged_journal_of_a_transaction_that_had_committed_only_goes(
    root: Path, applied_snapshot: dict[str, Entry]
) -> None:
    assert run_child(root, "apply", crash_at="ended:1").returncode == -9
    damage(state_paths(root).journal, 2)
    recovery = recover_damaged(root, RecoveryDecision.ROLL_BACK, runner=CommandRunner())
    assert recovery is not None
    assert recovery.decision == "cleaned"
    assert "had ended (applied)" in recovery.message
    assert files(root) == files_only(applied_snapshot)


def test_the_command_line_chain_leads_to_recover_and_recover_goes_on(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(root)
    damage(interrupted(root), 3)
    assert main(["snapshots", "--root", str(root), "rollback", "1", "--yes", "--no-confirm"]) == 1
    assert "see kvm-wizard recover" in capsys.readouterr().out
    assert main(["recover", "--root", str(root), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "The journal of an interrupted change cannot be read" in out
    assert "The damaged journal is kept as" in out
    assert files(root) == before
    assert main(["recover", "--root", str(root)]) == 0
    assert "Nothing to recover" in capsys.readouterr().out


def _applied_with_a_killed_watcher(root: Path) -> int:
    child = run_child(root, "apply", "1")
    report = json.loads(child.stdout.splitlines()[-1])
    assert report["ok"], report
    os.kill(report["watcher"], signal.SIGKILL)
    deadline = time.monotonic() + 15
    while watcher_alive(report["watcher"]) or (seconds_left(root) or 0) > 0:
        assert time.monotonic() < deadline, "the deadline never passed"
        time.sleep(0.05)
    return int(report["generation"])


def test_a_listing_of_an_overdue_change_names_it_and_reverts_nothing(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _applied_with_a_killed_watcher(root)
    applied = (root / NOVA_CONF.lstrip("/")).read_bytes()
    assert main(["snapshots", "--root", str(root), "list"]) == 0
    out = capsys.readouterr().out
    assert "was not confirmed by its deadline" in out
    assert "kvm-wizard recover reverts it now" in out
    assert (root / NOVA_CONF.lstrip("/")).read_bytes() == applied, "a listing reverted the change"
    assert pending_confirmation(root) is not None
    assert "revert" not in out.split("was not confirmed")[1].split("\n", 1)[1], "a stale list"


def test_recover_reverts_an_overdue_change_and_says_so(root: Path) -> None:
    before = (root / NOVA_CONF.lstrip("/")).read_bytes()
    _applied_with_a_killed_watcher(root)
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "recover", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Nothing to recover" not in done.stdout
    assert "was not confirmed by its deadline" in done.stdout
    assert "Reverted to the state of generation 1" in done.stdout
    assert (root / NOVA_CONF.lstrip("/")).read_bytes() == before
    assert pending_confirmation(root) is None


@pytest.mark.parametrize(
    "name", ["pending-confirm.toml", "last-revert.toml", "lock", "generations/1/manifest.toml"]
)
def test_a_state_file_nested_too_deep_is_damaged_not_a_crash(
    root: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok
    path = state_paths(root).directory / name
    path.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    for arguments in (["snapshots", "--root", str(root), "list"], ["recover", "--root", str(root)]):
        assert main(arguments) in (0, 1)
        out, error = capsys.readouterr()
        assert "internal error" not in out + error
