"""The smoke guest: proof, before the operator leaves, that libvirt and QEMU start what nova will ask for.

After the files are verified, a throwaway diskless domain with the CPU of the nova.conf just written (and,
when chosen, Secure Boot firmware and a vTPM 2.0) is defined, started paused, and destroyed and undefined
again (with its NVRAM and TPM state). Its name is written to the journal before it is defined, so that
`kvm-wizard recover` removes it after a crash, and it starts with a prefix of this root
(wizard.virsh_domain.smoke_prefix), so that leftovers of an earlier failed removal are found and removed too.
A refusal fails the verification: the apply is rolled back before anyone restarts nova-compute onto it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.libvirt_check import read_settings, setting, switch
from wizard.commands import CommandResult, CommandRunner
from wizard.plan.model import Check
from wizard.virsh import Answer, parse_version, virsh_argv
from wizard.virsh_domain import (
    GuestCpu,
    SmokeGuest,
    domain_xml,
    listed_names,
    parse_live_firmware,
    smoke_name,
    smoke_prefix,
)

TIMEOUT = 60.0  # the first start after libvirtd started probes QEMU; a TPM guest runs swtpm_setup
TPM_STATE_FROM = (8, 9, 0)  # libvirt whose `undefine` knows --tpm (older ones always removed the TPM state)

# QEMU's and libvirt's words for what no configuration file can change, and what they mean here.
_KNOWN = (
    (
        "System Management Mode not supported",
        "KVM here cannot give guests System Management Mode, which the Secure Boot firmware needs (PVM has none): "
        "guests that require Secure Boot cannot start with virt_type kvm on this host. Give them virt_type qemu, "
        "or run them on hosts whose KVM offers SMM.",
    ),
    (
        "failed to set MSR 0x10a",
        "KVM here refuses the guest's IA32_ARCH_CAPABILITIES MSR (0x10a), which host-model and host-passthrough "
        "pass on: every guest with this CPU mode fails to start on this host. Add -arch-capabilities to "
        "nested.extra_flags (cpu_model_extra_flags), or choose a custom model this host runs.",
    ),
)


@dataclass(frozen=True)
class SmokeOutcome:
    ok: bool
    detail: str  # what libvirt did, or why it refused (with what it means)
    leftovers: tuple[str, ...] = ()  # domains that could not be removed (named, with how to remove them)


def _answer(result: CommandResult) -> Answer:
    return Answer(result.returncode, result.stdout, result.stderr, result.error)


def _said(result: CommandResult) -> str:
    """libvirt's or QEMU's words for a refusal, and what they mean when they are known."""
    text = (result.stderr + result.stdout).strip()
    for words, meaning in _KNOWN:
        if words in text:
            return f"{meaning} (QEMU: {words})"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = [line.removeprefix("error: ") for line in lines if line.startswith("error:")]
    return said[-1] if said else _answer(result).reason


def guest_of(root: Path, check: Check, name: str) -> SmokeGuest | str:
    """The smoke guest the written nova.conf (with the files nova reads after it: the check's ``files``) and the
    check's options call for, or why there is none."""
    document = read_settings(root, check.subject, check.files)
    if isinstance(document, str):
        return document
    virt_type = str(setting(document, "virt_type") or "kvm")
    if virt_type not in ("kvm", "qemu"):
        return f"virt_type {virt_type}: nova starts no QEMU guest to try"
    arch = os.uname().machine
    mode = setting(document, "cpu_mode") or ("host-passthrough" if arch == "aarch64" else "host-model")
    models = setting(document, "cpu_models")
    flags = setting(document, "cpu_model_extra_flags")
    options = dict(option.partition("=")[::2] for option in check.options)
    vtpm = switch(document, "swtpm_enabled")
    secure_boot = "secure-boot" in options
    default_tpm = "tpm-crb" if secure_boot and arch == "x86_64" else "tpm-tis"
    return SmokeGuest(
        name=name,
        virt_type=virt_type,
        arch=arch,
        cpu=GuestCpu(
            str(mode),
            models if isinstance(models, tuple) else (),
            flags if isinstance(flags, tuple) else (),
        ),
        secure_boot=secure_boot,
        tpm_model=(options.get("tpm-model") or default_tpm) if vtpm or secure_boot else "",
        machine=options.get("machine", ""),
        description=f"kvm-wizard's smoke guest for {root}: started paused, then removed; safe to remove",
    )


def remove_domain(uri: str, name: str, runner: CommandRunner) -> str:
    """Destroy and undefine one domain (its NVRAM and TPM state too); "" when it is gone, else why not."""

    def virsh(*arguments: str) -> CommandResult:
        return runner.run(virsh_argv(uri, *arguments), timeout=TIMEOUT)

    virsh("destroy", name)  # "domain is not running" is fine
    version = parse_version(virsh("version").stdout).library
    undefine = ["undefine", "--nvram"]
    if version is not None and version >= TPM_STATE_FROM:
        undefine.append("--tpm")
    result = virsh(*undefine, name)
    if result.ok or "failed to get domain" in result.stderr or "Domain not found" in result.stderr:
        return ""
    return f"{name}: {_said(result)} (remove it by hand: virsh destroy {name}; virsh undefine --nvram {name})"


def remove_leftovers(root: Path, uri: str, runner: CommandRunner, also: tuple[str, ...] = ()) -> list[str]:
    """Remove ``also`` and every other smoke guest of this root libvirt still knows; what could not be removed."""
    listed = runner.run(virsh_argv(uri, "list", "--all", "--name"), timeout=TIMEOUT)
    names = [name for name in listed_names(listed.stdout) if name.startswith(smoke_prefix(str(root)))]
    problems = []
    for name in dict.fromkeys((*also, *names)):
        problem = remove_domain(uri, name, runner)
        if problem:
            problems.append(problem)
    return problems


def run_smoke_guest(
    root: Path, check: Check, name: str, runner: CommandRunner, *, started: Callable[[], None] | None = None
) -> SmokeOutcome:
    """Define, start paused, look, destroy and undefine the smoke guest ``name``; never leaves it behind
    unless libvirt refuses to remove it (said in ``leftovers``). ``started`` runs once it runs (a test hook)."""
    uri = check.expected
    guest = guest_of(root, check, name)
    if isinstance(guest, str):
        return SmokeOutcome(True, f"no smoke guest: {guest}")
    leftovers = remove_leftovers(root, uri, runner)  # an earlier removal that failed
    try:
        outcome = _try(guest, uri, runner, started)
    finally:
        problem = remove_domain(uri, guest.name, runner)
    leftovers += [problem] if problem else []
    return SmokeOutcome(outcome.ok, outcome.detail, tuple(leftovers))


def _try(
    guest: SmokeGuest, uri: str, runner: CommandRunner, started: Callable[[], None] | None
) -> SmokeOutcome:
    defined = runner.run(
        virsh_argv(uri, "define", "/dev/stdin"), timeout=TIMEOUT, input_text=domain_xml(guest)
    )
    if not defined.ok:
        return SmokeOutcome(False, f"libvirt refuses to define the {guest.describe()}: {_said(defined)}")
    begun = runner.run(virsh_argv(uri, "start", "--paused", guest.name), timeout=TIMEOUT)
    if not begun.ok:
        return SmokeOutcome(False, f"libvirt cannot start the {guest.describe()}: {_said(begun)}")
    if started is not None:
        started()
    live = runner.run(virsh_argv(uri, "dumpxml", guest.name), timeout=TIMEOUT)
    firmware = parse_live_firmware(live.stdout) if live.ok else None
    shown = ""
    if firmware is not None and guest.secure_boot:
        template = f", variables from {firmware.nvram_template}" if firmware.nvram_template else ""
        shown = f"; firmware {firmware.loader}{template}" + (", SMM on" if firmware.smm else "")
    return SmokeOutcome(True, f"libvirt started the {guest.describe()} (paused){shown}, and removed it")


def journaled_smoke_guest(
    root: Path,
    generation: int,
    check: Check,
    runner: CommandRunner,
    append: Callable[..., None],
    *,
    started: Callable[[], None] | None = None,
) -> SmokeOutcome:
    """The smoke guest of a transaction: its name recorded with ``append`` (the journal's) before it is defined,
    and its removal after (OSError from ``append`` goes up: the step fails)."""
    name = smoke_name(str(root), generation)
    append("smoke", domain=name, uri=check.expected)
    outcome = run_smoke_guest(root, check, name, runner, started=started)
    if not outcome.leftovers:
        append("smoke-done", domain=name)
    return outcome


def recorded_smoke_guests(records: Iterable[Mapping[str, object]]) -> list[tuple[str, str]]:
    """(URI, name) of each smoke guest a journal names that it does not also record as removed."""
    removed = {str(record.get("domain")) for record in records if record.get("type") == "smoke-done"}
    return [
        (str(record.get("uri", "")), str(record.get("domain", "")))
        for record in records
        if record.get("type") == "smoke" and str(record.get("domain")) not in removed
    ]


def remove_recorded(root: Path, records: Iterable[Mapping[str, object]], runner: CommandRunner) -> list[str]:
    """Recovery's part: remove the smoke guests an interrupted transaction may have left; what it did."""
    said = []
    for uri, name in recorded_smoke_guests(records):
        if not name.startswith(smoke_prefix(str(root))):
            said.append(f"the journal names {name!r} as a smoke guest, which is not this root's: left alone")
            continue
        problems = remove_leftovers(root, uri, runner, also=(name,))
        said += problems or [f"the smoke guest {name} the interruption may have left is removed"]
    return said
