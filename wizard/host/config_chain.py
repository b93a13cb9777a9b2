"""Where nova-compute and glance-api read their configuration: the files, in oslo.config's order (later wins).

The chain follows from the service's command line, found the way the service really starts: the running
process (/proc/PID/cmdline), else its systemd unit (ExecStart, drop-ins included), Debian's init script
(openstack-pkg-tools: `--config-file=/etc/nova/nova.conf`, plus `--config-file=/etc/nova/nova-compute.conf` when
that file exists, and what /etc/default/nova-compute adds), else the distribution's package. Without
--config-file, oslo.config reads its default files (nova.conf, then nova-compute.conf, each from the first of
~/.nova, ~, /etc/nova, /etc) and, without --config-dir, its default directories (nova.conf.d, nova-compute.conf.d):
default files first, then default directories, then the command line's files and directories in their order
(oslo_config.cfg.ConfigOpts._parse_config_files). In a directory, the *.conf files in sorted order.

kolla-ansible runs nova-compute in the container nova_compute, which copies /etc/kolla/nova-compute/nova.conf to
its /etc/nova/nova.conf at every start; Canonical's openstack-hypervisor snap renders
/var/snap/openstack-hypervisor/common/etc/nova/nova.conf on every `snap set`, with nova.conf.d beside it.

The derivation is pure: it asks a ChainReader, which the probe backs with the host (recording everything it
consults) and the profile backs with the recorded facts, so that both find the same chain.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from wizard.effective import EffectiveConfig
from wizard.host.facts import HostFacts, ProcessSeen
from wizard.host.ini_record import restore_ini
from wizard.host.parsing import parse_passwd
from wizard.option_types import FileKind

SYSTEMD_DIRS = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
)
SNAP_COMMON = "/var/snap/openstack-hypervisor/common"
_CONTAINER_CGROUP = re.compile(r"docker|libpod|containerd|kubepods|lxc\.payload|crio")
_INIT_TEMPLATE = "openstack-pkg-tools"


class Deployment(StrEnum):
    """How the service is installed, which decides who owns its configuration."""

    HOST = "host"  # packages or a source install on this host: its files are the configuration
    KOLLA = "kolla-ansible"  # a container; the files come from /etc/kolla/SERVICE, written by kolla-ansible
    SNAP = "snap"  # Canonical's openstack-hypervisor snap renders its file on every `snap set`
    CONTAINER = "container"  # a container of another kind: its configuration is inside it


@dataclass(frozen=True)
class ServiceSpec:
    """What is known of how one service is packaged, everywhere it may come from."""

    name: str  # "nova-compute"
    project: str  # "nova": oslo.config's project, the directory under /etc
    kind: FileKind
    units: tuple[str, ...]  # systemd units that run it, in the order to look for them
    kolla_dir: str  # /etc/kolla/SERVICE on a kolla-ansible node
    kolla_container: str
    snap_unit: str = ""  # the snap's service, when a snap ships it

    @property
    def init_script(self) -> str:
        return f"/etc/init.d/{self.name}"

    @property
    def main_file(self) -> str:
        return f"/etc/{self.project}/{self.project}.conf"


NOVA_COMPUTE = ServiceSpec(
    "nova-compute",
    "nova",
    "nova.conf",
    ("nova-compute.service", "openstack-nova-compute.service", "devstack@n-cpu.service"),
    "/etc/kolla/nova-compute",
    "nova_compute",
    "snap.openstack-hypervisor.nova-compute.service",
)
GLANCE_API = ServiceSpec(
    "glance-api",
    "glance",
    "glance-api.conf",
    ("glance-api.service", "openstack-glance-api.service", "devstack@g-api.service"),
    "/etc/kolla/glance-api",
    "glance_api",
)
SERVICES = (NOVA_COMPUTE, GLANCE_API)


@dataclass(frozen=True)
class ChainFile:
    path: str
    origin: str  # why it is read: "--config-file on the command line", "oslo.config's default file", ...
    exists: bool = True  # False: named by --config-file but missing (the service refuses to start)


@dataclass(frozen=True)
class ConfigChain:
    """The files one service reads, in oslo's order: a value in a later file wins."""

    service: str
    kind: FileKind
    deployment: Deployment
    files: tuple[ChainFile, ...]  # in parse order; a missing --config-file is there, marked
    primary: str  # where a setting no file makes yet goes (created when missing)
    command: tuple[str, ...] = ()  # the command line found, () when none was
    command_source: str = ""  # where it was found, in words
    known: bool = True  # False: guessed (a recording without these facts, or nothing to go on)
    notes: tuple[str, ...] = ()  # what an operator should know: missing files, guesses
    container: str = ""  # the container it runs in, when known ("nova_compute")
    unit: str = ""  # the systemd unit that runs it, when one was found ("nova-compute.service")
    edit_instead: str = ""  # kolla-ansible and snap: where a change of configuration belongs

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(item.path for item in self.files)

    @property
    def present(self) -> tuple[str, ...]:
        """The files that exist, in parse order."""
        return tuple(item.path for item in self.files if item.exists)

    @property
    def writable(self) -> bool:
        """Whether the wizard may write these files: only what the host's own service reads."""
        return self.deployment is Deployment.HOST

    def describe(self) -> str:
        """One line: "nova-compute reads /etc/nova/nova.conf, then /etc/nova/nova-compute.conf (later wins)"."""
        names = ", then ".join(self.present) if self.present else "no configuration file"
        more = " (a later file wins)" if len(self.present) > 1 else ""
        return f"{self.service} reads {names}{more}"

    def origin_of(self, path: str) -> str:
        return next((item.origin for item in self.files if item.path == path), "")


