"""The probe's part of finding where nova-compute and glance-api read their configuration.

It reads (through wizard.host.chain_reader) what wizard.host.config_chain asks for (units, init scripts, /etc/default files, kolla-ansible's and the
snap's directories, the running processes) and records each answer as a fact, then records every file of the
chains found (settings only, secrets masked: wizard.host.ini_record), so that the chain derived again from the
recording is the one found here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from wizard.commands import CommandRunner
from wizard.host.areas import READ_ONLY_COMMANDS
from wizard.host.chain_reader import CollectorChainReader, scan_processes
from wizard.host.collect import Collector
from wizard.host.config_chain import SERVICES, derive_chain, installed
from wizard.host.facts import CommandRun, ProcessSeen
from wizard.host.ini_record import record_ini

# Read-only commands that tell whether kolla-ansible's containers run (only where /etc/kolla exists).
CONTAINER_COMMANDS = {key: READ_ONLY_COMMANDS[key] for key in ("docker ps", "podman ps")}


def _container_commands(
    runner: CommandRunner, executables: dict[str, str], timeout: float
) -> dict[str, CommandRun]:
    results: dict[str, CommandRun] = {}
    for key, argv in CONTAINER_COMMANDS.items():
        path = executables.get(argv[0], "")
        if not path:
            continue
        result = runner.run(argv, timeout=timeout, env={"PATH": str(Path(path).parent)})
        results[key] = CommandRun(
            argv=argv,
            returncode=result.returncode,
            stdout=result.stdout[-4000:],
            stderr=result.stderr[-2000:],
            error=result.error,
        )
    return results


_DEBIAN = re.compile(r"^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b", re.MULTILINE)


def read_services(
    collector: Collector,
    runner: CommandRunner,
    executables: dict[str, str],
    *,
    live: bool,
    timeout: float,
) -> tuple[tuple[ProcessSeen, ...], dict[str, CommandRun]]:
    """Find each service's chain and record every file in it; returns the processes and the commands run."""
    processes = scan_processes(collector)
    commands: dict[str, CommandRun] = {}
    if live and any(collector.stat(spec.kolla_dir).exists for spec in SERVICES):
        commands = _container_commands(runner, executables, timeout)
    reader = CollectorChainReader(collector, processes, commands)
    release = collector.files.get("/etc/os-release") or collector.files.get("/usr/lib/os-release")
    debian = None if release is None or release.content is None else bool(_DEBIAN.search(release.content))
    for spec in SERVICES:
        chain = derive_chain(spec, reader, debian=debian, installed=installed(executables, spec.name))
        for path in (*chain.paths, chain.primary):
            if path not in collector.files:
                collector.read(path, _keep_settings(spec.kind))
    return processes, commands


def _keep_settings(kind: str) -> Callable[[str], tuple[str, bool]]:
    def keep(text: str) -> tuple[str, bool]:
        return record_ini(kind, text), True

    return keep
