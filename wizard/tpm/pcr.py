"""PCRs through tpm2-tools: read one, extend one with a digest, and replay an event log the way the TPM extends.

Extending PCR n with digest d sets it to H(old || d), H being the bank's hash; a PCR the measured configuration
uses (16 or 23) starts at 32 zero bytes after every reset and every boot. Nothing here decides what is
measured: wizard.apply.measure does.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from wizard.commands import CommandResult, CommandRunner
from wizard.tpm.tss import Failure, FailureKind, Tcti, explain_failure

# Into which PCR a node's generations are measured (wizard.apply.measure), in the state directory of
# wizard.apply.state; the node's current choice of tpm.measure (wizard.plan.node) is read from it.
MEASURE_SETTING = "/var/lib/kvm-wizard/measure.toml"
BANK = "sha256"
DIGEST_BYTES = 32
RESET_VALUE = "00" * DIGEST_BYTES  # PCRs 16 and 23 after a reset or a boot
TIMEOUT = 30.0
_VALUE = re.compile(r"^\s*(\d+)\s*:\s*0x([0-9A-Fa-f]+)\s*$")


def replay(digests: list[str] | tuple[str, ...], initial: str = RESET_VALUE) -> str:
    """The PCR value after extending ``initial`` with each digest in order (hex in, hex out)."""
    value = bytes.fromhex(initial)
    for digest in digests:
        value = hashlib.sha256(value + bytes.fromhex(digest)).digest()
    return value.hex()


def valid_digest(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{64}", text))


@dataclass(frozen=True)
class PcrOutcome:
    """What the TPM said: the value (hex, lower case) or the failure with its meaning and remedy."""

    value: str | None
    result: CommandResult
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


def parse_pcr_value(text: str, pcr: int) -> str | None:
    """The value of ``pcr`` in the sha256 bank of `tpm2 pcrread` (or `tpm2 quote`, `checkquote`) output."""
    bank = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.endswith(":") and not stripped[:-1].isdigit():
            bank = stripped[:-1]
            continue
        match = _VALUE.match(line)
        if match and bank == BANK and int(match[1]) == pcr:
            return match[2].lower()
    return None


def run_tool(
    runner: CommandRunner, tcti: Tcti, name: str, *arguments: str, timeout: float = TIMEOUT
) -> CommandResult:
    """`tpm2 NAME ARGS` (tpm2-tools 5's multi-call program), or `tpm2_NAME ARGS` where only those exist (4.x)."""
    result = runner.run(("tpm2", name, *arguments), env=tcti.environment, timeout=timeout)
    if result.error and "not installed" in result.error:
        older = runner.run((f"tpm2_{name}", *arguments), env=tcti.environment, timeout=timeout)
        if not (older.error and "not installed" in older.error):
            return older
    return result


def read_pcr(runner: CommandRunner, tcti: Tcti, pcr: int) -> PcrOutcome:
    result = run_tool(runner, tcti, "pcrread", f"{BANK}:{pcr}")
    if not result.ok:
        return PcrOutcome(None, result, explain_failure(result, tcti))
    value = parse_pcr_value(result.stdout, pcr)
    if value is None:
        return PcrOutcome(
            None,
            result,
            Failure(
                FailureKind.UNEXPECTED_OUTPUT,
                f"The TPM has no {BANK} bank with PCR {pcr} (`tpm2 pcrread {BANK}:{pcr}` showed none).",
                "Allocate a SHA-256 bank: `tpm2 pcrallocate sha256:all`, then power-cycle the host.",
            ),
        )
    return PcrOutcome(value, result)


def extend_pcr(runner: CommandRunner, tcti: Tcti, pcr: int, digest: str) -> PcrOutcome:
    """Extend ``pcr`` with ``digest`` and read it back; the value is None when either failed."""
    result = run_tool(runner, tcti, "pcrextend", f"{pcr}:{BANK}={digest}")
    if not result.ok:
        return PcrOutcome(None, result, explain_failure(result, tcti))
    return read_pcr(runner, tcti, pcr)
