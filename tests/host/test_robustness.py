"""Missing, unreadable and garbled facts give findings with status unknown (and a reason), never a traceback."""

from __future__ import annotations

import dataclasses

import pytest

from tests.host.helpers import demo, find, with_file, without_file
from wizard.demo import list_scenarios
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Status
from wizard.host.facts import DirList, FileRead, HostFacts, KvmApiProbe

EACCES = "EACCES: Permission denied"


@pytest.mark.parametrize(
    ("path", "finding_id"),
    [
        ("/proc/cpuinfo", "cpu-vendor"),
        ("/etc/os-release", "distro"),
        ("/etc/group", "kvm-access-qemu"),
        ("/etc/passwd", "kvm-access-nova"),
        ("/var/log/nova/nova-compute.log", "nova-log"),
    ],
)
def test_unreadable_file_gives_unknown_with_the_reason(path: str, finding_id: str) -> None:
    diagnosis = diagnose(with_file(demo("intel-ready"), path, error=EACCES))
    finding = find(diagnosis, finding_id)
    assert finding.status is Status.UNKNOWN
    assert any("EACCES" in item.observed for item in finding.evidence)


def test_unreadable_iommu_groups() -> None:
    facts = demo("intel-ready")
    dirs = {**facts.dirs, "/sys/kernel/iommu_groups": DirList(error=EACCES)}
    assert find(diagnose(dataclasses.replace(facts, dirs=dirs)), "iommu").status is Status.UNKNOWN


def test_unreadable_nested_parameter() -> None:
    facts = with_file(demo("intel-ready"), "/sys/module/kvm_intel/parameters/nested", error=EACCES)
    assert find(diagnose(facts), "nested").status is Status.UNKNOWN


def test_non_root_user_cannot_run_the_authoritative_test() -> None:
    facts = dataclasses.replace(
        demo("intel-ready"), euid=1000, kvm=KvmApiProbe(attempted=True, open_error=EACCES)
    )
    diagnosis = diagnose(facts)
    api = find(diagnosis, "kvm-api")
    assert api.status is Status.UNKNOWN
    assert "uid 1000" in api.title
    assert diagnosis.verdict.code != "unsupported"


def test_not_probed_recording_decides_from_the_files() -> None:
    facts = dataclasses.replace(demo("intel-ready"), kvm=KvmApiProbe(attempted=False))
    diagnosis = diagnose(facts)
    assert find(diagnosis, "kvm-api").status is Status.UNKNOWN
    assert diagnosis.verdict.code == "ready"
    assert "not probed" in diagnosis.verdict.summary


GARBAGE = "\x00\x01\ufffd\ufffd: : :\n\n\nprocessor : x\nflags\n:::\n"


@pytest.mark.parametrize(
    "path",
    ["/proc/cpuinfo", "/proc/modules", "/etc/group", "/etc/passwd", "/etc/os-release", "/proc/misc", "/proc/cmdline",
     "/etc/modprobe.d/kvm.conf", "/sys/module/kvm_intel/parameters/nested", "/var/log/nova/nova-compute.log",
     "/boot/config-6.8.0-45-generic", "/sys/class/tpm/tpm0/tpm_version_major", "/etc/libvirt/qemu.conf"],
)  # fmt: skip
def test_garbled_files_never_crash(path: str) -> None:
    for scenario in ("intel-ready", "tpm2-host"):
        diagnosis = diagnose(with_file(demo(scenario), path, GARBAGE))
        assert diagnosis.findings


def test_empty_facts_never_crash() -> None:
    diagnosis = diagnose(HostFacts())
    assert diagnosis.verdict.summary
    assert find(diagnosis, "arch").status is Status.UNKNOWN


@pytest.mark.parametrize("scenario", [item.name for item in list_scenarios()])
def test_every_file_missing_never_crashes(scenario: str) -> None:
    facts = demo(scenario)
    gone = {path: FileRead(error="ENOENT: No such file or directory") for path in facts.files}
    diagnosis = diagnose(dataclasses.replace(facts, files=gone, stats={}, dirs={}))
    assert diagnosis.findings


def test_missing_os_release_falls_back_to_usr_lib() -> None:
    facts = without_file(demo("intel-ready"), "/etc/os-release")
    facts = with_file(facts, "/usr/lib/os-release", 'ID=debian\nPRETTY_NAME="Debian 13"\n')
    assert find(diagnose(facts), "distro").status is Status.INFO


def test_secrets_in_evidence_are_masked() -> None:
    line = (
        "2024-11-04 10:22:12.317 3102 ERROR nova.compute.manager transport_url=rabbit://openstack:S3cret@ctl:5672/ "
        "password=hunter2 no supported architecture for os type 'hvm'"
    )
    facts = with_file(demo("intel-ready"), "/var/log/nova/nova-compute.log", line + "\n")
    rendered = " ".join(item.observed for finding in diagnose(facts).findings for item in finding.evidence)
    assert "S3cret" not in rendered
    assert "hunter2" not in rendered
