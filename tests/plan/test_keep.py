"""Kept unless the operator changes it: an answers file changes what it gives and nothing else, over every file
nova-compute reads, as oslo.config itself reads them back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oslo_reader import read_chain_with_oslo, read_raw_with_oslo
from tests.plan.conftest import DemoHost, write_plan
from wizard.answers import parse_answers
from wizard.apply.verify import run_check
from wizard.effective import EffectiveConfig
from wizard.host.facts import HostFacts
from wizard.plan.model import CheckKind, FileKind, Plan
from wizard.plan.planner import PlanOutcome, make_plan

NOVA = "etc/nova/nova.conf"
COMPUTE = "etc/nova/nova-compute.conf"


def planned(facts: HostFacts, root: Path, text: str) -> tuple[PlanOutcome, Plan]:
    outcome = make_plan(facts, parse_answers("version = 2\n" + text).answers, root)
    assert outcome.plan is not None, outcome.problems
    return outcome, outcome.plan


def settings(root: Path, *files: str) -> dict[tuple[str, str], str | None]:
    """Every option set in the files, as oslo reads it over all of them (later file wins)."""
    paths = [root / name for name in files if (root / name).exists()]
    config = EffectiveConfig.parse("nova.conf", [(str(path), path.read_bytes()) for path in paths])
    return read_raw_with_oslo(paths, set(config.settings()))


def test_only_the_hypervisor_changes_when_only_it_is_given(demo_host: DemoHost) -> None:
    facts, root = demo_host("lvm-custom-cpu")
    before = settings(root, NOVA, COMPUTE)
    outcome, outcome_plan = planned(facts, root, '[hypervisor]\nvirt_type = "qemu"\nallow_emulation = true\n')
    assert outcome.ok, outcome.problems
    write_plan(root, outcome_plan.edits)
    after = settings(root, NOVA, COMPUTE)
    assert after.pop(("libvirt", "virt_type")) == "qemu"
    before.pop(("libvirt", "virt_type"))
    assert after == before
    # Ubuntu's nova-compute.conf sets virt_type too, and is read last: the change is made there.
    assert [edit.path for edit in outcome_plan.edits if edit.kind.is_ini] == ["/etc/nova/nova-compute.conf"]
    summary = [change.line() for change in outcome.summary()]
    assert summary[0].startswith("Hypervisor: kvm -> qemu")
    assert all(line.split(": ", 1)[1].startswith("unchanged") for line in summary[1:])


def test_no_nested_section_keeps_the_clusters_cpu_baseline(demo_host: DemoHost) -> None:
    """The issue's case: an answers file without [nested] on a node with cpu_mode = custom / IvyBridge."""
    facts, root = demo_host("lvm-custom-cpu")
    _outcome, outcome_plan = planned(facts, root, '[storage]\nbackend = "qcow2"\n')
    write_plan(root, outcome_plan.edits)
    values = read_chain_with_oslo([root / NOVA, root / COMPUTE], "nova.conf")
    assert values[("libvirt", "cpu_mode")] == "custom"
    assert values[("libvirt", "cpu_models")] == ("IvyBridge",)
    assert values[("libvirt", "cpu_model_extra_flags")] == ("pcid", "ssbd", "md-clear")
    assert values[("libvirt", "images_type")] == "qcow2"  # what was asked: from lvm


def test_lvm_stays_lvm_when_storage_is_not_given(demo_host: DemoHost) -> None:
    """lvm-missing-vg: its missing volume group is the node's problem, said as a warning; nested still changes."""
    facts, root = demo_host("lvm-missing-vg")
    outcome, outcome_plan = planned(facts, root, "[nested]\nenabled = true\n")
    assert outcome.ok, outcome.problems
    assert any("'nova-volumes' does not exist" in warning.message for warning in outcome.validation.warnings)
    write_plan(root, outcome_plan.edits)
    values = read_chain_with_oslo([root / NOVA], "nova.conf")
    assert (values[("libvirt", "images_type")], values[("libvirt", "images_volume_group")]) == (
        "lvm",
        "nova-volumes",
    )


