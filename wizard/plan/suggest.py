"""Answers that suit one host, with a note per key saying what of the host made the choice (for the template)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from wizard.answers.model import Answers
from wizard.diagnosis.diagnose import diagnose_profile
from wizard.host.facts import HostFacts
from wizard.host.platform import ArchFamily
from wizard.host.profile import HostProfile
from wizard.plan.settings import vendor_flag
from wizard.plan.validate import KVM_CAN_WORK, unavailable_choices


@dataclass(frozen=True)
class Suggestion:
    answers: Answers
    notes: dict[str, str]  # key path -> what of the host this value or this key depends on
    header: tuple[str, ...]  # where the values come from


def suggest_answers(facts: HostFacts, name: str) -> Suggestion:
    """Defaults, changed only where this host calls for it; every change and every host fact is noted."""
    profile = HostProfile.from_facts(facts)
    verdict = diagnose_profile(profile).verdict
    answers = Answers()
    notes: dict[str, str] = {}
    hypervisor = answers.hypervisor
    if verdict.code in KVM_CAN_WORK:
        notes["hypervisor.virt_type"] = f"KVM works or can be made to work ({verdict.code.value})."
    else:
        # Never consent to emulation on the operator's behalf: the file stays invalid here until a person
        # either fixes the host or writes both qemu and the consent.
        notes["hypervisor.virt_type"] = (
            f"KVM cannot work here ({verdict.code.value}). {verdict.summary} This file is not valid on this "
            'host as it stands: fix the host (kvm-wizard check says how), or choose "qemu" and set '
            "allow_emulation = true to accept software emulation, which is many times slower."
        )
        notes["hypervisor.allow_emulation"] = "left false: only you can consent to emulation (see virt_type)."
    storage = answers.storage
    groups = profile.volume_groups
    if groups:
        storage = dataclasses.replace(storage, volume_group=groups[0])
        notes["storage.volume_group"] = f"volume groups here: {', '.join(groups)}."
    else:
        notes["storage.volume_group"] = f"no volume group found ({profile.volume_groups_source or 'none'})."
    nested = answers.nested
    module = profile.nested_module
    state = profile.nested.get(module) if module else None
    flag = vendor_flag(profile)
    refused = unavailable_choices("nested.enabled", answers, profile)
    if module is None or "true" in refused:
        reason = refused.get("true") or f"not supported on {profile.platform.machine or 'this architecture'}"
        notes["nested.enabled"] = f"off: {reason}."
    else:
        active = state.active if state is not None else None
        if active:
            nested = dataclasses.replace(nested, enabled=True)
        notes["nested.enabled"] = f"{module} controls nested guests; nested is " + (
            "on now." if active else "off now." if active is False else "not readable."
        )
    modes = unavailable_choices("nested.cpu_mode", dataclasses.replace(answers, nested=nested), profile)
    usable = next((mode for mode in ("host-model", "host-passthrough") if mode not in modes), None)
    if nested.cpu_mode in modes and usable is not None:
        notes["nested.cpu_mode"] = f"{usable}, not {nested.cpu_mode}: {modes[nested.cpu_mode]}."
        nested = dataclasses.replace(nested, cpu_mode=usable)
    if flag is not None:
        vendor = "Intel" if flag == "vmx" else "AMD"
        notes["nested.extra_flags"] = (
            f"an {vendor} CPU: with nested guests and host-model or custom, {flag} is added for you."
        )
    elif profile.platform.family is not ArchFamily.X86:
        notes["nested.extra_flags"] = "not an x86 CPU: no vendor flag is added."
    tpm = answers.tpm
    if profile.tpm_devices:
        notes["tpm.verify"] = f"TPM: {', '.join(device.name for device in profile.tpm_devices)}."
    else:
        # Nothing to verify, and tools with nothing to talk to: not installed unless asked for.
        tpm = dataclasses.replace(tpm, verify=False, install_tools=False)
        notes["tpm.verify"] = (
            "no TPM device found: nothing to verify (enable it in the firmware setup first)."
        )
    notes["tpm.install_tools"] = (
        "tpm2-tools are installed."
        if profile.tpm2_tools is not None
        else f"tpm2-tools are missing; package manager: {profile.distribution.package_manager or 'none found'}."
    )
    suggested = dataclasses.replace(answers, hypervisor=hypervisor, storage=storage, nested=nested, tpm=tpm)
    host = profile.distribution.name or profile.distribution.id or "unknown distribution"
    header = (
        "",
        f"Suggested for {name}: {host}, {profile.platform.machine or 'unknown architecture'}.",
        "The lines 'on this host:' say what of that host a value or a key depends on.",
    )
    return Suggestion(suggested, notes, header)
