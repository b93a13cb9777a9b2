"""build_plan(): host facts + answers + the files under the root -> the exact, explained plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wizard.answers import Answers, dumps_answers
from wizard.host.config_chain import ConfigChain, chain_paths
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.plan.actions import (
    ActionPlan,
    NestedChange,
    device_actions,
    load_actions,
    nested_actions,
    package_actions,
    restart_actions,
)
from wizard.plan.chain_edits import ChainPlan
from wizard.plan.desired import Desired
from wizard.plan.ini_edits import written_value
from wizard.plan.model import Check, CheckKind, Plan, Reason
from wizard.plan.module_files import ModuleWanted
from wizard.plan.node_files import NestedWanted, NodeFiles, plan_node_files
from wizard.plan.settings import glance_settings, nova_settings, swtpm_accounts, vendor_flag
from wizard.tpm.guests import SecureGuests, assess_secure_guests, image_property_commands

NOVA_CONF = "/etc/nova/nova.conf"
GLANCE_API_CONF = "/etc/glance/glance-api.conf"


def nested_reason(module: str, enabled: bool = True) -> Reason:
    if not enabled:
        return Reason(
            f"{module} must load with nested=0 so that instances can no longer run their own KVM guests",
            "answers: nested.enabled = false",
        )
    return Reason(
        f"{module} must load with nested=1 so that instances can run their own KVM guests",
        "answers: nested.enabled = true",
    )


@dataclass(frozen=True)
class Refusal:
    """A setting that would change a file the wizard must not write (kolla-ansible, the snap)."""

    desired: Desired
    chain: ConfigChain


@dataclass(frozen=True)
class Built:
    plan: Plan
    refused: tuple[Refusal, ...] = ()
    settings: tuple[Desired, ...] = ()  # every setting the answers decide, changed or not
    changed: tuple[Desired, ...] = field(default=())  # those that change a file


def _effective_checks(chain: ConfigChain, result: ChainPlan) -> list[Check]:
    """After writing, the service's files are read again the way it reads them: each changed option must
    have the value wanted, whatever file it comes from."""
    checks = []
    for desired, files in result.checks:
        expected = written_value(desired) or ""
        checks.append(
            Check(
                CheckKind.EFFECTIVE_VALUE,
                f"{desired.file} [{desired.section}] {desired.key}",
                expected,
                f"{chain.service} reads [{desired.section}] {desired.key}"
                + (f" = {expected}" if desired.value is not None else " nowhere (not set)"),
                live_only=False,
                files=files,
            )
        )
    return checks


def smoke_check(chain: ConfigChain, uri: str, guests: SecureGuests | None) -> Check:
    """The smoke guest after the apply: the CPU (and vTPM) nova-compute will read over its chain, plus Secure
    Boot firmware on the machine type it needs when guests may require it (wizard.apply.smoke_guest)."""
    options: tuple[str, ...] = ()
    if guests is not None:
        options = ("secure-boot", f"tpm-model={guests.tpm_model}")
        options += (f"machine={guests.machine}",) if guests.machine else ()
    return Check(
        CheckKind.SMOKE_GUEST,
        chain.primary,
        expected=uri,
        title="libvirt starts a throwaway guest as nova would (paused), then removes it",
        files=tuple(chain_paths(chain)),
        options=options,
    )


def _measuring(answers: Answers) -> tuple[int | None, bool]:
    """(PCR, off): what the answers make of measuring; (None, False) keeps the node's as it is."""
    if not (answers.is_given("tpm.measure") or answers.is_given("tpm.measure_pcr")):
        return None, False
    return (answers.tpm.measure_pcr, False) if answers.tpm.measure else (None, True)


