"""The files of one node made to say what the answers want: the part of the plan that reads the node's files.

build_plan() decides, from the answers and the host's facts, what each file must say (a NodeFiles); then
plan_node_files() reads the files under the root and makes the edits. The Ansible export's module builds the
same NodeFiles on each node from the playbook's settings and the node's own facts, and calls the same function
(it carries this code verbatim), so that a node gets the bytes `kvm-wizard apply` would write there.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from wizard.plan.current import read_current
from wizard.plan.desired import Desired
from wizard.plan.ini_edits import plan_ini_file
from wizard.plan.model import FileEdit, FileKind, NewFileAttributes, Reason
from wizard.plan.module_files import ModuleWanted, plan_boot_modules, plan_module_option

NOVA_CONF = "/etc/nova/nova.conf"
GLANCE_API_CONF = "/etc/glance/glance-api.conf"


@dataclass(frozen=True)
class NodeFiles:
    """What one node's files must say, decided before any of them is read."""

    nova: tuple[Desired, ...]  # nova.conf's settings, for this node's CPU vendor and swtpm account
    glance: tuple[Desired, ...]  # glance-api.conf's, on a Glance API node; () elsewhere
    groups: Collection[str]  # the node's groups: a config file created for a service gets its group
    modules_file: str  # where a module to load at boot is added (/etc/modules, modules-load.d/kvm.conf)
    boot_modules: tuple[ModuleWanted, ...] = ()  # modules to load at boot (listed unless a file lists them)
    nested_module: str | None = None  # the module to load with nested=1, None: nested guests not asked for
    nested_reasons: tuple[Reason, ...] = ()


def config_attributes(groups: Collection[str], group: str) -> NewFileAttributes:
    """How a service's configuration file is created: distributions ship them root:<service group> 0640
    (they hold passwords); without that group, root:root 0600."""
    if group in groups:
        return NewFileAttributes("root", group, 0o640)
    return NewFileAttributes("root", "root", 0o600)


def plan_node_files(root: Path, node: NodeFiles) -> tuple[FileEdit, ...]:
    """The edits of the node's files under ``root`` (none for a file that already says it), in the plan's order."""
    edits: list[FileEdit | None] = [
        plan_ini_file(
            read_current(root, NOVA_CONF),
            FileKind.NOVA_CONF,
            list(node.nova),
            config_attributes(node.groups, "nova"),
        )
    ]
    if node.glance:
        edits.append(
            plan_ini_file(
                read_current(root, GLANCE_API_CONF),
                FileKind.GLANCE_API_CONF,
                list(node.glance),
                config_attributes(node.groups, "glance"),
            )
        )
    edits.append(plan_boot_modules(root, node.modules_file, node.boot_modules))
    if node.nested_module is not None:
        edits.append(plan_module_option(root, node.nested_module, "nested", "1", node.nested_reasons))
    return tuple(edit for edit in edits if edit is not None)