class ChainReader(Protocol):
    """What the derivation asks of the host: None always means "not known", never "absent"."""

    def text(self, path: str) -> str | None:
        """The content (as the probe keeps it) of a file; None when absent, unreadable or not recorded."""

    def exists(self, path: str) -> bool | None: ...

    def listing(self, path: str) -> tuple[str, ...] | None:
        """The names in a directory; () when it does not exist; None when not known."""

    def processes(self) -> tuple[ProcessSeen, ...] | None: ...

    def command_output(self, key: str) -> str | None:
        """What a read-only command printed (`docker ps`), None when it did not run."""


# --- what the probe keeps of the files the derivation reads --------------------------------------------------

_UNIT_KEEP = re.compile(r"^\s*(\[|ExecStart\s*=|Environment\s*=|User\s*=|WorkingDirectory\s*=)")
_INIT_KEEP = re.compile(
    r"^\s*(PROJECT_NAME=|NAME=|CONFIG_FILE=|DAEMON_ARGS=|if \[ -f |fi\b|# The content after this line comes from)"
)
_DEFAULT_KEEP = re.compile(r"^\s*(export\s+)?(DAEMON_ARGS|CONFIG_FILE)=")


def keep_for(path: str, text: str) -> str:
    """The lines of a service's unit, init script or defaults file the derivation reads (the probe records
    only these: such files may hold other settings, even secrets, that nothing here needs)."""
    if path.startswith("/etc/init.d/"):
        pattern = _INIT_KEEP
    elif path.startswith("/etc/default/"):
        pattern = _DEFAULT_KEEP
    elif "/systemd/" in path:
        pattern = _UNIT_KEEP
    else:
        return text
    return "".join(line + "\n" for line in text.splitlines() if pattern.match(line))


# --- the derivation ------------------------------------------------------------------------------------------


@dataclass
class _Found:
    """The command line as found, before it is turned into files."""

    argv: tuple[str, ...]
    source: str
    notes: list[str]
    known: bool = True
    user: str = ""
    unit: str = ""


