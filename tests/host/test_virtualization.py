"""Hardware virtualization checks: kernel log wordings across versions, CPUID, MSRs, guests, other arches."""

from __future__ import annotations

import dataclasses

import pytest

from tests.host.helpers import all_commands, demo, find, with_file
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Status, VerdictCode
from wizard.host.facts import HostFacts
from wizard.host.patterns import FIRMWARE_DISABLED, keep_kernel_line

AMD_NO_SVM_FLAGS = "fpu vme de pse tsc msr pae lm sse sse2 cmp_legacy extapic"


def _intel_without_vmx(**changes: object) -> HostFacts:
    """intel-vt-disabled with nothing that explains the missing flag (no log, no CPUID, no MSR)."""
    facts = demo("intel-vt-disabled")
    base = {"kernel_log": (), "cpuid": {}, "cpuid_error": "ENOENT: No such file or directory", "msr": {}}
    return dataclasses.replace(facts, **{**base, **changes})  # type: ignore[arg-type]


def _amd_modules_missing(**changes: object) -> HostFacts:
    return dataclasses.replace(demo("amd-modules-missing"), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("[    0.000000] x86/cpu: VMX (outside TXT) disabled by BIOS", VerdictCode.DISABLED_IN_FIRMWARE),
        ("[   13.100000] kvm: disabled by bios", VerdictCode.DISABLED_IN_FIRMWARE),
        ("[   13.100000] kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU 0", VerdictCode.DISABLED_IN_FIRMWARE),
        ("[   13.100000] KVM: DISABLED BY BIOS", VerdictCode.DISABLED_IN_FIRMWARE),
    ],
)  # fmt: skip
def test_firmware_wordings_on_intel(line: str, verdict: VerdictCode) -> None:
    diagnosis = diagnose(_intel_without_vmx(kernel_log=(line,)))
    assert diagnosis.verdict.code is verdict
    firmware = find(diagnosis, "firmware")
    assert firmware.status is Status.FAIL
    assert any(line.strip()[-20:] in item.observed for item in firmware.evidence)


@pytest.mark.parametrize(
    ("vmx_bit", "verdict"),
    [("0x7ffefbff", VerdictCode.DISABLED_IN_FIRMWARE), ("0x7ffefbdf", VerdictCode.UNSUPPORTED)],
)
def test_no_hardware_support_is_judged_by_cpuid(vmx_bit: str, verdict: VerdictCode) -> None:
    # "no hardware support" appears both when the firmware hides VMX and when the CPU lacks it.
    facts = _intel_without_vmx(
        kernel_log=("[   14.882613] kvm: no hardware support for 'kvm_intel'",),
        cpuid={"0x1.ecx": vmx_bit},
        cpuid_error=None,
    )
    assert diagnose(facts).verdict.code is verdict


def test_without_any_explanation_the_verdict_says_it_does_not_know() -> None:
    # No vmx flag, no CPUID, no kernel log, no MSR: "missing" and "switched off" look alike. The verdict
    # states neither as fact, names what was not seen and what to run, and nothing offers modprobe.
    diagnosis = diagnose(_intel_without_vmx())
    assert diagnosis.verdict.code is VerdictCode.UNKNOWN
    assert "firmware keeps it switched off" not in diagnosis.verdict.summary
    assert "raw CPUID" in diagnosis.verdict.summary
    assert "kvm-wizard check --save-facts FILE" in diagnosis.verdict.summary
    flags = find(diagnosis, "vt-flags")
    assert flags.status is Status.FAIL
    assert flags.title == "No vmx flag: KVM cannot work as things are, and why is not known"
    assert find(diagnosis, "cpuid").status is Status.UNKNOWN
    assert not [
        item for item in diagnosis.findings if item.remedy and item.remedy.plan_fix == "load-kvm-modules"
    ]
    assert not any(command.startswith("modprobe kvm") for command in all_commands(diagnosis))


@pytest.mark.parametrize(
    ("value", "disabled"), [("0x1", True), ("0x5", False), ("0x0", False), ("0x3", True)]
)
def test_intel_feature_control_msr(value: str, disabled: bool) -> None:
    diagnosis = diagnose(_intel_without_vmx(msr={"0x3a": value}))
    firmware = find(diagnosis, "firmware")
    assert any("MSR 0x3A" in item.observed for item in firmware.evidence)
    if disabled:
        assert diagnosis.verdict.code is VerdictCode.DISABLED_IN_FIRMWARE
        assert firmware.status is Status.FAIL


def test_amd_keeps_svm_visible_when_the_firmware_disables_it() -> None:
    by_msr = diagnose(_amd_modules_missing(msr={"0xc0010114": "0x18"}, msr_error=None))
    assert by_msr.verdict.code is VerdictCode.DISABLED_IN_FIRMWARE
    assert "SVM Mode" in (find(by_msr, "firmware").remedy or pytest.fail("no remedy")).summary
    by_log = diagnose(
        _amd_modules_missing(kernel_log=("[   10.0] kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR",))
    )
    assert by_log.verdict.code is VerdictCode.DISABLED_IN_FIRMWARE
    enabled = diagnose(_amd_modules_missing(msr={"0xc0010114": "0x0"}, msr_error=None))
    assert enabled.verdict.code is VerdictCode.FIXABLE


