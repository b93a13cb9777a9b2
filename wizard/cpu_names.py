"""CPU model and feature names for nova.conf's [libvirt] cpu_models and cpu_model_extra_flags: which vendor or
architecture a name belongs to, and the spelling nova and libvirt accept."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from wizard.cpu_map import ARM_FEATURES, ARM_MODELS, PPC64_MODELS, X86_FEATURES, X86_MODELS
from wizard.options import InvalidValue

# Vendor-specific x86 models of libvirt's CPU map (src/cpu_map, up to libvirt 11): a model only runs on a
# host of its vendor. The generic ones (qemu64, kvm64, core2duo, ...) run anywhere and are left out.
_MODEL_VENDORS: Mapping[str, str] = {
    name: vendor
    for vendor, names in (
        (
            "intel",
            "Conroe Penryn Nehalem Nehalem-IBRS Westmere Westmere-IBRS SandyBridge SandyBridge-IBRS IvyBridge"
            " IvyBridge-IBRS Haswell Haswell-IBRS Haswell-noTSX Haswell-noTSX-IBRS Broadwell Broadwell-IBRS"
            " Broadwell-noTSX Broadwell-noTSX-IBRS Skylake-Client Skylake-Client-IBRS Skylake-Client-noTSX-IBRS"
            " Skylake-Server Skylake-Server-IBRS Skylake-Server-noTSX-IBRS Cascadelake-Server Cascadelake-Server-noTSX"
            " Icelake-Client Icelake-Client-noTSX Icelake-Server Icelake-Server-noTSX Cooperlake Snowridge Denverton"
            " KnightsMill SapphireRapids GraniteRapids SierraForest ClearwaterForest DiamondRapids",
        ),
        (
            "amd",
            "athlon phenom Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-IBPB EPYC-IBRS EPYC-Rome"
            " EPYC-Milan EPYC-Genoa EPYC-Turin",
        ),
        ("hygon", "Dhyana"),
        ("zhaoxin", "YongFeng"),
    )
    for name in names.split()
}
_CANONICAL_MODELS: Mapping[str, str] = {name.lower(): name for name in _MODEL_VENDORS}
# Features that exist on one vendor's CPUs only: the virtualization extensions, their sub-features, and AMD's
# own instruction set extensions and speculation controls.
_FLAG_VENDORS: Mapping[str, str] = {
    "vmx": "intel",
    **dict.fromkeys(
        [
            "svm",
            "npt",
            "nrip-save",
            "sse4a",
            "xop",
            "fma4",
            "tbm",
            "topoext",
            "amd-ssbd",
            "amd-stibp",
            "virt-ssbd",
        ],
        "amd",
    ),
}
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")
_FLAG_NAME = re.compile(r"[+-]?[a-z0-9][a-z0-9_.-]{0,63}")
_VERSION_SUFFIX = re.compile(r"-v\d+$", re.IGNORECASE)


def cpu_model_vendor(model: str) -> str | None:
    """ "intel", "amd", "hygon" or "zhaoxin" for a vendor-specific model (any case, `-vN` versions too); else None."""
    canonical = _CANONICAL_MODELS.get(_VERSION_SUFFIX.sub("", model.strip()).lower())
    return _MODEL_VENDORS[canonical] if canonical is not None else None


# Models that tell their architecture: libvirt's generic x86 ones (besides the vendors' above), POWER's
# (POWER8, POWER9_v2.2, POWER10) and Arm's (cortex-a72, neoverse-n1, a64fx). "max" and "host" exist everywhere.
_X86_GENERIC_MODELS = frozenset(
    [
        "qemu64",
        "qemu32",
        "kvm64",
        "kvm32",
        "core2duo",
        "coreduo",
        "n270",
        "pentium",
        "pentium2",
        "pentium3",
        "486",
    ]
)
_POWER_MODEL = re.compile(r"power\d+(?:nvl)?(?:_v\d+(?:\.\d+)?)?", re.IGNORECASE)
_ARM_MODEL = re.compile(r"(?:cortex-[amr]\d+|neoverse-[nve]\d+|a64fx)", re.IGNORECASE)


def cpu_model_arch(model: str) -> str | None:
    """ "x86", "power" or "arm" for a model that exists on one architecture only; else None."""
    name = _VERSION_SUFFIX.sub("", model.strip()).lower()
    if name in _CANONICAL_MODELS or name in _X86_GENERIC_MODELS or name in _KNOWN_MODELS["x86"]:
        return "x86"
    if _POWER_MODEL.fullmatch(name) or name in _KNOWN_MODELS["power"]:
        return "power"
    if _ARM_MODEL.fullmatch(name) or name in _KNOWN_MODELS["arm"]:
        return "arm"
    return None


# libvirt's models per architecture (its CPU map, wizard.cpu_map, plus the x86 models of later libvirt releases
# this module names above), lower-cased -> libvirt's spelling; and its features (with aliases, lower-cased).
_KNOWN_MODELS: Mapping[str, Mapping[str, str]] = {
    "x86": {name.lower(): name for name in (*X86_MODELS, *_MODEL_VENDORS)},
    "power": {name.lower(): name for name in PPC64_MODELS},
    "arm": {name.lower(): name for name in ARM_MODELS},
}
_KNOWN_FEATURES: Mapping[str, frozenset[str]] = {
    "x86": X86_FEATURES,
    "arm": ARM_FEATURES,
    "power": frozenset(),
}


def is_known_cpu_model(model: str, arch: str) -> bool:
    """Whether libvirt knows the model on that architecture (any case; x86's `-vN` versions of known models)."""
    known = _KNOWN_MODELS.get(arch, {})
    name = model.strip().lower()
    return name in known or (arch == "x86" and _VERSION_SUFFIX.sub("", name) in known)


def is_known_cpu_feature(flag: str, arch: str) -> bool:
    """Whether libvirt's CPU map has the feature (without its +/- sign) on that architecture. Intel's `vmx-*`
    sub-features come with libvirt releases after the map the wizard carries, and count as known."""
    name = flag.strip().lower().lstrip("+-")
    return name in _KNOWN_FEATURES.get(arch, frozenset()) or (arch == "x86" and name.startswith("vmx-"))


def model_named(text: str) -> str | None:
    """libvirt's spelling of a CPU model of any architecture that ``text`` names (a feature's name never)."""
    name = text.strip().lower().lstrip("+-")
    if any(name in features for features in _KNOWN_FEATURES.values()):
        return None
    for known in _KNOWN_MODELS.values():
        if name in known:
            return known[name]
        if _VERSION_SUFFIX.sub("", name) in known and _VERSION_SUFFIX.search(name):
            return text.strip().lstrip("+-")
    return None


def close_model_names(model: str, listed: Sequence[str] | None, arch: str | None = None) -> list[str]:
    """Names of ``listed`` (else of libvirt's list for ``arch``) that ``model`` may have meant, best first."""
    names = list(listed) if listed is not None else list(_KNOWN_MODELS.get(arch or "", {}).values())

    def squeezed(text: str) -> str:
        return re.sub(r"[\s_.-]+", "", text).lower()

    same = [name for name in names if squeezed(name) == squeezed(model)]
    by_lower = {name.lower(): name for name in names}
    near = difflib.get_close_matches(model.lower(), list(by_lower), n=3, cutoff=0.85)
    return list(dict.fromkeys([*same, *(by_lower[name] for name in near)]))


def cpu_flag_vendor(flag: str) -> str | None:
    """ "intel" or "amd" for a feature only that vendor's CPUs have (`+vmx`, `vmx-ept`, `svm`); else None."""
    name = flag.strip().lower().lstrip("+-")
    return "intel" if name.startswith("vmx-") else _FLAG_VENDORS.get(name)


def _cpu_name_error(option: str, value: str, allowed: str, fix: str) -> InvalidValue:
    return InvalidValue("nova.conf", "libvirt", option, value, allowed, fix)


def validate_cpu_model_name(name: str) -> str | InvalidValue:
    """A model name for [libvirt] cpu_models, in libvirt's spelling when known (nova ignores case), or the error."""
    model = name.strip()
    if _MODEL_NAME.fullmatch(model):
        return _CANONICAL_MODELS.get(model.lower(), model)
    squeezed = re.sub(r"[\s_-]+", "", model).lower()
    close = [
        canonical for lower, canonical in _CANONICAL_MODELS.items() if re.sub("[_-]", "", lower) == squeezed
    ]
    allowed = (
        "a name from `virsh cpu-models x86_64`: letters, digits, '-', '_' and '.', e.g. IvyBridge, EPYC-Rome"
    )
    return _cpu_name_error(
        "cpu_models", name, allowed, f"use {close[0]}" if close else "use one model name per item"
    )


def validate_cpu_flag(flag: str) -> str | InvalidValue:
    """A flag for [libvirt] cpu_model_extra_flags, lower-cased as nova compares them, or the error."""
    text = flag.strip().lower()
    if _FLAG_NAME.fullmatch(text):
        return text
    allowed = "a CPU feature name, optionally with + (enable) or - (disable): pcid, +vmx, -svm, avx512f"
    fix = (
        f"write {text[0]}{text[1:].strip()}"
        if text[:1] in "+-" and text[1:].strip()
        else "one feature name per item"
    )
    return _cpu_name_error("cpu_model_extra_flags", flag, allowed, fix)