def derive_chain(
    spec: ServiceSpec, reader: ChainReader, *, debian: bool | None, installed: bool | None = None
) -> ConfigChain:
    """The chain of ``spec`` on the host ``reader`` reads; ``debian``: whether the distribution is Debian's family
    (None: unknown), which decides how a service without a unit would start; ``installed``: whether its program
    is on the PATH (None: unknown)."""
    process = _process_of(spec, reader.processes())
    if process is not None and _CONTAINER_CGROUP.search(process.cgroup):
        if reader.exists(f"{spec.kolla_dir}/{spec.kind}") or reader.exists(f"{spec.kolla_dir}/config.json"):
            return _kolla(
                spec, reader, f"the running process {process.pid} is in a container ({process.cgroup})"
            )
        return ConfigChain(
            spec.name,
            spec.kind,
            Deployment.CONTAINER,
            (),
            spec.main_file,
            command=process.argv,
            command_source=f"the running process {process.pid} (/proc/{process.pid}/cmdline)",
            notes=(f"it runs in a container ({process.cgroup}): its configuration is inside the container",),
            edit_instead="the configuration of that container (its image or the volume that holds its files)",
        )
    if process is not None and ("/snap/" in process.argv[0] or "snap." in process.cgroup):
        return _snap(spec, reader, f"the running process {process.pid} ({process.argv[0]})")
    if process is not None:
        unit = re.search(r"/([^/\s]+\.service)$", process.cgroup)
        found = _Found(
            _program_and_arguments(spec, process.argv),
            f"the running process {process.pid} (/proc/{process.pid}/cmdline)",
            [],
            unit=unit[1] if unit else "",
        )
        return _host(spec, reader, found, installed=True)
    if reader.exists(f"{spec.kolla_dir}/{spec.kind}") or reader.exists(f"{spec.kolla_dir}/config.json"):
        return _kolla(spec, reader, f"{spec.kolla_dir} exists")
    if spec.snap_unit and (
        reader.exists(f"{SNAP_COMMON}/etc/{spec.project}/{spec.kind}")
        or reader.exists(f"/etc/systemd/system/{spec.snap_unit}")
    ):
        return _snap(spec, reader, f"{SNAP_COMMON}/etc/{spec.project} exists")
    found = _from_service_files(spec, reader, debian=debian)
    if installed is False and not found.source.startswith("ExecStart"):
        found.notes.append(f"{spec.name} is not installed here: these are the files its package would read")
    return _host(spec, reader, found, installed=installed)


def _process_of(spec: ServiceSpec, processes: tuple[ProcessSeen, ...] | None) -> ProcessSeen | None:
    for process in processes or ():
        if any(part.rsplit("/", 1)[-1] == spec.name for part in process.argv[:2]):
            return process
    return None


def _program_and_arguments(spec: ServiceSpec, argv: tuple[str, ...]) -> tuple[str, ...]:
    """The program and its arguments: a Python interpreter before the script is dropped."""
    for index, part in enumerate(argv[:2]):
        if part.rsplit("/", 1)[-1] == spec.name:
            return argv[index:]
    return argv


def _from_service_files(spec: ServiceSpec, reader: ChainReader, *, debian: bool | None) -> _Found:
    """The command line as systemd or Debian's init script would build it."""
    for unit in spec.units:
        lines = _unit_lines(unit, reader)
        if lines is None:
            continue
        path, text = lines
        exec_start, user = _exec_start(text)
        if not exec_start:
            return _Found((), f"{path} has no ExecStart", [f"{path} has no ExecStart"], known=False)
        source = f"ExecStart of {path}"
        if exec_start[0] == spec.init_script:
            found = _from_init_script(spec, reader, f"{source}, which runs {spec.init_script}")
            found.unit = unit
            return found
        return _Found(_program_and_arguments(spec, exec_start), source, [], user=user, unit=unit)
    if reader.exists(spec.init_script):
        return _from_init_script(spec, reader, spec.init_script)
    if debian:
        # Debian's and Ubuntu's packages start the service through this init script (openstack-pkg-tools).
        found = _debian_rules(spec, reader, "Debian's packaging (openstack-pkg-tools)")
        found.known = False
        found.notes.append(f"no unit or init script of {spec.name} was found: Debian's packaging is assumed")
        return found
    return _Found(
        (spec.name,),
        "no unit or init script was found: oslo.config's defaults, as with RDO's unit (no arguments)",
        [],
        known=reader.exists(spec.main_file) is not None,
    )


