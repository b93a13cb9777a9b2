"""The TPM status of a host: detection, tools, verification and vTPM in one record, for the CLI and the TUI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from wizard.commands import CommandRunner
from wizard.diagnosis.checks.secure_boot import secure_boot_finding
from wizard.diagnosis.findings import Finding
from wizard.host.facts import HostFacts
from wizard.host.secure_boot import HostSecureBoot, read_secure_boot
from wizard.tpm.detect import STILL_POSSIBLE, TpmDetection, TpmKind, detect_tpm
from wizard.tpm.tools import PackageInstall, Tpm2Tools, detect_tools, tools_install
from wizard.tpm.tss import FailureKind, Tcti, tcti_from_environment
from wizard.tpm.verify import ProgressCallback, StepStatus, Verification, verify_tpm
from wizard.tpm.vtpm import VtpmAssessment, assess_vtpm

STATUS_SCHEMA = 1


@dataclass(frozen=True)
class TpmStatus:
    """Everything the wizard knows about the host's TPM, and what to do next."""

    source: str  # the facts' source: "live", "recording: PATH"
    root: str
    detection: TpmDetection
    tools: Tpm2Tools
    install: PackageInstall | None  # installs tpm2-tools when missing
    tcti: Tcti
    verification: Verification
    vtpm: VtpmAssessment
    ok: bool  # a TPM 2.0 is there and nothing is wrong with it: exit status 0
    summary: str
    problems: tuple[str, ...]
    remedies: tuple[str, ...]
    notes: tuple[str, ...]  # true and worth knowing, but nothing to fix
    secure_boot: HostSecureBoot  # the host's own Secure Boot state
    secure_boot_finding: Finding  # what it means (the Host check's secure-boot finding)


def verification_plan(
    facts: HostFacts, detection: TpmDetection, tcti: Tcti, *, live: bool, requested: bool = True
) -> str:
    """Why the TPM will not be talked to, or "" when it will.

    A recording or another root describes another machine: its TPM is not the one the tools would reach,
    unless the operator names one with TPM2TOOLS_TCTI (a simulator, a remote tpm2-abrmd).
    """
    if not requested:
        return "Not verified: verification was not asked for."
    if tcti.source == "environment":
        return ""
    if not live:
        return (
            "Not verified: the facts describe another host or root, whose TPM this machine cannot reach; set "
            "TPM2TOOLS_TCTI to verify a TPM anyway."
        )
    if detection.kind is TpmKind.TPM2 or (detection.kind is TpmKind.UNKNOWN and detection.devices):
        return ""
    return "Not verified: there is no TPM 2.0 device to talk to (set TPM2TOOLS_TCTI to use another TPM)."


def build_status(
    facts: HostFacts,
    *,
    environment: Mapping[str, str],
    runner: CommandRunner | None = None,
    live: bool = False,
    verify: bool = True,
    on_progress: ProgressCallback | None = None,
) -> TpmStatus:
    """Assess the TPM of ``facts``; with a runner, verify it through tpm2-tools (seconds: run in a worker).

    ``live`` says that the facts were just observed on this machine at root "/", so that its TPM is the one
    the tools reach; ``environment`` supplies TPM2TOOLS_TCTI.
    """
    detection = detect_tpm(facts)
    tools = detect_tools(facts)
    tcti = tcti_from_environment(environment)
    skipped = verification_plan(facts, detection, tcti, live=live, requested=verify and runner is not None)
    if skipped or runner is None:
        verification = Verification(ran=False, skipped_reason=skipped)
    else:
        verification = verify_tpm(runner, tcti, stats=facts.stats, on_progress=on_progress)
    return _conclude(facts, detection, tools, tcti, verification)


def _conclude(
    facts: HostFacts, detection: TpmDetection, tools: Tpm2Tools, tcti: Tcti, verification: Verification
) -> TpmStatus:
    if verification.tools_version and not tools.version:
        tools = replace(tools, version=verification.tools_version)
    install = tools_install(facts, tools)
    problems: list[str] = []
    remedies: list[str] = []
    notes: list[str] = list(detection.warnings)
    if detection.kind in (TpmKind.NONE, TpmKind.TPM12):
        notes.append(STILL_POSSIBLE)
    verified = verification.passed
    identity = verification.identity
    if verified and identity is not None:
        where = "" if tcti.source == "default" else f" through {tcti.value}"
        summary = (
            f"TPM 2.0 verified{where}: {identity.manufacturer_name or identity.manufacturer}"
            + (f" {identity.vendor_string!r}" if identity.vendor_string else "")
            + f", firmware {identity.firmware_version}."
        )
        if detection.kind is not TpmKind.TPM2 and tcti.source == "environment":
            notes.append(
                "This host has no TPM 2.0 device of its own: the TPM verified is the one the TCTI reaches."
            )
    else:
        summary = detection.summary
        # A TCTI named by the operator replaces the host's own TPM: only its verification matters then.
        if tcti.source == "default" or not verification.ran:
            problems.extend(detection.problems)
            remedies.extend(detection.hints)
    tools_missing = tools.recorded and not tools.installed
    if tools_missing and not verified:
        problems.append(
            "tpm2-tools is not installed" + (f" under {facts.root}." if facts.root != "/" else ".")
        )
        remedies.append(
            f"Install it: {' '.join(install.argv)}"
            if install
            else "Install tpm2-tools with the package manager."
        )
    for step in verification.failures:
        if step.failure is FailureKind.TOOLS_MISSING and tools_missing:
            continue
        problems.append(f"{step.title}: {step.meaning}")
        if step.remedy and step.remedy not in remedies:
            remedies.append(step.remedy)
    if verification.failures:
        summary = f"{detection.summary} Verification failed: {verification.failures[0].meaning}"
    elif not verification.ran and detection.kind is TpmKind.TPM2:
        summary += f" {verification.skipped_reason}"
    ok = not problems and (verified or detection.kind is TpmKind.TPM2)
    return TpmStatus(
        source=facts.source,
        root=facts.root,
        detection=detection,
        tools=tools,
        install=install,
        tcti=tcti,
        verification=verification,
        vtpm=assess_vtpm(facts),
        ok=ok,
        summary=summary,
        problems=tuple(problems),
        remedies=tuple(remedies),
        notes=tuple(notes),
        secure_boot=read_secure_boot(facts),
        secure_boot_finding=secure_boot_finding(read_secure_boot(facts)),
    )


