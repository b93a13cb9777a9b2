"""The playbook's file task: the settings the planner decided, for each kind of node, given to the exported module
(library/kvm_wizard_files.py), which plans and writes each node's files with the wizard's own code."""

from __future__ import annotations

from wizard.answers import Answers
from wizard.export.ansible_module import MODULE_NAME
from wizard.export.on_node import MIRRORED, NO_FLAG
from wizard.export.yaml_text import Commented, Node, Unsafe
from wizard.plan.actions import VHOST_NET_REASON, kvm_module_reason, wants_kvm
from wizard.plan.build import nested_reason
from wizard.plan.desired import Desired
from wizard.plan.model import Reason
from wizard.plan.settings import glance_settings, nova_settings

# The vendor's flag of each kind of node (settings.vendor_flag()), and how the playbook spells it.
FLAGS: dict[str, str | None] = {"vmx": "vmx", "svm": "svm", NO_FLAG: None}
# Stands for the node's own swtpm account while the settings are made (an account name never holds "<").
NODE_ACCOUNT = "<the node's account>"
FILES_RESULT = "kvm_wizard_files"  # the module's registered result: which kinds of file changed


def path(system_path: str) -> str:
    return "{{ kvm_wizard_prefix }}" + system_path


def why(*reasons: Reason) -> tuple[str, ...]:
    return tuple(f"why: {reason.text} ({reason.source})" for reason in reasons)


def task(comments: tuple[str, ...], name: str, module: str, arguments: dict[str, Node], **more: Node) -> Node:
    body: dict[str, Node] = {"name": name, module: arguments}
    body.update(more)
    return Commented(comments, body) if comments else body


def only_when(node: Node, condition: str) -> Node:
    """A task that runs only when ``condition`` holds (it has no condition of its own)."""
    if isinstance(node, Commented):
        return Commented(node.comments, only_when(node.value, condition))
    if not isinstance(node, dict) or "when" in node:
        raise TypeError(f"not a task without a condition: {node!r}")
    return {**node, "when": condition}


def by_flag(answers: Answers) -> list[tuple[Desired, str | None]]:
    """Every setting once, in the planner's order, or once per vendor flag where the vendor changes it (the
    vendor's flag in cpu_model_extra_flags); glance-api.conf's after nova.conf's, as the planner writes them.

    Where the answers leave swtpm_user or swtpm_group to libvirt, the node's own account (its qemu.conf's) is
    asked for in their place ("mirror")."""
    node_accounts = (NODE_ACCOUNT, NODE_ACCOUNT)
    variants = {flag: nova_settings(answers, value, node_accounts) for flag, value in FLAGS.items()}
    keys: list[tuple[str, str]] = []
    for settings in variants.values():
        keys += [(item.section, item.key) for item in settings if (item.section, item.key) not in keys]
    result: list[tuple[Desired, str | None]] = []
    for key in keys:
        found = {
            flag: next((item for item in settings if (item.section, item.key) == key), None)
            for flag, settings in variants.items()
        }
        present = [item for item in found.values() if item is not None]
        if len(present) == len(found) and len(set(present)) == 1:
            result.append((present[0], None))
            continue
        result += [(item, flag) for flag, item in found.items() if item is not None]
    return result + [(desired, None) for desired in glance_settings(answers)]


def _reasons(reasons: tuple[Reason, ...], *, template: bool = False) -> list[Node]:
    wrap = (lambda text: text) if template else Unsafe
    return [{"text": wrap(reason.text), "source": wrap(reason.source)} for reason in reasons]


def _value(value: object) -> Node:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, tuple):
        return [Unsafe(str(item)) for item in value]
    return Unsafe(str(value))


