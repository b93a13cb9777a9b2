"""wizard.stack_rules' judgements of the guest CPU: the CPU mode for the virt type, the custom models, the extra
flags; libvirt's answers where it gave them (domcapabilities, cpu-models, the features of KVM's CPU), libvirt's CPU
map and the known refusals where it did not."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.cpu_map import LIBVIRT_VERSION
from wizard.cpu_names import (
    close_model_names,
    cpu_model_arch,
    is_known_cpu_feature,
    is_known_cpu_model,
    model_named,
)
from wizard.stack_model import (
    ARCH_WORDS,
    CPU_FLAGS,
    CPU_MODE,
    CPU_MODELS,
    VIRT_TYPE,
    Judge,
    Judgement,
    Settings,
    StackHost,
    domain_of,
    libvirt_words,
    nova_cpu_mode,
)


def judge_cpu(settings: Settings, host: StackHost) -> list[Judgement]:
    return _cpu_mode(settings, host) + _cpu_models(settings, host) + _flags(settings, host)


def libvirt_judges_cpu(virt_type: str | None, host: StackHost | None) -> tuple[bool, bool]:
    """Whether libvirt's answers decide, for this virt type, (the CPU models, the extra flags): then the wizard's
    own tables (the vendor of a model or a flag) stay silent."""
    if host is None or host.libvirt is None:
        return False, False
    domain = domain_of(host, virt_type)
    models = domain is not None and bool(domain.models)
    flags = virt_type == "kvm" and host.arch == "x86" and host.libvirt.hypervisor_features is not None
    return models, flags


def _cpu_mode(settings: Settings, host: StackHost) -> list[Judgement]:
    virt = settings.virt_type
    mode = nova_cpu_mode(settings, host.arch)
    if virt not in ("kvm", "qemu") or mode in (None, "none"):
        return []
    domain = domain_of(host, virt)
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
                f"hypervisor'), so every instance would fail to start; {libvirt_words(host)}",
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
                + libvirt_words(host),
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
                f"{model} is a CPU model of {ARCH_WORDS[other]} and this host is "
                f"{host.machine or ARCH_WORDS[host.arch]}: nova-compute refuses to start ('Configured CPU "
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
                f"{model} is not a CPU model libvirt knows for {ARCH_WORDS[host.arch]} (its CPU map, libvirt "
                f"{LIBVIRT_VERSION} and later): nova-compute refuses to start ('Configured CPU model: {model} is "
                f"not correct, ...'); {libvirt_words(host)}, so the wizard's copy of libvirt's list decides",
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
    domain = domain_of(host, settings.virt_type)
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
        else f"and {libvirt_words(host)}, so the wizard's copy of libvirt's list decides"
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