def status_to_json(status: TpmStatus) -> dict[str, Any]:
    """The stable JSON form of a status (schema in wizard.cli.tpm's docstring)."""
    detection = status.detection
    verification = status.verification
    identity = verification.identity
    attack = verification.dictionary_attack
    return {
        "schema": STATUS_SCHEMA,
        "source": status.source,
        "root": status.root,
        "ok": status.ok,
        "summary": status.summary,
        "problems": list(status.problems),
        "remedies": list(status.remedies),
        "notes": list(status.notes),
        "tpm": {
            "kind": detection.kind.value,
            "summary": detection.summary,
            "devices": [
                {
                    "name": device.name,
                    "version": device.version,
                    "driver": device.driver,
                    "description": device.description,
                    "source": device.source,
                    "nodes": [
                        {
                            "path": node.path,
                            "role": role,
                            "exists": node.exists,
                            "mode": f"{node.mode:04o}" if node.exists else None,
                            "owner": node.owner or None,
                            "group": node.group or None,
                        }
                        for role, node in (
                            ("direct", device.device),
                            ("resource-manager", device.resource_manager),
                        )
                    ],
                }
                for device in detection.devices
            ],
            "warnings": list(detection.warnings),
            "hints": list(detection.hints),
            "evidence": list(detection.evidence),
        },
        "tools": {
            "installed": status.tools.installed if status.tools.recorded else None,
            "multi_call": status.tools.multi_call or None,
            "split_tools": list(status.tools.split_tools),
            "version": verification.tools_version or status.tools.version or None,
            "install": None
            if status.install is None
            else {"id": status.install.id, "argv": list(status.install.argv), "reversible": False},
        },
        "tcti": {
            "value": status.tcti.value or None,
            "source": status.tcti.source,
            "description": status.tcti.description,
        },
        "verification": {
            "ran": verification.ran,
            "passed": verification.passed,
            "skipped_reason": verification.skipped_reason or None,
            "steps": [
                {
                    "id": step.id,
                    "title": step.title,
                    "status": step.status.value,
                    "command": step.command or None,
                    "evidence": list(step.evidence),
                    "meaning": step.meaning,
                    "remedy": step.remedy or None,
                    "failure": step.failure.value if step.failure else None,
                    "code": f"0x{step.code:X}" if step.code is not None else None,
                    "seconds": round(step.duration, 3),
                }
                for step in verification.steps
            ],
            "identity": None
            if identity is None
            else {
                "family": identity.family,
                "manufacturer": identity.manufacturer,
                "manufacturer_name": identity.manufacturer_name,
                "vendor_string": identity.vendor_string,
                "revision": identity.revision,
                "firmware_version": identity.firmware_version,
                "firmware_raw": identity.firmware_raw,
            },
            "pcr_banks": {bank.algorithm: list(bank.pcrs) for bank in verification.pcr_banks},
            "random_bytes": len(verification.random_hex) // 2 if verification.random_hex else None,
            "dictionary_attack": None
            if attack is None
            else {
                "in_lockout": attack.in_lockout,
                "failures": attack.failures,
                "max_failures": attack.max_failures,
                "interval_seconds": attack.interval_seconds,
                "recovery_seconds": attack.recovery_seconds,
            },
        },
        "vtpm": {
            "available": status.vtpm.available,
            "problems": list(status.vtpm.problems),
            "warnings": list(status.vtpm.warnings),
            "swtpm": status.vtpm.swtpm or None,
            "swtpm_setup": status.vtpm.swtpm_setup or None,
            "user": status.vtpm.user,
            "group": status.vtpm.group,
            "user_exists": status.vtpm.user_exists,
            "group_exists": status.vtpm.group_exists,
            "options": [
                {"section": section, "key": key, "value": value}
                for section, key, value in status.vtpm.options
            ],
        },
        "secure_boot": {
            "state": status.secure_boot.state.value,
            "lockdown": status.secure_boot.lockdown or None,
            "status": status.secure_boot_finding.status.value,
            "title": status.secure_boot_finding.title,
            "detail": status.secure_boot_finding.detail,
            "evidence": [
                {"source": item.source, "observed": item.observed}
                for item in status.secure_boot_finding.evidence
            ],
        },
    }


def step_counts(verification: Verification) -> dict[str, int]:
    counts = {status.value: 0 for status in StepStatus}
    for step in verification.steps:
        counts[step.status.value] += 1
    return counts
