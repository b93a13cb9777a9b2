"""What libvirt and nova-compute will refuse in nova.conf's settings on this host: judged by libvirt's own answers
where the host's libvirt answered (wizard.virsh), and by rules known to hold where it did not.

Every judgement says who judges (``libvirt``: one of its answers; ``rule``: what libvirt and nova are known to
refuse, used where libvirt could not be asked), what it is about (nova.conf options) and what to do. It is pure:
wizard.rules turns judgements into rule violations, so the config lint, the planner, `answers check` and each
wizard field give the same verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from wizard.cpu_map import LIBVIRT_VERSION
from wizard.cpu_names import (
    close_model_names,
    cpu_model_arch,
    is_known_cpu_feature,
    is_known_cpu_model,
    model_named,
)
from wizard.virsh import DomainCapabilities, LibvirtAnswers, Triple, version_text

Judge = Literal["libvirt", "rule"]
Severity = Literal["error", "warning"]
Arch = Literal["x86", "power", "arm", "s390"]
Option = tuple[str, str]  # (section, option) of nova.conf

VIRT_TYPE: Option = ("libvirt", "virt_type")
CPU_MODE: Option = ("libvirt", "cpu_mode")
CPU_MODELS: Option = ("libvirt", "cpu_models")
CPU_FLAGS: Option = ("libvirt", "cpu_model_extra_flags")

# nova's minimum libvirt and QEMU (nova/virt/libvirt/driver.py MIN_LIBVIRT_VERSION, MIN_QEMU_VERSION), by
# nova's major version; the wizard writes nova 34's options. Between two known releases the minimum is known
# only to lie between theirs.
NOVA_MINIMUMS: dict[int, tuple[Triple, Triple]] = {
    26: ((6, 0, 0), (4, 2, 0)),  # Zed
    34: ((8, 0, 0), (6, 2, 0)),
}
SCHEMA_NOVA = 34
_ARCH_WORDS = {"x86": "x86 (Intel and AMD)", "power": "IBM POWER", "arm": "Arm (aarch64)", "s390": "IBM Z"}


@dataclass(frozen=True)
class CephHost:
    """What Ceph's clients find here; None: not known."""

    keyrings: tuple[str, ...] | None = None  # keyring files in /etc/ceph
    keyring_set: bool = False  # ceph.conf names a keyring path of its own (not checked)
    rbd_command: bool | None = None
    python_rbd: bool | None = None
    python_rados: bool | None = None


@dataclass(frozen=True)
class StackHost:
    """The host as these judgements see it; None where it is unknown (the judgement that needs it is skipped)."""

    arch: Arch | None = None
    machine: str = ""
    libvirt: LibvirtAnswers | None = None  # None: libvirt did not answer (``libvirt_said`` says why)
    libvirt_said: str = ""
    nested_blocker: str | None = None  # why this host cannot give its guests nested virtualization
    nested_cmdline: str | None = None  # "kvm_intel.nested=0": the kernel command line turns nested off
    smt_blocker: str | None = None  # why kvm_hv cannot run guests with SMT as it is (POWER8)
    nova_version: Triple | None = None
    ceph: CephHost = CephHost()
    swtpm_user: str | None = None  # the account libvirt runs swtpm as (qemu.conf, or libvirt's default tss)
    swtpm_group: str | None = None
    swtpm_source: str = ""


@dataclass(frozen=True)
class Settings:
    """nova.conf's settings as nova reads them (None: unset), and whether the operator wants nested guests."""

    virt_type: str | None = "kvm"
    cpu_mode: str | None = None
    cpu_models: tuple[str, ...] = ()
    extra_flags: tuple[str, ...] = ()
    nested_guests: bool = False
    swtpm_enabled: bool = False
    swtpm_user: str | None = None  # None: nova's default, tss
    swtpm_group: str | None = None
    images_type: str | None = None
    rbd_user: str | None = None
    rbd_secret_uuid: str | None = None
    rbd_download: bool = False
    download_user: str | None = None


@dataclass(frozen=True)
class Judgement:
    rule: str
    severity: Severity
    about: tuple[Option, ...]  # the nova.conf options it is about; the first decides the answers key
    message: str
    fix: str
    judge: Judge