def setting_node(desired: Desired, flag: str | None) -> Node:
    """One setting as the module reads it; strings from the answers are !unsafe (never templated)."""
    node: dict[str, Node] = {"file": desired.file, "section": Unsafe(desired.section), "option": desired.key}
    if desired.value == NODE_ACCOUNT and desired.key in MIRRORED:
        node["mirror"] = desired.key
        return node
    if desired.value is None:
        node["state"] = "absent"
    else:
        node["value"] = _value(desired.value)
    if desired.also_unset:
        node["also_unset"] = list(desired.also_unset)
    if flag is not None:
        node["vendor_flag"] = flag
    node["why"] = _reasons(desired.reasons)
    return node


def missing_keys(answers: Answers) -> list[str]:
    """What the playbook cannot write: a setting made of a key the answers leave out (the wizard takes each
    node's own value; a playbook cannot), as "KEY (for [section] option)"."""
    found: dict[str, None] = {}
    for desired, _ in by_flag(answers):
        for key in desired.keys:
            if key not in answers.given:
                found[f"{key} (for [{desired.section}] {desired.key})"] = None
    return list(found)


def nested_given(answers: Answers) -> bool:
    """The answers turn nested guests on or off (left out: each node keeps its nested parameter)."""
    return answers.is_given("nested.enabled")


def wanted_modules(answers: Answers) -> list[tuple[str, Reason]]:
    """(module or Jinja expression, why) for the modules to load now and at boot: as the wizard, only for the
    keys the answers give."""
    wanted: list[tuple[str, Reason]] = []
    if wants_kvm(answers):
        module = "{{ kvm_wizard_kvm_module }}"
        wanted.append((module, kvm_module_reason(module, "{{ kvm_wizard_node_cpu_vendor }}")))
    if answers.performance.vhost_net and answers.is_given("performance.vhost_net"):
        wanted.append(("vhost_net", VHOST_NET_REASON))
    return wanted


def boot_modules_node(answers: Answers) -> list[Node]:
    """The modules to load, each with its reasons (templated per node: they name the node's module)."""
    return [
        {"name": name, "why": _reasons((reason,), template=True)} for name, reason in wanted_modules(answers)
    ]


def file_task(answers: Answers) -> Node:
    """The one task that changes files: nova.conf (and glance-api.conf on a Glance API node), the modules loaded
    at boot and the nested option, planned and written on each node by the wizard's own code."""
    arguments: dict[str, Node] = {
        "root": "{{ kvm_wizard_root | default('/') }}",
        "vendor_flag": f"{{{{ kvm_wizard_vt_flag or '{NO_FLAG}' }}}}",
        # Debian's family: its packaging decides where nova-compute reads its configuration when no unit or
        # process says, and modules are loaded at boot from /etc/modules.
        "debian": "{{ kvm_wizard_node_os_family == 'Debian' }}",
        "settings": [setting_node(desired, flag) for desired, flag in by_flag(answers)],
    }
    if wanted_modules(answers):
        # Added to /etc/modules on Debian's family (or where the node has one), else to
        # /etc/modules-load.d/kvm.conf, as the wizard does (wizard.host.module_persistence).
        arguments["boot_modules"] = "{{ kvm_wizard_boot_wanted }}"
    if nested_given(answers):
        module = "{{ kvm_wizard_nested_module }}"
        enabled = answers.nested.enabled
        arguments["nested"] = {
            "module": module,
            "enabled": enabled,
            "why": _reasons((nested_reason(module, enabled),), template=True),
        }
    return task(
        (
            "The wizard's own planning and writing (library/kvm_wizard_files.py carries its code): each option",
            "takes the place of its commented default line, or goes after its section's last assignment, and",
            "every other byte stays; --check --diff shows the wizard's explained diff of each file.",
        ),
        "The files say what the answers want (nova.conf, glance-api.conf, modules at boot, nested)",
        MODULE_NAME,
        arguments,
        register=FILES_RESULT,
    )


__all__ = [
    "FILES_RESULT",
    "boot_modules_node",
    "by_flag",
    "file_task",
    "missing_keys",
    "nested_given",
    "only_when",
    "path",
    "task",
    "wanted_modules",
    "why",
]
