"""Verify a TPM 2.0 through tpm2-tools, step by step, with a plain meaning for every result."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from wizard.commands import CommandResult, CommandRunner
from wizard.host.facts import PathStat
from wizard.tpm.parse import (
    DictionaryAttackState,
    PcrBank,
    TpmIdentity,
    parse_dictionary_attack,
    parse_identity,
    parse_pcr_banks,
    parse_tools_version,
)
from wizard.tpm.tss import STOPPING_KINDS, Failure, FailureKind, Tcti, explain_failure


class StepStatus(StrEnum):
    PASSED = "passed"
    WARNING = "warning"  # it works, with something the operator should know
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepResult:
    """One verification step: what ran, the output that matters, and what it means."""

    id: str  # "tools", "selftest", "random", "properties", "pcr-banks", "lockout"
    title: str
    status: StepStatus
    command: str  # as the operator would type it; "" when it did not run
    evidence: tuple[str, ...]  # the key lines of output
    meaning: str
    remedy: str = ""
    failure: FailureKind | None = None
    code: int | None = None  # TSS2 response code, when the tools printed one
    duration: float = 0.0


@dataclass(frozen=True)
class StepProgress:
    """Sent when a step starts (``result`` None) and when it ends; skipped steps only send their end."""

    index: int
    total: int
    step: str
    title: str
    result: StepResult | None


ProgressCallback = Callable[[StepProgress], None]


@dataclass(frozen=True)
class Verification:
    ran: bool
    steps: tuple[StepResult, ...] = ()
    skipped_reason: str = ""  # why it did not run
    tools_version: str = ""
    identity: TpmIdentity | None = None
    pcr_banks: tuple[PcrBank, ...] = ()
    dictionary_attack: DictionaryAttackState | None = None
    random_hex: str = ""

    @property
    def passed(self) -> bool:
        return self.ran and all(step.status in (StepStatus.PASSED, StepStatus.WARNING) for step in self.steps)

    @property
    def failures(self) -> tuple[StepResult, ...]:
        return tuple(step for step in self.steps if step.status is StepStatus.FAILED)


STEPS: tuple[tuple[str, str], ...] = (
    ("tools", "tpm2-tools answer"),
    ("selftest", "Self test (full)"),
    ("random", "Random numbers"),
    ("properties", "Manufacturer and firmware"),
    ("pcr-banks", "PCR banks"),
    ("lockout", "Dictionary-attack lockout"),
)
STEP_TIMEOUT = 30.0  # a full self test of a slow discrete TPM takes a few seconds; a hung one never ends


@dataclass
class _Outcome:
    """What a step's checker concluded from a command that exited 0."""

    status: StepStatus
    meaning: str
    evidence: tuple[str, ...] = ()
    remedy: str = ""
    failure: FailureKind | None = None


class _Verifier:
    def __init__(
        self,
        runner: CommandRunner,
        tcti: Tcti,
        stats: Mapping[str, PathStat],
        on_progress: ProgressCallback | None,
    ) -> None:
        self.runner = runner
        self.tcti = tcti
        self.stats = stats
        self.on_progress = on_progress
        self.multi_call = True  # `tpm2 TOOL`; False for tpm2-tools before 5.0 (`tpm2_TOOL`)
        self.results: list[StepResult] = []
        self.identity: TpmIdentity | None = None
        self.banks: tuple[PcrBank, ...] = ()
        self.dictionary_attack: DictionaryAttackState | None = None
        self.random_hex = ""
        self.tools_version = ""

    def tool(self, name: str, *args: str) -> tuple[str, ...]:
        if self.multi_call:
            return ("tpm2", name, *args)
        return (f"tpm2_{name}", *args)

    def run(self, argv: tuple[str, ...]) -> CommandResult:
        return self.runner.run(argv, env=self.tcti.environment, timeout=STEP_TIMEOUT)

    def report(self, index: int, result: StepResult) -> None:
        self.results.append(result)
        if self.on_progress is not None:
            self.on_progress(StepProgress(index, len(STEPS), result.id, result.title, result))

    def started(self, index: int, step: str, title: str) -> None:
        if self.on_progress is not None:
            self.on_progress(StepProgress(index, len(STEPS), step, title, None))


def _failed(step: str, title: str, result: CommandResult, failure: Failure) -> StepResult:
    evidence = tuple(line for line in (failure.detail,) if line)
    return StepResult(
        step,
        title,
        StepStatus.FAILED,
        result.display,
        evidence,
        failure.meaning,
        failure.remedy,
        failure.kind,
        failure.code,
        result.duration,
    )


