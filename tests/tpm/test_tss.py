"""Failure explanations from stderr that tpm2-tools 5.4 really printed (recorded on Debian 12 with swtpm)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.commands import CommandResult
from wizard.host.facts import PathStat
from wizard.tpm import FailureKind, Tcti, explain_failure
from wizard.tpm.tss import response_code

SWTPM = Tcti("swtpm:host=127.0.0.1,port=23299", "environment")
DEFAULT = Tcti("", "default")

# Real stderr of tpm2-tools 5.4, kept byte for byte (the TSS logger ends lines with a space). eacces.txt was
# recorded with a root-only file as the device, run as nobody, its path then replaced with /dev/tpmrm0.
RECORDED = Path(__file__).parent / "stderr"
REFUSED, NO_DEFAULT_TCTI, EACCES, FAILURE, INITIALIZE, LOCKOUT, AUTH_FAIL, BOGUS = (
    (RECORDED / f"{name}.txt").read_text()
    for name in (
        "refused",
        "no_default_tcti",
        "eacces",
        "failure",
        "initialize",
        "lockout",
        "auth_fail",
        "bogus",
    )
)


def _failed(stderr: str, returncode: int = 1) -> CommandResult:
    return CommandResult(("tpm2", "selftest", "--fulltest"), returncode, "", stderr)


@pytest.mark.parametrize(
    ("stderr", "tcti", "kind", "code", "words"),
    [
        (REFUSED, SWTPM, FailureKind.NOT_ANSWERING, None, "Nothing answers at 127.0.0.1 port 23299"),
        (NO_DEFAULT_TCTI, DEFAULT, FailureKind.NO_DEVICE, None, "neither /dev/tpmrm0 nor /dev/tpm0 exists"),
        (
            EACCES,
            Tcti("device:/dev/tpmrm0", "environment"),
            FailureKind.PERMISSION_DENIED,
            None,
            "/dev/tpmrm0",
        ),
        (FAILURE, SWTPM, FailureKind.FAILURE_MODE, 0x101, "failure mode"),
        (INITIALIZE, SWTPM, FailureKind.NOT_STARTED, 0x100, "has not been started"),
        (LOCKOUT, SWTPM, FailureKind.LOCKOUT, 0x921, "dictionary-attack lockout"),
        (AUTH_FAIL, SWTPM, FailureKind.AUTHORIZATION, 0x98E, "wrong"),
        (
            BOGUS,
            Tcti("bogus", "environment"),
            FailureKind.TCTI_UNUSABLE,
            None,
            "could not load the TCTI 'bogus'",
        ),
    ],
)
def test_recorded_failures_are_explained(
    stderr: str, tcti: Tcti, kind: FailureKind, code: int | None, words: str
) -> None:
    failure = explain_failure(_failed(stderr), tcti)
    assert failure.kind is kind
    assert failure.code == code
    assert words in failure.meaning
    assert failure.remedy


def test_connection_refused_says_which_tcti_and_how_to_change_it() -> None:
    failure = explain_failure(_failed(REFUSED), SWTPM)
    assert "TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=23299 (from the environment)" in failure.meaning
    assert "device:/dev/tpmrm0" in failure.remedy
    assert failure.stops_verification


def test_permission_denied_shows_the_nodes_mode_and_group() -> None:
    node = PathStat(exists=True, kind="char", mode=0o660, uid=0, gid=109, owner="tss", group="tss")
    failure = explain_failure(_failed(EACCES), DEFAULT, {"/dev/tpmrm0": node})
    assert "(/dev/tpmrm0 is mode 0660, owner tss, group tss)" in failure.meaning
    assert "usermod -aG tss" in failure.remedy


def test_runner_errors() -> None:
    missing = CommandResult(("tpm2", "--version"), None, error="tpm2 is not installed (not found on PATH)")
    assert explain_failure(missing, DEFAULT).kind is FailureKind.TOOLS_MISSING
    assert "zypper install tpm2.0-tools" in explain_failure(missing, DEFAULT).remedy
    slow = CommandResult(("tpm2", "selftest"), None, error="timed out after 30 s")
    timed_out = explain_failure(slow, SWTPM)
    assert timed_out.kind is FailureKind.TIMED_OUT
    assert "swtpm:host=127.0.0.1,port=23299" in timed_out.meaning


def test_response_codes_through_a_resource_manager_and_unknown_ones() -> None:
    # tpm2-abrmd passes the TPM's code with its own layer (12) in the upper bits.
    relayed = explain_failure(_failed("ERROR: Esys_SelfTest(0xC0101) - tpm:error(2.0): failure\n"), DEFAULT)
    assert relayed.kind is FailureKind.FAILURE_MODE
    broken = explain_failure(_failed("ERROR: Esys_GetRandom(0xA000A) - tcti:IO failure\n"), SWTPM)
    assert broken.kind is FailureKind.NOT_ANSWERING
    unknown = explain_failure(
        _failed("ERROR: Esys_X(0x1C4) - tpm:parameter(1):value is out of range\n"), SWTPM
    )
    assert unknown.kind is FailureKind.TPM_ERROR
    assert "0x1C4 - tpm:parameter(1):value is out of range" in unknown.meaning
    assert response_code(FAILURE) == (
        0x101,
        "tpm:error(2.0): commands not being accepted because of a TPM failure",
    )
    assert response_code("nothing here") == (None, "")
