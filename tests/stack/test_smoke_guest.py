"""The smoke guest against the real libvirtd and QEMU (the session's private daemon, Debian's OVMF and swtpm):
guests that require TPM 2.0 and Secure Boot are planned, applied and started for real; what QEMU refuses on
this host is named and rolled back; a smoke guest is never left behind, not even by kill -9."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.apply.conftest import REPOSITORY, child_environment
from tests.libvirt_daemon import PrivateLibvirtd
from tests.stack.smoke_child import AFTER, SECURE_BOOT
from wizard.answers import Answers, HypervisorAnswers, NestedAnswers, TpmAnswers
from wizard.apply.recovery import find_unfinished
from wizard.apply.smoke_guest import run_smoke_guest
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.host.facts import HostFacts
from wizard.host.firmware import read_guest_firmware
from wizard.host.probe import probe
from wizard.plan.model import Check, CheckKind, FileEdit, FileKind, LineChange, Plan, Reason
from wizard.plan.planner import make_plan
from wizard.tpm.guests import SMM, assess_secure_guests
from wizard.virsh_domain import listed_names, smoke_name, smoke_prefix

NOVA = "/etc/nova/nova.conf"


@pytest.fixture(scope="module")
def facts(libvirt_daemon: PrivateLibvirtd) -> HostFacts:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIBVIRT_DEFAULT_URI", libvirt_daemon.uri)
        return probe()


def _root(tmp_path: Path, nova_conf: str = "[DEFAULT]\n[libvirt]\n") -> Path:
    root = tmp_path / "root"
    (root / "etc/nova").mkdir(parents=True)
    (root / "etc/nova/nova.conf").write_text(nova_conf)
    return root


def _domains(daemon: PrivateLibvirtd) -> tuple[str, ...]:
    return listed_names(daemon.virsh("list", "--all", "--name").stdout)


def _with_libvirt_checks(plan: Plan) -> Plan:
    """Under a temporary root the checks of the running system are skipped; here libvirt's are made to run
    (not the kernel's: /dev/kvm and the modules are this machine's, not the root's)."""
    libvirt = (CheckKind.SMOKE_GUEST, CheckKind.LIBVIRT_ACCEPTS)
    return dataclasses.replace(
        plan,
        actions=(),
        checks=tuple(
            dataclasses.replace(check, live_only=False)
            for check in plan.checks
            if not check.live_only or check.kind in libvirt
        ),
    )


def _secure_boot_answers(virt_type: str) -> Answers:
    return Answers(
        hypervisor=HypervisorAnswers(virt_type, allow_emulation=virt_type == "qemu"),
        nested=NestedAnswers(cpu_mode="host-model"),
        tpm=TpmAnswers(verify=False, install_tools=False, vtpm=True, secure_boot=True),
    )


def test_secure_boot_guests_are_planned_applied_and_started(
    tmp_path: Path, facts: HostFacts, libvirt_daemon: PrivateLibvirtd
) -> None:
    """The issue's proof: TPM 2.0 and Secure Boot guests on this machine (TCG: its KVM has no SMM), the firmware
    libvirt picks from Debian's OVMF descriptors, swtpm as the vTPM, and nothing left behind."""
    root = _root(tmp_path)
    outcome = make_plan(dataclasses.replace(facts, root=str(root)), _secure_boot_answers("qemu"), root)
    assert outcome.plan is not None, [str(problem) for problem in outcome.problems]
    plan = outcome.plan
    smoke = next(check for check in plan.checks if check.kind is CheckKind.SMOKE_GUEST)
    assert smoke.options == SECURE_BOOT
    assert smoke.expected == libvirt_daemon.uri
    assert any(
        "hw_firmware_type=uefi" in command and "hw_machine_type=q35" in command
        for command in plan.image_commands
    )
    assert any("os:secure_boot=required" in command for command in plan.image_commands)
    result = apply_plan(_with_libvirt_checks(plan), root, runner=CommandRunner())
    assert result.ok, result.error
    step = next(outcome for outcome in result.steps if outcome.step.id == "smoke")
    picked = read_guest_firmware(facts).secure_boot_pick("x86_64", "pc-q35-7.2")
    assert picked is not None
    assert picked.enrolled_keys
    assert "UEFI Secure Boot firmware, vTPM 2.0 (tpm-crb)" in step.detail
    assert f"firmware {picked.executable}" in step.detail, step.detail
    assert "SMM on" in step.detail  # libvirt turned SMM on for the firmware that requires it
    assert "removed it" in step.detail
    assert not [name for name in _domains(libvirt_daemon) if name.startswith(smoke_prefix(str(root)))]
    assert b"swtpm_enabled = True" in (root / "etc/nova/nova.conf").read_bytes()


def test_kvm_without_smm_refuses_secure_boot_as_qemu_does(tmp_path: Path, facts: HostFacts) -> None:
    """What KVM_CHECK_EXTENSION(KVM_CAP_X86_SMM) says decides the plan, and QEMU agrees when asked: the
    domain capabilities say `secure = yes` for kvm on q35 either way (a lie here, under PVM)."""
    libvirt = facts.stack
    root = _root(
        tmp_path,
        "[libvirt]\nvirt_type = kvm\ncpu_mode = host-model\ncpu_model_extra_flags = -arch-capabilities\nswtpm_enabled = True\n",
    )
    if facts.kvm.capabilities.get(SMM) is None or "domcapabilities kvm q35" not in libvirt.libvirt:
        pytest.fail(f"this machine's KVM or libvirt was not probed: {facts.kvm}, {sorted(libvirt.libvirt)}")
    smm = facts.kvm.capabilities[SMM]
    assessed = assess_secure_guests(facts, virt_type="kvm")
    check = Check(CheckKind.SMOKE_GUEST, NOVA, expected=libvirt.libvirt_uri, options=SECURE_BOOT)
    started = run_smoke_guest(root, check, smoke_name(str(root), 1), CommandRunner())
    if smm == 0:
        assert not assessed.available
        assert any("System Management Mode" in problem for problem in assessed.problems)
        assert not started.ok
        assert "System Management Mode" in started.detail
    else:
        assert assessed.available, assessed.problems
        assert started.ok, started.detail
    assert not started.leftovers


def test_what_instances_would_fail_on_is_rolled_back(tmp_path: Path, libvirt_daemon: PrivateLibvirtd) -> None:
    """virt_type qemu asking for a feature TCG does not emulate (QEMU 7.2 has no AVX-512): nova-compute starts (it
    compares no CPU for qemu guests) and every instance fails; the smoke guest catches it and the apply is undone."""
    root = _root(tmp_path)
    before = (root / "etc/nova/nova.conf").read_bytes()
    after = before + b"virt_type = qemu\ncpu_mode = host-model\ncpu_model_extra_flags = avx512f\n"
    reason = (Reason("the test wants it", "test"),)
    plan = Plan(
        edits=(
            FileEdit(
                NOVA, FileKind.NOVA_CONF, before, after, (LineChange("libvirt", "cpu_mode", (), (), reason),)
            ),
        ),
        checks=(Check(CheckKind.SMOKE_GUEST, NOVA, expected=libvirt_daemon.uri, live_only=False),),
    )
    result = apply_plan(plan, root, runner=CommandRunner())
    assert not result.ok
    assert result.rolled_back
    assert result.failed_step is not None
    assert result.failed_step.id == "smoke"
    assert "libvirt cannot start the qemu guest, CPU host-model with avx512f" in result.error
    assert "Host CPU does not provide required features: avx512f" in result.error
    assert (root / "etc/nova/nova.conf").read_bytes() == before
    assert not [name for name in _domains(libvirt_daemon) if name.startswith(smoke_prefix(str(root)))]


def test_host_model_on_this_kvm_is_started_or_explained(tmp_path: Path, facts: HostFacts) -> None:
    """KVM here (PVM) refuses host-model's IA32_ARCH_CAPABILITIES MSR; disabling it is the way out. On a
    machine whose KVM takes it, both start."""
    if (
        "domcapabilities kvm" not in facts.stack.libvirt
        or facts.stack.libvirt["domcapabilities kvm"].returncode != 0
    ):
        pytest.fail("libvirt here cannot run kvm guests: the private daemon's QEMU has no KVM")
    root = _root(tmp_path)
    check = Check(CheckKind.SMOKE_GUEST, NOVA, expected=facts.stack.libvirt_uri)
    for flags, must_start in (("", False), ("cpu_model_extra_flags = -arch-capabilities\n", True)):
        (root / "etc/nova/nova.conf").write_text(
            f"[libvirt]\nvirt_type = kvm\ncpu_mode = host-model\n{flags}"
        )
        started = run_smoke_guest(root, check, smoke_name(str(root), 1), CommandRunner())
        if not started.ok:
            assert not must_start, started.detail
            assert "IA32_ARCH_CAPABILITIES MSR (0x10a)" in started.detail
            assert "Add -arch-capabilities to nested.extra_flags" in started.detail


def test_a_leftover_of_a_failed_removal_is_removed_at_the_next_smoke(
    tmp_path: Path, libvirt_daemon: PrivateLibvirtd
) -> None:
    root = _root(tmp_path, "[libvirt]\nvirt_type = qemu\ncpu_mode = host-model\n")
    leftover = smoke_name(str(root), 7)
    other = smoke_name(str(tmp_path / "another-root"), 7)
    for name in (leftover, other):
        xml = f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>"
        assert libvirt_daemon.virsh("define", "/dev/stdin", input_text=xml).returncode == 0
    check = Check(CheckKind.SMOKE_GUEST, NOVA, expected=libvirt_daemon.uri)
    started = run_smoke_guest(root, check, smoke_name(str(root), 8), CommandRunner())
    assert started.ok, started.detail
    assert leftover not in _domains(libvirt_daemon)
    assert other in _domains(libvirt_daemon)  # another root's is not this one's to remove
    assert libvirt_daemon.virsh("undefine", other).returncode == 0


def _child(root: Path, uri: str, *arguments: str, crash_at: str = "") -> subprocess.CompletedProcess[str]:
    extra = {"KVM_WIZARD_CRASH_AT": crash_at} if crash_at else {}
    return subprocess.run(
        [sys.executable, "-m", "tests.stack.smoke_child", str(root), uri, *arguments],
        cwd=REPOSITORY,
        env=child_environment(**extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("decision", ["rollback", "complete"])
def test_kill_9_while_the_smoke_guest_exists_and_recover_removes_it(
    tmp_path: Path, libvirt_daemon: PrivateLibvirtd, decision: str
) -> None:
    root = _root(tmp_path)
    crashed = _child(root, libvirt_daemon.uri, "apply", crash_at="smoke-guest")
    assert crashed.returncode == -9, (crashed.stdout, crashed.stderr)
    ours = [name for name in _domains(libvirt_daemon) if name.startswith(smoke_prefix(str(root)))]
    assert len(ours) == 1  # defined and started (paused) when the process died
    running = libvirt_daemon.virsh("domstate", ours[0]).stdout.strip()
    assert running == "paused"
    unfinished = find_unfinished(root)
    assert unfinished is not None
    assert unfinished.phase == "starting the smoke guest"
    recovered = _child(root, libvirt_daemon.uri, "recover", decision)
    assert recovered.returncode == 0, recovered.stderr
    assert json.loads(recovered.stdout)["decision"] == decision
    assert not [name for name in _domains(libvirt_daemon) if name.startswith(smoke_prefix(str(root)))]
    assert find_unfinished(root) is None
    expected = AFTER if decision == "complete" else b"[DEFAULT]\n[libvirt]\n"
    assert (root / "etc/nova/nova.conf").read_bytes() == expected
    log = (root / "var/log/kvm-wizard.log").read_text()
    assert f"the smoke guest {ours[0]} the interruption may have left is removed" in log