def nova_cpu_mode(settings: Settings, arch: Arch | None) -> str | None:
    """The CPU mode nova uses: the configured one, else its default for kvm and qemu (host-passthrough on
    aarch64, host-model elsewhere; nova/virt/libvirt/driver.py _get_guest_cpu_model_config)."""
    if settings.cpu_mode is not None:
        return settings.cpu_mode
    if settings.virt_type not in ("kvm", "qemu"):
        return None
    return "host-passthrough" if arch == "arm" else "host-model"


def libvirt_judges_cpu(virt_type: str | None, host: StackHost | None) -> tuple[bool, bool]:
    """Whether libvirt's answers decide, for this virt type, (the CPU models, the extra flags): then the wizard's
    own tables (the vendor of a model or a flag) stay silent."""
    if host is None or host.libvirt is None:
        return False, False
    domain = _domain(host, virt_type)
    models = domain is not None and bool(domain.models)
    flags = virt_type == "kvm" and host.arch == "x86" and host.libvirt.hypervisor_features is not None
    return models, flags


def judge_stack(settings: Settings, host: StackHost) -> list[Judgement]:
    found: list[Judgement] = []
    for check in (_versions, _virt_type, _cpu_mode, _cpu_models, _flags, _nested, _smt, _vtpm, _ceph):
        found += check(settings, host)
    return found


def _libvirt_words(host: StackHost) -> str:
    return f"no answer from libvirt here ({host.libvirt_said or 'not asked'})"


# --- versions -----------------------------------------------------------------------------------------------


def _minimums(nova: Triple | None) -> tuple[Triple, Triple, Severity, str]:
    """(libvirt, QEMU) minimums to judge against, how sure they are, and whose they are."""
    if nova is None:
        libvirt, qemu = NOVA_MINIMUMS[SCHEMA_NOVA]
        return (
            libvirt,
            qemu,
            "warning",
            f"nova {SCHEMA_NOVA} (whose options this wizard writes; no nova found here)",
        )
    major = nova[0]
    known = sorted(NOVA_MINIMUMS)
    if major in NOVA_MINIMUMS or major > known[-1] or major < known[0]:
        nearest = major if major in NOVA_MINIMUMS else (known[-1] if major > known[-1] else known[0])
        libvirt, qemu = NOVA_MINIMUMS[nearest]
        return libvirt, qemu, "error", f"nova {version_text(nova)}"
    below = max(release for release in known if release < major)
    libvirt, qemu = NOVA_MINIMUMS[below]
    return libvirt, qemu, "error", f"nova {version_text(nova)} (at least nova {below}'s minimum)"


def _versions(settings: Settings, host: StackHost) -> list[Judgement]:
    versions = host.libvirt.versions if host.libvirt is not None else None
    if versions is None:
        return []
    libvirt, qemu, severity, whose = _minimums(host.nova_version)
    found = []
    if versions.library is not None and versions.library < libvirt:
        found.append(
            Judgement(
                "libvirt-too-old",
                severity,
                (VIRT_TYPE,),
                f"libvirt here is {version_text(versions.library)} (`virsh version`) and {whose} requires "
                f"{version_text(libvirt)} or later: nova-compute refuses to start ('Nova requires libvirt "
                f"version {version_text(libvirt)} or greater.')",
                "install the distribution's newer libvirt (or an older nova that supports this libvirt)",
                "libvirt",
            )
        )
    uses_qemu = settings.virt_type in ("kvm", "qemu")
    if uses_qemu and versions.hypervisor is not None and versions.hypervisor < qemu:
        found.append(
            Judgement(
                "qemu-too-old",
                severity,
                (VIRT_TYPE,),
                f"QEMU here is {version_text(versions.hypervisor)} (`virsh version`) and {whose} requires "
                f"{version_text(qemu)} or later: nova-compute refuses to start ('Nova requires QEMU version "
                f"{version_text(qemu)} or greater.')",
                "install the distribution's newer QEMU",
                "libvirt",
            )
        )
    return found


# --- virt type and CPU mode ---------------------------------------------------------------------------------