def test_on_debian_kvm_is_written_where_it_wins_and_oslo_reads_kvm(demo_host: DemoHost) -> None:
    facts, root = demo_host("debian-qemu-override")
    nova_before = (root / NOVA).read_bytes()
    assert (
        read_chain_with_oslo([root / NOVA, root / COMPUTE], "nova.conf")[("libvirt", "virt_type")] == "qemu"
    )
    _outcome, outcome_plan = planned(facts, root, '[hypervisor]\nvirt_type = "kvm"\n')
    (edit,) = [edit for edit in outcome_plan.edits if edit.kind.is_ini]
    assert edit.path == "/etc/nova/nova-compute.conf"
    (change,) = edit.changes
    assert (change.old_lines, change.new_lines) == (("virt_type=qemu",), ("virt_type=kvm",))
    assert any(
        "reads /etc/nova/nova-compute.conf after /etc/nova/nova.conf" in reason.text
        for reason in change.reasons
    )
    write_plan(root, outcome_plan.edits)
    # The service's own order: nova.conf, then nova-compute.conf (Debian's init script).
    assert read_chain_with_oslo([root / NOVA, root / COMPUTE], "nova.conf")[("libvirt", "virt_type")] == "kvm"
    assert (root / NOVA).read_bytes() == nova_before
    _again, again_plan = planned(facts, root, '[hypervisor]\nvirt_type = "kvm"\n')
    assert not [edit for edit in again_plan.edits if edit.kind.is_ini]


def test_a_change_in_nova_conf_d_goes_into_the_file_that_wins(demo_host: DemoHost) -> None:
    facts, root = demo_host("rdo-nova-conf-d")
    _outcome, outcome_plan = planned(
        facts, root, '[nested]\ncpu_mode = "host-passthrough"\nextra_flags = []\n'
    )
    assert [edit.path for edit in outcome_plan.edits if edit.kind.is_ini] == [
        "/etc/nova/nova.conf.d/50-cpu.conf"
    ]
    write_plan(root, outcome_plan.edits)
    chain = [
        root / NOVA,
        root / "etc/nova/nova.conf.d/10-compute.conf",
        root / "etc/nova/nova.conf.d/50-cpu.conf",
    ]
    values = read_chain_with_oslo(chain, "nova.conf")
    assert values[("libvirt", "cpu_mode")] == "host-passthrough"
    assert values[("libvirt", "cpu_model_extra_flags")] == ()


def test_kolla_ansible_is_refused_with_where_to_change_it(demo_host: DemoHost) -> None:
    facts, root = demo_host("kolla-compute")
    outcome = make_plan(
        facts,
        parse_answers('version = 2\n[hypervisor]\nvirt_type = "qemu"\nallow_emulation = true\n').answers,
        root,
    )
    assert not outcome.ok
    (problem,) = outcome.problems
    assert problem.path == "hypervisor.virt_type"
    assert "nova-compute runs in the kolla-ansible container nova_compute" in problem.message
    assert "/etc/kolla/config/nova.conf" in problem.message
    assert "kolla-ansible reconfigure" in problem.message
    # What does not touch nova's configuration is still planned there: the host's own modules.
    fine = make_plan(facts, parse_answers("version = 2\n[performance]\nvhost_net = true\n").answers, root)
    assert fine.ok, fine.problems


OFF = """\
[nested]
enabled = false
cpu_mode = "host-model"
cpu_models = []
extra_flags = []
[ceph_download]
enabled = false
[tpm]
vtpm = false
"""


def test_false_turns_a_feature_off(demo_host: DemoHost) -> None:
    """After an apply with vTPM and nested on, the same answers with both off."""
    facts, root = demo_host("tpm2-host")
    _on, on_plan = planned(
        facts, root, '[nested]\nenabled = true\ncpu_mode = "host-model"\n[tpm]\nvtpm = true\n'
    )
    write_plan(root, on_plan.edits)
    values = read_chain_with_oslo([root / NOVA], "nova.conf")
    assert values[("libvirt", "swtpm_enabled")] is True
    assert values[("libvirt", "cpu_model_extra_flags")] == ("vmx",)
    _off, off_plan = planned(facts, root, OFF)
    write_plan(root, off_plan.edits)
    values = read_chain_with_oslo([root / NOVA], "nova.conf")
    assert values[("libvirt", "swtpm_enabled")] is False
    assert values[("libvirt", "cpu_model_extra_flags")] == ()
    assert "options kvm_intel nested=0" in (root / "etc/modprobe.d/kvm.conf").read_text()
    assert any(action.id == "unload-module:kvm_intel" for action in off_plan.actions)


