"""Host facts: a plain, serialisable record of what the probe observed, and nothing it concluded."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FACTS_SCHEMA = 1


class FactsError(Exception):
    """A facts recording that cannot be used (unreadable, not TOML, unknown schema)."""


@dataclass(frozen=True)
class FileRead:
    """The content of a file read under the root, or why it could not be read."""

    content: str | None = None
    error: str | None = None  # "ENOENT: No such file or directory", "EACCES: ...", "EISDIR: ..."
    truncated: bool = False  # the probe kept only the part diagnosis needs (e.g. the first CPU of cpuinfo)


@dataclass(frozen=True)
class PathStat:
    """lstat() of a path under the root: what kind of thing it is and who owns it."""

    exists: bool
    kind: str = ""  # "file", "dir", "char", "block", "symlink", "fifo", "socket"
    mode: int = 0  # permission bits only, e.g. 0o660
    uid: int = -1
    gid: int = -1
    owner: str = ""  # user name from the root's /etc/passwd, "" when unknown
    group: str = ""  # group name from the root's /etc/group, "" when unknown
    major: int = -1  # device numbers for "char" and "block"
    minor: int = -1
    target: str = ""  # symlink target
    error: str | None = None  # set when lstat failed for another reason than "does not exist"


@dataclass(frozen=True)
class DirList:
    """The names in a directory under the root, or why it could not be listed."""

    names: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class CommandRun:
    """A read-only command the probe ran, and what it printed."""

    argv: tuple[str, ...]
    returncode: int | None = None  # None: it could not be started or timed out
    stdout: str = ""
    stderr: str = ""
    error: str | None = None  # "not installed", "timed out after 2 s", ...


@dataclass(frozen=True)
class ProcessSeen:
    """A running nova-compute or glance-api as /proc shows it: its command line, and the cgroup that tells a
    container or a snap from a service of the host."""

    pid: int
    argv: tuple[str, ...]
    cgroup: str = ""  # the first line of /proc/PID/cgroup ("0::/system.slice/docker-....scope")


@dataclass(frozen=True)
class KvmApiProbe:
    """The authoritative test: open /dev/kvm read-write, KVM_GET_API_VERSION, KVM_CREATE_VM."""

    attempted: bool = False  # False for recordings made without access to the device (demo, --root)
    opened: bool = False
    open_error: str | None = None
    api_version: int | None = None
    create_vm: bool = False
    create_vm_error: str | None = None
    capabilities: dict[str, int] = field(default_factory=dict)  # KVM_CHECK_EXTENSION results by name


@dataclass(frozen=True)
class UdevDevice:
    """One device as pyudev enumerated it."""

    subsystem: str
    sys_name: str
    device_node: str = ""
    initialized: bool = False
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StackFacts:
    """What the virtualization stack itself says, beside the files: libvirt's answers to the read-only questions
    of wizard.virsh (keyed as there; `capabilities` and `domcapabilities` kept to the parts the wizard reads), and
    the Python packages nova and Ceph need, found in the interpreters' package directories."""

    libvirt_uri: str = ""  # the connection asked ("" when libvirt was not asked)
    libvirt: dict[str, CommandRun] = field(default_factory=dict)
    libvirt_error: str | None = (
        None  # why libvirt was not asked: "not the live host", "virsh is not installed"
    )
    python_packages: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # package directory -> the names in it that matter (nova-*.dist-info, rbd*, rados*)
    packages_searched: bool = False  # the package directories were searched (else nothing is known of them)


