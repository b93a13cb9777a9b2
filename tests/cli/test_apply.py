"""kvm-wizard apply --answers, as an operator runs it: a real process, demo hosts, real failures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.answers.test_migrate import rename_pool
from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.answers.migrate import MIGRATIONS, Migration, register
from wizard.cli import main
from wizard.demo import load_scenario, make_root

ENTRY = "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))"
BAD_ANSWERS = 'version = 1\n[storage]\nbackend = "lvm"\nvolume_group = "vg-elsewhere"\n[nested]\nenabled = true\nextra_flags = ["svm"]\n'


def kvm_wizard(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    # A demo host's throwaway copy goes to TMPDIR: keep it inside the test's directory.
    environment = dict(os.environ, TMPDIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-c", ENTRY, "apply", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def answers_file(tmp_path: Path, text: str = PRODUCT_ANSWERS) -> str:
    path = tmp_path / "answers.toml"
    path.write_text(text)
    return str(path)


def tree(root: Path) -> dict[str, bytes]:
    return {str(item.relative_to(root)): item.read_bytes() for item in root.rglob("*") if item.is_file()}


def facts_of(name: str) -> str:
    return str(load_scenario(name).facts_path)


def test_a_demo_host_is_applied_with_its_generation_and_log(tmp_path: Path) -> None:
    commented = "# Rack 7 compute nodes, made on node r7-01\n" + PRODUCT_ANSWERS.replace(
        'backend = "qcow2"\n', 'backend = "qcow2"  # local disks: no Ceph in rack 7\n'
    )
    result = kvm_wizard(
        tmp_path,
        "--answers",
        answers_file(tmp_path, commented),
        "--demo",
        "amd-modules-missing",
        "--yes",
        "--no-confirm",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apply done (3 file(s) written; generation 1 holds the state before)." in result.stdout
    assert "Still to do on the target: Load kvm_amd now" in result.stdout
    match = re.search(r"its files are in (\S+) \(a throwaway copy\)", result.stdout)
    assert match, result.stdout
    root = Path(match.group(1))
    assert root.parent == tmp_path
    assert "\ncompute_driver = libvirt.LibvirtDriver\n" in (root / "etc/nova/nova.conf").read_text()
    log = (root / "var/log/kvm-wizard.log").read_text()
    assert "apply: [3/10] Write /etc/nova/nova.conf" in log
    assert "apply: apply done: generation 1" in log
    # The operator's answers are kept as written, comments included, as the last answers and in the generation.
    saved = (root / "var/lib/kvm-wizard/answers.toml").read_text()
    assert saved.startswith("# Rack 7 compute nodes, made on node r7-01\nversion = 2\n")
    assert 'backend = "qcow2"  # local disks: no Ceph in rack 7\n' in saved
    manifest = tomllib.loads((root / "var/lib/kvm-wizard/generations/1/manifest.toml").read_text())
    assert manifest["answers"] == saved


def test_json_reports_the_generation_and_what_is_left_for_the_target(tmp_path: Path) -> None:
    result = kvm_wizard(
        tmp_path, "--answers", answers_file(tmp_path), "--demo", "power9", "--yes", "--no-confirm", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["generation"] == 1
    assert data["written"] == [
        "/etc/nova/nova.conf",
        "/etc/modules-load.d/kvm.conf",
        "/etc/modprobe.d/kvm.conf",
    ]
    assert "Restart openstack-nova-compute" in data["remaining"]
    assert data["problems"] == []
    assert data["migrations"] == []
    assert "] Write /etc/nova/nova.conf\n" in result.stderr  # progress goes to stderr, stdout is JSON only


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return make_root(load_scenario("amd-modules-missing"), parent=tmp_path)


def test_bad_answers_are_all_named_and_nothing_is_touched(tmp_path: Path, staging: Path) -> None:
    before = tree(staging)
    common = ("--answers", answers_file(tmp_path, BAD_ANSWERS), "--facts", facts_of("amd-modules-missing"))
    result = kvm_wizard(tmp_path, *common, "--root", str(staging), "--yes", "--no-confirm")
    assert result.returncode == 1
    assert "The answers cannot be applied on this host:" in result.stderr
    assert "storage.volume_group: 'vg-elsewhere' does not exist on this host" in result.stderr
    assert "nested.extra_flags: 'svm'" not in result.stderr  # svm is right on this AMD host
    as_json = kvm_wizard(tmp_path, *common, "--root", str(staging), "--yes", "--no-confirm", "--json")
    assert as_json.returncode == 1
    assert [problem["key"] for problem in json.loads(as_json.stdout)["problems"]] == ["storage.volume_group"]
    assert tree(staging) == before


def test_every_problem_of_the_values_is_named_at_once(tmp_path: Path, staging: Path) -> None:
    text = 'version = 1\n[storage]\nbackend = "qcow"\n[nested]\ncpu_mode = "custom"\n'
    result = kvm_wizard(
        tmp_path,
        "--answers",
        answers_file(tmp_path, text),
        "--facts",
        facts_of("intel-ready"),
        "--root",
        str(staging),
        "--yes",
        "--no-confirm",
    )
    assert result.returncode == 1
    assert "storage.backend: 'qcow' is not allowed" in result.stderr
    assert "nested.cpu_models: is empty, but cpu_mode = custom needs at least one CPU model" in result.stderr


def test_a_file_in_the_way_of_the_plan_is_refused_before_anything_changes(
    tmp_path: Path, staging: Path
) -> None:
    (staging / "etc/modprobe.d/kvm.conf").unlink()
    (staging / "etc/modprobe.d/kvm.conf").mkdir()
    before = tree(staging)
    result = kvm_wizard(
        tmp_path,
        "--answers",
        answers_file(tmp_path),
        "--facts",
        facts_of("amd-modules-missing"),
        "--root",
        str(staging),
        "--yes",
        "--no-confirm",
    )
    assert result.returncode == 2  # a file of the host that cannot be used: an input error
    assert "The changes cannot be planned: /etc/modprobe.d/kvm.conf is a directory" in result.stderr
    assert tree(staging) == before


def _fill(handle: int) -> None:
    while True:
        os.write(handle, b"x" * 4096)


@pytest.fixture
def full_modprobe_directory(staging: Path) -> Iterator[Path]:
    """ROOT/etc/modprobe.d on a tiny tmpfs, filled up: the plan's last file cannot be written."""
    directory = staging / "etc/modprobe.d"
    content = (directory / "kvm.conf").read_bytes()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert mounted.returncode == 0, f"mounting a tmpfs failed (the test needs root): {mounted.stderr}"
    try:
        (directory / "kvm.conf").write_bytes(content)
        handle = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            with pytest.raises(OSError, match="No space left"):
                _fill(handle)
        finally:
            os.close(handle)
        yield staging
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def test_a_write_that_fails_rolls_back_and_exits_1(tmp_path: Path, full_modprobe_directory: Path) -> None:
    root = full_modprobe_directory
    before = {path: data for path, data in tree(root).items() if not path.endswith("filler")}
    result = kvm_wizard(
        tmp_path,
        "--answers",
        answers_file(tmp_path),
        "--facts",
        facts_of("amd-modules-missing"),
        "--root",
        str(root),
        "--yes",
        "--no-confirm",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Apply failed at: Write /etc/modprobe.d/kvm.conf" in result.stdout
    assert re.search(r"^Rolling back \d+ file\(s\): No space left on device", result.stdout, re.MULTILINE), (
        result.stdout
    )
    assert "Every file written was restored; nothing changed." in result.stdout
    after = {path: data for path, data in tree(root).items() if not path.endswith("filler")}
    assert {path: data for path, data in after.items() if not path.startswith("var/")} == {
        path: data for path, data in before.items() if not path.startswith("var/")
    }
    log = (root / "var/log/kvm-wizard.log").read_text()
    assert "Write /etc/modprobe.d/kvm.conf" in log
    assert "apply: rolling back 3 file(s): No space left on device (ENOSPC)" in log
    assert "apply: rollback finished" in log


def test_an_older_answers_file_is_migrated_and_the_migration_shown(
    tmp_path: Path, staging: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register(Migration(0, "[storage] pool is called rbd_pool", rename_pool))
    try:
        text = PRODUCT_ANSWERS.replace("version = 2", "version = 0").replace(
            'rbd_pool = "vms"', 'pool = "vms"'
        )
        arguments = ["--answers", answers_file(tmp_path, text), "--facts", facts_of("amd-modules-missing")]
        status = main(["apply", *arguments, "--root", str(staging), "--yes", "--no-confirm", "--json"])
    finally:
        del MIGRATIONS[0]
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert json.loads(captured.out)["migrations"][0] == (
        "version 0 -> 1: [storage] pool is called rbd_pool ([storage] pool renamed to rbd_pool)"
    )
    assert "Migrated: version 0 -> 1" in captured.err


@pytest.mark.parametrize("as_json", [False, True])
def test_a_dry_run_needs_no_consent_nor_confirmation_and_changes_nothing(
    tmp_path: Path, as_json: bool
) -> None:
    """Without a console, with neither --yes nor --no-confirm: a dry run has nothing to ask about."""
    root = make_root(load_scenario("amd-modules-missing"), parent=tmp_path)
    before = tree(root)
    arguments = ["--answers", answers_file(tmp_path), "--facts", facts_of("amd-modules-missing")]
    result = kvm_wizard(
        tmp_path, *arguments, "--root", str(root), "--dry-run", *(["--json"] if as_json else [])
    )
    assert result.returncode == 0, result.stderr
    if as_json:
        document = json.loads(result.stdout)
        assert (document["ok"], document["dry_run"], document["generation"]) == (True, True, None)
    else:
        assert "Dry run done: nothing was written and no command was run" in result.stdout
        assert "generation None" not in result.stdout
        assert "Cannot be undone:" not in result.stdout
    assert tree(root) == before
