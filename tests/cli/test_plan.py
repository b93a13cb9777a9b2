"""kvm-wizard plan end to end: exit statuses, the explained diff, JSON with secrets masked, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_check import kvm_wizard
from tests.plan.conftest import PRODUCT_ANSWERS


def answers_file(tmp_path: Path, text: str = PRODUCT_ANSWERS) -> str:
    path = tmp_path / "answers.toml"
    path.write_text(text)
    return str(path)


def test_a_valid_plan_exits_0_with_reasons_under_the_changes(tmp_path: Path) -> None:
    result = kvm_wizard("plan", "--answers", answers_file(tmp_path), "--demo", "intel-ready")
    assert result.returncode == 0, result.stderr
    assert "+cpu_mode = host-passthrough" in result.stdout
    assert result.stdout.startswith("What changes (before -> after)\n  Hypervisor: unchanged (kvm)\n")
    assert "# why: " in result.stdout
    assert "[libvirt]" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_json_is_stable_and_masks_secrets(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc/nova").mkdir(parents=True)
    (root / "etc/nova/nova.conf").write_text(
        "[DEFAULT]\ntransport_url = rabbit://nova:Very-Secret-1@mq/\n#compute_driver = <None>\n"
        "[database]\nconnection = mysql+pymysql://nova:Very-Secret-2@db/nova\n"
    )
    facts = tmp_path / "facts.toml"
    saved = kvm_wizard("check", "--demo", "intel-ready", "--save-facts", str(facts))
    assert saved.returncode == 0, saved.stderr
    result = kvm_wizard(
        "plan", "--answers", answers_file(tmp_path), "--facts", str(facts), "--root", str(root), "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    assert data["ok"] is True
    assert {"problems", "warnings", "files", "actions", "notes", "migrations"} <= set(data)
    nova = next(item for item in data["files"] if item["path"] == "/etc/nova/nova.conf")
    assert any("compute_driver = libvirt.LibvirtDriver" in line for line in nova["diff"])
    assert all(change["reasons"] for change in nova["changes"])
    assert "Very-Secret" not in result.stdout
    assert all(action["runs_here"] is False for action in data["actions"])


def test_bad_values_exit_1_with_every_problem_and_its_key(tmp_path: Path) -> None:
    text = PRODUCT_ANSWERS.replace('backend = "qcow2"', 'backend = "lvm"').replace(
        '"nova-vg"', '"no-such-vg"'
    )
    text = text.replace("extra_flags = []", 'extra_flags = ["svm"]')
    result = kvm_wizard("plan", "--answers", answers_file(tmp_path, text), "--demo", "intel-ready")
    assert result.returncode == 1
    assert "storage.volume_group: 'no-such-vg' does not exist on this host" in result.stdout
    assert "nested.extra_flags: cpu_model_extra_flags svm do not exist on an Intel CPU" in result.stdout


def test_unusable_input_exits_2(tmp_path: Path) -> None:
    missing = kvm_wizard("plan", "--answers", str(tmp_path / "nope.toml"), "--demo", "intel-ready")
    assert missing.returncode == 2
    assert "no such file" in missing.stderr
    newer = kvm_wizard("plan", "--answers", answers_file(tmp_path, "version = 9\n"), "--demo", "intel-ready")
    assert newer.returncode == 2
    assert "newer kvm-wizard" in newer.stderr
    usage = kvm_wizard("plan", "--demo", "intel-ready")
    assert usage.returncode == 2


def test_plan_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    facts = tmp_path / "facts.toml"
    kvm_wizard("check", "--demo", "amd-nested-off", "--save-facts", str(facts))
    result = kvm_wizard(
        "plan", "--answers", answers_file(tmp_path), "--facts", str(facts), "--root", str(root)
    )
    assert result.returncode == 0, result.stderr
    assert "(new file, root:" in result.stdout
    assert [path.name for path in root.rglob("*")] == ["etc"]