@dataclass(frozen=True)
class HostFacts:
    """Everything the probe observed about one host, keyed by where it was observed.

    Paths are absolute as seen from inside the root (``/proc/cpuinfo``), whatever the root was.
    Diagnosis, planning and validation read only this record, so a recording diagnoses exactly like the
    live host it was taken from.
    """

    source: str = "live"  # "live", "root: DIR" (probed under another root), "recording: PATH", "demo: NAME"
    root: str = "/"
    machine: str = ""  # os.uname().machine, or /proc/sys/kernel/arch under the root; "" when unknown
    kernel_release: str = ""
    euid: int = -1  # the effective uid the probe ran as (what it could read depends on it); -1 unknown
    files: dict[str, FileRead] = field(default_factory=dict)
    stats: dict[str, PathStat] = field(default_factory=dict)
    dirs: dict[str, DirList] = field(default_factory=dict)
    commands: dict[str, CommandRun] = field(
        default_factory=dict
    )  # keyed by a short name: "vgs", "tpm2 --version"
    executables: dict[str, str] = field(
        default_factory=dict
    )  # name -> path found on PATH under the root, "" if none
    kvm: KvmApiProbe = field(default_factory=KvmApiProbe)
    kernel_log: tuple[str, ...] = ()  # the lines of the kernel log that matter to diagnosis
    kernel_log_source: str = ""  # "/dev/kmsg", "/var/log/kern.log", "" when none was readable
    kernel_log_error: str | None = None
    cpuid: dict[str, str] = field(
        default_factory=dict
    )  # "0x1.ecx" -> "0x..." hex, read from /dev/cpu/0/cpuid
    cpuid_error: str | None = None  # why /dev/cpu/0/cpuid could not be read ("ENOENT: ...", "not x86")
    msr: dict[str, str] = field(default_factory=dict)  # "0x3a" -> "0x..." hex, read from /dev/cpu/0/msr
    msr_error: str | None = None  # why /dev/cpu/0/msr could not be read
    udev: tuple[UdevDevice, ...] = ()
    udev_error: str | None = None
    environment: dict[str, str] = field(default_factory=dict)  # TPM2TOOLS_TCTI and the like
    # The nova-compute and glance-api processes found in /proc; None: /proc was not scanned (a recording made
    # before kvm-wizard looked, or /proc unreadable), which says nothing about whether they run.
    processes: tuple[ProcessSeen, ...] | None = None
    probe_errors: tuple[str, ...] = ()  # anything the probe met that fits nowhere above
    probe_seconds: float = 0.0
    # Which of /proc, /sys and /dev showed a running kernel when the probe ran (a file missing there is absent;
    # elsewhere it was not recorded). None in recordings older than this field: see wizard.host.observed.
    kernel_trees: tuple[str, ...] | None = None
    cpuid_source: str = (
        ""  # where `cpuid` was read: "" is /dev/cpu/0/cpuid, else the CPUID instruction's WHERE
    )
    stack: StackFacts = field(default_factory=StackFacts)  # libvirt's answers and nova's and Ceph's packages

    # Convenience readers. They interpret nothing; diagnosis does that.
    def text(self, path: str) -> str | None:
        read = self.files.get(path)
        return read.content if read is not None else None

    def stat(self, path: str) -> PathStat:
        return self.stats.get(path, PathStat(exists=False))

    def listing(self, path: str) -> tuple[str, ...]:
        entry = self.dirs.get(path)
        return entry.names if entry is not None else ()


# --- TOML ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Turn dataclasses, tuples and dicts into what TOML can hold, dropping None and empty defaults."""
    if isinstance(value, PathStat) and not value.exists and value.error is None:
        return {"exists": False}  # the other fields say nothing of a path that is not there
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for item in dataclasses.fields(value):
            converted = _plain(getattr(value, item.name))
            if converted is None:
                continue
            out[item.name] = converted
        return out
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def facts_to_toml(facts: HostFacts) -> str:
    # tomlkit writes readable multi-line strings; it is imported here because reading (every demo and --facts
    # run) needs only the standard library's tomllib, and tomlkit costs a noticeable part of check's start.
    import tomlkit

    document = tomlkit.document()
    document.add(
        tomlkit.comment("kvm-wizard host facts: raw observations of one host (see README, 'Host facts').")
    )
    document.add("schema", FACTS_SCHEMA)
    for key, value in _plain(facts).items():
        if isinstance(value, str) and "\n" in value:
            document.add(key, tomlkit.string(value, multiline=True))
        else:
            document.add(key, value)
    return tomlkit.dumps(document)


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise FactsError(f"{where}: expected a table, found {type(data).__name__}")
    known = {item.name: item for item in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise FactsError(f"{where}: unknown key(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    hints = _hints(cls)
    for name, raw in data.items():
        path = f"{where}.{name}" if where else name
        value = _convert(cls, name, raw, path)
        hint = hints.get(name)
        if hint is not None and not _matches(value, hint):
            raise FactsError(f"{path}: expected {_describe(hint)}, found {_toml_type(raw)} {raw!r}"[:300])
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise FactsError(f"{where or 'facts'}: {error}") from None


def _hints(cls: type[Any]) -> dict[str, Any]:
    """The field types of a record class, for checking a recording read from a file (edited by hand, perhaps)."""
    import typing

    cached = _HINTS.get(cls)
    if cached is None:
        try:
            cached = typing.get_type_hints(cls)
        except (NameError, TypeError):  # a type this module cannot name: that class goes unchecked
            cached = {}
        _HINTS[cls] = cached
    return cached


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _matches(value: Any, hint: Any) -> bool:
    """Whether a value read from TOML fits a field's type (records and enums are checked where built)."""
    import types
    import typing

    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(item, args[0]) for item in value)
        return len(args) == len(value) and all(
            _matches(item, arg) for item, arg in zip(value, args, strict=True)
        )
    if origin is dict:
        return isinstance(value, dict) and all(_matches(item, args[1]) for item in value.values())
    return True


def _describe(hint: Any) -> str:
    import typing

    origin = typing.get_origin(hint)
    if origin is tuple:
        return "an array"
    if origin is dict:
        return "a table"
    if origin is not None:
        return " or ".join(_describe(arg) for arg in typing.get_args(hint))
    return {str: "a string", int: "a whole number", bool: "true or false", float: "a number"}.get(
        hint, "nothing" if hint is type(None) else getattr(hint, "__name__", str(hint))
    )


def _toml_type(raw: Any) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}.get(
        type(raw), type(raw).__name__
    )


