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
from wizard.host.chain_reader import CollectorChainReader, scan_processes
from wizard.host.collect import Collector
from wizard.host.config_chain import GLANCE_API, NOVA_COMPUTE, ConfigChain, ServiceSpec, derive_chain
from wizard.host.module_persistence import ETC_MODULES, modules_file, persistence_of
from wizard.host.parsing import parse_bool
from wizard.host.swtpm_account import QEMU_CONF, swtpm_accounts_in
from wizard.option_types import FILE_KINDS, FileKind, Value
from wizard.plan.chain_edits import refusal_message
from wizard.plan.current import PlanningError, read_current
from wizard.plan.desired import Desired, swtpm_account_setting
from wizard.plan.model import FileEdit, Reason
from wizard.plan.module_files import ModuleWanted
from wizard.plan.node_files import NestedWanted, NodeFiles, plan_node_files

NO_FLAG = "none"  # the vendor flag of a node that has none (not x86), as the playbook spells it
VENDOR_FLAGS = ("vmx", "svm", NO_FLAG)
MIRRORED = {"swtpm_user": "user", "swtpm_group": "group"}  # settings whose value is the node's own account


class NodeInputError(ValueError):
    """An argument of the module that the playbook cannot have meant; the message names it."""


class NodeRefusedError(ValueError):
    """A setting the wizard refuses on this node: its service reads files the wizard must not write
    (kolla-ansible, the snap); the message says where to make the change instead."""


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
    nested_reload: bool = False  # the nested parameter's file changed and no kernel command line overrides it

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
    """What the module reads of the node itself, as the probe reads it for the wizard (under the same root)."""

    groups: tuple[str, ...]  # /etc/group's
    qemu_conf: str | None  # the text of /etc/libvirt/qemu.conf
    has_etc_modules: bool
    cmdline: str  # /proc/cmdline
    reader: CollectorChainReader  # the probe's reader, for where the services read their configuration

    def nested_active(self, module: str) -> bool | None:
        """The module's nested parameter now (None: not loaded, or not readable), as the probe reads it."""
        raw = self.reader.collector.read_bytes(f"/sys/module/{module}/parameters/nested")
        return parse_bool(raw.decode("utf-8", "replace")) if raw is not None else None

    def chain(self, spec: ServiceSpec, *, debian: bool) -> ConfigChain:
        return derive_chain(spec, self.reader, debian=debian)


def read_node(root: Path) -> NodeFacts:
    qemu_conf = read_current(root, QEMU_CONF).data
    collector = Collector(root)
    # The running services as the probe finds them (none under a staging root without /proc); no command is run
    # (the probe asks docker or podman only whether kolla-ansible's container runs: a note, not a file).
    reader = CollectorChainReader(collector, scan_processes(collector), {})
    cmdline = collector.read_bytes("/proc/cmdline")
    return NodeFacts(
        groups=tuple(Accounts(root).groups),
        qemu_conf=qemu_conf.decode("utf-8", "replace") if qemu_conf is not None else None,
        has_etc_modules=read_current(root, ETC_MODULES).data is not None,
        cmdline=cmdline.decode("utf-8", "replace").strip() if cmdline is not None else "",
        reader=reader,
    )


def node_files(arguments: Mapping[str, object], node: NodeFacts) -> NodeFiles:
    """The NodeFiles of this node: the settings of its vendor's flag and its swtpm account, where its services
    read them, and its module choices."""
    swtpm = swtpm_accounts_in(node.qemu_conf)
    flag = _text(arguments.get("vendor_flag", NO_FLAG), "vendor_flag") or NO_FLAG
    if flag not in VENDOR_FLAGS:
        raise NodeInputError(f"vendor_flag: {flag!r} is not one of {', '.join(VENDOR_FLAGS)}")
    debian = arguments.get("debian", False)
    if not isinstance(debian, bool):
        raise NodeInputError("debian: expected true or false")
    settings: dict[FileKind, list[Desired]] = {kind: [] for kind in FILE_KINDS}
    for number, item in enumerate(_list(arguments.get("settings"), "settings")):
        desired, only_on = _desired(item, f"settings[{number}]", swtpm)
        if only_on is None or only_on == flag:
            settings[desired.file].append(desired)
    modules = []
    for number, item in enumerate(_list(arguments.get("boot_modules"), "boot_modules")):
        entry = _mapping(item, f"boot_modules[{number}]")
        modules.append(
            ModuleWanted(
                _text(entry.get("name"), f"boot_modules[{number}].name"),
                _reasons(entry.get("why"), f"boot_modules[{number}].why"),
            )
        )
    return NodeFiles(
        nova=tuple(settings["nova.conf"]),
        glance=tuple(settings["glance-api.conf"]),
        nova_chain=node.chain(NOVA_COMPUTE, debian=debian),
        glance_chain=node.chain(GLANCE_API, debian=debian),
        groups=frozenset(node.groups),
        modules_file=modules_file(persistence_of(debian_family=debian, has_etc_modules=node.has_etc_modules)),
        boot_modules=tuple(modules),
        nested=_nested(arguments, node),
    )


def _nested(arguments: Mapping[str, object], node: NodeFacts) -> NestedWanted | None:
    nested = _mapping(arguments.get("nested") or {}, "nested")
    module = _text(nested.get("module", ""), "nested.module")
    if not module:
        return None  # not asked for, or no nested module on this node
    enabled = nested.get("enabled", True)
    if not isinstance(enabled, bool):
        raise NodeInputError("nested.enabled: expected true or false")
    return NestedWanted(
        module, enabled, node.nested_active(module), node.cmdline, _reasons(nested.get("why"), "nested.why")
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
    wanted = node_files(arguments, node)
    planned = plan_node_files(root, wanted)
    refused = [
        refusal_message(chain, desired)
        for chain, result in ((wanted.nova_chain, planned.nova), (wanted.glance_chain, planned.glance))
        for desired in result.refused
    ]
    if refused:
        raise NodeRefusedError("kvm-wizard changes nothing on this node: it " + "; it ".join(refused))
    edits = planned.edits
    swtpm = swtpm_accounts_in(node.qemu_conf)
    accounts = Accounts(root)
    notes: list[str] = [planned.nested.note] if planned.nested is not None and planned.nested.note else []
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
        nested_reload=planned.nested is not None
        and planned.nested.edit is not None
        and not planned.nested.overridden_by_cmdline,
    )


__all__ = ["NodeInputError", "NodeRefusedError", "NodeResult", "PlanningError", "node_files", "run"]