def _unit_lines(unit: str, reader: ChainReader) -> tuple[str, str] | None:
    """The unit file systemd reads (the first directory that has it) and its drop-ins, as one text."""
    main = next(
        (f"{directory}/{unit}" for directory in SYSTEMD_DIRS if reader.exists(f"{directory}/{unit}")), None
    )
    if main is None:
        return None
    text = reader.text(main) or ""
    drop_ins: dict[str, str] = {}
    for directory in SYSTEMD_DIRS:
        for name in reader.listing(f"{directory}/{unit}.d") or ():
            if name.endswith(".conf"):
                drop_ins.setdefault(name, f"{directory}/{unit}.d/{name}")
    for name in sorted(drop_ins):
        text += reader.text(drop_ins[name]) or ""
    return main, text


def _exec_start(text: str) -> tuple[tuple[str, ...], str]:
    """The last ExecStart of [Service] (an empty one resets it, as in a drop-in), split as systemd does, and
    the User= it runs as."""
    section = ""
    command: tuple[str, ...] = ()
    user = ""
    environment: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
            continue
        if section != "[Service]" or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if key == "Environment":
            for item in _split(value):
                name, _, setting = item.partition("=")
                environment[name] = setting
        elif key == "User":
            user = value
        elif key == "ExecStart":
            words = _split(value.lstrip("-@:+!"))
            command = tuple(_expand(word, environment) for word in words)
    return command, user


