"""make_bundle(): collect, mask and write a support bundle for a host and its root."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wizard import __version__
from wizard.bundle.archive import default_name, write_bundle
from wizard.bundle.contents import LOG_LINES, Member, collect
from wizard.host.facts import HostFacts
from wizard.rescue.report import RescueReport, build_report


@dataclass(frozen=True)
class BundleResult:
    path: Path
    members: tuple[str, ...]
    size: int
    seconds: float


def _readme(facts: HostFacts, root: Path, created: datetime, members: list[Member]) -> Member:
    text = f"""kvm-wizard support bundle

Made {created:%Y-%m-%d %H:%M:%S %z} by kvm-wizard {__version__}; facts: {facts.source}; files under {root}.
Every secret is masked as ****: passwords, transport_url and database connection strings, keys and tokens,
credentials in URLs. Option values are masked by option (nova's and glance's own secret flags), free text
(logs, command output) by pattern.

facts.toml          what the probe observed (the configuration files as settings with line numbers)
findings.json       the verdict, every finding (config problems with their file and line) and the fixes
                    kvm-wizard offers, with their diffs; the format of kvm-wizard rescue --report --json
config/             every file nova-compute and glance-api read (nova.conf, nova-compute.conf, nova-dist.conf,
                    nova.conf.d, kolla-ansible's), and nova.conf and glance-api.conf, as they are now;
                    config/chains.txt: which files each service reads, in which order (a later file wins)
answers.toml        the answers last applied
generations/N/      each snapshot's manifest and what its transaction changed; drift.txt: hand edits since
logs/               the last {LOG_LINES} lines of nova-compute's, libvirtd's and kvm-wizard's logs, and the
                    kernel log lines the probe kept

Members: {", ".join(member.name for member in members)}
"""
    return Member("README.txt", text.encode("utf-8"))


def bundle_members(
    facts: HostFacts,
    root: Path,
    created: datetime,
    *,
    report: RescueReport | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Member]:
    """Every member of the bundle, masked, its README first."""
    if report is None:
        report = build_report(facts, root)
    members = collect(facts, root, report, progress=progress)
    members.insert(0, _readme(facts, root, created, members))
    return members


def make_bundle(
    facts: HostFacts,
    root: Path,
    output: Path | None = None,
    *,
    report: RescueReport | None = None,
    progress: Callable[[str], None] | None = None,
) -> BundleResult:
    """Write the bundle to ``output`` (a file, or a directory for the default name; default: here)."""
    started = time.perf_counter()
    created = datetime.now().astimezone()
    members = bundle_members(facts, root, created, report=report, progress=progress)
    target = output if output is not None else Path.cwd()
    if target.is_dir():
        target = target / default_name(created)
    write_bundle(members, target, created)
    return BundleResult(
        target,
        tuple(member.name for member in members),
        target.stat().st_size,
        round(time.perf_counter() - started, 4),
    )
