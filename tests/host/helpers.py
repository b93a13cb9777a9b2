"""Hand-made facts for check tests: a realistic demo host, changed in the one place a test is about."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from wizard.demo import load_demo_facts, load_scenario
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Diagnosis, Finding
from wizard.host.facts import FileRead, HostFacts, PathStat, load_facts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@functools.cache
def demo(name: str) -> HostFacts:
    """A demo host's facts (cached: parsing TOML is the slow part; tests replace, never mutate)."""
    return load_demo_facts(load_scenario(name))


def recording(name: str) -> HostFacts:
    return load_facts(FIXTURES / "facts" / name)


def with_file(facts: HostFacts, path: str, content: str | None = None, error: str | None = None) -> HostFacts:
    files = dict(facts.files)
    files[path] = FileRead(content=content, error=error)
    return dataclasses.replace(facts, files=files)


def without_file(facts: HostFacts, path: str) -> HostFacts:
    """As if the file did not exist (the probe records ENOENT)."""
    return with_file(facts, path, error="ENOENT: No such file or directory")


def with_stat(facts: HostFacts, path: str, found: PathStat) -> HostFacts:
    stats = dict(facts.stats)
    stats[path] = found
    return dataclasses.replace(facts, stats=stats)


def char_device(major: int, minor: int, *, group: str = "kvm", gid: int = 108, mode: int = 0o660) -> PathStat:
    return PathStat(
        exists=True,
        kind="char",
        mode=mode,
        uid=0,
        gid=gid,
        owner="root",
        group=group,
        major=major,
        minor=minor,
    )


def find(diagnosis: Diagnosis, finding_id: str) -> Finding:
    found = diagnosis.finding(finding_id)
    assert found is not None, f"no finding {finding_id}: {[item.id for item in diagnosis.findings]}"
    return found


def all_commands(diagnosis: Diagnosis) -> list[str]:
    return [command for item in diagnosis.findings if item.remedy for command in item.remedy.commands]


def run(facts: HostFacts) -> Diagnosis:
    return diagnose(facts)
