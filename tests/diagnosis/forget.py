"""Forgetting one observation of a host: what the confidence property test takes away, one fact at a time."""

from __future__ import annotations

import dataclasses
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from wizard.demo import list_scenarios, load_demo_facts
from wizard.host.facts import HostFacts, KvmApiProbe, load_facts
from wizard.host.probe import probe

CORPUS = Path(__file__).resolve().parent.parent / "host" / "corpus"
RECORDINGS = Path(__file__).resolve().parent.parent / "fixtures" / "facts"

# Each kind of observation HostFacts records, and how to forget one of it (as if it had never been observed).
_TABLES = ("files", "stats", "dirs", "commands", "executables", "environment")


def observations(facts: HostFacts) -> list[str]:
    """Every single observation in ``facts``, as "table:key" or the name of a whole record."""
    found = [f"{table}:{key}" for table in _TABLES for key in sorted(getattr(facts, table))]
    if facts.cpuid:
        found.append("cpuid")
    if facts.msr:
        found.append("msr")
    if facts.kernel_log_source:
        found.append("kernel_log")
    if facts.kvm.attempted:
        found.append("kvm")
    if facts.udev:
        found.append("udev")
    found.extend(name for name in ("machine", "kernel_release") if getattr(facts, name))
    if facts.euid >= 0:
        found.append("euid")
    if facts.kernel_trees != ():
        found.append("kernel_trees")
    return found


def forget(facts: HostFacts, observation: str) -> HostFacts:
    """``facts`` without one observation: a file, stat, listing or command never recorded, a probe never run."""
    table, _, key = observation.partition(":")
    if key:
        shorter = dict(getattr(facts, table))
        del shorter[key]
        one: dict[str, Any] = {table: shorter}
        return dataclasses.replace(facts, **one)
    not_recorded = "not recorded"
    whole: dict[str, dict[str, Any]] = {
        "cpuid": {"cpuid": {}, "cpuid_error": not_recorded},
        "msr": {"msr": {}, "msr_error": not_recorded},
        "kernel_log": {"kernel_log": (), "kernel_log_source": "", "kernel_log_error": not_recorded},
        "kvm": {"kvm": KvmApiProbe(attempted=False)},
        "udev": {"udev": (), "udev_error": not_recorded},
        "machine": {"machine": ""},
        "kernel_release": {"kernel_release": ""},
        "euid": {"euid": -1},
        "kernel_trees": {"kernel_trees": ()},
    }
    return dataclasses.replace(facts, **whole[observation])


@functools.cache
def demo_hosts() -> dict[str, HostFacts]:
    return {f"demo:{scenario.name}": load_demo_facts(scenario) for scenario in list_scenarios()}


@functools.cache
def corpus_hosts() -> dict[str, HostFacts]:
    """Every corpus host probed under a copy of its tree (the probe reads, but the copy keeps it honest)."""
    found: dict[str, HostFacts] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for path in sorted(item for item in CORPUS.iterdir() if item.is_dir()):
            root = Path(scratch) / path.name
            shutil.copytree(path, root)
            found[f"corpus:{path.name}"] = probe(root)
    return found


@functools.cache
def recorded_hosts() -> dict[str, HostFacts]:
    """Real recordings made with `kvm-wizard check --save-facts` (tests/fixtures/facts)."""
    return {f"recording:{path.stem}": load_facts(path) for path in sorted(RECORDINGS.glob("*.toml"))}


def all_hosts() -> dict[str, HostFacts]:
    return {**demo_hosts(), **recorded_hosts(), **corpus_hosts()}
