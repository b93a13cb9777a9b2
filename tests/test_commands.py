"""The command runner against real programs: streaming, exit codes, timeouts, dry run."""

from __future__ import annotations

import sys
import time

import pytest

from wizard.commands import CommandRunner


def test_streams_lines_in_order_and_reports_exit_status() -> None:
    seen: list[tuple[str, str]] = []
    runner = CommandRunner()
    result = runner.run(
        [
            sys.executable,
            "-c",
            "import sys; print('one'); print('two'); sys.stderr.write('bad\\n'); sys.exit(3)",
        ],
        on_line=lambda stream, line: seen.append((stream, line)),
    )
    assert result.returncode == 3
    assert not result.ok
    assert ("stdout", "one") in seen
    assert ("stdout", "two") in seen
    assert ("stderr", "bad") in seen
    assert result.stdout == "one\ntwo\n"
    assert "exit status 3: bad" in result.describe_failure()


def test_missing_program_is_named() -> None:
    result = CommandRunner().run(["kvm-wizard-no-such-program", "--version"])
    assert result.returncode is None
    assert result.error == "kvm-wizard-no-such-program is not installed (not found on PATH)"


def test_timeout_kills_the_program() -> None:
    started = time.monotonic()
    result = CommandRunner().run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert result.returncode is None
    assert result.error == "timed out after 0.5 s"
    assert time.monotonic() - started < 5


def test_a_daemon_holding_the_pipes_does_not_hang_the_runner() -> None:
    code = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(20)']); print('started')"
    started = time.monotonic()
    result = CommandRunner().run([sys.executable, "-c", code], timeout=15)
    assert result.ok
    assert result.stdout == "started\n"
    assert time.monotonic() - started < 5


def test_dry_run_runs_nothing_and_says_what_it_would_run(tmp_path: object) -> None:
    lines: list[str] = []
    runner = CommandRunner(dry_run=True)
    result = runner.run(["modprobe", "kvm_intel"], on_line=lambda _stream, line: lines.append(line))
    assert result.dry_run
    assert result.returncode is None
    assert lines == ["would run: modprobe kvm_intel"]
    assert [entry.argv for entry in runner.history] == [("modprobe", "kvm_intel")]


def test_output_without_final_newline_is_kept() -> None:
    result = CommandRunner().run([sys.executable, "-c", "import sys; sys.stdout.write('partial')"])
    assert result.stdout == "partial"


def test_shell_strings_are_refused() -> None:
    runner = CommandRunner()
    with pytest.raises(TypeError, match="non-empty list"):
        runner.run([])
    with pytest.raises(TypeError, match="non-empty list"):
        runner.run("modprobe kvm")  # a str is a Sequence[str] to mypy, so only the runtime can refuse it
