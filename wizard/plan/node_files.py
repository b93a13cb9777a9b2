"""The files of one node made to say what the answers want: the part of the plan that reads the node's files.

build() decides, from the answers and the host's facts, what each file must say and where the node's services
read it (a NodeFiles); plan_node_files() then reads the files under the root and makes the edits, each in the
file where it takes effect. The Ansible export's module builds the same NodeFiles on each node from the
playbook's settings and the node's own files, and calls the same function (it carries this code verbatim), so
that a node gets the bytes `kvm-wizard apply` would write there.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from wizard.host.config_chain import ConfigChain, chain_paths
from wizard.plan.chain_edits import ChainPlan, plan_chain
from wizard.plan.current import read_current
from wizard.plan.desired import Desired
from wizard.plan.model import FileEdit, FileKind, NewFileAttributes, Reason
from wizard.plan.module_files import ModuleWanted, NestedOption, plan_boot_modules, plan_nested_option


@dataclass(frozen=True)
class NestedWanted:
    """The nested parameter of the node's KVM module, as the answers give it, and what the node says of it."""

    module: str
    enabled: bool
    active: (
        bool | None
    )  # /sys/module/MODULE/parameters/nested now; None: not known (not loaded, not readable)
    cmdline: str  # the kernel command line, which wins over every modprobe.d file
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class NodeFiles:
    """What one node's files must say, and where its services read them, decided before any file is read."""

    nova: tuple[Desired, ...]  # for this node's CPU vendor and swtpm account
    glance: tuple[Desired, ...]  # on a Glance API node; () elsewhere
    nova_chain: ConfigChain  # the files nova-compute reads, in oslo's order
    glance_chain: ConfigChain
    groups: Collection[str]  # the node's groups: a config file created for a service gets its group
    modules_file: str  # where a module to load at boot is added (/etc/modules, modules-load.d/kvm.conf)
    boot_modules: tuple[ModuleWanted, ...] = ()  # modules to load at boot (listed unless a file lists them)
    nested: NestedWanted | None = None  # None: the answers leave the nested parameter as it is


@dataclass(frozen=True)
class NodeEdits:
    nova: ChainPlan
    glance: ChainPlan
    boot: FileEdit | None
    nested: NestedOption | None

    @property
    def edits(self) -> tuple[FileEdit, ...]:
        """Every edit, in the plan's order: the services' files, then the modules at boot, then nested."""
        nested = self.nested.edit if self.nested is not None else None
        others = tuple(edit for edit in (self.boot, nested) if edit is not None)
        return (*self.nova.edits, *self.glance.edits, *others)


def config_attributes(groups: Collection[str], group: str) -> NewFileAttributes:
    """How a service's configuration file is created: distributions ship them root:<service group> 0640
    (they hold passwords); without that group, root:root 0600."""
    if group in groups:
        return NewFileAttributes("root", group, 0o640)
    return NewFileAttributes("root", "root", 0o600)


def _chain_plan(
    root: Path, chain: ConfigChain, kind: FileKind, settings: tuple[Desired, ...], new_file: NewFileAttributes
) -> ChainPlan:
    if not settings:
        return ChainPlan()
    currents = {path: read_current(root, path) for path in chain_paths(chain)}
    return plan_chain(chain, currents, kind, list(settings), new_file)


def plan_node_files(root: Path, node: NodeFiles) -> NodeEdits:
    """The edits of the node's files under ``root`` (none for a file that already says it)."""
    nova = _chain_plan(
        root, node.nova_chain, FileKind.NOVA_CONF, node.nova, config_attributes(node.groups, "nova")
    )
    glance = _chain_plan(
        root,
        node.glance_chain,
        FileKind.GLANCE_API_CONF,
        node.glance,
        config_attributes(node.groups, "glance"),
    )
    nested = None
    if node.nested is not None:
        wanted = node.nested
        nested = plan_nested_option(
            root,
            wanted.module,
            enabled=wanted.enabled,
            active=wanted.active,
            cmdline=wanted.cmdline,
            reasons=wanted.reasons,
        )
    boot = plan_boot_modules(root, node.modules_file, node.boot_modules)
    return NodeEdits(nova, glance, boot, nested)
