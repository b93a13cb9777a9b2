"""Each case of "ask the real stack", on recorded hosts: what libvirt's recorded answers refuse (Debian 12 demo
hosts carry answers recorded from a real libvirt 9.0 / QEMU 7.2), and what the rules refuse where no answers were
recorded. Each refusal names its answers key and says why; the command line exits 1."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.cli.test_check import kvm_wizard
from tests.plan.conftest import DemoHost
from wizard.answers import Answers, CephDownloadAnswers, HypervisorAnswers, NestedAnswers, StorageAnswers
from wizard.answers.model import TpmAnswers
from wizard.host.facts import CommandRun, FileRead, HostFacts
from wizard.host.profile import HostProfile
from wizard.lint.issues import ConfigText
from wizard.lint.review import lint_host, review_config
from wizard.plan.planner import PlanOutcome, make_plan

EMULATION = HypervisorAnswers("qemu", allow_emulation=True)


def refusals(outcome: PlanOutcome, key: str) -> list[str]:
    assert not outcome.ok
    return [problem.message for problem in outcome.problems if problem.path == key]


def with_file(facts: HostFacts, path: str, content: str) -> HostFacts:
    return dataclasses.replace(facts, files={**facts.files, path: FileRead(content=content)})


def with_libvirt(facts: HostFacts, key: str, stdout: str) -> HostFacts:
    run = facts.stack.libvirt[key]
    stack = dataclasses.replace(
        facts.stack, libvirt={**facts.stack.libvirt, key: dataclasses.replace(run, stdout=stdout)}
    )
    return dataclasses.replace(facts, stack=stack)


def test_aarch64_is_never_given_host_model(demo_host: DemoHost, tmp_path: Path) -> None:
    facts, root = demo_host("aarch64")
    found = refusals(make_plan(facts, Answers(), root), "nested.cpu_mode")  # the default cpu_mode, host-model
    assert "host-model is not available for aarch64 KVM guests" in found[0]
    # The suggested answers for that host choose host-passthrough, as nova does there.
    template = tmp_path / "answers.toml"
    written = kvm_wizard("answers", "template", "--demo", "aarch64", "-o", str(template))
    assert written.returncode == 0, written.stderr
    assert 'cpu_mode = "host-passthrough"' in template.read_text()
    checked = kvm_wizard("answers", "check", str(template), "--demo", "aarch64")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(("scenario", "judge"), [("amd-nested-off", "libvirt"), ("intel-ready", "rule")])
def test_tcg_is_never_given_host_passthrough(scenario: str, judge: str, demo_host: DemoHost) -> None:
    """amd-nested-off carries libvirt's answer for qemu (supported='no'); intel-ready has none: the rule says it."""
    facts, root = demo_host(scenario)
    answers = Answers(hypervisor=EMULATION, nested=NestedAnswers(cpu_mode="host-passthrough"))
    found = refusals(make_plan(facts, answers, root), "nested.cpu_mode")
    words = "<mode name='host-passthrough' supported='no'>" if judge == "libvirt" else "only KVM can"
    assert words in found[0]


def test_nested_with_the_operators_minus_vmx_is_refused_and_vmx_never_added(demo_host: DemoHost) -> None:
    facts, root = demo_host("intel-ready")
    nested = NestedAnswers(enabled=True, cpu_mode="host-model", extra_flags=("-vmx", "pcid"))
    outcome = make_plan(facts, Answers(nested=nested), root)
    found = refusals(outcome, "nested.cpu_mode")
    assert "does not pass vmx to guests" in found[0]


@pytest.mark.parametrize(
    ("flags", "severity", "words"),
    [
        (("-pcid", "pcid"), "error", "both adds and removes pcid"),
        (("+VMX", "-vmx"), "error", "both adds and removes vmx"),
        (("pcid", "PCID"), "warning", "lists pcid more than once"),
    ],
)
def test_a_flag_given_twice(flags: tuple[str, ...], severity: str, words: str, demo_host: DemoHost) -> None:
    facts, root = demo_host("intel-ready")
    outcome = make_plan(facts, Answers(nested=NestedAnswers(cpu_mode="host-model", extra_flags=flags)), root)
    if severity == "error":
        assert any(words in text for text in refusals(outcome, "nested.extra_flags"))
    else:
        assert outcome.ok, outcome.problems
        assert any(words in warning.message for warning in outcome.validation.warnings)


