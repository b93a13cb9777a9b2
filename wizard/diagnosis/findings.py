"""Diagnosis results: findings with their evidence and remedies, the verdict, and their JSON form.

The JSON form is a contract (``kvm-wizard check --json``); add keys, never rename or remove them without
raising ``schema``::

    {
      "schema": 1,
      "verdict": {
        "code": "ready" | "fixable" | "disabled-in-firmware" | "unsupported" | "limited" | "unknown",
        "summary": "one or two plain sentences"
      },
      "findings": [                       # in the order an operator should act on them
        {
          "id": "kvm-device-permissions", # stable kebab-case id (table in wizard/diagnosis/diagnose.py)
          "status": "pass" | "warn" | "fail" | "info" | "unknown",
          "title": "one line",
          "detail": "more explanation, may be empty",
          "evidence": [                   # what was observed, and where
            {"source": "stat /dev/kvm", "observed": "char 10:232 root:root 0600"}
          ],
          "remedy": null | {
            "summary": "what to do, in one sentence",
            "commands": ["exact shell commands, in order"],
            "settings": ["exact configuration lines, with the file they go in"],
            "why": "why this works, and its consequences",
            "plan_fix": null | "id of a fix kvm-wizard can add to its plan"
          }
        }
      ],
      "facts_source": "live" | "root: DIR" | "recording: PATH" | "demo: NAME"
    }

Exit status of ``check``: 0 when the verdict is ``ready``, 1 otherwise, 2 on usage or input errors.
Secrets in evidence (passwords, URLs with credentials) are masked before they reach a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

REPORT_SCHEMA = 1


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a status word, not a password
    WARN = "warn"
    FAIL = "fail"
    INFO = "info"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Evidence:
    """One observation behind a finding: where it was read and what was seen there (short)."""

    source: str  # "/proc/cpuinfo", "ioctl KVM_GET_API_VERSION on /dev/kvm", "kernel log (/dev/kmsg)"
    observed: str  # "flags: ... vmx ...", "returned 12"


@dataclass(frozen=True)
class Remedy:
    """What to do about a finding: exact commands and settings, and why."""

    summary: str
    commands: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    why: str = ""
    plan_fix: str | None = None  # a fix the planner knows: "load-kvm-modules", "enable-nested", ...


@dataclass(frozen=True)
class Finding:
    id: str
    status: Status
    title: str
    evidence: tuple[Evidence, ...] = ()
    remedy: Remedy | None = None
    detail: str = ""


class VerdictCode(StrEnum):
    READY = "ready"
    FIXABLE = "fixable"
    DISABLED_IN_FIRMWARE = "disabled-in-firmware"
    UNSUPPORTED = "unsupported"
    LIMITED = "limited"
    UNKNOWN = "unknown"  # what was seen does not allow a judgement (see wizard.diagnosis.verdict)


@dataclass(frozen=True)
class Verdict:
    code: VerdictCode
    summary: str  # one or two plain sentences


@dataclass(frozen=True)
class Diagnosis:
    verdict: Verdict
    findings: tuple[Finding, ...]  # in the order an operator should act

    def finding(self, finding_id: str) -> Finding | None:
        """The finding with this id, or None when diagnosis did not produce it for this host."""
        return next((item for item in self.findings if item.id == finding_id), None)


def remedy_to_json(remedy: Remedy) -> dict[str, Any]:
    return {
        "summary": remedy.summary,
        "commands": list(remedy.commands),
        "settings": list(remedy.settings),
        "why": remedy.why,
        "plan_fix": remedy.plan_fix,
    }


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "status": str(finding.status),
        "title": finding.title,
        "detail": finding.detail,
        "evidence": [{"source": item.source, "observed": item.observed} for item in finding.evidence],
        "remedy": remedy_to_json(finding.remedy) if finding.remedy is not None else None,
    }


def diagnosis_to_json(diagnosis: Diagnosis, facts_source: str) -> dict[str, Any]:
    """The ``check --json`` document (schema in this module's docstring)."""
    return {
        "schema": REPORT_SCHEMA,
        "verdict": {"code": str(diagnosis.verdict.code), "summary": diagnosis.verdict.summary},
        "findings": [finding_to_json(item) for item in diagnosis.findings],
        "facts_source": facts_source,
    }
