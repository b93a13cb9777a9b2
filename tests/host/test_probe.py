"""The probe: reads under a root, records failures, never changes the host, and the live probe is coherent."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.host.helpers import demo
from wizard.commands import CommandRunner
from wizard.demo import list_scenarios
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Status, VerdictCode, diagnosis_to_json
from wizard.host.areas import READ_ONLY_COMMANDS
from wizard.host.facts import facts_from_toml, facts_to_toml, load_facts, save_facts
from wizard.host.probe import probe
from wizard.host.stack_probe import libvirt_uri
from wizard.virsh import queries, virsh_argv


def _tree(root: Path) -> Path:
    files = {
        "proc/cpuinfo": "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx\n",
        "proc/modules": "kvm_intel 487424 0 - Live 0x0\nkvm 1421312 1 kvm_intel, Live 0x0\next4 1 0 - Live 0x0\n",
        "usr/lib/os-release": 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
        "etc/group": "root:x:0:\nkvm:x:108:libvirt-qemu\nusers:x:100:\n",
        "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nlibvirt-qemu:x:64055:108::/var/lib/libvirt:/usr/sbin/nologin\nbob:x:1000:1000::/home/bob:/bin/bash\n",
        "etc/modprobe.d/kvm.conf": "# nested\noptions kvm_intel nested=1\nblacklist pcspkr\n",
        "usr/lib/udev/rules.d/50-udev-default.rules": 'SUBSYSTEM=="tty", GROUP="tty"\nKERNEL=="kvm", GROUP="kvm", MODE="0660"\n',
        "usr/lib/udev/rules.d/60-other.rules": 'SUBSYSTEM=="block", GROUP="disk"\n',
        "var/log/nova/nova-compute.log": "x INFO nova.service [-] Starting compute node (version 29)\nnoise\n" * 3,
    }  # fmt: skip
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / "etc/os-release").symlink_to("/usr/lib/os-release")  # absolute: must resolve inside the root
    (root / "etc/escape").symlink_to("../../../../../../etc/hostname")
    (root / "etc/modules").mkdir()  # a directory where a file should be
    os.mkfifo(root / "etc/libvirt-fifo")
    (root / "etc/libvirt").mkdir()
    (root / "etc/libvirt/qemu.conf").symlink_to("/etc/libvirt-fifo")  # a FIFO must not stall the probe
    return root


def _snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    found: dict[str, tuple[int, int, str]] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        )
        found[str(path.relative_to(root))] = (info.st_mtime_ns, info.st_mode, digest)
    return found


def test_probe_of_a_tree_records_contents_and_failures(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    facts = probe(root)
    assert facts.root == str(root)
    assert not facts.kvm.attempted
    assert facts.files["/proc/cpuinfo"].truncated
    assert "processor\t: 1" not in (facts.text("/proc/cpuinfo") or "")
    assert facts.text("/proc/modules") == "kvm_intel 487424 0 - Live 0x0\nkvm 1421312 1 kvm_intel, Live 0x0\n"
    assert facts.text("/etc/os-release") == 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
    assert (facts.files["/etc/modules"].error or "").startswith("EISDIR")
    assert (facts.files["/etc/libvirt/qemu.conf"].error or "").startswith("EINVAL: not a regular file")
    assert facts.text("/etc/modprobe.d/kvm.conf") == "options kvm_intel nested=1\n"
    assert "/usr/lib/udev/rules.d/60-other.rules" not in facts.files
    assert (
        facts.text("/usr/lib/udev/rules.d/50-udev-default.rules")
        == 'KERNEL=="kvm", GROUP="kvm", MODE="0660"\n'
    )
    assert "bob" not in (facts.text("/etc/passwd") or "")
    assert (facts.files["/proc/misc"].error or "").startswith("ENOENT")
    assert facts.cpuid_error == "not read: not the live host"
    log = facts.text("/var/log/nova/nova-compute.log") or ""
    assert "noise" not in log
    assert log.count("Starting compute node") == 3


def test_probe_stats_nothing_through_a_directory_linked_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "dev").mkdir(parents=True)
    (outside / "dev/kvm").write_text("outside\n")
    (outside / "dev/tpm0").symlink_to("/outside-the-root")
    root = tmp_path / "root"
    root.mkdir()
    (root / "dev").symlink_to(outside / "dev")  # absolute: taken inside the root, where it leads nowhere
    facts = probe(root)
    assert facts.stats["/dev/kvm"].exists is False
    assert facts.stats["/dev/tpm0"].exists is False
    assert "/outside-the-root" not in facts_to_toml(facts)


def test_probe_never_changes_the_tree(tmp_path: Path) -> None:
    root = _tree(tmp_path / "root")
    before = _snapshot(root)
    runner = CommandRunner()
    probe(root, runner=runner)
    assert _snapshot(root) == before
    assert runner.history == []  # commands describe the live host: never run for a tree


def test_live_probe_runs_only_read_only_commands() -> None:
    runner = CommandRunner()
    facts = probe(runner=runner)
    uri = libvirt_uri(os.environ)
    allowed = set(READ_ONLY_COMMANDS.values()) | {
        virsh_argv(uri, *question) for question in queries(facts.machine).values()
    }
    assert all(result.argv in allowed for result in runner.history), runner.history
    for key, run in facts.commands.items():
        assert run.argv == READ_ONLY_COMMANDS[key]


def test_live_probe_is_coherent() -> None:
    facts = probe()
    assert facts.kvm.attempted
    assert facts.machine == os.uname().machine
    assert facts.probe_seconds < 5
    diagnosis = diagnose(facts)
    api = diagnosis.finding("kvm-api")
    assert api is not None
    if facts.kvm.create_vm:
        assert api.status is Status.PASS
        assert diagnosis.verdict.code not in {VerdictCode.UNSUPPORTED, VerdictCode.DISABLED_IN_FIRMWARE}
    else:
        assert api.status in {Status.FAIL, Status.UNKNOWN}
        assert diagnosis.verdict.code is not VerdictCode.READY
    if facts.kvm.opened:
        assert facts.kvm.api_version == 12
    statuses = {item.status for item in diagnosis.findings}
    assert statuses <= set(Status)


def test_live_device_probe_can_be_switched_off() -> None:
    facts = probe(Path("/"), live_device_probe=False)
    assert not facts.kvm.attempted
    assert facts.commands == {}
    assert facts.cpuid == {}


def test_live_facts_survive_a_toml_round_trip(tmp_path: Path) -> None:
    facts = probe()
    path = tmp_path / "facts.toml"
    save_facts(facts, path)
    loaded = load_facts(path)
    assert loaded.source == f"recording: {path}"
    assert diagnose(loaded) == diagnose(facts)


@pytest.mark.parametrize("scenario", [item.name for item in list_scenarios()])
def test_demo_facts_survive_a_toml_round_trip(scenario: str) -> None:
    facts = demo(scenario)
    again = facts_from_toml(facts_to_toml(facts), facts.source)
    assert diagnosis_to_json(diagnose(again), "x") == diagnosis_to_json(diagnose(facts), "x")