@pytest.mark.parametrize(
    ("scenario", "nested", "key", "words"),
    [
        # Libvirt's own list of models (recorded on the Debian 12 host), in nova's words:
        (
            "amd-nested-off",
            NestedAnswers(cpu_mode="custom", cpu_models=("Pentium9000",)),
            "nested.cpu_models",
            "libvirt knows no CPU model Pentium9000 here",
        ),
        # No libvirt answers: the wizard's copy of libvirt's CPU map.
        (
            "intel-ready",
            NestedAnswers(cpu_mode="custom", cpu_models=("Pentium9000",)),
            "nested.cpu_models",
            "Pentium9000 is not a CPU model libvirt knows for x86",
        ),
        (
            "intel-ready",
            NestedAnswers(cpu_mode="host-model", extra_flags=("avx9",)),
            "nested.extra_flags",
            "avx9: not a CPU feature libvirt knows",
        ),
        (
            "intel-ready",
            NestedAnswers(cpu_mode="custom", cpu_models=("Icelake-Server",), extra_flags=("IvyBridge",)),
            "nested.extra_flags",
            "IvyBridge in cpu_model_extra_flags is a CPU model, not a CPU feature",
        ),
    ],
)
def test_unknown_models_and_flags_are_refused(
    scenario: str, nested: NestedAnswers, key: str, words: str, demo_host: DemoHost
) -> None:
    facts, root = demo_host(scenario)
    found = refusals(make_plan(facts, Answers(nested=nested), root), key)
    assert any(words in text for text in found), found


def test_a_model_libvirt_knows_in_another_spelling_is_suggested(demo_host: DemoHost) -> None:
    facts, root = demo_host("amd-nested-off")
    nested = NestedAnswers(cpu_mode="custom", cpu_models=("EPYC_Rome",))
    found = refusals(make_plan(facts, Answers(nested=nested), root), "nested.cpu_models")
    assert "fix: use EPYC-Rome" in found[0]


def test_power8_with_smt_on_cannot_run_kvm_guests(demo_host: DemoHost) -> None:
    facts, root = demo_host("power9")
    cpuinfo = (facts.text("/proc/cpuinfo") or "").replace("POWER9", "POWER8")
    facts = with_file(facts, "/proc/cpuinfo", cpuinfo)
    smt_on = with_file(facts, "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0-7\n")
    found = refusals(make_plan(smt_on, Answers(), root), "hypervisor.virt_type")
    assert "kvm_hv on POWER8 runs guests only while SMT is off" in found[0]
    assert "ppc64_cpu --smt=off" in found[0]
    smt_off = with_file(facts, "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0\n")
    assert make_plan(smt_off, Answers(), root).ok


def test_nested_off_on_the_kernel_command_line_wins_over_modprobe_d(demo_host: DemoHost) -> None:
    facts, root = demo_host("intel-ready")
    cmdline = (facts.text("/proc/cmdline") or "").strip() + " kvm_intel.nested=0\n"
    facts = with_file(facts, "/proc/cmdline", cmdline)
    found = refusals(make_plan(facts, Answers(nested=NestedAnswers(enabled=True)), root), "nested.enabled")
    assert "kernel command line has kvm_intel.nested=0, which wins over modprobe.d" in found[0]


def test_ceph_direct_download_needs_the_rbd_command_python3_rbd_and_the_keyring(demo_host: DemoHost) -> None:
    download = CephDownloadAnswers(enabled=True)
    facts, root = demo_host("intel-ready")  # a Ceph client: keyrings, rbd, python3-rbd
    assert make_plan(facts, Answers(ceph_download=download), root).ok
    facts, root = demo_host("amd-nested-off")  # none of it
    found = " ".join(
        refusals(make_plan(facts, Answers(ceph_download=download), root), "ceph_download.enabled")
    )
    assert "the `rbd` command, which is not installed" in found
    assert "python3-rbd and python3-rados are not installed" in found
    assert "/etc/ceph/ceph.client.glance.keyring" in found


def test_rbd_needs_the_libvirt_secret_it_names(demo_host: DemoHost) -> None:
    """amd-nested-off's recorded libvirt has the secret 457eb676-...: another UUID is libvirt's refusal."""
    facts, root = demo_host("amd-nested-off")
    known = StorageAnswers(backend="rbd", rbd_secret_uuid="457eb676-33da-42ec-9a8c-9293d545c337")
    assert not refusals(make_plan(facts, Answers(storage=known), root), "storage.rbd_secret_uuid")
    other = dataclasses.replace(known, rbd_secret_uuid="0b54c3f2-7d5a-4c1e-9f1a-3d2b8e6a9c10")
    found = refusals(make_plan(facts, Answers(storage=other), root), "storage.rbd_secret_uuid")
    assert "libvirt has no secret 0b54c3f2-7d5a-4c1e-9f1a-3d2b8e6a9c10 (`virsh secret-list`" in found[0]
    assert "457eb676-33da-42ec-9a8c-9293d545c337 (ceph client.nova secret)" in found[0]