def _domain(host: StackHost, virt_type: str | None) -> DomainCapabilities | None:
    if host.libvirt is None or virt_type is None:
        return None
    return host.libvirt.domain(virt_type)


def _virt_type(settings: Settings, host: StackHost) -> list[Judgement]:
    virt = settings.virt_type
    if host.libvirt is None or virt not in ("kvm", "qemu") or _domain(host, virt) is not None:
        return []
    said = host.libvirt.refusals.get(f"domcapabilities {virt}")
    if said is None:
        return []
    if virt == "kvm":
        # KVM may be missing only until the plan's fixes load it: the health check asks libvirt again then.
        return [
            Judgement(
                "libvirt-no-kvm",
                "warning",
                (VIRT_TYPE,),
                f"libvirt cannot run kvm guests now (`virsh domcapabilities --virttype kvm`: {said}); "
                "instances fail to start until KVM works for libvirt",
                "make KVM work first (kvm-wizard check); after an apply the wizard asks libvirt again",
                "libvirt",
            )
        ]
    return [
        Judgement(
            "libvirt-no-qemu",
            "error",
            (VIRT_TYPE,),
            f"libvirt cannot run qemu guests here (`virsh domcapabilities --virttype qemu`: {said})",
            "install QEMU for this architecture (Debian: qemu-system-x86, qemu-system-arm, qemu-system-ppc)",
            "libvirt",
        )
    ]


def _cpu_mode(settings: Settings, host: StackHost) -> list[Judgement]:
    virt = settings.virt_type
    mode = nova_cpu_mode(settings, host.arch)
    if virt not in ("kvm", "qemu") or mode in (None, "none"):
        return []
    domain = _domain(host, virt)
    if domain is not None:
        if domain.modes.get(str(mode), True):
            return []
        usable = [name for name in ("host-passthrough", "host-model", "custom") if domain.modes.get(name)]
        shown = mode if settings.cpu_mode is not None else f"{mode} (nova's default)"
        return [
            Judgement(
                "libvirt-cpu-mode",
                "error",
                (CPU_MODE, VIRT_TYPE),
                f"libvirt does not support CPU mode {shown} for {virt} guests here (`virsh domcapabilities "
                f"--virttype {virt}`: <mode name='{mode}' supported='no'>): every instance would fail to start",
                f"choose {' or '.join(usable) or 'another CPU mode'}",
                "libvirt",
            )
        ]
    if virt == "qemu" and mode == "host-passthrough":
        return [
            Judgement(
                "cpu-mode-needs-kvm",
                "error",
                (CPU_MODE, VIRT_TYPE),
                "cpu_mode = host-passthrough gives guests this very CPU, which only KVM can: with virt_type = "
                "qemu (TCG) libvirt refuses it ('CPU mode host-passthrough ... is not supported by "
                f"hypervisor'), so every instance would fail to start; {_libvirt_words(host)}",
                "choose host-model or custom, or virt_type = kvm",
                "rule",
            )
        ]
    if virt == "kvm" and mode == "host-model" and host.arch == "arm":
        return [
            Judgement(
                "cpu-mode-arch",
                "error",
                (CPU_MODE,),
                "cpu_mode = host-model is not available for aarch64 KVM guests: libvirt refuses it there, and "
                "nova itself chooses host-passthrough on aarch64 (its only mode there besides custom); "
                + _libvirt_words(host),
                "choose host-passthrough",
                "rule",
            )
        ]
    return []


# --- CPU models ---------------------------------------------------------------------------------------------


