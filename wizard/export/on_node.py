"""What the exported playbook's module does on each node: the wizard's own planning and writing of its files.

The playbook lists the settings the engine decided for each kind of node (with its reasons); the module's
arguments carry them and the node's own facts (its vendor's flag, its nested module, the modules to load at
boot and where). From them this builds the NodeFiles that build_plan() would build on that node, plans its files
with plan_node_files() and writes them as a transaction writes a file (wizard.apply.targets). The module carries
this file and everything it imports verbatim (wizard.export.ansible_module), so the edits are the wizard's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.accounts import Accounts
from wizard.apply.targets import Target, file_target, write_target
from wizard.host.module_persistence import ETC_MODULES, modules_file, persistence_of
from wizard.host.swtpm_account import QEMU_CONF, swtpm_accounts_in
from wizard.option_types import FILE_KINDS, FileKind, Value
from wizard.plan.current import PlanningError, read_current
from wizard.plan.desired import Desired, swtpm_account_setting
from wizard.plan.model import FileEdit, Reason
from wizard.plan.module_files import ModuleWanted
from wizard.plan.node_files import NodeFiles, plan_node_files

NO_FLAG = "none"  # the vendor flag of a node that has none (not x86), as the playbook spells it
VENDOR_FLAGS = ("vmx", "svm", NO_FLAG)
MIRRORED = {"swtpm_user": "user", "swtpm_group": "group"}  # settings whose value is the node's own account


class NodeInputError(ValueError):
    """An argument of the module that the playbook cannot have meant; the message names it."""


@dataclass(frozen=True)
class WrittenFile:
    path: str
    written_path: str
    kind: str
    created: bool


@dataclass(frozen=True)
class NodeResult:
    """What the module reports: the edits (written, or only planned in check mode), each as the wizard's
    explained diff (`kvm-wizard plan` shows the same text), and the notes of writing them."""

    files: tuple[WrittenFile, ...]
    diffs: tuple[str, ...]
    notes: tuple[str, ...]
    swtpm_user: str  # the account libvirt runs swtpm as on the node (its qemu.conf's, or tss)
    swtpm_group: str

    @property
    def changed(self) -> bool:
        return bool(self.files)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of file changed (nova.conf, glance-api.conf, modules, modprobe): what the handlers ask."""
        return tuple(sorted({item.kind for item in self.files}))


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise NodeInputError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _list(value: object, where: str) -> Sequence[object]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise NodeInputError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise NodeInputError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _reasons(value: object, where: str) -> tuple[Reason, ...]:
    reasons = []
    for number, item in enumerate(_list(value, where)):
        entry = _mapping(item, f"{where}[{number}]")
        reasons.append(
            Reason(
                _text(entry.get("text"), f"{where}[{number}].text"),
                _text(entry.get("source"), f"{where}[{number}].source"),
            )
        )
    return tuple(reasons)


def _value(value: object, where: str) -> Value:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return tuple(_text(item, f"{where}[{number}]") for number, item in enumerate(value))
    raise NodeInputError(f"{where}: expected a string, a number, true or false, or a list of strings")


def _desired(item: object, where: str, swtpm: tuple[str, str, str]) -> tuple[Desired, str | None]:
    entry = _mapping(item, where)
    mirror = entry.get("mirror")
    if mirror is not None:
        # nova's swtpm_user or swtpm_group, as libvirt runs swtpm on this node (its qemu.conf, or tss)
        if mirror not in MIRRORED or entry.get("option") != mirror:
            raise NodeInputError(
                f"{where}.mirror: only swtpm_user and swtpm_group mirror the node's qemu.conf"
            )
        account = MIRRORED[mirror]
        return swtpm_account_setting(account, swtpm[0] if account == "user" else swtpm[1]), None
    file = _text(entry.get("file"), f"{where}.file")
    if file not in FILE_KINDS:
        raise NodeInputError(f"{where}.file: {file!r} is not one of {', '.join(FILE_KINDS)}")
    file_kind: FileKind = "nova.conf" if file == "nova.conf" else "glance-api.conf"
    state = entry.get("state", "present")
    if state not in ("present", "absent"):
        raise NodeInputError(f"{where}.state: {state!r} is not present or absent")
    if state == "present" and "value" not in entry:
        raise NodeInputError(f"{where}: no value (give one, or state: absent)")
    flag = entry.get("vendor_flag")
    if flag is not None and flag not in VENDOR_FLAGS:
        raise NodeInputError(f"{where}.vendor_flag: {flag!r} is not one of {', '.join(VENDOR_FLAGS)}")
    desired = Desired(
        file=file_kind,
        section=_text(entry.get("section"), f"{where}.section"),
        key=_text(entry.get("option"), f"{where}.option"),
        value=_value(entry.get("value"), f"{where}.value") if state == "present" else None,
        reasons=_reasons(entry.get("why"), f"{where}.why"),
        also_unset=tuple(
            _text(name, f"{where}.also_unset[{number}]")
            for number, name in enumerate(_list(entry.get("also_unset"), f"{where}.also_unset"))
        ),
    )
    return desired, flag if isinstance(flag, str) else None


