"""Verification against a real TPM 2.0 (swtpm) through the real tpm2-tools: what works and every way it fails."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import tempfile
from dataclasses import asdict
from pathlib import Path

from tests.tpm.conftest import Swtpm, SwtpmFactory, free_port_pair, tpm2
from wizard.commands import CommandResult, CommandRunner
from wizard.tpm import (
    FailureKind,
    StepProgress,
    StepStatus,
    Tcti,
    Verification,
    explain_failure,
    verify_tpm,
)


def _verify(tcti: str, runner: CommandRunner | None = None) -> Verification:
    return verify_tpm(runner or CommandRunner(), Tcti(tcti, "environment"))


def _statuses(verification: Verification) -> dict[str, StepStatus]:
    return {step.id: step.status for step in verification.steps}


def test_a_healthy_tpm_is_verified_with_what_swtpm_reports(swtpm: Swtpm) -> None:
    events: list[StepProgress] = []
    verification = verify_tpm(CommandRunner(), Tcti(swtpm.tcti, "environment"), on_progress=events.append)

    assert verification.passed, [asdict(step) for step in verification.failures]
    assert set(_statuses(verification).values()) == {StepStatus.PASSED}
    identity = verification.identity
    assert identity is not None
    assert identity.family == "2.0"
    assert identity.manufacturer == "IBM"
    assert identity.manufacturer_name == "IBM"
    assert identity.vendor_string == "SW   TPM"
    assert identity.revision  # libtpms reports its specification revision, e.g. "1.64"
    first, second = identity.firmware_raw.split()
    major, minor, high, low = (int(part) for part in identity.firmware_version.split("."))
    assert (major << 16 | minor, high << 16 | low) == (int(first, 16), int(second, 16))
    assert len(verification.random_hex) == 16
    int(verification.random_hex, 16)
    banks = {bank.algorithm: bank.pcrs for bank in verification.pcr_banks}
    assert banks["sha256"] == tuple(range(24))
    assert verification.dictionary_attack is not None
    assert not verification.dictionary_attack.in_lockout
    assert verification.tools_version
    # Every step announced its start and its end, in order, for a UI worker.
    assert [(event.step, event.result is None) for event in events] == [
        (step.id, started) for step in verification.steps for started in (True, False)
    ]
    assert all(event.total == len(verification.steps) for event in events)


def test_a_tcti_that_does_not_answer_names_the_port_and_how_to_point_elsewhere() -> None:
    port, _ = free_port_pair()
    verification = _verify(f"swtpm:host=127.0.0.1,port={port}")
    tools, selftest, *rest = verification.steps
    assert tools.status is StepStatus.PASSED
    assert selftest.status is StepStatus.FAILED
    assert selftest.failure is FailureKind.NOT_ANSWERING
    assert f"127.0.0.1 port {port}" in selftest.meaning
    assert f"TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port={port}" in selftest.meaning
    assert "TPM2TOOLS_TCTI" in selftest.remedy
    assert all(step.status is StepStatus.SKIPPED for step in rest)


def test_a_device_that_does_not_exist(tmp_path: Path) -> None:
    verification = _verify(f"device:{tmp_path}/tpmrm0")
    failed = verification.failures[0]
    assert failed.failure is FailureKind.NO_DEVICE
    assert f"No TPM device at {tmp_path}/tpmrm0" in failed.meaning


def test_tools_missing_from_path(tmp_path: Path, swtpm: Swtpm) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    verification = _verify(swtpm.tcti, CommandRunner(env={"PATH": str(empty)}))
    tools = verification.steps[0]
    assert tools.status is StepStatus.FAILED
    assert tools.failure is FailureKind.TOOLS_MISSING
    assert "tpm2-tools is not installed" in tools.meaning
    assert "apt-get install tpm2-tools" in tools.remedy
    assert _statuses(verification)["selftest"] is StepStatus.SKIPPED


def test_a_tpm_never_initialised_is_in_failure_mode_until_init_and_startup(
    swtpm_factory: SwtpmFactory,
) -> None:
    instance = swtpm_factory(flags=None)
    verification = _verify(instance.tcti)
    failed = verification.failures[0]
    assert failed.id == "selftest"
    assert failed.failure is FailureKind.FAILURE_MODE
    assert failed.code == 0x101
    assert "failure mode" in failed.meaning
    assert "swtpm_ioctl -i" in failed.remedy
    assert "tpm2 startup -c" in failed.remedy

    # The remedy it gives works.
    subprocess.run(
        ["swtpm_ioctl", "--tcp", f"127.0.0.1:{instance.control_port}", "-i"],
        check=True,
        capture_output=True,
        timeout=10,
    )
    assert tpm2(instance, "startup", "-c").returncode == 0
    assert _verify(instance.tcti).passed


def test_a_tpm_not_started_says_to_run_startup(swtpm_factory: SwtpmFactory) -> None:
    instance = swtpm_factory(flags="not-need-init")
    verification = _verify(instance.tcti)
    failed = verification.failures[0]
    assert failed.failure is FailureKind.NOT_STARTED
    assert failed.code == 0x100
    assert "has not been started" in failed.meaning
    assert "`tpm2 startup -c`" in failed.remedy
    assert len(verification.failures) == 1  # the rest is skipped, not reported five times

    assert tpm2(instance, "startup", "-c").returncode == 0
    assert _verify(instance.tcti).passed


def test_dictionary_attack_lockout_provoked_with_wrong_passwords(swtpm: Swtpm) -> None:
    index = "0x1500016"
    defined = tpm2(swtpm, "nvdefine", index, "-C", "o", "-s", "8", "-a", "authread|authwrite", "-p", "right")
    assert defined.returncode == 0, defined.stderr
    for _ in range(3):  # swtpm allows 3 failures (TPM2_PT_MAX_AUTH_FAIL)
        assert tpm2(swtpm, "nvread", index, "-P", "wrong", "-s", "8").returncode != 0
    refused = tpm2(swtpm, "nvread", index, "-P", "right", "-s", "8")

    failure = explain_failure(
        CommandResult(("tpm2", "nvread"), refused.returncode, refused.stdout, refused.stderr),
        Tcti(swtpm.tcti, "environment"),
    )
    assert failure.kind is FailureKind.LOCKOUT
    assert failure.code == 0x921
    assert "dictionary-attack lockout" in failure.meaning

    verification = _verify(swtpm.tcti)
    lockout = verification.steps[-1]
    assert lockout.id == "lockout"
    assert lockout.status is StepStatus.FAILED
    assert lockout.failure is FailureKind.LOCKOUT
    assert "3 wrong passwords" in lockout.meaning
    assert "--clear-lockout" in lockout.remedy
    assert verification.dictionary_attack is not None
    assert verification.dictionary_attack.in_lockout
    # The TPM itself still works: only password-protected objects are refused.
    assert _statuses(verification)["random"] is StepStatus.PASSED


def _verify_as_unprivileged(tcti: str) -> dict[str, object]:
    """Run the verification in a forked child that dropped root, through the real runner and tools."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child; its result travels through the pipe
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                nobody = pwd.getpwnam("nobody")
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            step = _verify(tcti).failures[0]
            payload = {"failure": str(step.failure), "meaning": step.meaning, "remedy": step.remedy}
            os.write(write_end, json.dumps(payload).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        data = stream.read()
    os.waitpid(child, 0)
    result: dict[str, object] = json.loads(data)
    return result


def test_permission_denied_on_the_device() -> None:
    # A node root may open and nobody else; as root, the check runs in a child that became nobody. The
    # directory is world-searchable (pytest's tmp_path is not), so that only the node's own mode refuses.
    with tempfile.TemporaryDirectory(prefix="kvm-wizard-tpm-") as directory:
        Path(directory).chmod(0o755)
        device = Path(directory) / "tpmrm0"
        device.touch(mode=0o600 if os.geteuid() == 0 else 0o000)
        result = _verify_as_unprivileged(f"device:{device}")
    assert result["failure"] == "permission-denied"
    assert f"Permission denied on {device}" in str(result["meaning"])
    assert "usermod -aG tss" in str(result["remedy"])