def _split(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def _expand(word: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda match: variables.get(match[1] or match[2], match[0]), word)


def _from_init_script(spec: ServiceSpec, reader: ChainReader, source: str) -> _Found:
    text = reader.text(spec.init_script)
    if text is None:
        found = _debian_rules(spec, reader, source)
        found.known = False
        found.notes.append(f"{spec.init_script} could not be read: Debian's packaging is assumed")
        return found
    if _INIT_TEMPLATE not in text:
        return _Found(
            (),
            source,
            [f"{spec.init_script} is not the openstack-pkg-tools script kvm-wizard knows"],
            known=False,
        )
    return _debian_rules(spec, reader, source, text)


def _debian_rules(spec: ServiceSpec, reader: ChainReader, source: str, script: str | None = None) -> _Found:
    """openstack-pkg-tools' init-script-template: the script's head sets PROJECT_NAME, NAME and DAEMON_ARGS
    (nova-compute: --config-file=/etc/nova/nova-compute.conf when that file exists); the template puts
    --config-file=$CONFIG_FILE (default /etc/$PROJECT_NAME/$PROJECT_NAME.conf) first, then sources
    /etc/default/openstack and /etc/default/$NAME, which may change DAEMON_ARGS."""
    notes: list[str] = []
    variables: dict[str, str] = {"PROJECT_NAME": spec.project, "NAME": spec.name, "DAEMON_ARGS": ""}
    head = script.split("# The content after this line comes from", 1)[0] if script else _packaged_head(spec)
    _run_shell(head, variables, reader, notes, spec.init_script)
    variables.setdefault("CONFIG_FILE", "")
    if not variables["CONFIG_FILE"]:
        variables["CONFIG_FILE"] = f"/etc/{variables['PROJECT_NAME']}/{variables['PROJECT_NAME']}.conf"
    variables["DAEMON_ARGS"] = f"--config-file={variables['CONFIG_FILE']} {variables['DAEMON_ARGS']}"
    for defaults in ("/etc/default/openstack", f"/etc/default/{variables['NAME']}"):
        text = reader.text(defaults)
        if text:
            _run_shell(text, variables, reader, notes, defaults)
            source += f", {defaults}"
    return _Found((f"/usr/bin/{spec.name}", *variables["DAEMON_ARGS"].split()), source, notes)


def _packaged_head(spec: ServiceSpec) -> str:
    """The head of the init script Debian's package ships, for a host where it could not be read."""
    if spec.name == "nova-compute":
        return (
            "DAEMON_ARGS=\"\"\nif [ -f '/etc/nova/nova-compute.conf' ] ; then\n"
            '\tDAEMON_ARGS="--config-file=/etc/nova/nova-compute.conf"\nfi\n'
        )
    return f"CONFIG_FILE=/etc/{spec.project}/{spec.name}.conf\n"


_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?(\w+)=(.*)$")
_IF_EXISTS = re.compile(r"""^\s*if \[ -f ['"]?([^'"\s\]]+)['"]? \]""")


def _run_shell(
    text: str, variables: dict[str, str], reader: ChainReader, notes: list[str], where: str
) -> None:
    """The few shell statements these files use: VAR=value (quoted, with $VAR expanded) and
    `if [ -f FILE ] ; then ... fi` around them. Anything else is noted, never guessed."""
    active = [True]
    for raw in text.splitlines():
        line = raw.strip()
        condition = _IF_EXISTS.match(line)
        if condition is not None:
            exists = reader.exists(condition[1])
            if exists is None:
                notes.append(f"{where}: whether {condition[1]} exists is not known")
            active.append(active[-1] and bool(exists))
            continue
        if line == "fi" or line.startswith("fi "):
            if len(active) > 1:
                active.pop()
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment is None or not active[-1]:
            continue
        name, value = assignment[1], assignment[2].strip()
        if value[:1] == "'" and value[-1:] == "'":
            value = value[1:-1]
        else:
            value = value.strip('"')
            unknown = [match[1] or match[2] for match in re.finditer(r"\$\{(\w+)\}|\$(\w+)", value)]
            unknown = [item for item in unknown if item not in variables]
            if unknown:
                notes.append(f"{where}: {name} uses ${unknown[0]}, which kvm-wizard cannot know")
            value = _expand(value, variables)
        variables[name] = value


def _host(spec: ServiceSpec, reader: ChainReader, found: _Found, *, installed: bool | None) -> ConfigChain:
    files, primary, missing = _files_of(spec, reader, found.argv, found.user)
    notes = list(found.notes)
    if installed is not False:
        notes += [
            f"--config-file {path} does not exist: {spec.name} refuses to start until it does"
            for path in missing
        ]
    if reader.processes() is None:
        found.known = False
        notes.append(
            f"these facts were recorded without looking for how {spec.name} starts: record them again"
        )
    known = found.known and all(reader.exists(item.path) is not None for item in files if item.exists)
    return ConfigChain(
        spec.name,
        spec.kind,
        Deployment.HOST,
        tuple(files),
        primary,
        command=found.argv,
        command_source=found.source,
        known=known,
        notes=tuple(notes),
        unit=found.unit,
    )


def _files_of(
    spec: ServiceSpec, reader: ChainReader, argv: tuple[str, ...], user: str
) -> tuple[list[ChainFile], str, list[str]]:
    """oslo.config's order for a command line: default files (only without --config-file), default
    directories (only without --config-dir), then the command line's files and directories in order."""
    files: list[str] = []
    dirs: list[str] = []
    items: list[tuple[str, str]] = []  # ("file" | "dir", path), in command-line order
    arguments = list(argv[1:])
    index = 0
    while index < len(arguments):
        word = arguments[index]
        for option, kind in (("--config-file", "file"), ("--config-dir", "dir")):
            if word == option and index + 1 < len(arguments):
                items.append((kind, arguments[index + 1]))
                index += 1
            elif word.startswith(option + "="):
                items.append((kind, word.split("=", 1)[1]))
        index += 1
    files = [path for kind, path in items if kind == "file"]
    dirs = [path for kind, path in items if kind == "dir"]
    chain: list[ChainFile] = []
    search = _search_dirs(spec, reader, user)
    if not files:
        for name in (spec.project, spec.name):
            found = next(
                (f"{where}/{name}.conf" for where in search if reader.exists(f"{where}/{name}.conf")), None
            )
            if found is not None:
                chain.append(ChainFile(found, "oslo.config's default file (no --config-file)"))
    if not dirs:
        for name in (spec.project, spec.name):
            directory = next(
                (f"{where}/{name}.conf.d" for where in search if reader.listing(f"{where}/{name}.conf.d")),
                None,
            )
            if directory is not None:
                chain += _directory(reader, directory, "oslo.config's default directory")
    missing: list[str] = []
    for kind, path in items:
        if kind == "file":
            exists = reader.exists(path) is not False
            if not exists:
                missing.append(path)
            chain.append(ChainFile(path, "--config-file on the command line", exists))
        else:
            chain += _directory(reader, path, "--config-dir on the command line")
    primary = (
        files[0]
        if files
        else next((item.path for item in chain if item.origin.endswith("(no --config-file)")), spec.main_file)
    )
    return chain, primary, missing


def _search_dirs(spec: ServiceSpec, reader: ChainReader, user: str) -> list[str]:
    """oslo.config's search path for default files: ~/.PROJECT, ~, /etc/PROJECT, /etc (~ of the service's user)."""
    home = _home(reader, user or spec.project)
    where = [f"{home}/.{spec.project}", home] if home else []
    return [*where, f"/etc/{spec.project}", "/etc"]


def _home(reader: ChainReader, user: str) -> str:
    entry = parse_passwd(reader.text("/etc/passwd") or "").get(user)
    return entry.home.rstrip("/") if entry is not None and entry.home not in ("", "/") else ""


def _directory(reader: ChainReader, directory: str, origin: str) -> list[ChainFile]:
    names = reader.listing(directory) or ()
    return [
        ChainFile(f"{directory.rstrip('/')}/{name}", f"{origin} {directory} (*.conf, sorted)")
        for name in sorted(names)
        if name.endswith(".conf")
    ]


def _kolla(spec: ServiceSpec, reader: ChainReader, evidence: str) -> ConfigChain:
    """kolla-ansible: the container copies the files config.json names from /etc/kolla/SERVICE at each start, and
    its service runs without --config-file, so oslo's defaults inside the container decide the order."""
    inside: dict[str, str] = {}  # path in the container -> file on the host
    config = reader.text(f"{spec.kolla_dir}/config.json")
    try:
        entries = json.loads(config)["config_files"] if config else []
    except (ValueError, KeyError, TypeError):
        entries = []
    for entry in entries if isinstance(entries, list) else ():
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("source"), str)
            and isinstance(entry.get("dest"), str)
        ):
            inside[entry["dest"]] = f"{spec.kolla_dir}/{entry['source'].rsplit('/', 1)[-1]}"
    if not inside:
        inside[spec.main_file] = f"{spec.kolla_dir}/{spec.kind}"
    files = [
        ChainFile(inside[dest], f"copied to {dest} in the container {spec.kolla_container} at every start")
        for dest in (spec.main_file, f"/etc/{spec.project}/{spec.name}.conf")
        if dest in inside and reader.exists(inside[dest]) is not False
    ]
    running = reader.command_output("docker ps") or reader.command_output("podman ps") or ""
    container = spec.kolla_container if spec.kolla_container in running.split() else ""
    return ConfigChain(
        spec.name,
        spec.kind,
        Deployment.KOLLA,
        tuple(files),
        files[0].path if files else f"{spec.kolla_dir}/{spec.kind}",
        command=(spec.name,),
        command_source=f"kolla-ansible ({evidence})",
        notes=(
            f"{spec.name} runs in the kolla-ansible container {spec.kolla_container}"
            + ("" if container else " (not seen running)")
            + f", which copies {spec.kolla_dir} in at every start: {spec.main_file} on this host is read by nothing",
        ),
        container=container,
        edit_instead=(
            f"/etc/kolla/config/{spec.project}.conf (or {spec.project}/{spec.name}.conf) on the kolla-ansible "
            f"deploy host, then `kolla-ansible reconfigure`; an edit of {spec.kolla_dir}/{spec.kind} lasts only "
            "until the next deploy"
        ),
    )