def test_false_turns_ceph_direct_download_off(demo_host: DemoHost) -> None:
    """The same for Ceph direct download, on a host with a Ceph client (its keyring, rbd and python3-rbd,
    which direct download needs)."""
    facts, root = demo_host("intel-ready")
    _on, on_plan = planned(facts, root, "[ceph_download]\nenabled = true\n")
    write_plan(root, on_plan.edits)
    assert read_chain_with_oslo([root / NOVA], "nova.conf")[("glance", "enable_rbd_download")] is True
    _off, off_plan = planned(facts, root, OFF)
    write_plan(root, off_plan.edits)
    assert read_chain_with_oslo([root / NOVA], "nova.conf")[("glance", "enable_rbd_download")] is False


def test_nested_on_adds_the_vendor_flag_to_the_operators_flags_and_off_takes_only_it_away(
    demo_host: DemoHost,
) -> None:
    facts, root = demo_host("lvm-custom-cpu")
    _on, on_plan = planned(facts, root, "[nested]\nenabled = true\n")
    write_plan(root, on_plan.edits)
    flags = read_chain_with_oslo([root / NOVA, root / COMPUTE], "nova.conf")[
        ("libvirt", "cpu_model_extra_flags")
    ]
    assert flags == ("pcid", "ssbd", "md-clear", "vmx")
    _off, off_plan = planned(facts, root, "[nested]\nenabled = false\n")
    write_plan(root, off_plan.edits)
    flags = read_chain_with_oslo([root / NOVA, root / COMPUTE], "nova.conf")[
        ("libvirt", "cpu_model_extra_flags")
    ]
    assert flags == ("pcid", "ssbd", "md-clear")


def test_a_value_nova_already_has_is_no_change(demo_host: DemoHost) -> None:
    """virt_type kvm is nova's default; images_type's default is qcow2; swtpm_enabled's is False."""
    facts, root = demo_host("intel-ready")
    _outcome, outcome_plan = planned(
        facts, root, '[hypervisor]\nvirt_type = "kvm"\n[storage]\nbackend = "qcow2"\n[tpm]\nvtpm = false\n'
    )
    nova = [edit for edit in outcome_plan.edits if edit.kind is FileKind.NOVA_CONF]
    changed = {change.key for edit in nova for change in edit.changes}
    assert changed == {"compute_driver"}  # not set, and nova-compute exits without it


@pytest.mark.parametrize(
    ("scenario", "hypervisor"),
    [
        ("lvm-custom-cpu", ""),
        # Its nova-compute.conf says qemu, for which libvirt supports no host-passthrough (its recorded answers).
        ("debian-qemu-override", '[hypervisor]\nvirt_type = "kvm"\n'),
        ("rdo-nova-conf-d", ""),
    ],
)
def test_verification_reads_the_service_files_in_its_order(
    scenario: str, hypervisor: str, demo_host: DemoHost
) -> None:
    """Each changed option gets a check that reads every file of the chain again after the apply."""
    facts, root = demo_host(scenario)
    _outcome, outcome_plan = planned(
        facts, root, hypervisor + '[nested]\ncpu_mode = "host-passthrough"\nextra_flags = []\n'
    )
    plan = outcome_plan
    checks = [check for check in plan.checks if check.kind is CheckKind.EFFECTIVE_VALUE]
    assert checks
    assert not all(run_check(root, check, {}).ok for check in checks)  # before: not there yet
    write_plan(root, plan.edits)
    results = [run_check(root, check, {}) for check in checks]
    assert all(result.ok for result in results), [result.detail for result in results]