def _model_judgements(settings: Settings, host: StackHost) -> Iterator[Judgement]:
    libvirt = host.libvirt
    listed = libvirt is not None and libvirt.models_listed
    for model in settings.cpu_models:
        other = cpu_model_arch(model)
        if other is not None and host.arch is not None and other != host.arch:
            yield Judgement(
                "cpu-model-arch",
                "error",
                (CPU_MODELS,),
                f"{model} is a CPU model of {_ARCH_WORDS[other]} and this host is "
                f"{host.machine or _ARCH_WORDS[host.arch]}: nova-compute refuses to start ('Configured CPU "
                f"model: {model} is not correct, or your host CPU arch does not support this model.')",
                f"choose a model of `virsh cpu-models {host.machine or 'ARCH'}`, or another CPU mode",
                "rule",
            )
            continue
        if listed and libvirt is not None:
            if libvirt.known_model(model) is None:
                close = close_model_names(model, libvirt.cpu_models or ())
                yield Judgement(
                    "libvirt-cpu-model-unknown",
                    "error",
                    (CPU_MODELS,),
                    f"libvirt knows no CPU model {model} here (`virsh cpu-models {host.machine}` does not list "
                    f"it): nova-compute refuses to start ('Configured CPU model: {model} is not correct, or "
                    "your host CPU arch does not support this model.')",
                    f"use {close[0]}" if close else f"choose a model of `virsh cpu-models {host.machine}`",
                    "libvirt",
                )
            continue
        if libvirt is None and host.arch in ("x86", "power") and not is_known_cpu_model(model, host.arch):
            close = close_model_names(model, None, host.arch)
            yield Judgement(
                "cpu-model-unknown",
                "error",
                (CPU_MODELS,),
                f"{model} is not a CPU model libvirt knows for {_ARCH_WORDS[host.arch]} (its CPU map, libvirt "
                f"{LIBVIRT_VERSION} and later): nova-compute refuses to start ('Configured CPU model: {model} is "
                f"not correct, ...'); {_libvirt_words(host)}, so the wizard's copy of libvirt's list decides",
                f"use {close[0]}"
                if close
                else "choose a model of `virsh cpu-models ARCH`; once libvirtd runs "
                "here, the wizard asks it instead",
                "rule",
            )


def _cpu_models(settings: Settings, host: StackHost) -> list[Judgement]:
    mode = nova_cpu_mode(settings, host.arch)
    if mode != "custom" or settings.virt_type not in ("kvm", "qemu"):
        return []
    found = list(_model_judgements(settings, host))
    if found or host.libvirt is None:
        return found
    domain = _domain(host, settings.virt_type)
    if domain is None or not domain.models:
        return found
    usable = ", ".join(domain.usable_models) or "none"
    for model in settings.cpu_models:
        name = host.libvirt.known_model(model) or model
        state = domain.model_usable(name)
        if settings.virt_type == "kvm" and state is False:
            found.append(
                Judgement(
                    "libvirt-cpu-model-unusable",
                    "error",
                    (CPU_MODELS,),
                    f"libvirt says {name} is not usable for kvm guests on this host (`virsh domcapabilities "
                    "--virttype kvm`: usable='no': this host's KVM lacks features it needs), so the comparison "
                    "nova-compute makes at start (`virsh hypervisor-cpu-compare`) calls it incompatible and "
                    "nova-compute refuses to start",
                    f"choose a model libvirt calls usable here: {usable}; or cpu_mode host-model",
                    "libvirt",
                )
            )
        elif state is False:
            found.append(
                Judgement(
                    "libvirt-cpu-model-unusable",
                    "warning",
                    (CPU_MODELS,),
                    f"libvirt says {name} is not usable for qemu (TCG) guests here (`virsh domcapabilities "
                    "--virttype qemu`: usable='no'): guests may fail to start",
                    f"choose a model libvirt calls usable here: {usable}",
                    "libvirt",
                )
            )
        elif state is None and settings.virt_type == "kvm":
            found.append(
                Judgement(
                    "libvirt-cpu-model-unlisted",
                    "warning",
                    (CPU_MODELS,),
                    f"libvirt's domain capabilities for kvm do not list {name}, so whether this host can run it "
                    "is known only from the comparison nova-compute makes at start",
                    "the health check after the apply makes that comparison; or choose a listed usable model: "
                    + usable,
                    "libvirt",
                )
            )
    return found


# --- extra CPU flags ----------------------------------------------------------------------------------------


def _parsed_flags(flags: tuple[str, ...]) -> list[tuple[str, str]]:
    """(sign, name): '-' disables, '+' or nothing requires; names lower-cased as nova compares them."""
    parsed = []
    for flag in flags:
        text = flag.strip().lower()
        if text:
            parsed.append(("-" if text.startswith("-") else "+", text.lstrip("+-")))
    return parsed