@dataclass(frozen=True)
class NodeFacts:
    """What the module reads of the node itself, as the probe reads it for the wizard."""

    groups: tuple[str, ...]  # /etc/group's
    qemu_conf: str | None  # the text of /etc/libvirt/qemu.conf
    has_etc_modules: bool


def read_node(root: Path) -> NodeFacts:
    qemu_conf = read_current(root, QEMU_CONF).data
    return NodeFacts(
        groups=tuple(Accounts(root).groups),
        qemu_conf=qemu_conf.decode("utf-8", "replace") if qemu_conf is not None else None,
        has_etc_modules=read_current(root, ETC_MODULES).data is not None,
    )


def node_files(arguments: Mapping[str, object], node: NodeFacts) -> NodeFiles:
    """The NodeFiles of this node: the settings of its vendor's flag, its swtpm account and its module choices."""
    swtpm = swtpm_accounts_in(node.qemu_conf)
    flag = _text(arguments.get("vendor_flag", NO_FLAG), "vendor_flag") or NO_FLAG
    if flag not in VENDOR_FLAGS:
        raise NodeInputError(f"vendor_flag: {flag!r} is not one of {', '.join(VENDOR_FLAGS)}")
    settings: dict[FileKind, list[Desired]] = {kind: [] for kind in FILE_KINDS}
    for number, item in enumerate(_list(arguments.get("settings"), "settings")):
        desired, only_on = _desired(item, f"settings[{number}]", swtpm)
        if only_on is None or only_on == flag:
            settings[desired.file].append(desired)
    boot = _mapping(arguments.get("boot") or {}, "boot")
    debian = boot.get("debian", False)
    if not isinstance(debian, bool):
        raise NodeInputError("boot.debian: expected true or false")
    modules = []
    for number, item in enumerate(_list(boot.get("modules"), "boot.modules")):
        entry = _mapping(item, f"boot.modules[{number}]")
        modules.append(
            ModuleWanted(
                _text(entry.get("name"), f"boot.modules[{number}].name"),
                _reasons(entry.get("why"), f"boot.modules[{number}].why"),
            )
        )
    nested = _mapping(arguments.get("nested") or {}, "nested")
    nested_module = _text(nested.get("module", ""), "nested.module")
    return NodeFiles(
        nova=tuple(settings["nova.conf"]),
        glance=tuple(settings["glance-api.conf"]),
        groups=frozenset(node.groups),
        modules_file=modules_file(persistence_of(debian_family=debian, has_etc_modules=node.has_etc_modules)),
        boot_modules=tuple(modules),
        nested_module=nested_module or None,
        nested_reasons=_reasons(nested.get("why"), "nested.why") if nested_module else (),
    )


def _explained(edits: Sequence[FileEdit]) -> tuple[str, ...]:
    # Lazy: explaining (and masking) loads code a run without --diff does not need, and the module compiles
    # every file it loads on each run.
    from wizard.plan.explain import explain_edit, plain_text

    return tuple(plain_text(explain_edit(edit)) for edit in edits)


def run(arguments: Mapping[str, object], *, check_mode: bool, diff: bool = True) -> NodeResult:
    """Plan the node's files under ``arguments["root"]`` and, unless in check mode, write them; with ``diff``,
    explain each edit as `kvm-wizard plan` does.

    NodeInputError for arguments the playbook cannot have meant; PlanningError or ValueError (with the file)
    for a file that cannot be planned or written, before anything is written."""
    root = Path(_text(arguments.get("root", "/"), "root") or "/")
    if not root.is_absolute():
        raise NodeInputError(f"root: {root} is not an absolute path")
    if not root.is_dir():
        raise NodeInputError(f"root: {root} is not a directory")
    node = read_node(root)
    edits = plan_node_files(root, node_files(arguments, node))
    swtpm = swtpm_accounts_in(node.qemu_conf)
    accounts = Accounts(root)
    notes: list[str] = []
    targets: list[tuple[FileEdit, Target]] = [
        (edit, file_target(root, edit, accounts, notes)) for edit in edits
    ]
    if not check_mode:
        for _, target in targets:
            write_target(root, target)
    return NodeResult(
        files=tuple(
            WrittenFile(edit.path, target.written_path, edit.kind.value, edit.creates)
            for edit, target in targets
        ),
        diffs=_explained(edits) if diff else (),
        notes=tuple(notes),
        swtpm_user=swtpm[0],
        swtpm_group=swtpm[1],
    )


__all__ = ["NodeInputError", "NodeResult", "PlanningError", "node_files", "run"]
