"""The distribution and its services as the facts show them: family, module files, tools, TPM, nova logs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from wizard.host.areas import MODPROBE_DIRS
from wizard.host.facts import HostFacts
from wizard.host.module_persistence import ModulePersistence, modules_file, persistence_of
from wizard.host.parsing import (
    ModprobeOption,
    parse_blacklist,
    parse_modprobe_options,
    parse_module_list,
    parse_os_release,
)
from wizard.host.patterns import KNOWN_ERRORS, SERVICE_START, KnownError, log_process


class DistroFamily(StrEnum):
    DEBIAN = "debian"
    RHEL = "rhel"
    SUSE = "suse"
    ARCH = "arch"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Distribution:
    id: str
    id_like: tuple[str, ...]
    name: str  # PRETTY_NAME
    version_id: str
    family: DistroFamily
    persistence: ModulePersistence
    package_manager: str | None  # "apt-get", "dnf", "yum", "zypper", "pacman"; None when none is installed
    os_release_error: str | None = None

    @property
    def modules_file(self) -> str:
        """The file a module to load at boot is added to."""
        return modules_file(self.persistence)

    @property
    def default_qemu_user(self) -> str:
        """The account libvirt runs QEMU as when qemu.conf does not say."""
        return "libvirt-qemu" if self.family is DistroFamily.DEBIAN else "qemu"


_FAMILIES = (
    ({"debian", "ubuntu", "linuxmint", "raspbian", "pop", "devuan", "kali"}, DistroFamily.DEBIAN),
    (
        {"rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn", "openeuler", "anolis"},
        DistroFamily.RHEL,
    ),
    ({"suse", "sles", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sle-micro"}, DistroFamily.SUSE),
    ({"arch", "manjaro", "endeavouros"}, DistroFamily.ARCH),
)
PACKAGE_MANAGERS = {
    DistroFamily.DEBIAN: ("apt-get",),
    DistroFamily.RHEL: ("dnf", "yum"),
    DistroFamily.SUSE: ("zypper",),
    DistroFamily.ARCH: ("pacman",),
}


def read_distribution(facts: HostFacts) -> Distribution:
    text = facts.text("/etc/os-release")
    if text is None:
        text = facts.text("/usr/lib/os-release")
    release = parse_os_release(text or "")
    os_id = release.get("ID", "").lower()
    like = tuple(release.get("ID_LIKE", "").lower().split())
    family = DistroFamily.UNKNOWN if text is None else DistroFamily.OTHER
    for names in (os_id, *like):
        match = next((fam for ids, fam in _FAMILIES if names in ids), None)
        if match is not None:
            family = match
            break
    persistence = persistence_of(
        debian_family=family is DistroFamily.DEBIAN, has_etc_modules=facts.text("/etc/modules") is not None
    )
    manager = next(
        (name for name in PACKAGE_MANAGERS.get(family, ()) if facts.executables.get(name)),
        None,
    ) or next(
        (name for name in ("apt-get", "dnf", "yum", "zypper", "pacman") if facts.executables.get(name)), None
    )
    error = None
    if text is None:
        read = facts.files.get("/etc/os-release")
        error = read.error if read is not None else "not recorded"
    return Distribution(
        id=os_id,
        id_like=like,
        name=release.get("PRETTY_NAME") or release.get("NAME", os_id),
        version_id=release.get("VERSION_ID", ""),
        family=family,
        persistence=persistence,
        package_manager=manager,
        os_release_error=error,
    )


@dataclass(frozen=True)
class ModuleConfiguration:
    """What the module files say: modules loaded at boot, options, blacklists (file -> what it says)."""

    persisted: dict[str, str]  # module -> the file listing it for loading at boot
    options: tuple[ModprobeOption, ...]
    blacklisted: dict[str, str]  # module -> the modprobe.d file that blacklists it


def read_module_configuration(facts: HostFacts) -> ModuleConfiguration:
    persisted: dict[str, str] = {}
    options: list[ModprobeOption] = []
    blacklisted: dict[str, str] = {}
    # modules-load.d: a file in /etc overrides one of the same name in /run and /usr/lib (systemd order).
    load_files = sorted(
        (path for path in facts.files if "/modules-load.d/" in path and path.endswith(".conf")),
        key=lambda path: (path.rsplit("/", 1)[-1], not path.startswith("/etc/")),
    )
    seen_names: set[str] = set()
    for path in ["/etc/modules", *load_files]:
        name = path.rsplit("/", 1)[-1]
        if path != "/etc/modules" and name in seen_names:
            continue
        seen_names.add(name)
        for module in parse_module_list(facts.text(path) or ""):
            persisted.setdefault(module, path)
    for path in kmod_order(p for p in facts.files if "/modprobe.d/" in p and p.endswith(".conf")):
        text = facts.text(path) or ""
        options.extend(parse_modprobe_options(text, path))
        for module in parse_blacklist(text):
            blacklisted.setdefault(module, path)
    return ModuleConfiguration(persisted, tuple(options), blacklisted)


def kmod_order(paths: Iterable[str]) -> list[str]:
    """modprobe.d files in the order kmod reads them: by file name across its directories, a name in an earlier
    directory (/etc, /run, /usr/local/lib, /usr/lib, /lib) hiding the same name in a later one; for an option,
    the last one read wins (libkmod-config.c)."""
    by_name: dict[str, str] = {}
    rank = {directory: index for index, directory in enumerate(MODPROBE_DIRS)}
    for path in sorted(paths, key=lambda item: rank.get(item.rsplit("/", 1)[0], len(rank))):
        by_name.setdefault(path.rsplit("/", 1)[-1], path)
    return [by_name[name] for name in sorted(by_name)]


@dataclass(frozen=True)
class Tool:
    name: str
    path: str
    version: str | None = None


@dataclass(frozen=True)
class TpmDevice:
    name: str  # tpm0
    version_major: int | None  # 2 for TPM 2.0, 1 for TPM 1.2
    nodes: tuple[str, ...]  # /dev/tpm0, /dev/tpmrm0 when they exist
    error: str | None = None


def read_tpm_devices(facts: HostFacts) -> tuple[TpmDevice, ...]:
    devices: list[TpmDevice] = []
    for name in facts.listing("/sys/class/tpm"):
        if not re.fullmatch(r"tpm\d+", name):
            continue
        read = facts.files.get(f"/sys/class/tpm/{name}/tpm_version_major")
        version: int | None = None
        error = read.error if read is not None else None
        if read is not None and read.content is not None:
            try:
                version = int(read.content.strip())
            except ValueError:
                error = f"unexpected content {read.content.strip()!r}"
        number = name[3:]
        nodes = tuple(
            path for path in (f"/dev/tpm{number}", f"/dev/tpmrm{number}") if facts.stat(path).exists
        )
        devices.append(TpmDevice(name, version, nodes, error))
    if not devices:
        for node in sorted(path for path, found in facts.stats.items() if re.fullmatch(r"/dev/tpm\d+", path)):
            if facts.stat(node).exists:
                number = node.removeprefix("/dev/tpm")
                extra = (f"/dev/tpmrm{number}",) if facts.stat(f"/dev/tpmrm{number}").exists else ()
                devices.append(TpmDevice(node.rsplit("/", 1)[-1], None, (node, *extra)))
    return tuple(devices)


def read_tpm2_tools(facts: HostFacts) -> Tool | None:
    path = facts.executables.get("tpm2") or facts.executables.get("tpm2_getrandom")
    if not path:
        return None
    version: str | None = None
    for key in ("tpm2 --version", "tpm2_getrandom --version"):
        run = facts.commands.get(key)
        if run is not None and run.returncode == 0:
            match = re.search(r'version="?([\w.\-]+)', run.stdout)
            version = match.group(1) if match else run.stdout.strip()[:40] or None
            break
    return Tool("tpm2-tools", path, version)


@dataclass(frozen=True)
class LogError:
    error_id: str  # KnownError.id
    line: str
    meaning: str
    after_last_start: bool  # False: logged before the service last started (history)


@dataclass(frozen=True)
class LogView:
    path: str
    present: bool
    error: str | None  # why it could not be read (None also when it does not exist)
    start_found: bool  # a service start marker is in the recorded lines
    last_start: str | None
    errors: tuple[LogError, ...]

    @property
    def current_errors(self) -> tuple[LogError, ...]:
        return tuple(item for item in self.errors if item.after_last_start)


def read_log(facts: HostFacts, path: str) -> LogView:
    read = facts.files.get(path)
    if read is None or read.content is None:
        error = read.error if read is not None else None
        missing = error is None or error.startswith("ENOENT")
        return LogView(path, False, None if missing else error, False, None, ())
    lines = read.content.splitlines()
    starts: list[int] = []
    found: list[tuple[int, KnownError]] = []
    seen_processes: set[str] = set()
    for index, line in enumerate(lines):
        known = next((item for item in KNOWN_ERRORS if item.pattern.search(line)), None)
        process = log_process(line)
        if SERVICE_START.search(line):
            starts.append(index)
        elif (
            known is not None and known.stops_start and process is not None and process not in seen_processes
        ):
            starts.append(index)  # a start that failed before it could log "Starting compute node"
        if process is not None:
            seen_processes.add(process)
        if known is not None:
            found.append((index, known))
    last_start = starts[-1] if starts else -1
    # The start line itself is current when it is a failed start's error; a marker line is no error at all.
    errors = tuple(
        LogError(known.id, lines[index], known.meaning, index >= last_start) for index, known in found
    )
    return LogView(path, True, None, bool(starts), lines[last_start] if starts else None, errors)


def read_volume_groups(facts: HostFacts) -> tuple[tuple[str, ...] | None, str]:
    """LVM volume groups from `vgs` (None when unknown) and how that is known."""
    run = facts.commands.get("vgs")
    if run is None:
        if facts.executables.get("vgs") == "":
            return None, "vgs is not installed (package lvm2)"
        return None, "vgs was not run (not the live host)"
    if run.returncode != 0:
        reason = run.error or (run.stderr.strip().splitlines() or ["exit status " + str(run.returncode)])[-1]
        return None, f"vgs failed: {reason}"
    return tuple(line.strip() for line in run.stdout.splitlines() if line.strip()), "vgs"