def _flags(settings: Settings, host: StackHost) -> list[Judgement]:
    parsed = _parsed_flags(settings.extra_flags)
    if not parsed:
        return []
    found: list[Judgement] = []
    signs: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for sign, name in parsed:
        signs.setdefault(name, set()).add(sign)
        counts[name] = counts.get(name, 0) + 1
    both = [name for name, seen in signs.items() if len(seen) == 2]
    repeated = [name for name, count in counts.items() if count > 1 and name not in both]
    if both:
        found.append(
            Judgement(
                "cpu-flag-contradiction",
                "error",
                (CPU_FLAGS,),
                f"cpu_model_extra_flags both adds and removes {', '.join(both)}: nova keeps one sign of each "
                "name, unpredictably (its flags are a set keyed by name), and libvirt refuses a feature listed "
                "twice ('CPU feature ... specified more than once')",
                f"keep either +{both[0]} or -{both[0]}",
                "rule",
            )
        )
    if repeated:
        found.append(
            Judgement(
                "cpu-flag-repeated",
                "warning",
                (CPU_FLAGS,),
                f"cpu_model_extra_flags lists {', '.join(repeated)} more than once: nova drops the repetition, "
                "libvirt itself would refuse it ('CPU feature ... specified more than once')",
                "list each flag once",
                "rule",
            )
        )
    names = list(dict.fromkeys(name for _, name in parsed))
    models = [name for name in names if model_named(name) is not None]
    if models:
        shown = ", ".join(model_named(name) or name for name in models)
        found.append(
            Judgement(
                "cpu-flag-is-model",
                "error",
                (CPU_FLAGS,),
                f"{shown} in cpu_model_extra_flags is a CPU model, not a CPU feature: libvirt refuses it as a "
                "feature ('Unknown CPU feature'), and every instance would fail to start",
                "put models in cpu_models with cpu_mode = custom; flags are features such as pcid or vmx",
                "rule",
            )
        )
    features = [name for name in names if name not in models]
    found += _unknown_flags(settings, host, features)
    found += _missing_flags(settings, host, parsed, features)
    return found


def _unknown_flags(settings: Settings, host: StackHost, names: list[str]) -> list[Judgement]:
    if host.arch == "power" and names:
        return [
            Judgement(
                "cpu-flag-arch",
                "error",
                (CPU_FLAGS,),
                f"libvirt's CPU map has no CPU features for IBM POWER, so {', '.join(names)} cannot be given to "
                "guests there: libvirt refuses the guest's CPU",
                "remove cpu_model_extra_flags on POWER",
                "rule",
            )
        ]
    if host.arch not in ("x86", "arm"):
        return []
    unknown = [name for name in names if not is_known_cpu_feature(name, host.arch)]
    if not unknown:
        return []
    if host.arch == "arm":
        return [
            Judgement(
                "cpu-flag-unknown",
                "warning",
                (CPU_FLAGS,),
                f"{', '.join(unknown)}: not an Arm CPU feature of libvirt {LIBVIRT_VERSION}'s CPU map; check it "
                "against /usr/share/libvirt/cpu_map/arm_features.xml on this host",
                "remove the flags libvirt does not know",
                "rule",
            )
        ]
    answered = host.libvirt is not None and host.libvirt.hypervisor_features is not None
    judge: Judge = "libvirt" if answered else "rule"
    why = (
        "and this host's libvirt does not offer them either"
        if answered
        else f"and {_libvirt_words(host)}, so the wizard's copy of libvirt's list decides"
    )
    return [
        Judgement(
            "cpu-flag-unknown",
            "error",
            (CPU_FLAGS,),
            f"{', '.join(unknown)}: not a CPU feature libvirt knows (its CPU map, libvirt {LIBVIRT_VERSION}), {why}: "
            f"libvirt refuses the guest's CPU ('Unknown CPU feature {unknown[0]}'), so every instance would fail "
            "to start",
            "use feature names of /usr/share/libvirt/cpu_map/x86_features.xml (pcid, vmx, svm, avx2, ...)",
            judge,
        )
    ]