_NESTED: dict[tuple[str, str], type[Any]] = {
    ("HostFacts", "files"): FileRead,
    ("HostFacts", "stats"): PathStat,
    ("HostFacts", "dirs"): DirList,
    ("HostFacts", "commands"): CommandRun,
    ("StackFacts", "libvirt"): CommandRun,
}


def _convert(cls: type[Any], name: str, raw: Any, where: str) -> Any:
    nested = _NESTED.get((cls.__name__, name))
    if nested is not None:
        if not isinstance(raw, dict):
            raise FactsError(f"{where}: expected a table")
        return {str(key): _build(nested, value, f"{where}.{key}") for key, value in raw.items()}
    if cls is HostFacts and name == "kvm":
        return _build(KvmApiProbe, raw, where)
    if cls is HostFacts and name == "processes":
        if not isinstance(raw, list):
            raise FactsError(f"{where}: expected an array of tables")
        return tuple(_build(ProcessSeen, item, f"{where}[{index}]") for index, item in enumerate(raw))
    if cls is ProcessSeen and name == "argv":
        if not isinstance(raw, list):
            raise FactsError(f"{where}: expected an array of strings")
        return tuple(str(part) for part in raw)
    if cls is HostFacts and name == "stack":
        return _build(StackFacts, raw, where)
    if cls is StackFacts and name == "python_packages":
        if not isinstance(raw, dict) or not all(isinstance(names, list) for names in raw.values()):
            raise FactsError(f"{where}: expected a table of arrays")
        return {str(key): tuple(str(item) for item in names) for key, names in raw.items()}
    if cls is HostFacts and name == "udev":
        if not isinstance(raw, list):
            raise FactsError(f"{where}: expected an array of tables")
        return tuple(_build(UdevDevice, item, f"{where}[{index}]") for index, item in enumerate(raw))
    if cls is CommandRun and name == "argv":
        return tuple(str(part) for part in raw)
    if cls is DirList and name == "names":
        return tuple(str(part) for part in raw)
    if isinstance(raw, list):
        return tuple(raw)
    if isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    return raw


def facts_from_toml(text: str, source: str) -> HostFacts:
    import tomllib  # here: a live `check` reads no recording and should not pay for the TOML reader

    from wizard.files.toml_depth import nesting_problem

    deep = nesting_problem(text)
    if deep is not None:  # tomllib recurses: refused before it sees it
        raise FactsError(f"{source}: not a facts recording ({deep})")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FactsError(f"{source}: not a TOML facts recording ({error})") from None
    schema = data.pop("schema", None)
    if schema is None:
        raise FactsError(
            f"{source}: not a kvm-wizard facts recording (it has no `schema` key); "
            "record one with: kvm-wizard check --save-facts FILE"
        )
    if schema != FACTS_SCHEMA:
        raise FactsError(
            f"{source}: facts schema {schema!r} is not supported (this kvm-wizard reads schema {FACTS_SCHEMA}); "
            "record the host again with this version: kvm-wizard check --save-facts FILE"
        )
    data["source"] = source
    facts: HostFacts = _build(HostFacts, data, "")
    return facts


MAX_FACTS_BYTES = 64 * 1024 * 1024  # a recording is a few hundred KB (logs are cut by the probe)


def load_facts(path: Path) -> HostFacts:
    from wizard.regular_files import read_regular_text
    from wizard.shown import shorten_path

    try:
        text = read_regular_text(path, limit=MAX_FACTS_BYTES)
    except OSError as error:
        raise FactsError(f"{shorten_path(path)}: cannot read facts recording ({error.strerror})") from None
    except UnicodeDecodeError:
        raise FactsError(f"{shorten_path(path)}: not a TOML facts recording (not UTF-8 text)") from None
    return facts_from_toml(text, f"recording: {path}")


def save_facts(facts: HostFacts, path: Path) -> None:
    path.write_text(facts_to_toml(facts), encoding="utf-8")