def test_amd_without_svm_is_unsupported() -> None:
    facts = with_file(
        demo("amd-modules-missing"),
        "/proc/cpuinfo",
        f"vendor_id\t: AuthenticAMD\nflags\t\t: {AMD_NO_SVM_FLAGS}\n",
    )
    facts = dataclasses.replace(
        facts,
        kernel_log=("[   10.0] kvm_amd: SVM not supported by CPU",),
        cpuid={"0x80000001.ecx": "0x00000001"},
        cpuid_error=None,
    )
    diagnosis = diagnose(facts)
    assert diagnosis.verdict.code is VerdictCode.UNSUPPORTED
    assert find(diagnosis, "vt-flags").status is Status.FAIL


def test_arm_hyp_mode_not_available() -> None:
    facts = dataclasses.replace(
        demo("aarch64"),
        kernel_log=("[    0.1] kvm [1]: HYP mode not available",),
        kvm=dataclasses.replace(demo("vm-guest-no-nested").kvm),
    )
    bare = diagnose(facts)
    assert bare.verdict.code is VerdictCode.DISABLED_IN_FIRMWARE
    assert find(bare, "arm-hyp-mode").status is Status.FAIL
    guest = diagnose(with_file(facts, "/sys/class/dmi/id/sys_vendor", "QEMU\n"))
    assert guest.verdict.code is VerdictCode.UNSUPPORTED
    assert find(guest, "guest").status is Status.FAIL


def test_a_working_probe_wins_over_every_hint() -> None:
    # The kernel log says "disabled by BIOS" (from an earlier boot, or another CPU), but KVM works.
    facts = dataclasses.replace(
        demo("intel-ready"), kernel_log=("[0.0] x86/cpu: VMX (outside TXT) disabled by BIOS",)
    )
    diagnosis = diagnose(facts)
    assert diagnosis.verdict.code is VerdictCode.READY
    assert find(diagnosis, "firmware").status is Status.INFO


def test_another_hypervisor_holding_vtx() -> None:
    ready = demo("intel-ready")
    facts = dataclasses.replace(
        ready,
        kvm=dataclasses.replace(ready.kvm, create_vm=False, create_vm_error="EBUSY: Device or resource busy"),
        kernel_log=("[ 812.0] kvm: enabling virtualization on CPU0 failed",),
    )
    diagnosis = diagnose(facts)
    assert diagnosis.verdict.code is VerdictCode.FIXABLE
    assert "Another hypervisor" in find(diagnosis, "firmware").title
    assert find(diagnosis, "kvm-api").status is Status.FAIL


def test_guest_with_nested_kvm_is_limited() -> None:
    ready = demo("intel-ready")
    facts = with_file(ready, "/sys/class/dmi/id/sys_vendor", "QEMU\n")
    diagnosis = diagnose(facts)
    assert diagnosis.verdict.code is VerdictCode.LIMITED
    assert find(diagnosis, "guest").status is Status.WARN


def test_power_pseries_without_kvm_is_unsupported_and_powernv_needs_no_flag() -> None:
    power = demo("power9")
    pseries = with_file(
        power,
        "/proc/cpuinfo",
        "processor\t: 0\ncpu\t\t: POWER9\n\nplatform\t: pSeries\nmodel\t\t: IBM,9009-22A\n",
    )
    stats = dict(pseries.stats)
    stats.pop("/sys/firmware/opal")
    broken = dataclasses.replace(
        pseries, stats=stats, kvm=dataclasses.replace(demo("vm-guest-no-nested").kvm)
    )
    diagnosis = diagnose(broken)
    assert diagnosis.verdict.code is VerdictCode.UNSUPPORTED
    assert find(diagnosis, "power-platform").status is Status.FAIL
    assert find(diagnose(power), "power-platform").status is Status.PASS


def test_s390_needs_sie() -> None:
    base = demo("aarch64")
    facts = dataclasses.replace(
        with_file(
            base, "/proc/cpuinfo", "vendor_id       : IBM/S390\nfeatures\t: esan3 zarch stfle msa sie\n"
        ),
        machine="s390x",
    )
    assert find(diagnose(facts), "s390-sie").status is Status.PASS
    without = dataclasses.replace(
        with_file(facts, "/proc/cpuinfo", "vendor_id       : IBM/S390\nfeatures\t: esan3 zarch\n"),
        kvm=demo("vm-guest-no-nested").kvm,
    )
    diagnosis = diagnose(without)
    assert find(diagnosis, "s390-sie").status is Status.FAIL
    assert diagnosis.verdict.code is VerdictCode.UNSUPPORTED


@pytest.mark.parametrize(
    "line",
    [
        "kvm: disabled by bios",
        "x86/cpu: VMX (outside TXT) disabled by BIOS",
        "kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL",
        "kvm: no hardware support for 'kvm_intel'",
        "kvm_amd: SVM not supported by CPU",
        "SVM disabled (by BIOS) in MSR_VM_CR",
        "kvm [1]: HYP mode not available",
    ],
)
def test_every_known_wording_is_kept_by_the_probe_and_recognised(line: str) -> None:
    stamped = f"[   12.345678] {line}"
    assert keep_kernel_line(stamped)
    assert FIRMWARE_DISABLED.search(stamped)


@pytest.mark.parametrize(
    "line",
    [
        "BIOS-e820: [mem 0x0-0x9fbff] usable",
        "kvm-clock: Using msrs 4b564d01",
        "usb 1-1: new high-speed USB device",
    ],
)
def test_noise_is_dropped_by_the_probe(line: str) -> None:
    assert not keep_kernel_line(line)
