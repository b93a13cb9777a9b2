"""kvm-wizard answers template / check: the files written, the exit statuses, the messages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.answers.test_migrate import rename_pool
from wizard.answers import parse_answers
from wizard.answers.migrate import MIGRATIONS, Migration, register
from wizard.cli import main

ENTRY = "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))"


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    """The real program in a process of its own, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-c", ENTRY, "answers", *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_template_to_a_file_then_check_it_on_its_demo_host(tmp_path: Path) -> None:
    target = tmp_path / "answers.toml"
    written = run("template", "--demo", "amd-modules-missing", "-o", str(target))
    assert written.returncode == 0, written.stderr
    words = " ".join(line.removeprefix("#").strip() for line in target.read_text().splitlines())
    assert "an AMD CPU: with nested guests and host-model or custom, svm is added for you." in " ".join(
        words.split()
    )
    checked = run("check", str(target), "--demo", "amd-modules-missing")
    assert checked.returncode == 0, checked.stderr
    assert "valid for demo: amd-modules-missing" in checked.stdout
    again = run("template", "-o", str(target))
    assert again.returncode == 2
    assert "exists: pass --force" in again.stderr


def test_template_to_standard_output_gives_no_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["answers", "template"]) == 0
    parsed = parse_answers(capsys.readouterr().out)
    assert parsed.migrations == ()
    assert parsed.answers.given == frozenset()


@pytest.mark.parametrize(
    ("text", "status", "expected"),
    [
        ('version = 1\n[storage]\nbackend = "lvm"\nvolume_group = "nova-vg"\n', 0, "valid"),
        (
            'version = 2\n[storage]\nbackend = "qcow"\n[nested]\ncpu_mode = "custom"\ncpu_models = []\n',
            1,
            "2 problem(s)",
        ),
        ("version = 3\n", 2, "written by a newer kvm-wizard"),
        ("version = = 1\n", 2, "not valid TOML"),
    ],
)
def test_check_exit_statuses(
    text: str, status: int, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(text)
    assert main(["answers", "check", str(path)]) == status
    captured = capsys.readouterr()
    assert expected in captured.out + captured.err


def test_check_against_a_host_reports_what_only_the_host_can_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.toml"
    path.write_text('version = 1\n[storage]\nbackend = "lvm"\nvolume_group = "vg-elsewhere"\n')
    assert main(["answers", "check", str(path)]) == 0
    capsys.readouterr()
    assert main(["answers", "check", str(path), "--demo", "intel-ready", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["host"] == "demo: intel-ready"
    assert [problem["key"] for problem in result["problems"]] == ["storage.volume_group"]
    assert "'vg-elsewhere' does not exist on this host" in result["problems"][0]["message"]


def test_check_with_no_such_file_is_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["answers", "check", str(tmp_path / "missing.toml"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["problems"] == [{"key": "", "message": "no such file"}]


@pytest.fixture
def version_0() -> Iterator[None]:
    register(Migration(0, "[storage] pool is called rbd_pool", rename_pool))
    try:
        yield
    finally:
        del MIGRATIONS[0]


@pytest.mark.usefixtures("version_0")
def test_check_shows_the_migration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.toml"
    path.write_text('version = 0\n[storage]\npool = "fast"\n')
    assert main(["answers", "check", str(path)]) == 0
    assert (
        "Migrated: version 0 -> 1: [storage] pool is called rbd_pool ([storage] pool renamed to rbd_pool)"
        in (capsys.readouterr().out)
    )


@pytest.mark.parametrize("scenario", ["amd-nested-off", "tpm2-host", "aarch64", "vm-guest-no-nested"])
@pytest.mark.parametrize(
    "text",
    [
        "version = 1\n[tpm]\nvtpm = true\n",
        'version = 1\n[nested]\nenabled = true\ncpu_mode = "custom"\ncpu_models = ["EPYC"]\n',
    ],
)
def test_check_against_a_host_agrees_with_plan(
    scenario: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`answers check --demo S` runs what `plan` runs: what one passes, the other passes."""
    path = tmp_path / "answers.toml"
    path.write_text(text)
    checked = main(["answers", "check", str(path), "--demo", scenario, "--json"])
    check_result = json.loads(capsys.readouterr().out)
    planned = main(["plan", "--answers", str(path), "--demo", scenario, "--json"])
    capsys.readouterr()
    assert (checked, check_result["ok"]) == (planned, planned == 0)
    assert all(problem["key"] for problem in check_result["problems"])  # each names its key