def _snap(spec: ServiceSpec, reader: ChainReader, evidence: str) -> ConfigChain:
    """The openstack-hypervisor snap runs nova-compute with --config-file $SNAP_COMMON/etc/nova/nova.conf
    --config-dir $SNAP_COMMON/etc/nova/nova.conf.d; the first is rendered again on every `snap set`."""
    base = f"{SNAP_COMMON}/etc/{spec.project}"
    files = [ChainFile(f"{base}/{spec.kind}", "--config-file of the snap's service (rendered by the snap)")]
    files += _directory(reader, f"{base}/{spec.kind}.d", "--config-dir of the snap's service")
    return ConfigChain(
        spec.name,
        spec.kind,
        Deployment.SNAP,
        tuple(item for item in files if reader.exists(item.path) is not False),
        f"{base}/{spec.kind}",
        command=(
            f"/snap/openstack-hypervisor/current/usr/bin/{spec.name}",
            "--config-file",
            f"{base}/{spec.kind}",
            "--config-dir",
            f"{base}/{spec.kind}.d",
        ),
        command_source=f"the openstack-hypervisor snap ({evidence})",
        notes=(
            f"{spec.name} comes from the openstack-hypervisor snap, which writes {base}/{spec.kind} again on every "
            f"`snap set`: {spec.main_file} on this host is read by nothing",
        ),
        edit_instead=(
            "`snap set openstack-hypervisor compute.virt-type=kvm` (and its other compute.* keys), or a file in "
            f"{base}/{spec.kind}.d, which the snap's nova-compute reads after {spec.kind}"
        ),
    )


