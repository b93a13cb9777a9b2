"""The apply's health check asks the real libvirt about the nova.conf just written, as nova-compute will at start:
a configuration it refuses is rolled back, one it accepts says what libvirt said."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.libvirt_daemon import PrivateLibvirtd
from wizard.answers import Answers, NestedAnswers
from wizard.apply.libvirt_check import libvirt_accepts
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.host.probe import probe
from wizard.host.profile import HostProfile
from wizard.plan.model import CheckKind, Plan
from wizard.plan.planner import make_plan
from wizard.virsh import LibvirtAnswers

NOVA = "/etc/nova/nova.conf"


def nova_conf(root: Path, text: str) -> None:
    (root / "etc/nova").mkdir(parents=True, exist_ok=True)
    (root / "etc/nova/nova.conf").write_text(text)


@pytest.fixture(scope="module")
def libvirt(libvirt_daemon: PrivateLibvirtd) -> LibvirtAnswers:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIBVIRT_DEFAULT_URI", libvirt_daemon.uri)
        answers = HostProfile.from_facts(probe()).stack.libvirt
    assert answers is not None
    return answers


def test_tcg_with_host_passthrough_is_refused(tmp_path: Path, libvirt_daemon: PrivateLibvirtd) -> None:
    nova_conf(tmp_path, "[libvirt]\nvirt_type = qemu\ncpu_mode = host-passthrough\n")
    ok, said = libvirt_accepts(tmp_path, NOVA, libvirt_daemon.uri, CommandRunner())
    assert not ok
    assert "CPU mode host-passthrough is not supported for qemu guests" in said
    nova_conf(tmp_path, "[libvirt]\nvirt_type = qemu\ncpu_mode = custom\ncpu_models = Pentium9000\n")
    ok, said = libvirt_accepts(tmp_path, NOVA, libvirt_daemon.uri, CommandRunner())
    assert not ok
    assert "Configured CPU model: Pentium9000 is not correct" in said


def test_libvirt_is_asked_about_what_nova_compute_reads_over_its_files(
    tmp_path: Path, libvirt_daemon: PrivateLibvirtd
) -> None:
    """Debian's nova-compute.conf, read after nova.conf, says qemu: libvirt judges host-passthrough for qemu
    guests (and refuses it), whatever nova.conf alone says."""
    nova_conf(tmp_path, "[libvirt]\nvirt_type = kvm\ncpu_mode = host-passthrough\n")
    (tmp_path / "etc/nova/nova-compute.conf").write_text("[libvirt]\nvirt_type=qemu\n")
    chain = (NOVA, "/etc/nova/nova-compute.conf")
    ok, said = libvirt_accepts(tmp_path, NOVA, libvirt_daemon.uri, CommandRunner(), chain)
    assert not ok
    assert "CPU mode host-passthrough is not supported for qemu guests" in said
    (tmp_path / "etc/nova/nova-compute.conf").write_text("[libvirt]\ncpu_mode = host-model\n")
    ok, said = libvirt_accepts(tmp_path, NOVA, libvirt_daemon.uri, CommandRunner(), chain)
    assert "host-passthrough" not in said, said


def test_kvm_models_are_compared_as_nova_compares_them(
    tmp_path: Path, libvirt_daemon: PrivateLibvirtd, libvirt: LibvirtAnswers
) -> None:
    domain = libvirt.domain("kvm")
    if domain is None:  # libvirt runs no kvm guests on this machine: the check says so and refuses
        nova_conf(tmp_path, "[libvirt]\nvirt_type = kvm\n")
        ok, said = libvirt_accepts(tmp_path, NOVA, libvirt_daemon.uri, CommandRunner())
        assert not ok
        assert "libvirt does not answer for kvm guests" in said
        return
    unusable = next(model for model, usable in domain.models.items() if usable is False)
    nova_conf(tmp_path, f"[libvirt]\nvirt_type = kvm\ncpu_mode = custom\ncpu_models = {unusable}\n")
    ok, said = libvirt_accepts(tmp_path, NOVA, libvirt_daemon.uri, CommandRunner())
    assert not ok
    assert "is incompatible with the CPU provided by hypervisor" in said
    usable = domain.usable_models[0]
    nova_conf(tmp_path, f"[libvirt]\nvirt_type = kvm\ncpu_mode = custom\ncpu_models = {usable}\n")
    ok, said = libvirt_accepts(tmp_path, NOVA, libvirt_daemon.uri, CommandRunner())
    assert ok, said
    assert f"hypervisor-cpu-compare accepts {usable}" in said


def test_an_apply_libvirt_refuses_is_rolled_back(
    tmp_path: Path, libvirt_daemon: PrivateLibvirtd, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan made while libvirt answered carries the check; here nova.conf is changed behind the plan's back
    (as another writer might), so that what is written is what libvirt refuses, and the apply is undone."""
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", libvirt_daemon.uri)
    facts = dataclasses.replace(probe(), root=str(tmp_path))
    # virt_type qemu to begin with, so that the plan writes kvm (nova's own default is no change to write).
    nova_conf(tmp_path, "[DEFAULT]\n[libvirt]\nvirt_type = qemu\n")
    outcome = make_plan(facts, Answers(nested=NestedAnswers(cpu_mode="host-model")), tmp_path)
    assert outcome.plan is not None, outcome.problems
    checks = [check for check in outcome.plan.checks if check.kind is CheckKind.LIBVIRT_ACCEPTS]
    assert len(checks) == 1
    assert checks[0].expected == libvirt_daemon.uri
    assert NOVA in checks[0].files  # libvirt is asked about what nova-compute reads over all its files
    # The check needs the running system; under a temporary root it runs only when made to (and the checks of
    # /dev/kvm and the modules stay for the live host). The effective-value checks would refuse the lines
    # changed behind the plan's back below by themselves: libvirt's judgement of them is what is tested here.
    checks_run = (
        *(
            check
            for check in outcome.plan.checks
            if not check.live_only and check.kind is not CheckKind.EFFECTIVE_VALUE
        ),
        dataclasses.replace(checks[0], live_only=False),
    )

    def written(mode: str) -> Plan:
        assert outcome.plan is not None
        edits = tuple(
            dataclasses.replace(
                edit,
                after=edit.after.replace(b"virt_type = kvm", b"virt_type = qemu").replace(
                    b"cpu_mode = host-model", f"cpu_mode = {mode}".encode()
                ),
            )
            for edit in outcome.plan.edits
        )
        return dataclasses.replace(outcome.plan, checks=checks_run, edits=edits, actions=())

    before = (tmp_path / "etc/nova/nova.conf").read_bytes()
    result = apply_plan(written("host-passthrough"), tmp_path, runner=CommandRunner())
    assert not result.ok
    assert result.rolled_back
    assert "CPU mode host-passthrough is not supported for qemu guests" in result.error
    assert (tmp_path / "etc/nova/nova.conf").read_bytes() == before
    result = apply_plan(written("host-model"), tmp_path, runner=CommandRunner())
    assert result.ok, result.error
    verify = next(step for step in result.steps if step.step.kind.value == "verify")
    assert "libvirt supports CPU mode host-model for qemu guests" in verify.detail
