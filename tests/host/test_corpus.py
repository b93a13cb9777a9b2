"""Real /proc files of real machines (tests/fixtures/real-hosts) through the probe and the diagnosis."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.host.helpers import FIXTURES
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Status
from wizard.host.hypervisor import HypervisorKind
from wizard.host.platform import Arch, Vendor
from wizard.host.probe import probe
from wizard.host.profile import HostProfile

HOSTS = FIXTURES / "real-hosts"

# host -> (architecture, vendor, VT shown in cpuinfo, guest, supported) as the corpus README says.
EXPECTED = {
    "vmware_fpe": (Arch.X86_64, Vendor.AMD, "svm", False, True),
    "x86_64-dell_e4310": (Arch.X86_64, Vendor.INTEL, "vmx", False, True),
    "x86_64-64cpu-linux6.2": (Arch.X86_64, Vendor.INTEL, "vmx", False, True),
    "s390-lpar-drawer": (Arch.S390X, Vendor.IBM_S390, "sie", True, True),
    "s390-lpar": (Arch.S390X, Vendor.IBM_S390, None, True, True),
    "s390-kvm": (Arch.S390X, Vendor.IBM_S390, None, True, True),
    "ppc64-POWER7": (Arch.PPC64, Vendor.IBM_POWER, None, True, False),
    "ppc-qemu": (Arch.PPC32, Vendor.IBM_POWER, None, None, False),
    "arm-A510-A710-A715-X3": (Arch.AARCH64, Vendor.ARM, None, None, True),
    "armv7": (Arch.ARM32, Vendor.ARM, None, None, False),
    "rv64-visionfive2": (Arch.RISCV64, Vendor.OTHER, None, None, False),
    "loongarch-kvm_on_loongson_3c6000": (Arch.LOONGARCH64, Vendor.OTHER, None, None, False),
}


def _probe_host(name: str, tmp_path: Path) -> HostProfile:
    root = tmp_path / name
    shutil.copytree(HOSTS / name, root)
    return HostProfile.from_facts(probe(root))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_conclusions_match_the_corpus(name: str, tmp_path: Path) -> None:
    arch, vendor, vt_flag, guest, supported = EXPECTED[name]
    profile = _probe_host(name, tmp_path)
    platform = profile.platform
    assert platform.arch is arch
    assert platform.arch_inferred  # a tree without /proc/sys/kernel/arch: from cpuinfo's layout
    assert platform.vendor is vendor
    assert platform.supported is supported
    if vt_flag is not None:
        assert vt_flag in platform.flags
    elif platform.vt_flag is not None:
        assert platform.vt_flag not in platform.flags
    if guest is not None:
        assert platform.is_guest is guest


def test_s390_guest_names_its_hypervisor(tmp_path: Path) -> None:
    assert _probe_host("s390-kvm", tmp_path).platform.hypervisor == "KVM/Linux"
    lpar = _probe_host("s390-lpar", tmp_path).platform.virtualization.direct
    assert lpar is not None
    assert lpar.kind is HypervisorKind.PRSM
    assert lpar.label == "PR/SM (LPAR R35LP37)"


def test_power7_is_a_pseries_partition_not_a_kvm_hv_host(tmp_path: Path) -> None:
    profile = _probe_host("ppc64-POWER7", tmp_path)
    assert profile.platform.power_platform == "pSeries"
    diagnosis = diagnose(probe(tmp_path / "ppc64-POWER7"))
    platform_finding = diagnosis.finding("power-platform")
    assert platform_finding is not None
    assert platform_finding.status is Status.FAIL


@pytest.mark.parametrize(
    "name", ["armv7", "rv64-visionfive2", "loongarch-kvm_on_loongson_3c6000", "ppc-qemu"]
)
def test_unsupported_architectures_are_said_plainly(name: str, tmp_path: Path) -> None:
    shutil.copytree(HOSTS / name, tmp_path / name)
    diagnosis = diagnose(probe(tmp_path / name))
    arch = diagnosis.finding("arch")
    assert arch is not None
    assert arch.status is Status.FAIL
    assert "not supported" in arch.title
    assert diagnosis.verdict.code == "unsupported"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_corpus_host_diagnoses_without_error(name: str, tmp_path: Path) -> None:
    shutil.copytree(HOSTS / name, tmp_path / name)
    diagnosis = diagnose(probe(tmp_path / name))
    assert diagnosis.findings
    assert diagnosis.verdict.summary