# --- the chain from recorded facts ---------------------------------------------------------------------------


class FactsChainReader:
    """A ChainReader over recorded facts: what the probe consulted is there, anything else is not known."""

    def __init__(self, facts: HostFacts) -> None:
        self.facts = facts

    def text(self, path: str) -> str | None:
        read = self.facts.files.get(path)
        return read.content if read is not None else None

    def exists(self, path: str) -> bool | None:
        stat = self.facts.stats.get(path)
        if stat is not None and stat.error is None:
            return stat.exists
        read = self.facts.files.get(path)
        if read is not None:
            # Content, or an error other than ENOENT: the file is there (perhaps not readable).
            return read.content is not None or not (read.error or "").startswith("ENOENT")
        listed = self.facts.dirs.get(path)
        if listed is not None:
            return listed.error is None or not listed.error.startswith("ENOENT")
        return None

    def listing(self, path: str) -> tuple[str, ...] | None:
        listed = self.facts.dirs.get(path)
        if listed is None:
            return None
        if listed.error is not None:
            return () if listed.error.startswith(("ENOENT", "ENOTDIR")) else None
        return listed.names

    def processes(self) -> tuple[ProcessSeen, ...] | None:
        return self.facts.processes

    def command_output(self, key: str) -> str | None:
        run = self.facts.commands.get(key)
        return run.stdout if run is not None and run.returncode == 0 else None


def chains_from_facts(facts: HostFacts, *, debian: bool | None) -> dict[str, ConfigChain]:
    """Each service's chain as the facts show it (a recording without these facts gives a guessed chain)."""
    reader = FactsChainReader(facts)
    return {
        spec.name: derive_chain(
            spec, reader, debian=debian, installed=installed(facts.executables, spec.name)
        )
        for spec in SERVICES
    }


def chain_paths(chain: ConfigChain) -> list[str]:
    """The files in oslo's order, the primary one first where it does not exist yet (oslo's first default file,
    or a --config-file to create): where a setting no file makes goes."""
    paths = list(chain.paths)
    if chain.primary not in paths:
        paths.insert(0, chain.primary)
    return paths


def chain_config(chain: ConfigChain, read: Callable[[str], bytes | str | None]) -> EffectiveConfig:
    """The effective configuration over the chain's files (chain_paths), as ``read`` gives them (None: absent)."""
    return EffectiveConfig.parse(chain.kind, [(path, read(path)) for path in chain_paths(chain)])


def recorded_config(facts: HostFacts, chain: ConfigChain) -> EffectiveConfig:
    """The chain's settings as the probe recorded them (secrets masked), at their line numbers."""

    def read(path: str) -> str | None:
        text = facts.text(path)
        return restore_ini(text) if text is not None else None

    return chain_config(chain, read)


def installed(executables: dict[str, str], name: str) -> bool | None:
    """Whether the program is on the PATH: None when the probe did not look for it."""
    return bool(executables[name]) if name in executables else None
