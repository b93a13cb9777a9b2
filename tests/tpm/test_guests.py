"""Guests that require TPM 2.0 and Secure Boot, judged on the demo hosts and on their variants: libvirt's domain
capabilities where it answered, QEMU's firmware descriptors, SMM under KVM; planned and validated."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.host.helpers import demo
from wizard.answers import Answers, HypervisorAnswers, TpmAnswers, check_values
from wizard.host.facts import CommandRun, FileRead, HostFacts, KvmApiProbe, PathStat
from wizard.plan.build import build_plan
from wizard.plan.model import CheckKind
from wizard.plan.validate import validate_for_host
from wizard.tpm.guests import SMM, assess_secure_guests, command_lines, image_properties

Q35 = "domcapabilities qemu q35"
ENROLLED = "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json"


def _libvirt(facts: HostFacts, key: str, run: CommandRun | None) -> HostFacts:
    libvirt = dict(facts.stack.libvirt)
    if run is None:
        libvirt.pop(key)
    else:
        libvirt[key] = run
    return dataclasses.replace(facts, stack=dataclasses.replace(facts.stack, libvirt=libvirt))


def test_a_host_with_debians_ovmf() -> None:
    guests = assess_secure_guests(demo("tpm2-host"))
    assert guests.available, guests.problems
    assert guests.firmware is not None
    assert guests.firmware.path == ENROLLED
    assert guests.install is None
    assert dict(image_properties(guests)) == {
        "hw_firmware_type": "uefi",
        "os_secure_boot": "required",
        "hw_tpm_version": "2.0",
        "hw_tpm_model": "tpm-crb",
        "hw_machine_type": "q35",
    }


def test_where_libvirt_answered_its_domain_capabilities_decide() -> None:
    facts = demo("amd-nested-off")
    guests = assess_secure_guests(facts, virt_type="qemu")
    assert guests.available
    assert any(
        "libvirt offers Secure Boot firmware for qemu guests of pc-q35-7.2" in item for item in guests.checked
    )
    run = facts.stack.libvirt[Q35]
    no_secure = dataclasses.replace(
        run,
        stdout=run.stdout.replace(
            "<value>yes</value>\n        <value>no</value>\n      </enum>\n    </loader>",
            "<value>no</value>\n      </enum>\n    </loader>",
        ),
    )
    assert no_secure.stdout != run.stdout
    refused = assess_secure_guests(_libvirt(facts, Q35, no_secure), virt_type="qemu")
    assert not refused.available
    assert (
        "libvirt offers no Secure Boot firmware for qemu guests of machine type pc-q35-7.2"
        in refused.problems[0]
    )
    assert "SecureBootNotSupported" in refused.problems[0]
    assert "restart libvirtd" in refused.problems[0]
    failed = CommandRun(run.argv, 1, "", "error: invalid machine type q35\n")
    gone = assess_secure_guests(_libvirt(facts, Q35, failed), virt_type="qemu")
    assert any("libvirt cannot run qemu guests of machine type q35" in problem for problem in gone.problems)


def test_without_firmware_the_plan_installs_the_distributions() -> None:
    facts = demo("amd-modules-missing")  # Rocky Linux 9: no descriptor
    alone = assess_secure_guests(facts)
    assert not alone.available
    assert "Install the distribution's UEFI firmware (edk2-ovmf)" in alone.problems[0]
    planned = assess_secure_guests(facts, installing=True)
    assert planned.available
    assert planned.install is not None
    assert planned.install.argv == ("dnf", "install", "-y", "edk2-ovmf")
    assert any("a rollback cannot undo a package install" in warning for warning in planned.warnings)
    aarch64 = assess_secure_guests(demo("aarch64"), installing=True)
    assert aarch64.install is not None
    assert aarch64.install.packages == ("qemu-efi-aarch64",)
    assert aarch64.machine == ""  # nova's default machine on aarch64 (virt) suits
    assert aarch64.tpm_model == "tpm-tis"


def test_power_has_no_uefi_for_its_guests() -> None:
    guests = assess_secure_guests(demo("power9"), installing=True)
    assert not guests.available
    assert "UEFINotSupported" in guests.problems[0]


def test_firmware_without_keys_or_without_its_file() -> None:
    facts = demo("tpm2-host")
    files = dict(facts.files)
    files[ENROLLED] = FileRead(content="")  # an empty file hides it: the unenrolled one comes first
    unenrolled = assess_secure_guests(dataclasses.replace(facts, files=files))
    assert unenrolled.available
    assert unenrolled.firmware is not None
    assert unenrolled.firmware.name == "50-edk2-x86_64-secure.json"
    assert any("which has no keys enrolled" in warning for warning in unenrolled.warnings)
    stats = dict(facts.stats)
    stats["/usr/share/OVMF/OVMF_CODE_4M.ms.fd"] = PathStat(exists=False)
    missing = assess_secure_guests(dataclasses.replace(facts, stats=stats))
    assert not missing.available
    assert "/usr/share/OVMF/OVMF_CODE_4M.ms.fd named by" in missing.problems[0]


@pytest.mark.parametrize(("smm", "available"), [(0, False), (1, True)])
def test_smm_under_kvm(smm: int, available: bool) -> None:
    facts = demo("tpm2-host")
    kvm = KvmApiProbe(
        **{**dataclasses.asdict(facts.kvm), "capabilities": {**facts.kvm.capabilities, SMM: smm}}
    )
    guests = assess_secure_guests(dataclasses.replace(facts, kvm=kvm), virt_type="kvm")
    assert guests.available is available
    if not available:
        assert "System Management Mode not supported by this hypervisor" in guests.problems[0]
        assert "virt_type qemu only" in guests.problems[0]
    assert assess_secure_guests(dataclasses.replace(facts, kvm=kvm), virt_type="qemu").available


def test_the_answers_and_the_plan(tmp_path: Path) -> None:
    assert [problem.path for problem in check_values(Answers(tpm=TpmAnswers(secure_boot=True)))] == [
        "tpm.secure_boot"
    ]
    bad_pcr = check_values(Answers(tpm=TpmAnswers(measure_pcr=10)))
    assert [problem.path for problem in bad_pcr] == ["tpm.measure_pcr"]
    assert "allowed: 16 or 23" in bad_pcr[0].message
    facts = demo("amd-nested-off")
    answers = Answers(
        hypervisor=HypervisorAnswers("qemu", allow_emulation=True),
        tpm=TpmAnswers(vtpm=True, secure_boot=True, measure=False),
    )
    assert validate_for_host(answers, facts, tmp_path).ok
    plan = build_plan(facts, answers, tmp_path)
    smoke = [check for check in plan.checks if check.kind is CheckKind.SMOKE_GUEST]
    assert [check.options for check in smoke] == [("secure-boot", "tpm-model=tpm-crb", "machine=q35")]
    assert smoke[0].live_only
    assert plan.image_commands[0].startswith("openstack image set --property hw_firmware_type=uefi")
    assert command_lines(plan.image_commands[0])[-1] == "  IMAGE"
    rocky = build_plan(demo("amd-modules-missing"), answers, tmp_path)
    assert "install:uefi-firmware-x86_64" in [action.id for action in rocky.actions]


def test_measuring_needs_a_tpm(tmp_path: Path) -> None:
    answers = Answers(tpm=TpmAnswers(measure=True))
    refused = validate_for_host(answers, demo("power9"), tmp_path)
    assert [problem.path for problem in refused.problems] == ["tpm.measure"]
    assert "needs a TPM 2.0, and this host has none" in refused.problems[0].message
    named = dataclasses.replace(demo("power9"), environment={"TPM2TOOLS_TCTI": "swtpm:port=2321"})
    assert not [
        problem
        for problem in validate_for_host(answers, named, tmp_path).problems
        if problem.path == "tpm.measure"
    ]
    plan = build_plan(demo("tpm2-host"), answers, tmp_path)
    assert plan.measure_pcr == 23
    assert any("PCR 23" in note and "attest quote" in note for note in plan.notes)
