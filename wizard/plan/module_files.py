"""Module files: load modules at boot where the distribution looks, and set module options without conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.files.modules import ModprobeConf, ModuleChange, ModulesList
from wizard.plan.current import CurrentFile, list_directory, read_current
from wizard.plan.model import FileEdit, FileKind, LineChange, NewFileAttributes, Reason

MODULES_LOAD_DIRS = (
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
)
MODPROBE_DIRS = ("/etc/modprobe.d", "/run/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d")
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


def configured_option(root: Path, module: str, key: str) -> tuple[str, str] | None:
    """(file, value) of the option that takes effect: the last file in kmod's order that sets it."""
    found: tuple[str, str] | None = None
    by_name: dict[str, str] = {}
    for directory in MODPROBE_DIRS:
        for path in list_directory(root, directory, ".conf"):
            by_name.setdefault(path.rsplit("/", 1)[1], path)  # /etc overrides a same-named file elsewhere
    for name in sorted(by_name):
        current = read_current(root, by_name[name])
        if current.data is None:
            continue
        value = ModprobeConf.parse(current.data).get_option(module, key)
        if value is not None:
            found = (by_name[name], value)
    return found


def plan_module_option(
    root: Path, module: str, key: str, value: str, reasons: tuple[Reason, ...]
) -> FileEdit | None:
    """Set ``options MODULE key=value``: in the file that sets it now (no conflicting second line), else in
    /etc/modprobe.d/kvm.conf, merged into that module's options line when it has one."""
    configured = configured_option(root, module, key)
    if configured is not None and configured[1].lower() in ENABLED_WORDS and value == "1":
        return None
    path = configured[0] if configured is not None and configured[0].startswith("/etc/") else NESTED_CONF
    current: CurrentFile = read_current(root, path)
    document = ModprobeConf.parse(current.data or b"")
    change = document.set_option(module, key, value)
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
