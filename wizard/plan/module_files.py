"""Module files: load modules at boot where the distribution looks, and set module options without conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.files.modules import ModprobeConf, ModuleChange, ModulesList, same_module
from wizard.plan.current import list_directory, read_current
from wizard.plan.model import FileEdit, FileKind, LineChange, NewFileAttributes, Reason

MODULES_LOAD_DIRS = (
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
)
# kmod's directories in its order of precedence (libkmod.c default_config_paths; /usr/lib is its DISTCONFDIR).
MODPROBE_DIRS = (
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
)
NESTED_CONF = "/etc/modprobe.d/kvm.conf"
ENABLED_WORDS = {"1", "y", "on", "true"}
HEADER = "# Written by kvm-wizard: modules to load at boot.\n"


@dataclass(frozen=True)
class ModuleWanted:
    name: str
    reasons: tuple[Reason, ...]


def _line_change(change: ModuleChange, reasons: tuple[Reason, ...]) -> LineChange:
    return LineChange(None, change.module, change.old_lines, change.new_lines, reasons)


def _boot_files(root: Path) -> list[str]:
    """Every file systemd-modules-load (or Debian's /etc/modules) reads at boot, as system paths."""
    paths = ["/etc/modules"]
    for directory in MODULES_LOAD_DIRS:
        paths.extend(list_directory(root, directory, ".conf"))
    return paths


def persisted_in(root: Path, module: str) -> str | None:
    """The file that already loads ``module`` at boot, if any."""
    for path in _boot_files(root):
        current = read_current(root, path)
        if current.data is not None and ModulesList.parse(current.data).contains(module):
            return path
    return None


def plan_boot_modules(root: Path, target: str, wanted: Sequence[ModuleWanted]) -> FileEdit | None:
    """Add the modules not yet loaded at boot to ``target`` (/etc/modules or a modules-load.d file)."""
    missing = [module for module in wanted if persisted_in(root, module.name) is None]
    if not missing:
        return None
    current = read_current(root, target)
    initial = current.data if current.data is not None else HEADER.encode()
    document = ModulesList.parse(initial)
    changes = []
    for module in missing:
        change = document.add(module.name)
        if change.changed:
            changes.append(_line_change(change, module.reasons))
    if not changes:
        return None
    return FileEdit(
        path=current.path,
        kind=FileKind.MODULES,
        before=current.data,
        after=document.to_bytes(),
        changes=tuple(changes),
        target=current.target,
        new_file=NewFileAttributes("root", "root", 0o644),
    )


@dataclass(frozen=True)
class ModuleOption:
    """Where a module parameter is set, and what wins: kmod reads the modprobe.d files by name across its
    directories (a name in an earlier directory hides the same name in a later one), the last file and the last
    line setting it winning, and then the kernel command line's MODULE.PARAMETER=, which wins over them all."""

    file: tuple[str, str] | None  # (file, value) of the modprobe.d setting that wins
    cmdline: str | None  # the value MODULE.PARAMETER= on the kernel command line gives


def modprobe_files(root: Path) -> list[str]:
    """Every modprobe.d file kmod reads, in the order it reads them (libkmod-config.c: conf_files_list)."""
    by_name: dict[str, str] = {}
    for directory in MODPROBE_DIRS:
        for path in list_directory(root, directory, ".conf"):
            by_name.setdefault(path.rsplit("/", 1)[1], path)
    return [by_name[name] for name in sorted(by_name)]


def configured_option(root: Path, module: str, key: str, cmdline: str = "") -> ModuleOption:
    found: tuple[str, str] | None = None
    for path in modprobe_files(root):
        current = read_current(root, path)
        if current.data is None:
            continue
        value = ModprobeConf.parse(current.data).get_option(module, key)
        if value is not None:
            found = (path, value)
    on_cmdline: str | None = None
    for word in cmdline.split():
        name, equals, value = word.partition("=")
        if equals and same_module(name, f"{module}.{key}"):
            on_cmdline = value
    return ModuleOption(found, on_cmdline)


def enabled_word(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.lower() in ENABLED_WORDS


@dataclass(frozen=True)
class NestedOption:
    """The module option's edit (None: the files already say it) and what the operator must know about it."""

    edit: FileEdit | None
    overridden_by_cmdline: bool  # the kernel command line sets the opposite: the files cannot win
    note: str = ""


def plan_nested_option(
    root: Path, module: str, *, enabled: bool, active: bool | None, cmdline: str, reasons: tuple[Reason, ...]
) -> NestedOption:
    """``options MODULE nested=1`` (or 0) where it takes effect: in the modprobe.d file that wins today when it
    is under /etc; as an /etc/modprobe.d copy of it (which hides it, kmod's way to override a file) when it is
    elsewhere (/run, /usr/lib, /lib: not the operator's to edit); else in /etc/modprobe.d/kvm.conf. When no file
    sets it, off needs writing only where the module is on now (the kernel's default)."""
    value = "1" if enabled else "0"
    option = configured_option(root, module, "nested", cmdline)
    if option.cmdline is not None:
        on_cmdline = enabled_word(option.cmdline)
        note = (
            f"The kernel command line sets {module}.nested={option.cmdline}, which wins over every modprobe.d "
            f"file: nested guests stay {'on' if on_cmdline else 'off'} until it is removed from the boot "
            "loader's configuration (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and the host "
            "reboots."
        )
        if on_cmdline == enabled:
            return NestedOption(None, False)
        return NestedOption(_nested_edit(root, module, value, option, reasons), True, note)
    if option.file is None:
        if not enabled and active is False:
            return NestedOption(None, False)  # off now, and nothing turns it on
    elif enabled_word(option.file[1]) == enabled:
        return NestedOption(None, False)
    return NestedOption(_nested_edit(root, module, value, option, reasons), False)


def _nested_edit(
    root: Path, module: str, value: str, option: ModuleOption, reasons: tuple[Reason, ...]
) -> FileEdit | None:
    winner = option.file[0] if option.file is not None else None
    if winner is None or winner.startswith("/etc/"):
        path = winner or NESTED_CONF
        current = read_current(root, path)
        document = ModprobeConf.parse(current.data or b"")
        change = document.set_option(module, "nested", value)
        if not change.changed:
            return None
        return FileEdit(
            path=current.path,
            kind=FileKind.MODPROBE,
            before=current.data,
            after=document.to_bytes(),
            changes=(_line_change(change, reasons),),
            target=current.target,
            new_file=NewFileAttributes("root", "root", 0o644),
        )
    # The winning file is not under /etc: a file of the same name in /etc/modprobe.d hides it (kmod reads
    # the first directory's file of each name), so that copy, with the option changed, is what is read.
    name = winner.rsplit("/", 1)[1]
    source = read_current(root, winner)
    path = f"/etc/modprobe.d/{name}"
    current = read_current(root, path)
    header = f"# Copied by kvm-wizard from {winner}, which this file hides, to change {module} nested.\n"
    document = ModprobeConf.parse(header.encode() + (source.data or b""))
    change = document.set_option(module, "nested", value)
    placed = Reason(
        f"{winner} sets {module} nested={option.file[1] if option.file else ''} and is read after any file that "
        f"sorts before {name}; a file of the same name in /etc/modprobe.d hides it (kmod's order), so its copy "
        "there carries the change and the rest of it unchanged",
        f"host: {winner}",
    )
    return FileEdit(
        path=current.path,
        kind=FileKind.MODPROBE,
        before=current.data,
        after=document.to_bytes(),
        changes=(_line_change(change, (*reasons, placed)),),
        target=current.target,
        new_file=NewFileAttributes("root", "root", 0o644),
    )
