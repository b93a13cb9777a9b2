"""Against a real libvirtd (the session's private daemon, with Debian's QEMU): what the probe records, that the
wizard's reading of libvirt's answers agrees with the comparison nova-compute makes at start, and `plan` on this
machine judged by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check import kvm_wizard
from tests.libvirt_daemon import PrivateLibvirtd
from wizard.host.facts import facts_from_toml, facts_to_toml
from wizard.host.probe import probe
from wizard.host.profile import HostProfile
from wizard.lint.host_context import stack_host
from wizard.stack_rules import Settings, judge_stack
from wizard.virsh import Answer, LibvirtAnswers, classify_comparison, guest_cpu_xml


@pytest.fixture(scope="module")
def answers(libvirt_daemon: PrivateLibvirtd) -> tuple[HostProfile, LibvirtAnswers]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIBVIRT_DEFAULT_URI", libvirt_daemon.uri)
        facts = probe()
    profile = HostProfile.from_facts(facts)
    assert profile.stack.libvirt is not None, profile.stack.libvirt_said
    return profile, profile.stack.libvirt


def compare(daemon: PrivateLibvirtd, model: str, flags: tuple[str, ...] = ()) -> bool | None:
    """What `virsh hypervisor-cpu-compare` (nova's compareHypervisorCPU, no virt type or arch given) says."""
    result = daemon.virsh("hypervisor-cpu-compare", "/dev/stdin", input_text=guest_cpu_xml(model, flags))
    return classify_comparison(Answer(result.returncode, result.stdout, result.stderr)).compatible


def kvm_answers(libvirt: LibvirtAnswers) -> bool:
    return libvirt.domain("kvm") is not None


def test_the_probe_records_every_answer_and_a_recording_reads_back_the_same(
    libvirt_daemon: PrivateLibvirtd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", libvirt_daemon.uri)
    facts = probe()
    stack = facts.stack
    assert stack.libvirt_uri == libvirt_daemon.uri
    assert {"version", "capabilities", "domcapabilities kvm", "domcapabilities qemu", "cpu-models"} <= set(
        stack.libvirt
    )
    assert stack.libvirt["version"].returncode == 0
    again = facts_from_toml(facts_to_toml(facts), "recording: test")
    assert again.stack == stack
    libvirt = HostProfile.from_facts(again).stack.libvirt
    assert libvirt is not None
    assert libvirt.versions is not None
    assert libvirt.versions.library is not None
    assert libvirt.versions.library >= (8, 0, 0)
    assert libvirt.capabilities is not None
    assert libvirt.capabilities.arch == "x86_64"
    tcg = libvirt.domain("qemu")
    assert tcg is not None
    assert tcg.modes["host-passthrough"] is False  # TCG cannot pass a CPU through
    assert tcg.modes["host-model"] is True
    assert libvirt.models_listed
    assert libvirt.known_model("ivybridge") == "IvyBridge"


def test_libvirts_usable_models_agree_with_the_comparison_nova_makes_at_start(
    libvirt_daemon: PrivateLibvirtd, answers: tuple[HostProfile, LibvirtAnswers]
) -> None:
    _, libvirt = answers
    domain = libvirt.domain("kvm")
    if domain is None:  # no KVM for libvirt on this machine: the probe says why, and kvm is judged by rules
        assert "domcapabilities kvm" in libvirt.refusals
        return
    judged = 0
    for model in libvirt.cpu_models or ():
        usable = domain.model_usable(model)
        if usable is None:
            continue  # not in domcapabilities: the wizard says it does not know (a warning), see stack_rules
        assert compare(libvirt_daemon, model) is usable, model
        judged += 1
    assert judged >= 40


FLAGS = ("vmx", "svm", "pcid", "x2apic", "invtsc", "ht", "pdpe1gb", "-sse2", "-avx", "avx9", "hypervisor")


@pytest.mark.parametrize("flag", FLAGS)
def test_the_judgement_of_an_extra_flag_agrees_with_the_comparison(
    flag: str, libvirt_daemon: PrivateLibvirtd, answers: tuple[HostProfile, LibvirtAnswers]
) -> None:
    profile, libvirt = answers
    domain = libvirt.domain("kvm")
    if domain is None or not domain.usable_models:
        assert "domcapabilities kvm" in libvirt.refusals or domain is not None
        return
    model = domain.usable_models[0]
    settings = Settings(virt_type="kvm", cpu_mode="custom", cpu_models=(model,), extra_flags=(flag,))
    refused = [item for item in judge_stack(settings, stack_host(profile)) if item.severity == "error"]
    assert (not refused) is (compare(libvirt_daemon, model, (flag,)) is True), refused


def _answers_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "answers.toml"
    path.write_text("version = 1\n" + text)
    return str(path)


def test_plan_on_this_machine_refuses_a_model_libvirt_calls_unusable_and_names_the_usable_ones(
    tmp_path: Path, libvirt_daemon: PrivateLibvirtd, answers: tuple[HostProfile, LibvirtAnswers]
) -> None:
    _, libvirt = answers
    domain = libvirt.domain("kvm")
    environment = libvirt_daemon.environment
    if domain is None:
        # No KVM for libvirt here: `plan` says what libvirt said, and judges TCG instead (below).
        result = kvm_wizard("plan", "--answers", _answers_file(tmp_path, ""), "--json", env=environment)
        assert "libvirt cannot run kvm guests now" in result.stdout
        return
    # IvyBridge where this host's KVM cannot run it (as here, through PVM), else the first model it cannot run.
    unusable = next(
        model
        for model, usable in sorted(domain.models.items(), key=lambda item: item[0] != "IvyBridge")
        if usable is False
    )
    usable = domain.usable_models
    refused = kvm_wizard(
        "plan",
        "--answers",
        _answers_file(tmp_path, f'[nested]\ncpu_mode = "custom"\ncpu_models = ["{unusable}"]\n'),
        "--json",
        env=environment,
    )
    assert refused.returncode == 1, refused.stderr
    problems = json.loads(refused.stdout)["problems"]
    assert [problem["key"] for problem in problems] == ["nested.cpu_models"], problems
    assert f"libvirt says {unusable} is not usable for kvm guests" in problems[0]["message"]
    assert ", ".join(usable) in problems[0]["message"]
    accepted = kvm_wizard(
        "plan",
        "--answers",
        _answers_file(tmp_path, f'[nested]\ncpu_mode = "custom"\ncpu_models = ["{usable[0]}"]\n'),
        "--json",
        env=environment,
    )
    assert accepted.returncode == 0, accepted.stdout


def test_answers_check_on_this_machine_refuses_host_passthrough_with_tcg_in_libvirts_words(
    tmp_path: Path, libvirt_daemon: PrivateLibvirtd
) -> None:
    text = (
        '[hypervisor]\nvirt_type = "qemu"\nallow_emulation = true\n[nested]\ncpu_mode = "host-passthrough"\n'
    )
    result = kvm_wizard(
        "answers",
        "check",
        _answers_file(tmp_path, text),
        "--root",
        "/",
        "--json",
        env=libvirt_daemon.environment,
    )
    assert result.returncode == 1, result.stdout
    problems = json.loads(result.stdout)["problems"]
    assert [problem["key"] for problem in problems] == ["nested.cpu_mode"]
    assert "<mode name='host-passthrough' supported='no'>" in problems[0]["message"]