def build(facts: HostFacts, answers: Answers, root: Path, profile: HostProfile | None = None) -> Built:
    """The plan and what it refuses; ``answers`` resolved against the node (Answers.resolved)."""
    host = profile or HostProfile.from_facts(facts)
    nova_wanted = nova_settings(answers, vendor_flag(host), swtpm_accounts(host))
    glance_wanted = glance_settings(answers)
    actions = ActionPlan()
    persist = load_actions(answers, host, actions)
    module = host.nested_module
    nested_wanted = None
    if answers.is_given("nested.enabled") and module is not None:
        state = host.nested.get(module)
        enabled = answers.nested.enabled
        nested_wanted = NestedWanted(
            module,
            enabled,
            state.active if state is not None else None,
            host.cmdline,
            (nested_reason(module, enabled),),
        )
    node = plan_node_files(
        root,
        NodeFiles(
            nova=tuple(nova_wanted),
            glance=tuple(glance_wanted),
            nova_chain=host.nova_chain,
            glance_chain=host.glance_chain,
            groups=host.accounts.groups,
            modules_file=host.distribution.modules_file,
            boot_modules=tuple(ModuleWanted(name, reasons) for name, reasons in persist),
            nested=nested_wanted,
        ),
    )
    nova, glance, edits = node.nova, node.glance, list(node.edits)
    nested = None
    if node.nested is not None and nested_wanted is not None:
        option = node.nested
        nested = NestedChange(nested_wanted.enabled, option.edit is not None, option.overridden_by_cmdline)
        if option.note:
            actions.notes.insert(0, option.note)  # said before what loading the modules says
    nested_actions(answers, host, actions, nested)
    device_actions(answers, host, actions)
    guests = (
        assess_secure_guests(facts, host, virt_type=answers.hypervisor.virt_type, installing=True)
        if answers.tpm.secure_boot
        else None
    )
    package_actions(answers, facts, actions, guests.install if guests is not None else None)
    restart_actions(host, actions, nova_changed=bool(nova.edits), glance_changed=bool(glance.edits))

    checks = [Check(CheckKind.FILE_PARSES, edit.written_path, live_only=False) for edit in edits]
    checks += _effective_checks(host.nova_chain, nova)
    checks += _effective_checks(host.glance_chain, glance)
    checks.extend(actions.checks)
    if nova.edits and host.stack.libvirt is not None:
        # libvirt answered the probe: it judges the CPU settings nova-compute will read (over every file of its
        # chain) again, as nova-compute will at its start.
        checks.append(
            Check(
                CheckKind.LIBVIRT_ACCEPTS,
                host.nova_chain.primary,
                expected=host.stack.libvirt.uri,
                title="libvirt accepts nova.conf's CPU settings, as nova-compute asks it at start",
                files=tuple(chain_paths(host.nova_chain)),
            )
        )
    measure_pcr, measure_off = _measuring(answers)
    if measure_pcr is not None:
        actions.notes.append(
            f"Measured configuration: each generation committed from now on (this apply's, rollbacks' and "
            f"reverts') is extended into PCR {measure_pcr} of the TPM, its event kept in the generation; "
            "`kvm-wizard attest quote --nonce HEX -o FILE` proves which one this node runs."
        )
    if host.stack.libvirt is not None and (edits or actions.actions):
        checks.append(smoke_check(host.nova_chain, host.stack.libvirt.uri, guests))
    plan = Plan(
        edits=tuple(edits),
        actions=tuple(actions.actions),
        checks=tuple(checks),
        answers_toml=dumps_answers(answers),
        notes=tuple(actions.notes),
        image_commands=image_property_commands(guests) if guests is not None else (),
        measure_pcr=measure_pcr,
        measure_off=measure_off,
    )
    refused = tuple(Refusal(item, host.nova_chain) for item in nova.refused) + tuple(
        Refusal(item, host.glance_chain) for item in glance.refused
    )
    return Built(
        plan,
        refused,
        tuple(nova_wanted + glance_wanted),
        tuple(nova.changed + glance.changed),
    )


def build_plan(facts: HostFacts, answers: Answers, root: Path, profile: HostProfile | None = None) -> Plan:
    """A pure function of its inputs: it reads the files under ``root`` and changes nothing.

    The answers must already be valid for this host (see wizard.plan.validate) and resolved against the node
    (Answers.resolved); this function trusts them.
    """
    return build(facts, answers, root, profile).plan