def _missing_flags(
    settings: Settings, host: StackHost, parsed: list[tuple[str, str]], known: list[str]
) -> list[Judgement]:
    """Required flags the hypervisor's CPU does not provide (libvirt's features of KVM's host-model CPU)."""
    provided = host.libvirt.hypervisor_features if host.libvirt is not None else None
    mode = nova_cpu_mode(settings, host.arch)
    if provided is None or settings.virt_type != "kvm" or host.arch != "x86":
        return []
    missing = [
        name
        for sign, name in dict.fromkeys(parsed)
        if sign == "+" and name in known and is_known_cpu_feature(name, "x86") and name not in provided
    ]
    missing = list(dict.fromkeys(missing))
    if not missing:
        return []
    passthrough = mode == "host-passthrough"
    return [
        Judgement(
            "libvirt-cpu-flag-missing",
            "warning" if passthrough else "error",
            (CPU_FLAGS, CPU_MODE),
            f"this host's KVM does not provide {', '.join(missing)} (the features of its CPU, from `virsh "
            "hypervisor-cpu-baseline --features` of `virsh domcapabilities --virttype kvm`): "
            + (
                "guests will not get them"
                if passthrough
                else "libvirt calls a guest CPU that requires them incompatible (`virsh hypervisor-cpu-compare`, "
                "the comparison nova-compute makes at start with cpu_mode = custom), and guests fail to start"
            ),
            f"remove {', '.join(missing)} from cpu_model_extra_flags",
            "libvirt",
        )
    ]


# --- nested guests, SMT -------------------------------------------------------------------------------------


def _nested(settings: Settings, host: StackHost) -> list[Judgement]:
    if not settings.nested_guests:
        return []
    if host.nested_blocker is not None:
        return [
            Judgement(
                "nested-impossible",
                "error",
                (CPU_MODE,),
                f"nested guests cannot work on this host: {host.nested_blocker}",
                "leave nested guests off here",
                "rule",
            )
        ]
    if host.nested_cmdline is not None:
        return [
            Judgement(
                "nested-off-on-command-line",
                "error",
                (CPU_MODE,),
                f"the kernel command line has {host.nested_cmdline}, which wins over modprobe.d: nested guests "
                "stay off after the module reload the plan makes",
                f"remove {host.nested_cmdline} from the kernel command line (GRUB_CMDLINE_LINUX in "
                "/etc/default/grub, then update-grub or grub2-mkconfig) and reboot",
                "rule",
            )
        ]
    return []


def _smt(settings: Settings, host: StackHost) -> list[Judgement]:
    if settings.virt_type != "kvm" or host.smt_blocker is None:
        return []
    return [
        Judgement(
            "power8-smt",
            "error",
            (VIRT_TYPE,),
            host.smt_blocker,
            "turn SMT off: ppc64_cpu --smt=off (at every boot too, e.g. from a systemd unit), then plan again",
            "rule",
        )
    ]


# --- vTPM, Ceph ---------------------------------------------------------------------------------------------


def _vtpm(settings: Settings, host: StackHost) -> list[Judgement]:
    if not settings.swtpm_enabled:
        return []
    found = []
    domain = _domain(host, settings.virt_type)
    if domain is not None and domain.tpm is False:
        found.append(
            Judgement(
                "libvirt-no-vtpm",
                "error",
                (("libvirt", "swtpm_enabled"),),
                f"libvirt cannot give {settings.virt_type} guests an emulated TPM here (`virsh domcapabilities`: "
                "no <tpm> with backend model emulator): nova-compute refuses to start ('vTPM support is "
                "configured but it's not supported by libvirt.')",
                "install swtpm and restart libvirtd, or leave vTPM off",
                "libvirt",
            )
        )
    for kind, nova, libvirt in (
        ("user", settings.swtpm_user or "tss", host.swtpm_user),
        ("group", settings.swtpm_group or "tss", host.swtpm_group),
    ):
        if libvirt is not None and nova != libvirt:
            found.append(
                Judgement(
                    "swtpm-account-mirror",
                    "error",
                    (("libvirt", f"swtpm_{kind}"), ("libvirt", "swtpm_enabled")),
                    f"libvirt runs swtpm as the {kind} {libvirt} ({host.swtpm_source}: swtpm_{kind}), and nova's "
                    f"[libvirt] swtpm_{kind} says {nova}: nova gives the vTPM state files to its own setting "
                    "after a migration or a resize, so swtpm could no longer read them",
                    f"set [libvirt] swtpm_{kind} = {libvirt} (it must mirror libvirt's qemu.conf)",
                    "rule",
                )
            )
    return found


