"""build_plan(): host facts + answers + the files under the root -> the exact, explained plan."""

from __future__ import annotations

from pathlib import Path

from wizard.answers import Answers, dumps_answers
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.plan.actions import ActionPlan, device_actions, module_actions, package_actions, restart_actions
from wizard.plan.current import read_current
from wizard.plan.ini_edits import plan_ini_file
from wizard.plan.model import Check, CheckKind, FileEdit, FileKind, NewFileAttributes, Plan, Reason
from wizard.plan.module_files import ModuleWanted, plan_boot_modules, plan_module_option
from wizard.plan.settings import glance_settings, nova_settings, swtpm_accounts, vendor_flag
from wizard.tpm.guests import SecureGuests, assess_secure_guests, image_property_commands

NOVA_CONF = "/etc/nova/nova.conf"
GLANCE_API_CONF = "/etc/glance/glance-api.conf"


def _config_attributes(profile: HostProfile, group: str) -> NewFileAttributes:
    # Distributions ship service configs root:<service group> 0640: they hold passwords.
    if group in profile.accounts.groups:
        return NewFileAttributes("root", group, 0o640)
    return NewFileAttributes("root", "root", 0o600)


def nested_reason(module: str) -> Reason:
    return Reason(
        f"{module} must load with nested=1 so that instances can run their own KVM guests",
        "answers: nested.enabled = true",
    )


def smoke_check(nova_conf: str, uri: str, guests: SecureGuests | None) -> Check:
    """The smoke guest after the apply: nova.conf's CPU (and vTPM), plus Secure Boot firmware on the machine
    type it needs when guests may require it (wizard.apply.smoke_guest)."""
    options: tuple[str, ...] = ()
    if guests is not None:
        options = ("secure-boot", f"tpm-model={guests.tpm_model}")
        options += (f"machine={guests.machine}",) if guests.machine else ()
    return Check(
        CheckKind.SMOKE_GUEST,
        nova_conf,
        expected=uri,
        title="libvirt starts a throwaway guest as nova would (paused), then removes it",
        options=options,
    )


def build_plan(facts: HostFacts, answers: Answers, root: Path, profile: HostProfile | None = None) -> Plan:
    """A pure function of its inputs: it reads the files under ``root`` and changes nothing.

    The answers must already be valid for this host (see wizard.plan.validate); this function trusts them.
    """
    host = profile or HostProfile.from_facts(facts)
    edits: list[FileEdit] = []

    nova_edit = plan_ini_file(
        read_current(root, NOVA_CONF),
        FileKind.NOVA_CONF,
        nova_settings(answers, vendor_flag(host), swtpm_accounts(host)),
        _config_attributes(host, "nova"),
    )
    if nova_edit is not None:
        edits.append(nova_edit)
    glance = glance_settings(answers)
    glance_edit = None
    if glance:
        glance_edit = plan_ini_file(
            read_current(root, GLANCE_API_CONF),
            FileKind.GLANCE_API_CONF,
            glance,
            _config_attributes(host, "glance"),
        )
        if glance_edit is not None:
            edits.append(glance_edit)

    actions = ActionPlan()
    nested_edit = None
    if answers.nested.enabled and host.nested_module is not None:
        nested_edit = plan_module_option(
            root,
            host.nested_module,
            "nested",
            "1",
            (nested_reason(host.nested_module),),
        )
    persist = module_actions(answers, host, actions, nested_changed=nested_edit is not None)
    boot_edit = plan_boot_modules(
        root, host.distribution.modules_file, [ModuleWanted(name, reasons) for name, reasons in persist]
    )
    for edit in (boot_edit, nested_edit):
        if edit is not None:
            edits.append(edit)
    device_actions(answers, host, actions)
    guests = (
        assess_secure_guests(facts, host, virt_type=answers.hypervisor.virt_type, installing=True)
        if answers.tpm.secure_boot
        else None
    )
    package_actions(answers, facts, actions, guests.install if guests is not None else None)
    restart_actions(host, actions, nova_changed=nova_edit is not None, glance_changed=glance_edit is not None)

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
    if answers.tpm.measure:
        actions.notes.append(
            f"Measured configuration: each generation committed from now on (this apply's, rollbacks' and "
            f"reverts') is extended into PCR {answers.tpm.measure_pcr} of the TPM, its event kept in the generation; "
            "`kvm-wizard attest quote --nonce HEX -o FILE` proves which one this node runs."
        )
    if host.stack.libvirt is not None and (edits or actions.actions):
        checks.append(
            smoke_check(nova_edit.written_path if nova_edit else NOVA_CONF, host.stack.libvirt.uri, guests)
        )
    return Plan(
        edits=tuple(edits),
        actions=tuple(actions.actions),
        checks=tuple(checks),
        answers_toml=dumps_answers(answers),
        notes=tuple(actions.notes),
        image_commands=image_property_commands(guests) if guests is not None else (),
        measure_pcr=answers.tpm.measure_pcr if answers.tpm.measure else None,
        measure_off=not answers.tpm.measure,
    )
