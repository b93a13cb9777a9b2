"""The probe's part of finding where nova-compute and glance-api read their configuration.

It reads what wizard.host.config_chain asks for (units, init scripts, /etc/default files, kolla-ansible's and the
snap's directories, the running processes) and records each answer as a fact, then records every file of the
chains found (settings only, secrets masked: wizard.host.ini_record), so that the chain derived again from the
recording is the one found here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from wizard import rootfs
from wizard.commands import CommandRunner
from wizard.host.areas import READ_ONLY_COMMANDS
from wizard.host.collect import Collector, read_under
from wizard.host.config_chain import SERVICES, derive_chain, installed, keep_for
from wizard.host.facts import CommandRun, FileRead, ProcessSeen
from wizard.host.ini_record import record_ini

# Read-only commands that tell whether kolla-ansible's containers run (only where /etc/kolla exists).
CONTAINER_COMMANDS = {key: READ_ONLY_COMMANDS[key] for key in ("docker ps", "podman ps")}
_NAMES = {spec.name for spec in SERVICES}
MAX_PROCESSES = 100_000


class CollectorChainReader:
    """A ChainReader over the host under the collector's root; every answer is recorded in the facts."""

    def __init__(
        self, collector: Collector, processes: tuple[ProcessSeen, ...], commands: dict[str, CommandRun]
    ):
        self.collector = collector
        self._processes = processes
        self.commands = commands

    def text(self, path: str) -> str | None:
        recorded = self.collector.files.get(path)
        if recorded is not None:
            return recorded.content
        data = self.collector.read_bytes(path)
        if data is None:
            return None
        kept = keep_for(path, data.decode("utf-8", "replace"))
        self.collector.files[path] = FileRead(content=kept, truncated=kept != data.decode("utf-8", "replace"))
        return kept

    def exists(self, path: str) -> bool | None:
        found = self.collector.stats.get(path) or self.collector.stat(path)
        return None if found.error is not None else found.exists

    def listing(self, path: str) -> tuple[str, ...] | None:
        if path not in self.collector.dirs:
            self.collector.listdir(path)
        listed = self.collector.dirs[path]
        if listed.error is not None:
            return () if listed.error.startswith(("ENOENT", "ENOTDIR")) else None
        return listed.names

    def processes(self) -> tuple[ProcessSeen, ...] | None:
        return self._processes

    def command_output(self, key: str) -> str | None:
        run = self.commands.get(key)
        return run.stdout if run is not None and run.returncode == 0 else None


def scan_processes(collector: Collector) -> tuple[ProcessSeen, ...]:
    """nova-compute and glance-api in /proc under the root, by their command line (a Python interpreter may come
    first); a process that ends while it is read is simply not there."""
    found: list[ProcessSeen] = []
    names = [name for name in collector.listdir("/proc", record=False) if name.isdigit()]
    if not names and "/proc" not in collector.dirs:
        collector.errors.append(
            "/proc lists no process: nova-compute and glance-api were not looked for there"
        )
    for name in names[:MAX_PROCESSES]:
        try:
            raw = read_under(collector.root, f"/proc/{name}/cmdline")
        except (OSError, rootfs.PathEscapeError):
            continue
        argv = tuple(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)
        if not any(part.rsplit("/", 1)[-1] in _NAMES for part in argv[:2]):
            continue
        try:
            cgroup = read_under(collector.root, f"/proc/{name}/cgroup").decode("utf-8", "replace")
        except (OSError, rootfs.PathEscapeError):
            cgroup = ""
        found.append(ProcessSeen(int(name), argv, (cgroup.splitlines() or [""])[0].strip()))
    return tuple(sorted(found, key=lambda process: process.pid))


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