def test_libvirt_and_qemu_older_than_the_installed_nova_allows(demo_host: DemoHost) -> None:
    facts, root = demo_host("amd-nested-off")
    old = "Using library: libvirt 7.0.0\nRunning hypervisor: QEMU 5.2.0\n"
    facts = with_libvirt(facts, "version", old)
    nova34: dict[str, tuple[str, ...]] = {"/usr/lib/python3/dist-packages": ("nova-34.0.0.dist-info",)}
    facts = dataclasses.replace(facts, stack=dataclasses.replace(facts.stack, python_packages=nova34))
    found = refusals(make_plan(facts, Answers(), root), "hypervisor.virt_type")
    assert any("Nova requires libvirt version 8.0.0 or greater." in text for text in found)
    assert any("Nova requires QEMU version 6.2.0 or greater." in text for text in found)
    # nova 26 (Debian 12's own, which this host records) allows them.
    assert make_plan(with_libvirt(demo_host("amd-nested-off")[0], "version", old), Answers(), root).ok


def test_vtpm_mirrors_libvirts_swtpm_account(demo_host: DemoHost) -> None:
    facts, root = demo_host("tpm2-host")
    conf = (facts.text("/etc/libvirt/qemu.conf") or "") + 'swtpm_user = "swtpm"\nswtpm_group = "swtpm"\n'
    facts = with_file(facts, "/etc/libvirt/qemu.conf", conf)
    passwd = (facts.text("/etc/passwd") or "") + "swtpm:x:130:130::/var/lib/swtpm:/bin/false\n"
    group = (facts.text("/etc/group") or "") + "swtpm:x:130:\n"
    facts = with_file(with_file(facts, "/etc/passwd", passwd), "/etc/group", group)
    mirrored = make_plan(facts, Answers(tpm=TpmAnswers(vtpm=True)), root)
    assert mirrored.ok, mirrored.problems
    assert mirrored.plan is not None
    nova = mirrored.plan.edits[0].after.decode()
    assert "swtpm_user = swtpm" in nova
    assert "swtpm_group = swtpm" in nova
    named = make_plan(facts, Answers(tpm=TpmAnswers(vtpm=True, swtpm_user="tss")), root)
    found = refusals(named, "tpm.swtpm_user")
    assert "libvirt runs swtpm as the user swtpm (/etc/libvirt/qemu.conf: swtpm_user)" in found[0]


def test_vtpm_refused_where_libvirt_offers_no_emulated_tpm(demo_host: DemoHost) -> None:
    facts, root = demo_host("amd-nested-off")
    domcaps = facts.stack.libvirt["domcapabilities qemu"].stdout.replace(
        '<tpm supported="yes">', '<tpm supported="no">'
    )
    facts = with_libvirt(facts, "domcapabilities qemu", domcaps)
    answers = Answers(
        hypervisor=EMULATION, nested=NestedAnswers(cpu_mode="host-model"), tpm=TpmAnswers(vtpm=True)
    )
    found = refusals(make_plan(facts, answers, root), "tpm.vtpm")
    assert "vTPM support is configured but it's not supported by libvirt." in found[0]


def test_the_command_line_exits_1_with_the_key_and_libvirts_reason(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(
        'version = 1\n[hypervisor]\nvirt_type = "qemu"\nallow_emulation = true\n[nested]\ncpu_mode = "host-passthrough"\n'
    )
    for command in (("plan", "--answers", str(answers)), ("answers", "check", str(answers))):
        result = kvm_wizard(*command, "--demo", "amd-nested-off", "--json")
        assert result.returncode == 1, result.stdout
        problems = json.loads(result.stdout)["problems"]
        assert problems[0]["key"] == "nested.cpu_mode"
        assert "virsh domcapabilities --virttype qemu" in problems[0]["message"]


def test_the_config_lint_judges_an_existing_nova_conf_the_same_way(demo_host: DemoHost) -> None:
    facts, _ = demo_host("amd-nested-off")
    nova = "[libvirt]\nvirt_type = qemu\ncpu_mode = host-passthrough\n"
    review = review_config([ConfigText("nova.conf", nova)], lint_host(HostProfile.from_facts(facts)))
    issue = next(issue for issue in review.issues if issue.rule == "libvirt-cpu-mode")
    assert issue.severity == "error"
    assert issue.line == 3
    assert "supported='no'" in issue.message


def test_every_recorded_answer_of_a_demo_host_is_one_libvirt_gave(demo_host: DemoHost) -> None:
    """The Debian 12 demo hosts' answers come from tools/libvirt_answers/ (recorded by tools/record_libvirt.py)."""
    facts, _ = demo_host("kvm-permissions")
    recorded = (Path(__file__).parents[2] / "tools/libvirt_answers/debian12-x86_64.toml").read_text()
    for run in facts.stack.libvirt.values():
        assert isinstance(run, CommandRun)
        assert run.stdout.splitlines()[0] in recorded
