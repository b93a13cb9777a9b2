"""What every check shares: the impact of a finding on the verdict, and evidence helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from wizard.diagnosis.findings import Evidence, Finding, Remedy, Status
from wizard.host.facts import PathStat
from wizard.host.kernel import device_summary


class Impact(StrEnum):
    """How a finding weighs on the verdict (diagnosis's own bookkeeping, not part of the JSON)."""

    FIXABLE = "fixable"  # KVM is not usable for Nova until a setup step is done
    FIRMWARE = "firmware"  # hardware virtualization is switched off in firmware
    UNSUPPORTED = "unsupported"  # no KVM possible here: emulation only
    RESTRICTION = "restriction"  # KVM works, with a limit the operator must know
    UNKNOWN = "unknown"  # a fact the verdict needs was not observed: the reason says which


@dataclass(frozen=True)
class Assessment:
    finding: Finding
    impact: Impact | None = None
    reason: str = ""  # a short phrase for the verdict's summary: "the kvm_amd module is not loaded"


def assess(
    finding_id: str,
    status: Status,
    title: str,
    evidence: list[Evidence] | tuple[Evidence, ...] = (),
    *,
    remedy: Remedy | None = None,
    detail: str = "",
    impact: Impact | None = None,
    reason: str = "",
) -> Assessment:
    return Assessment(
        Finding(
            id=finding_id,
            status=status,
            title=title,
            evidence=tuple(Evidence(item.source, mask(item.observed)) for item in evidence),
            remedy=remedy,
            detail=detail,
        ),
        impact,
        reason or title,
    )


def stat_evidence(path: str, found: PathStat) -> Evidence:
    return Evidence(f"stat {path}", device_summary(found))


# Shortened text ends in "..." (ASCII): the Unicode ellipsis is not in every console font.
def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shorten_middle(text: str, limit: int = 200) -> str:
    """Like shorten(), but the middle goes: an error message says what was wrong at its end ("but found ...")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    tail = (limit - 5) * 2 // 5
    return f"{text[: limit - 5 - tail]} ... {text[-tail:]}"


def flags_excerpt(flags: frozenset[str], wanted: tuple[str, ...]) -> str:
    """`flags: ... vmx ... hypervisor` (which of the wanted flags are present), short enough for a table."""
    present = [flag for flag in wanted if flag in flags]
    if not present:
        return f"flags: {len(flags)} flags, none of {', '.join(wanted)}"
    return "flags: ... " + " ... ".join(present) + " ..."


# Secrets that could reach evidence (log lines, configuration lines): credentials in URLs and
# `password = value` pairs. Deliberately small; wizard.secrets holds the complete masking rules.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)(?P<user>[^:/@\s]*):[^@\s/]+@", re.I)
_SECRET_PAIR = re.compile(
    r"(?P<key>(?<![\w./\-])[\w.\-]*(?:password|passwd|secret|token|_key)\b[\"']?\s*[=:]\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;&]+)",
    re.IGNORECASE,
)


def mask(text: str) -> str:
    text = _URL_CREDENTIALS.sub(lambda match: f"{match['scheme']}{match['user']}:****@", text)
    return _SECRET_PAIR.sub(lambda match: f"{match['key']}****", text)
