"""The command line on configured nodes: the summary first, a deliberate apply, kolla-ansible refused, the export
of a file that leaves keys out."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect

from tests.cli.test_apply import kvm_wizard as apply
from tests.cli.test_check import kvm_wizard
from wizard.demo import load_scenario, make_root

ENTRY = "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))"
KVM = 'version = 2\n[hypervisor]\nvirt_type = "kvm"\n'


def answers(tmp_path: Path, text: str) -> str:
    path = tmp_path / "answers.toml"
    path.write_text(text)
    return str(path)


def test_plan_shows_the_change_of_course_first_and_writes_where_it_takes_effect(tmp_path: Path) -> None:
    result = kvm_wizard("plan", "--answers", answers(tmp_path, KVM), "--demo", "debian-qemu-override")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "What changes (before -> after)",
        "  Hypervisor: qemu -> kvm (new and hard-rebooted instances use KVM; running ones keep emulation until "
        "then)",
        "  Storage: unchanged (qcow2)",
    ]
    assert "/etc/nova/nova-compute.conf" in lines
    assert "+virt_type=kvm" in lines


def test_plan_json_has_the_summary(tmp_path: Path) -> None:
    result = kvm_wizard(
        "plan", "--answers", answers(tmp_path, KVM), "--demo", "debian-qemu-override", "--json"
    )
    document = json.loads(result.stdout)
    assert document["summary"][0] == {
        "choice": "Hypervisor",
        "before": "qemu",
        "after": "kvm",
        "changed": True,
        "consequences": ["new and hard-rebooted instances use KVM; running ones keep emulation until then"],
    }
    assert [item["path"] for item in document["files"]] == ["/etc/nova/nova-compute.conf"]


def test_kolla_ansible_is_refused_with_exit_1_and_where_to_change_it(tmp_path: Path) -> None:
    text = 'version = 2\n[storage]\nbackend = "flat"\n'
    result = kvm_wizard("plan", "--answers", answers(tmp_path, text), "--demo", "kolla-compute")
    assert result.returncode == 1
    assert (
        "storage.backend: would make [libvirt] images_type = flat, but nova-compute runs in the kolla-ansible"
        in (result.stdout + result.stderr)
    )
    applied = apply(
        tmp_path, "--answers", answers(tmp_path, text), "--demo", "kolla-compute", "--yes", "--no-confirm"
    )
    assert applied.returncode == 1
    assert "/etc/kolla/config/nova.conf" in applied.stderr


def test_check_says_where_the_configuration_really_is() -> None:
    result = kvm_wizard("check", "--demo", "kolla-compute", "--json")
    finding = next(item for item in json.loads(result.stdout)["findings"] if item["id"] == "config-files")
    assert finding["status"] == "warn"
    assert "/etc/kolla/nova-compute/nova.conf" in finding["title"]
    assert "kolla-ansible reconfigure" in finding["remedy"]["summary"]


def test_apply_without_yes_and_without_a_console_refuses_and_names_yes(tmp_path: Path) -> None:
    root = make_root(load_scenario("debian-qemu-override"), parent=tmp_path)
    before = (root / "etc/nova/nova-compute.conf").read_bytes()
    result = apply(tmp_path, "--answers", answers(tmp_path, KVM), "--facts", facts_of("debian-qemu-override"),
                   "--root", str(root), "--no-confirm")  # fmt: skip
    assert result.returncode == 2
    assert "pass --yes to apply without a question" in result.stderr
    assert (root / "etc/nova/nova-compute.conf").read_bytes() == before


def facts_of(name: str) -> str:
    return str(load_scenario(name).facts_path)


def spawn(tmp_path: Path, root: Path, text: str) -> pexpect.spawn[str]:
    arguments = ["-c", ENTRY, "apply", "--answers", answers(tmp_path, text), "--facts",
                 facts_of("debian-qemu-override"), "--root", str(root), "--no-confirm"]  # fmt: skip
    environment = dict(os.environ, TERM="linux", NO_COLOR="1")
    return pexpect.spawn(
        sys.executable, arguments, env=environment, encoding="utf-8", timeout=60, dimensions=(24, 80)
    )


def test_apply_on_a_terminal_asks_with_what_cannot_be_undone_and_what_restarts(tmp_path: Path) -> None:
    root = make_root(load_scenario("debian-qemu-override"), parent=tmp_path)
    before = (root / "etc/nova/nova-compute.conf").read_bytes()
    child = spawn(tmp_path, root, KVM)
    child.expect("What changes \\(before -> after\\)")
    child.expect("Hypervisor: qemu -> kvm")
    child.expect("Not run under this root \\(1 action\\(s\\) left for the target\\), among them:")
    child.expect("Restart nova-compute")
    child.expect("Apply 1 file change\\(s\\) and 1 action\\(s\\)\\? \\[y/N\\] ")
    child.sendline("n")
    child.expect("Nothing changed.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert (root / "etc/nova/nova-compute.conf").read_bytes() == before
    child = spawn(tmp_path, root, KVM)
    child.expect("\\[y/N\\] ")
    child.sendline("y")
    child.expect("Apply done")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert b"virt_type=kvm" in (root / "etc/nova/nova-compute.conf").read_bytes()


def test_the_export_refuses_a_setting_it_would_need_each_nodes_value_for(tmp_path: Path) -> None:
    text = "version = 2\n[nested]\nenabled = true\n"
    result = kvm_wizard(
        "export", "ansible", "--answers", answers(tmp_path, text), "-o", str(tmp_path / "out")
    )
    assert result.returncode == 1
    assert "nested.cpu_mode (for [libvirt] cpu_model_extra_flags)" in result.stderr
    assert "nested.extra_flags (for [libvirt] cpu_model_extra_flags)" in result.stderr
    complete = 'version = 2\n[nested]\nenabled = true\ncpu_mode = "host-model"\nextra_flags = ["pcid"]\n'
    written = kvm_wizard(
        "export", "ansible", "--answers", answers(tmp_path, complete), "-o", str(tmp_path / "out")
    )
    assert written.returncode == 0, written.stderr
    playbook = (tmp_path / "out/site.yml").read_text()
    assert "cpu_model_extra_flags" in playbook
    assert "option: virt_type" not in playbook  # not given: each node keeps its own