def _ceph(settings: Settings, host: StackHost) -> list[Judgement]:
    found: list[Judgement] = []
    rbd_images = settings.images_type == "rbd"
    download = settings.rbd_download and not rbd_images
    if rbd_images:
        found += _secret(settings, host)
    ceph = host.ceph
    uses = []
    if rbd_images:
        uses.append((("libvirt", "images_type"), settings.rbd_user or "", "images_type = rbd"))
    if download:
        uses.append((("glance", "enable_rbd_download"), settings.download_user or "", "enable_rbd_download"))
    for option, user, what in uses:
        missing = [
            package
            for package, present in (("python3-rbd", ceph.python_rbd), ("python3-rados", ceph.python_rados))
            if present is False
        ]
        if missing:
            found.append(
                Judgement(
                    "ceph-python",
                    "error",
                    (option,),
                    f"{what}: nova imports Ceph's rbd and rados Python modules, and {' and '.join(missing)} "
                    "are not installed for nova's Python here ('rbd python libraries not found')",
                    f"install {' '.join(missing)}",
                    "rule",
                )
            )
        if option[0] == "glance" and ceph.rbd_command is False:
            found.append(
                Judgement(
                    "ceph-rbd-command",
                    "error",
                    (option,),
                    "enable_rbd_download: nova downloads images with the `rbd` command, which is not installed",
                    "install ceph-common (it has rbd)",
                    "rule",
                )
            )
        expected = (f"ceph.client.{user}.keyring", "ceph.keyring", "keyring", "keyring.bin")
        if (
            user
            and ceph.keyrings is not None
            and not ceph.keyring_set
            and not set(expected) & set(ceph.keyrings)
        ):
            found.append(
                Judgement(
                    "ceph-keyring",
                    "error",
                    (option,),
                    f"{what}: Ceph finds client.{user}'s key in /etc/ceph/ceph.client.{user}.keyring (or "
                    "ceph.keyring, keyring, keyring.bin), and none of them is there",
                    f"copy it from the cluster: ceph auth get client.{user} -o /etc/ceph/ceph.client.{user}.keyring",
                    "rule",
                )
            )
    return found


def _secret(settings: Settings, host: StackHost) -> list[Judgement]:
    secrets = host.libvirt.secrets if host.libvirt is not None else None
    uuid = (settings.rbd_secret_uuid or "").strip().lower()
    if secrets is None or not uuid:
        return []
    match = next((secret for secret in secrets if secret.uuid == uuid), None)
    option = ("libvirt", "rbd_secret_uuid")
    if match is None:
        known = ", ".join(f"{secret.uuid} ({secret.usage})" for secret in secrets) or "none"
        user = settings.rbd_user or "nova"
        return [
            Judgement(
                "libvirt-secret-missing",
                "error",
                (option,),
                f"libvirt has no secret {uuid} (`virsh secret-list`: {known}): it cannot give QEMU client.{user}'s "
                "key, so instances with disks on rbd fail to start",
                f"define it: virsh secret-define a secret of usage type ceph with that UUID, then virsh "
                f'secret-set-value {uuid} --base64 "$(ceph auth get-key client.{user})"',
                "libvirt",
            )
        ]
    user = settings.rbd_user or ""
    if user and f"client.{user}" not in match.usage:
        return [
            Judgement(
                "libvirt-secret-usage",
                "warning",
                (option,),
                f"libvirt's secret {uuid} is for {match.usage!r}, not client.{user} (`virsh secret-list`)",
                f"check that it holds client.{user}'s key",
                "libvirt",
            )
        ]
    return []
