"""The ChainReader of the probe: the host under a root, each answer recorded in the facts (wizard.host.collect).

The probe derives the services' chains with it (wizard.host.service_probe), and so does the Ansible export's
module on each node (which carries this file), so that both find the chain the same way.
"""

from __future__ import annotations

from wizard import rootfs
from wizard.host.collect import Collector, read_under
from wizard.host.config_chain import SERVICES, keep_for
from wizard.host.facts import CommandRun, FileRead, ProcessSeen

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
