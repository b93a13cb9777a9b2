"""kvm-wizard snapshots / recover / confirm as the operator runs them, on tmp roots."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.apply.conftest import REPOSITORY, child_environment, run_child
from tests.apply.scenario import NOVA_CONF, Entry, files_only, make_root, snapshot, standard_plan
from wizard.apply.confirm import revert_now
from wizard.apply.pending import watcher_alive
from wizard.apply.transaction import apply_plan
from wizard.cli import main
from wizard.commands import CommandRunner

KVM_WIZARD = str(Path(sys.executable).parent / "kvm-wizard")


@pytest.fixture
def applied(tmp_path: Path) -> tuple[Path, dict[str, Entry], dict[str, Entry]]:
    """A root with one apply done: (root, files before, files after)."""
    root = make_root(tmp_path / "root")
    before = files_only(snapshot(root))
    assert apply_plan(standard_plan(root), root, runner=CommandRunner()).ok
    return root, before, files_only(snapshot(root))


def test_list_show_and_json(
    applied: tuple[Path, dict[str, Entry], dict[str, Entry]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _, _ = applied
    assert main(["snapshots", "--root", str(root)]) == 0
    text = capsys.readouterr().out
    assert "  1  " in text
    assert "apply (applied)  kvm, qcow2, nested host-passthrough" in text
    assert "/etc/nova/nova.conf, /etc/glance/glance-api.conf" in text
    assert main(["snapshots", "list", "--root", str(root), "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["schema"] == 1
    assert [item["number"] for item in listing["generations"]] == [1]
    assert main(["snapshots", "show", "1", "--root", str(root), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    nova = next(item for item in shown["detail"] if item["path"] == NOVA_CONF)
    assert (nova["before"]["group"], nova["before"]["mode"]) == ("nova", 0o640)
    assert main(["snapshots", "show", "1", "--root", str(root)]) == 0
    text = capsys.readouterr().out
    assert "(a link to /etc/glance/real/glance-api.conf)" in text
    assert "before: absent" in text


def test_diff_shows_drift_first_and_never_a_secret(
    applied: tuple[Path, dict[str, Entry], dict[str, Entry]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _, _ = applied
    nova = root / NOVA_CONF.lstrip("/")
    nova.write_bytes(nova.read_bytes().replace(b"db-secret", b"hand-typed-secret"))
    assert main(["snapshots", "diff", "1", "--root", str(root)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Drift: /etc/nova/nova.conf was edited by hand since generation 1")
    assert "+virt_type = kvm" in text
    assert (
        "secret" not in text.replace("rabbit-secret", "x").replace("-secret", "")
        or "hand-typed-secret" not in text
    )
    assert "hand-typed-secret" not in text
    assert "db-secret" not in text


def test_rollback_asks_and_without_a_console_needs_explicit_options(
    applied: tuple[Path, dict[str, Entry], dict[str, Entry]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, before, after = applied
    assert main(["snapshots", "rollback", "1", "--root", str(root), "--no-confirm"]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert main(["snapshots", "rollback", "1", "--root", str(root), "--yes"]) == 2
    assert "--no-confirm" in capsys.readouterr().err
    assert files_only(snapshot(root)) == after
    assert main(["snapshots", "rollback", "1", "--root", str(root), "--yes", "--no-confirm"]) == 0
    assert "Rollback done" in capsys.readouterr().out
    assert files_only(snapshot(root)) == before
    assert main(["snapshots", "rollback", "2", "--root", str(root), "--yes", "--no-confirm"]) == 0
    assert files_only(snapshot(root)) == after


def test_damaged_and_unknown_generations(
    applied: tuple[Path, dict[str, Entry], dict[str, Entry]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _, _ = applied
    (root / "var/lib/kvm-wizard/generations/1/manifest.toml").write_text("not = [toml\n")
    assert main(["snapshots", "show", "1", "--root", str(root)]) == 1
    assert "generation 1: its manifest is damaged" in capsys.readouterr().err
    assert main(["snapshots", "--root", str(root)]) == 0
    assert "DAMAGED: generation 1: its manifest is damaged" in capsys.readouterr().out
    assert main(["snapshots", "show", "7", "--root", str(root)]) == 2
    assert "there is no generation 7" in capsys.readouterr().err


def test_recover_after_a_kill_9(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_root(tmp_path / "root")
    before = files_only(snapshot(root))
    assert main(["recover", "--root", str(root)]) == 0
    assert "Nothing to recover" in capsys.readouterr().out
    assert run_child(root, "apply", crash_at="renamed:3").returncode == -9
    assert main(["recover", "--root", str(root)]) == 2
    captured = capsys.readouterr()
    assert "it stopped while writing files" in captured.out
    assert "pass --yes" in captured.err
    assert main(["recover", "--root", str(root), "--yes"]) == 0
    assert "Rolled back the interrupted apply of generation 1" in capsys.readouterr().out
    assert files_only(snapshot(root)) == before


def test_confirm_from_another_console(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_root(tmp_path / "root")
    assert main(["confirm", "--root", str(root)]) == 1
    assert "Nothing waits for confirmation" in capsys.readouterr().out
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=60)
    assert result.confirmation is not None
    try:
        assert main(["confirm", "--root", str(root)]) == 0
        assert "Confirmed" in capsys.readouterr().out
    finally:
        if watcher_alive(result.confirmation.watcher_pid):
            os.kill(result.confirmation.watcher_pid, 9)


@pytest.mark.parametrize(("answer", "kept"), [("yes", True), ("no", False)])
def test_interactive_rollback_with_confirm_or_revert(
    applied: tuple[Path, dict[str, Entry], dict[str, Entry]], answer: str, kept: bool
) -> None:
    root, before, after = applied
    session = pexpect.spawn(
        KVM_WIZARD,
        ["snapshots", "rollback", "1", "--root", str(root), "--confirm-timeout", "60"],
        cwd=str(REPOSITORY),
        env=child_environment(),
        encoding="utf-8",
        timeout=30,
        dimensions=(24, 80),
    )
    session.expect_exact("Roll back to generation 1? [y/N] ")
    session.sendline("y")
    session.expect_exact("Keep? ")
    assert files_only(snapshot(root)) == before
    session.sendline(answer)
    session.expect(pexpect.EOF)
    session.close()
    assert session.exitstatus == (0 if kept else 1)
    assert files_only(snapshot(root)) == (before if kept else after)


def test_a_revert_is_listed_and_reported_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_root(tmp_path / "root")
    result = apply_plan(standard_plan(root), root, runner=CommandRunner(), confirm_timeout=60)
    assert result.confirmation is not None
    assert revert_now(root, reason="not confirmed in time", automatic=True).reverted
    assert main(["snapshots", "--root", str(root)]) == 0
    text = capsys.readouterr().out
    assert "Note: at " in text
    assert "the changes of generation 1 were reverted: not confirmed in time." in text
    assert "apply (applied, reverted by 2)" in text
    assert "revert (applied)  revert to generation 1: not confirmed in time" in text
    assert main(["snapshots", "--root", str(root)]) == 0
    assert "Note:" not in capsys.readouterr().out
