"""The real program, tried the way it fails: its output closed by `| head` or a lost terminal, SIGTERM and
SIGHUP mid-apply, at every step. Whatever happens to the output, the change ends whole (applied or rolled
back), the journal is gone, and the exit status and standard error say how it ended.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.demo import load_scenario, make_root

ENTRY = "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))"
SCENARIO = "intel-ready"
# Points of a demo apply (three files, actions left for the target, no confirm): the nth rename, etc.
POINTS = ["journal-append:1", "renamed:1", "renamed:2", "renamed:3", "verify:1", "commit:1", "ended:1"]
COMMITTING = {"commit:1", "ended:1"}


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(item.relative_to(root)): item.read_bytes()
        for item in sorted(root.rglob("*"))
        if item.is_file() and "var/lib/kvm-wizard" not in str(item) and "var/log" not in str(item)
    }


def command(root: Path, answers: Path, *extra: str) -> list[str]:
    facts = str(load_scenario(SCENARIO).facts_path)
    arguments = ["apply", "--answers", str(answers), "--root", str(root), "--facts", facts, *extra]
    return [sys.executable, "-c", ENTRY, *arguments]


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(PRODUCT_ANSWERS)
    return path


@pytest.fixture
def demo_root(tmp_path: Path) -> Callable[[str], Path]:
    return lambda name: make_root(load_scenario(SCENARIO), tmp_path / name)


@pytest.fixture
def applied(tmp_path: Path, answers: Path, demo_root: Callable[[str], Path]) -> dict[str, bytes]:
    """The files an uninterrupted apply leaves (the same inputs give the same files)."""
    root = demo_root("reference")
    done = subprocess.run(
        command(root, answers, "--yes", "--no-confirm"), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return tree(root)


def environment(point: str = "", signal_name: str = "") -> dict[str, str]:
    extra = dict(os.environ)
    for name in ("KVM_WIZARD_CRASH_AT", "KVM_WIZARD_CRASH_SIGNAL"):
        extra.pop(name, None)
    if point:
        extra["KVM_WIZARD_CRASH_AT"] = point
        extra["KVM_WIZARD_CRASH_SIGNAL"] = signal_name
    return extra


def settled(root: Path) -> None:
    state = root / "var/lib/kvm-wizard"
    assert not (state / "journal").exists(), "a journal was left behind"
    assert not (state / "pending-confirm.toml").exists()


def test_apply_piped_into_head_for_every_length(
    answers: Path, demo_root: Callable[[str], Path], applied: dict[str, bytes]
) -> None:
    full = subprocess.run(
        command(demo_root("full"), answers, "--yes", "--no-confirm"),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = full.stdout.count("\n")
    assert lines > 10
    for length in range(lines + 1):
        root = demo_root(f"head-{length}")
        program = " ".join(repr(part) for part in command(root, answers, "--yes", "--no-confirm"))
        shell = f"{program} | head -n {length} >/dev/null"
        shell = f"set -o pipefail; {shell}"
        done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=False)
        assert done.returncode == 0, (length, done.stderr)
        assert "Traceback" not in done.stderr
        assert tree(root) == applied, f"| head -n {length} left the files half-applied"
        settled(root)
        if "closed before the end" in done.stderr:
            assert "Apply done" in done.stderr, done.stderr


def _stopped_at(point: str, argv: list[str], *, stderr: int = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """The program started with pipes, stopped by itself (SIGSTOP) at ``point``."""
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, env=environment(point, "STOP")
    )
    _, status = os.waitpid(process.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the program did not reach {point}"
    return process


@pytest.mark.parametrize("point", POINTS)
def test_standard_output_closed_at_every_step_the_change_still_ends_whole(
    point: str, answers: Path, demo_root: Callable[[str], Path], applied: dict[str, bytes]
) -> None:
    root = demo_root("root")
    process = _stopped_at(point, command(root, answers, "--yes", "--no-confirm"))
    assert process.stdout is not None
    process.stdout.close()  # the reader goes away (`| head` done), then the program goes on
    os.kill(process.pid, signal.SIGCONT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 0, error
    assert tree(root) == applied
    settled(root)
    assert b"standard output was closed before the end; Apply done" in error


@pytest.mark.parametrize("point", ["renamed:1", "verify:1"])
def test_both_outputs_closed_the_change_still_ends_whole(
    point: str, answers: Path, demo_root: Callable[[str], Path], applied: dict[str, bytes]
) -> None:
    root = demo_root("root")
    process = _stopped_at(point, command(root, answers, "--yes", "--no-confirm"))
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    process.stderr.close()
    os.kill(process.pid, signal.SIGCONT)
    assert process.wait(timeout=60) == 0
    assert tree(root) == applied
    settled(root)


def test_no_standard_output_at_all(
    answers: Path, demo_root: Callable[[str], Path], applied: dict[str, bytes]
) -> None:
    root = demo_root("root")
    done = subprocess.run(
        [
            "bash",
            "-c",
            " ".join(repr(part) for part in command(root, answers, "--yes", "--no-confirm")) + " >&-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert tree(root) == applied


@pytest.mark.parametrize("point", POINTS)
def test_sigterm_at_every_step_of_the_real_program(
    point: str, answers: Path, demo_root: Callable[[str], Path], applied: dict[str, bytes]
) -> None:
    root = demo_root("root")
    before = tree(root)
    done = subprocess.run(
        command(root, answers, "--yes", "--no-confirm"),
        capture_output=True,
        text=True,
        env=environment(point, "TERM"),
        check=False,
    )
    settled(root)
    if point in COMMITTING:
        assert done.returncode == 0, done.stderr
        assert tree(root) == applied
        assert "SIGTERM came while the work was finishing" in done.stderr
        return
    assert done.returncode == 143, done.stdout + done.stderr
    assert "kvm-wizard: interrupted by SIGTERM" in done.stderr
    assert "rolled back" in done.stderr or "changed no file yet" in done.stderr, done.stderr
    assert tree(root) == before


@pytest.mark.parametrize("name", ["SIGHUP", "SIGTERM", "SIGINT"])
def test_a_lost_session_mid_apply_rolls_back(
    name: str, answers: Path, demo_root: Callable[[str], Path]
) -> None:
    """An SSH session that drops: the terminal is gone (writes fail) and SIGHUP arrives, between two files."""
    root = demo_root("root")
    before = tree(root)
    process = _stopped_at("renamed:2", command(root, answers, "--yes", "--no-confirm"))
    assert process.stdout is not None
    process.stdout.close()
    os.kill(process.pid, signal.Signals[name])
    os.kill(process.pid, signal.SIGCONT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.Signals[name], error
    assert f"interrupted by {name}".encode() in error
    assert tree(root) == before
    settled(root)


def test_rescue_apply_fixes_rolls_back_on_sigterm(tmp_path: Path) -> None:
    root = make_root(load_scenario("amd-modules-missing"), tmp_path / "root")
    before = tree(root)
    options = ["--yes", "--no-confirm", "--facts", str(load_scenario("amd-modules-missing").facts_path)]
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "rescue", "--apply-fixes", "--root", str(root), *options],
        capture_output=True,
        text=True,
        env=environment("renamed:2", "TERM"),  # the manifest is renamed:1
        check=False,
    )
    assert done.returncode == 143, done.stdout + done.stderr
    assert "rolled back" in done.stderr
    assert tree(root) == before
    settled(root)