def verify_tpm(
    runner: CommandRunner,
    tcti: Tcti,
    *,
    stats: Mapping[str, PathStat] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Verification:
    """Run every step through ``runner`` against the TPM ``tcti`` reaches; read-only but for the self test."""
    verifier = _Verifier(runner, tcti, stats or {}, on_progress)
    stop: StepResult | None = None
    for index, (step, title) in enumerate(STEPS):
        if stop is not None:
            verifier.report(
                index,
                StepResult(
                    step,
                    title,
                    StepStatus.SKIPPED,
                    "",
                    (),
                    f"Not run: the step '{stop.title}' failed ({stop.failure}).",
                ),
            )
            continue
        verifier.started(index, step, title)
        result = _tools_step(verifier) if step == "tools" else _tpm_step(verifier, step, title)
        verifier.report(index, result)
        if result.failure in STOPPING_KINDS:
            stop = result
    return Verification(
        ran=True,
        steps=tuple(verifier.results),
        tools_version=verifier.tools_version,
        identity=verifier.identity,
        pcr_banks=verifier.banks,
        dictionary_attack=verifier.dictionary_attack,
        random_hex=verifier.random_hex,
    )


def _tools_step(verifier: _Verifier) -> StepResult:
    title = dict(STEPS)["tools"]
    result = verifier.run(("tpm2", "--version"))
    if result.error and "not installed" in result.error:
        # tpm2-tools before 5.0 have no multi-call `tpm2`, only the tpm2_* commands.
        older = verifier.run(("tpm2_getrandom", "--version"))
        if older.ok:
            verifier.multi_call = False
            result = older
    if not result.ok:
        return _failed("tools", title, result, explain_failure(result, verifier.tcti, verifier.stats))
    version = parse_tools_version(result.stdout)
    verifier.tools_version = version.version if version else ""
    evidence = (result.stdout.strip(),)
    major = re.match(r"\d+", verifier.tools_version)
    if major and int(major.group(0)) < 4:
        return StepResult(
            "tools",
            title,
            StepStatus.FAILED,
            result.display,
            evidence,
            f"tpm2-tools {verifier.tools_version} is too old: the wizard needs 4.0 or later (options changed).",
            "Install tpm2-tools 4.0 or later from the distribution.",
            FailureKind.TOOLS_MISSING,
            duration=result.duration,
        )
    return StepResult(
        "tools",
        title,
        StepStatus.PASSED,
        result.display,
        evidence,
        f"tpm2-tools {verifier.tools_version or '(version unknown)'} will talk to the TPM through "
        f"{verifier.tcti.description}.",
        duration=result.duration,
    )


def _tpm_step(verifier: _Verifier, step: str, title: str) -> StepResult:
    commands: dict[str, tuple[str, ...]] = {
        "selftest": verifier.tool("selftest", "--fulltest"),
        "random": verifier.tool("getrandom", "8", "--hex"),
        "properties": verifier.tool("getcap", "properties-fixed"),
        "pcr-banks": verifier.tool("pcrread"),
        "lockout": verifier.tool("getcap", "properties-variable"),
    }
    result = verifier.run(commands[step])
    if not result.ok:
        return _failed(step, title, result, explain_failure(result, verifier.tcti, verifier.stats))
    outcome = _CHECKERS[step](verifier, result.stdout)
    return StepResult(
        step,
        title,
        outcome.status,
        shlex.join(result.argv),
        outcome.evidence,
        outcome.meaning,
        outcome.remedy,
        outcome.failure,
        duration=result.duration,
    )


def _check_selftest(verifier: _Verifier, stdout: str) -> _Outcome:
    return _Outcome(StepStatus.PASSED, "The TPM tested all its algorithms and passed.", ("exit status 0",))


def _check_random(verifier: _Verifier, stdout: str) -> _Outcome:
    text = stdout.strip()
    if re.fullmatch(r"[0-9a-fA-F]{16}", text):
        verifier.random_hex = text.lower()
        return _Outcome(StepStatus.PASSED, "The TPM returned 8 random bytes.", (text,))
    return _Outcome(
        StepStatus.FAILED,
        f"Asked for 8 random bytes (16 hex digits), got {len(text)} characters: {text[:40]!r}.",
        (text[:80],),
        "Run `tpm2 getrandom 8 --hex` by hand; a TPM that returns short random data is not usable.",
        FailureKind.UNEXPECTED_OUTPUT,
    )


def _check_properties(verifier: _Verifier, stdout: str) -> _Outcome:
    identity = parse_identity(stdout)
    verifier.identity = identity
    evidence = (
        f"family {identity.family or '?'}",
        f"manufacturer {identity.manufacturer or '?'} ({identity.manufacturer_name or 'unknown'})",
        f"vendor string {identity.vendor_string!r}",
        f"specification revision {identity.revision or '?'}",
        f"firmware {identity.firmware_version or '?'} ({identity.firmware_raw or 'not reported'})",
    )
    if identity.family != "2.0":
        return _Outcome(
            StepStatus.FAILED,
            f"The TPM reports family {identity.family or 'nothing'}, not 2.0.",
            evidence,
            "tpm2-tools and Nova need a TPM 2.0; see the firmware setup for a TPM mode switch.",
            FailureKind.NOT_TPM2,
        )
    return _Outcome(
        StepStatus.PASSED,
        f"A TPM 2.0 made by {identity.manufacturer_name or identity.manufacturer}"
        + (f" ({identity.vendor_string.strip()})" if identity.vendor_string.strip() else "")
        + f", firmware {identity.firmware_version}.",
        evidence,
    )


def _check_banks(verifier: _Verifier, stdout: str) -> _Outcome:
    banks = tuple(bank for bank in parse_pcr_banks(stdout) if bank.pcrs)
    verifier.banks = banks
    evidence = tuple(f"{bank.algorithm}: PCRs {_ranges(bank.pcrs)}" for bank in banks)
    names = [bank.algorithm for bank in banks]
    if not banks:
        return _Outcome(
            StepStatus.FAILED,
            "The TPM has no PCR bank allocated: measured boot cannot record anything.",
            evidence,
            "Allocate a SHA-256 bank: `tpm2 pcrallocate sha256:all`, then power-cycle the host.",
            FailureKind.UNEXPECTED_OUTPUT,
        )
    if "sha256" not in names:
        return _Outcome(
            StepStatus.WARNING,
            f"Only {', '.join(names)} PCR banks are allocated: SHA-1 measurements are weak and most tools "
            "(systemd-cryptenroll, Keylime) expect SHA-256.",
            evidence,
            "Allocate a SHA-256 bank: `tpm2 pcrallocate sha1:all+sha256:all` (or in the firmware setup), then "
            "power-cycle the host.",
        )
    return _Outcome(StepStatus.PASSED, f"PCR banks allocated: {', '.join(names)}.", evidence)


def _check_lockout(verifier: _Verifier, stdout: str) -> _Outcome:
    state = parse_dictionary_attack(stdout)
    verifier.dictionary_attack = state
    if state is None:
        return _Outcome(
            StepStatus.WARNING,
            "The TPM did not report its dictionary-attack state (TPM2_PT_PERMANENT.inLockout).",
            (),
        )
    evidence = (
        f"inLockout {int(state.in_lockout)}, failures {state.failures} of {state.max_failures}, "
        f"one forgiven every {state.interval_seconds} s, lockout-password retry after {state.recovery_seconds} s",
    )
    if state.in_lockout:
        return _Outcome(
            StepStatus.FAILED,
            f"The TPM is in dictionary-attack lockout: {state.failures} wrong passwords reached its limit of "
            f"{state.max_failures}, so keys and NV areas protected by a password refuse to work "
            "(TPM_RC_LOCKOUT, 0x921).",
            evidence,
            f"Wait: one failure is forgiven every {state.interval_seconds} s of powered-on time; or reset it "
            "with the lockout password: `tpm2 dictionarylockout --clear-lockout -p LOCKOUT-PASSWORD`.",
            FailureKind.LOCKOUT,
        )
    if state.failures > 0:
        return _Outcome(
            StepStatus.WARNING,
            f"Not locked out, but {state.failures} of {state.max_failures} allowed password failures are "
            "counted: something is using a wrong password.",
            evidence,
        )
    return _Outcome(StepStatus.PASSED, "Not locked out; no password failures counted.", evidence)


_CHECKERS: dict[str, Callable[[_Verifier, str], _Outcome]] = {
    "selftest": _check_selftest,
    "random": _check_random,
    "properties": _check_properties,
    "pcr-banks": _check_banks,
    "lockout": _check_lockout,
}


def _ranges(numbers: tuple[int, ...]) -> str:
    """0, 1, 2, 3, 7 -> "0-3, 7"."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in (*numbers[1:], None):
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)
