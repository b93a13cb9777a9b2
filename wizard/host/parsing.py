"""Parsers of the text files the probe records: pure functions from text to plain values."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

# /proc/cpuinfo keys that some architectures put outside the per-CPU stanzas (s390 `features` in a header,
# POWER `platform`/`model`/`machine` at the end, ARM's `Hardware`) or that describe the whole system.
CPUINFO_GLOBAL_KEYS = frozenset(
    {
        "vendor_id",
        "features",
        "platform",
        "model",
        "machine",
        "firmware",
        "mmu",
        "hardware",
        "revision",
        "serial",
        "system type",
        "cpu family",
        "isa",
        "mmu-type",
        "uarch",
        "bogomips per cpu",
        "max thread id",
    }
)


def parse_cpuinfo(text: str) -> dict[str, str]:
    """Key/value pairs of /proc/cpuinfo, lower-case keys, the first occurrence of each key wins."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        name = key.strip().lower()
        if name and name not in values:
            values[name] = value.strip()
    return values


def split_cpuinfo(text: str) -> tuple[str, bool]:
    """The part of /proc/cpuinfo diagnosis needs: the first processor stanza plus system-wide lines.

    Returns the kept text and whether anything was dropped.
    """
    stanzas = re.split(r"\n\s*\n", text.strip("\n"))
    first_cpu = next(
        (index for index, stanza in enumerate(stanzas) if re.match(r"processor\s*(\d+)?\s*:", stanza, re.I)),
        None,
    )
    if first_cpu is None or len(stanzas) == 1:
        return text, False
    kept: list[str] = []
    dropped = False
    for index, stanza in enumerate(stanzas):
        is_cpu = bool(re.match(r"processor\s*(\d+)?\s*:", stanza, re.I))
        if index == first_cpu or not is_cpu:
            kept.append(stanza)
        else:
            dropped = True
    return "\n\n".join(kept) + "\n", dropped


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines of os-release(5), with shell quoting removed."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            parts = shlex.split(value, comments=False, posix=True)
        except ValueError:
            parts = [value.strip("\"'")]
        values[key.strip()] = " ".join(parts)
    return values


@dataclass(frozen=True)
class GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserEntry:
    name: str
    uid: int
    gid: int
    home: str = ""
    shell: str = ""


def parse_group(text: str) -> dict[str, GroupEntry]:
    groups: dict[str, GroupEntry] = {}
    for line in text.splitlines():
        fields = line.strip().split(":")
        if len(fields) < 3 or not fields[0] or fields[0].startswith("#"):
            continue
        try:
            gid = int(fields[2])
        except ValueError:
            continue
        members = tuple(name for name in (fields[3].split(",") if len(fields) > 3 else []) if name)
        groups.setdefault(fields[0], GroupEntry(fields[0], gid, members))
    return groups


def parse_passwd(text: str) -> dict[str, UserEntry]:
    users: dict[str, UserEntry] = {}
    for line in text.splitlines():
        fields = line.strip().split(":")
        if len(fields) < 4 or not fields[0] or fields[0].startswith("#"):
            continue
        try:
            uid, gid = int(fields[2]), int(fields[3])
        except ValueError:
            continue
        home = fields[5] if len(fields) > 5 else ""
        shell = fields[6] if len(fields) > 6 else ""
        users.setdefault(fields[0], UserEntry(fields[0], uid, gid, home, shell))
    return users


def module_name(name: str) -> str:
    """Kernel module names treat '-' and '_' alike; kvm-intel is kvm_intel."""
    return name.strip().replace("-", "_")


def parse_proc_modules(text: str) -> dict[str, str]:
    """Loaded modules from /proc/modules: name -> state ("Live", "Loading", "Unloading")."""
    modules: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 5:
            modules[module_name(fields[0])] = fields[4]
        elif fields:
            modules[module_name(fields[0])] = ""
    return modules


def parse_kernel_config(text: str) -> dict[str, str]:
    """CONFIG_X lines: name -> "y", "m", a value, or "n" for `# CONFIG_X is not set`."""
    options: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        unset = re.match(r"#\s*(CONFIG_\w+) is not set", line)
        if unset:
            options[unset.group(1)] = "n"
            continue
        if line.startswith("CONFIG_") and "=" in line:
            key, _, value = line.partition("=")
            options[key] = value.strip().strip('"')
    return options


def parse_module_list(text: str) -> list[str]:
    """Module names in /etc/modules or a modules-load.d file (comments start with # or ;)."""
    names: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        names.append(module_name(line.split()[0]))
    return names


@dataclass(frozen=True)
class ModprobeOption:
    """One `options MODULE key=value ...` line of a modprobe.d file."""

    module: str
    parameters: dict[str, str] = field(default_factory=dict)
    file: str = ""
    line: str = ""


def parse_modprobe_options(text: str, file: str) -> list[ModprobeOption]:
    found: list[ModprobeOption] = []
    for raw in text.splitlines():
        line = raw.strip()
        fields = line.split()
        if len(fields) < 3 or fields[0] != "options":
            continue
        parameters: dict[str, str] = {}
        for item in fields[2:]:
            key, _, value = item.partition("=")
            parameters[key] = value
        found.append(ModprobeOption(module_name(fields[1]), parameters, file, line))
    return found


def parse_blacklist(text: str) -> list[str]:
    """Modules named by `blacklist MODULE` or `install MODULE /bin/false` (both stop automatic loading)."""
    names: list[str] = []
    for raw in text.splitlines():
        fields = raw.split()
        if (len(fields) >= 2 and fields[0] == "blacklist") or (
            len(fields) >= 3 and fields[0] == "install" and fields[2] in {"/bin/false", "/bin/true"}
        ):
            names.append(module_name(fields[1]))
    return names


def parse_cmdline_parameters(text: str) -> dict[tuple[str, str], str]:
    """Module parameters given on the kernel command line: (module, parameter) -> value."""
    parameters: dict[tuple[str, str], str] = {}
    for word in text.split():
        if word == "--":
            break  # the rest belongs to init
        key, _, value = word.partition("=")
        module, dot, parameter = key.partition(".")
        if dot and module and parameter:
            parameters[(module_name(module), parameter)] = value
    return parameters


def parse_bool(value: str | None) -> bool | None:
    """A kernel boolean as sysfs or modprobe spells it: Y/N, 1/0, y/n, on/off, true/false."""
    if value is None:
        return None
    word = value.strip().lower()
    if word in {"y", "1", "yes", "on", "true"}:
        return True
    if word in {"n", "0", "no", "off", "false"}:
        return False
    return None


def parse_qemu_conf_user(text: str) -> tuple[str | None, str | None]:
    """The `user` and `group` libvirt's QEMU driver runs guests as (qemu.conf), when set."""
    user: str | None = None
    group: str | None = None
    for raw in text.splitlines():
        match = re.match(r'\s*(user|group)\s*=\s*"([^"]*)"', raw)
        if match:
            if match.group(1) == "user":
                user = match.group(2)
            else:
                group = match.group(2)
    return user, group
