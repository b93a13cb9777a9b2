"""Host check: detection and diagnosis, the verdict in words, and where the answers start (the node as it is,
the host's suggestions only where nothing is configured: the engine's wizard.plan.start decides)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.said import VERDICT_WORDS, Said
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.diagnosis.findings import Diagnosis
    from wizard.host.facts import HostFacts


@dataclass(frozen=True)
class KnownHost:
    facts: HostFacts
    diagnosis: Diagnosis


@dataclass(frozen=True)
class HostCheckResult:
    facts: HostFacts
    diagnosis: Diagnosis
    answers: Answers | None  # where the answers start, when the session has none yet
    fixes: dict[str, bool]  # fix id -> ticked, for the fixes this step offered


@dataclass(frozen=True)
class Detected:
    host: KnownHost
    answers: Answers | None
    origin: str  # where the answers came from, for the operator ("" when none were asked for)


def detecting(source: HostSource, seconds: float) -> str:
    return f"Detecting {source.describe()}: reading /proc, /sys, /dev and /etc ({seconds:.0f} s)"


def detect(source: HostSource, *, want_answers: bool) -> Detected:
    """Detection and diagnosis (a live probe takes seconds: a worker's or the line mode's wait), and the
    answers to start from when they are wanted."""
    from wizard.diagnosis.diagnose import diagnose

    facts = source.load_facts()
    diagnosis = diagnose(facts)
    answers, origin = start_answers(facts, source) if want_answers else (None, "")
    return Detected(KnownHost(facts, diagnosis), answers, origin)


def start_answers(facts: HostFacts, source: HostSource) -> tuple[Answers, str]:
    """Where the answers start: the engine's decision (the node as it is, suggestions where nothing is
    configured); consent to software emulation is never among them."""
    from wizard.plan.start import start_for  # loaded by the detection's diagnosis already

    name = source.scenario or ("this host" if source.live else str(source.root))
    start = start_for(facts, source.root or Path("/"), name)
    return start.answers, start.origin


def verdict(diagnosis: Diagnosis) -> Said:
    code = diagnosis.verdict.code.value
    return Said(f"Verdict: {code}. {diagnosis.verdict.summary}", VERDICT_WORDS.get(code, "unknown"))


def fixes_in(answers: Answers) -> frozenset[str]:
    """The setup plan's fixes these answers include."""
    from wizard.plan.fixes import fixes_in as included  # loaded by the detection already

    return included(answers)
