"""build_plan(): host facts + answers + the files under the root -> the exact, explained plan."""

from __future__ import annotations

from pathlib import Path

from wizard.answers import Answers, dumps_answers
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.plan.actions import (
    ActionPlan,
    device_actions,
    load_actions,
    nested_actions,
    package_actions,
    restart_actions,
)
from wizard.plan.model import Check, CheckKind, FileKind, Plan, Reason
from wizard.plan.module_files import ModuleWanted
from wizard.plan.node_files import GLANCE_API_CONF, NOVA_CONF, NodeFiles, plan_node_files
from wizard.plan.settings import glance_settings, nova_settings, swtpm_accounts, vendor_flag

__all__ = ["GLANCE_API_CONF", "NOVA_CONF", "build_plan", "nested_reason"]


def nested_reason(module: str) -> Reason:
    return Reason(
        f"{module} must load with nested=1 so that instances can run their own KVM guests",
        "answers: nested.enabled = true",
    )


def build_plan(facts: HostFacts, answers: Answers, root: Path, profile: HostProfile | None = None) -> Plan:
    """A pure function of its inputs: it reads the files under ``root`` and changes nothing.

    The answers must already be valid for this host (see wizard.plan.validate); this function trusts them.
    """
    host = profile or HostProfile.from_facts(facts)
    actions = ActionPlan()
    persist = load_actions(answers, host, actions)
    nested_module = host.nested_module if answers.nested.enabled else None
    edits = plan_node_files(
        root,
        NodeFiles(
            nova=tuple(nova_settings(answers, vendor_flag(host), swtpm_accounts(host))),
            glance=tuple(glance_settings(answers)),
            groups=host.accounts.groups,
            modules_file=host.distribution.modules_file,
            boot_modules=tuple(ModuleWanted(name, reasons) for name, reasons in persist),
            nested_module=nested_module,
            nested_reasons=(nested_reason(nested_module),) if nested_module is not None else (),
        ),
    )
    nova_edit = next((edit for edit in edits if edit.kind is FileKind.NOVA_CONF), None)
    glance_changed = any(edit.kind is FileKind.GLANCE_API_CONF for edit in edits)
    nested_actions(
        answers, host, actions, nested_changed=any(edit.kind is FileKind.MODPROBE for edit in edits)
    )
    device_actions(answers, host, actions)
    package_actions(answers, facts, actions)
    restart_actions(host, actions, nova_changed=nova_edit is not None, glance_changed=glance_changed)

    checks = [Check(CheckKind.FILE_PARSES, edit.written_path, live_only=False) for edit in edits]
    checks.extend(actions.checks)
    if nova_edit is not None and host.stack.libvirt is not None:
        # libvirt answered the probe: it judges the written nova.conf again, as nova-compute will at its start.
        checks.append(
            Check(
                CheckKind.LIBVIRT_ACCEPTS,
                nova_edit.written_path,
                expected=host.stack.libvirt.uri,
                title="libvirt accepts nova.conf's CPU settings, as nova-compute asks it at start",
            )
        )
    return Plan(
        edits=tuple(edits),
        actions=tuple(actions.actions),
        checks=tuple(checks),
        answers_toml=dumps_answers(answers),
        notes=tuple(actions.notes),
    )
