"""Cross-option rules that no oslo tool checks: what makes nova-compute refuse to start, or silently misbehave."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from wizard.cpu_names import cpu_flag_vendor, cpu_model_vendor
from wizard.option_types import FileKind, Option, Value
from wizard.options import (
    INLINE_COMMENT,
    InvalidValue,
    find_option,
    get_option,
    known_options,
    normalize_section,
    schema,
    validate_value,
)
from wizard.secrets import MASK, is_secret
from wizard.stack_rules import Settings, StackHost, judge_stack, libvirt_judges_cpu

CpuVendor = Literal["intel", "amd", "other"]
Severity = Literal["error", "warning"]
# (section, option) -> the raw value of the last assignment in the file, the one oslo reads
Config = Mapping[tuple[str, str], str]

# nova imports "nova.virt." + compute_driver, or failing that compute_driver itself.
LIBVIRT_DRIVERS = ("libvirt.LibvirtDriver", "nova.virt.libvirt.LibvirtDriver")
_NESTED_FLAG: Mapping[str, str] = {"intel": "vmx", "amd": "svm"}
_NESTED_MODULE: Mapping[str, str] = {"intel": "kvm_intel", "amd": "kvm_amd"}


@dataclass(frozen=True)
class HostContext:
    """What the rules need to know about the host; None where it is unknown (the rule is then skipped)."""

    cpu_vendor: CpuVendor | None = None
    swtpm_installed: bool | None = None  # the swtpm binary is on PATH
    swtpm_setup_installed: bool | None = None
    users: frozenset[str] | None = None  # user names that exist on the host
    groups: frozenset[str] | None = None
    glance_api_node: bool = False  # glance-api runs here, so its glance-api.conf is ours to read and fix
    kvm_nested: bool | None = None  # the `nested` parameter of kvm_intel / kvm_amd
    stack: StackHost | None = None  # libvirt's answers and what the stack needs (wizard.stack_rules)


@dataclass(frozen=True)
class OptionValue:
    """An option a violation is about, and its value as found (None: not set; the mask when secret)."""

    file: FileKind
    section: str
    option: str
    value: str | None


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: which options, why it matters, and what to change."""

    rule: str
    severity: Severity
    options: tuple[OptionValue, ...]
    message: str
    fix: str
    judge: str = "rule"  # "libvirt": one of libvirt's answers on this host decides; "rule": the wizard's rule


class _UnusableValueError(Exception):
    """An option a rule needs is invalid or already reported: the rule has nothing sound to say."""


class _Context:
    """The configurations read the way nova reads them (current names before deprecated ones), and the host."""

    def __init__(
        self, nova: Config, glance_api: Config | None, host: HostContext, nested_guests: bool
    ) -> None:
        self.raw: dict[FileKind, dict[tuple[str, str], str]] = {"nova.conf": _normalized(nova)}
        if glance_api is not None:
            self.raw["glance-api.conf"] = _normalized(glance_api)
        self.host = host
        self.nested_guests = nested_guests
        self.explained: set[tuple[FileKind, str, str]] = set()  # reported once: no second violation about it

    def assignment(self, option: Option) -> tuple[str, str, str] | None:
        """(section, name, raw value) of the assignment oslo reads for this option, or None when unset."""
        values = self.raw.get(option.file, {})
        for section, name in ((option.section, option.name), *option.deprecated_names):
            if (section, name) in values:
                return section, name, values[(section, name)]
        return None

    def value(self, file: FileKind, section: str, name: str) -> Value | None:
        """The typed value, or the default when unset (None: no default); raises _UnusableValueError for a bad value."""
        option = get_option(file, section, name)
        found = self.assignment(option)
        if found is None:
            return option.default
        value = validate_value(option, found[2])
        if (file, found[0], found[1]) in self.explained or isinstance(value, InvalidValue):
            raise _UnusableValueError
        return value

    def shown(self, file: FileKind, section: str, name: str) -> OptionValue:
        found = self.assignment(get_option(file, section, name))
        if found is None:
            return OptionValue(file, section, name, None)
        return OptionValue(
            file, found[0], found[1], MASK if is_secret(file, found[0], found[1]) else found[2]
        )

    def nova(self, section: str, name: str) -> Value | None:
        return self.value("nova.conf", section, name)

    def items(self, name: str) -> tuple[str, ...]:
        """A [libvirt] list option's items (empty when unset)."""
        value = self.nova("libvirt", name)
        return value if isinstance(value, tuple) else ()

    def nova_shown(self, *keys: tuple[str, str]) -> tuple[OptionValue, ...]:
        return tuple(self.shown("nova.conf", section, name) for section, name in keys)


def _normalized(config: Config) -> dict[tuple[str, str], str]:
    return {(normalize_section(section), name.strip()): value for (section, name), value in config.items()}


def check_rules(
    nova: Config, glance_api: Config | None, host: HostContext, *, nested_guests: bool = False
) -> list[RuleViolation]:
    """Every rule the effective configuration breaks; `nested_guests`: the operator wants nested virtualization."""
    context = _Context(nova, glance_api, host, nested_guests)
    found = _check_line_syntax(context) + _check_values(context)
    for rule in _RULES:
        try:
            found += rule(context)
        except _UnusableValueError:
            continue
    return found


def check_choices(nova: Config, host: HostContext, *, nested_guests: bool = False) -> list[RuleViolation]:
    """The rules an operator's choices can break, judged on the nova.conf settings they call for before any file
    is planned: the CPU's vendor, nested guests, and what libvirt (where it answered) and the known rules say
    nova-compute will refuse (wizard.stack_rules). Answers are validated with it, and the planned files again
    with check_rules(), which runs the same rules."""
    context = _Context(nova, None, host, nested_guests)
    found: list[RuleViolation] = []
    for rule in (_cpu_vendor, _nested, _stack):
        try:
            found += rule(context)
        except _UnusableValueError:
            continue
    return found


def _check_line_syntax(context: _Context) -> list[RuleViolation]:
    """Two settings on one line, and comments that oslo made part of a value (any option, known or not)."""
    found = []
    for file, values in context.raw.items():
        for (section, name), raw in values.items():
            secret = is_secret(file, section, name)
            shown = (OptionValue(file, section, name, MASK if secret else raw),)
            other = _second_assignment(file, section, raw)
            comment = INLINE_COMMENT.search(raw)
            if other is not None:
                rest = "" if secret else " = " + raw[other.end() :].strip()
                message = f"[{section}] {name} and {other[1]} share one line: oslo reads all of it as {name}'s value"
                fix = f"put {other[1]}{rest} on a line of its own"
                found.append(RuleViolation("two-options-on-one-line", "error", shown, message, fix))
            elif comment is not None:
                message = f"[{section}] {name}: oslo has no inline comments, so the comment became part of the value"
                kept = "" if secret else f" and keep `{name} = {raw[: comment.start()].strip()}`"
                option = find_option(file, section, name)
                typed = option is not None and (option.type in ("bool", "int") or bool(option.choices))
                fix = f"move the comment to a line of its own{kept}"
                found.append(
                    RuleViolation("inline-comment", "error" if typed else "warning", shown, message, fix)
                )
            else:
                continue
            context.explained.add((file, section, name))
    return found


def _second_assignment(file: FileKind, section: str, raw: str) -> re.Match[str] | None:
    """The `other_option =` inside a value, when other_option is an option of the same section."""
    for match in re.finditer(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)\s*=", raw):
        if match[1] in known_options(file, section):
            return match
    return None


def _check_values(context: _Context) -> list[RuleViolation]:
    """Values oslo (or nova) rejects, deprecated names still in use, and deprecated values."""
    found = []
    for option in schema():
        written = context.assignment(option)
        if written is None or (option.file, written[0], written[1]) in context.explained:
            continue
        section, name, raw = written
        shown = (context.shown(option.file, option.section, option.name),)
        value = validate_value(option, raw)
        if isinstance(value, InvalidValue):
            message = f"[{section}] {name} = {value.value}: {value.fix}"
            found.append(RuleViolation("invalid-value", "error", shown, message, f"allowed: {value.allowed}"))
            continue
        if (section, name) != (option.section, option.name):
            message = f"[{section}] {name} is the deprecated name of [{option.section}] {option.name}"
            found.append(
                RuleViolation("deprecated-name", "warning", shown, message, f"rename it to {option.name}")
            )
        aliases = dict(option.value_aliases)
        if isinstance(value, str) and value in aliases:
            message = f"{name} = {value} is a deprecated alias of {aliases[value]}"
            found.append(
                RuleViolation("deprecated-value", "warning", shown, message, f"write {aliases[value]}")
            )
    return found


def _compute_driver(context: _Context) -> list[RuleViolation]:
    driver = context.nova("DEFAULT", "compute_driver")
    if driver in LIBVIRT_DRIVERS:
        return []
    state = (
        "is not set: nova-compute exits at start"
        if driver is None
        else f"is {driver}, not the libvirt driver"
    )
    fix = f"set compute_driver = {LIBVIRT_DRIVERS[0]}"
    shown = context.nova_shown(("DEFAULT", "compute_driver"))
    return [RuleViolation("compute-driver", "error", shown, f"[DEFAULT] compute_driver {state}", fix)]


def _lvm_volume_group(context: _Context) -> list[RuleViolation]:
    if context.nova("libvirt", "images_type") != "lvm" or context.nova("libvirt", "images_volume_group"):
        return []
    shown = context.nova_shown(("libvirt", "images_type"), ("libvirt", "images_volume_group"))
    message = "images_type = lvm needs images_volume_group: the first disk creation fails without it"
    fix = "set [libvirt] images_volume_group to the LVM volume group for instance disks"
    return [RuleViolation("lvm-needs-volume-group", "error", shown, message, fix)]


def _rbd_raw_images(context: _Context) -> list[RuleViolation]:
    if (
        context.nova("libvirt", "images_type") != "rbd"
        or context.nova("DEFAULT", "force_raw_images") is not False
    ):
        return []
    shown = context.nova_shown(("libvirt", "images_type"), ("DEFAULT", "force_raw_images"))
    message = "images_type = rbd needs force_raw_images = True: nova-compute refuses to start"
    return [
        RuleViolation(
            "rbd-needs-raw-images", "error", shown, message, "set [DEFAULT] force_raw_images = True"
        )
    ]


def _rbd_download(context: _Context) -> list[RuleViolation]:
    if context.nova("glance", "enable_rbd_download") is not True:
        return []
    found = []
    download = context.shown("nova.conf", "glance", "enable_rbd_download")
    if context.nova("libvirt", "images_type") == "rbd":
        shown = (download, context.shown("nova.conf", "libvirt", "images_type"))
        message = (
            "enable_rbd_download is for hosts with local disks: with images_type = rbd nova clones in Ceph"
        )
        found.append(
            RuleViolation(
                "rbd-download-with-rbd-images", "warning", shown, message, "remove enable_rbd_download"
            )
        )
    fix = "set show_image_direct_url = True in glance-api.conf on the glance API nodes"
    if "glance-api.conf" not in context.raw:
        where = "this host's glance-api.conf" if context.host.glance_api_node else "glance-api.conf"
        message = f"enable_rbd_download needs show_image_direct_url = True in {where}, which was not checked"
        return [*found, RuleViolation("rbd-download-needs-direct-url", "warning", (download,), message, fix)]
    if context.value("glance-api.conf", "DEFAULT", "show_image_direct_url") is not True:
        shown = (download, context.shown("glance-api.conf", "DEFAULT", "show_image_direct_url"))
        message = (
            "enable_rbd_download needs glance to show image locations: nova silently downloads over HTTP"
        )
        found.append(RuleViolation("rbd-download-needs-direct-url", "warning", shown, message, fix))
    return found


def _cpu_models_custom(context: _Context) -> list[RuleViolation]:
    mode, models = context.nova("libvirt", "cpu_mode"), context.nova("libvirt", "cpu_models")
    shown = context.nova_shown(("libvirt", "cpu_mode"), ("libvirt", "cpu_models"))
    if mode == "custom" and not models:
        message = "cpu_mode = custom needs cpu_models: nova-compute refuses to start"
        fix = "set [libvirt] cpu_models to models from `virsh cpu-models x86_64`, or choose another cpu_mode"
        return [RuleViolation("custom-needs-cpu-models", "error", shown, message, fix)]
    if mode != "custom" and models:
        message = f"{shown[1].option} is set but cpu_mode is not custom: nova-compute refuses to start"
        fix = f"remove {shown[1].option}, or set cpu_mode = custom"
        return [RuleViolation("cpu-models-without-custom", "error", shown, message, fix)]
    return []


def _cpu_mode_virt_type(context: _Context) -> list[RuleViolation]:
    mode, virt_type = context.nova("libvirt", "cpu_mode"), context.nova("libvirt", "virt_type")
    if mode in (None, "none") or virt_type in ("kvm", "qemu"):
        return []
    shown = context.nova_shown(("libvirt", "cpu_mode"), ("libvirt", "virt_type"))
    message = f"cpu_mode = {mode} needs virt_type kvm or qemu, not {virt_type}: nova-compute refuses to start"
    return [RuleViolation("cpu-mode-needs-kvm-or-qemu", "error", shown, message, "remove cpu_mode")]


def _cpu_vendor(context: _Context) -> list[RuleViolation]:
    vendor = context.host.cpu_vendor
    if vendor is None:
        return []
    found = []
    host = {"intel": "an Intel", "amd": "an AMD", "other": "this"}[vendor]
    # On other hosts (ARM, POWER, Hygon, Zhaoxin) only Intel and AMD models are surely wrong.
    wrong = {
        "intel": ("amd", "hygon", "zhaoxin"),
        "amd": ("intel", "hygon", "zhaoxin"),
        "other": ("intel", "amd"),
    }
    # Where the architecture is known, wizard.stack_rules names a model of another one (cpu-model-arch); where
    # libvirt answered, its own list of usable models and its CPU's features decide instead of these tables.
    stack = context.host.stack
    other_arch_judged = vendor == "other" and stack is not None and stack.arch is not None
    try:
        virt_type = context.nova("libvirt", "virt_type")
    except _UnusableValueError:
        virt_type = None
    models_judged, flags_judged = libvirt_judges_cpu(virt_type if isinstance(virt_type, str) else None, stack)
    bad_models = [
        model
        for model in context.items("cpu_models")
        if cpu_model_vendor(model) in wrong[vendor] and not other_arch_judged and not models_judged
    ]
    if bad_models:
        message = (
            f"cpu_models {', '.join(bad_models)} cannot run on {host} host: nova-compute refuses to start"
        )
        fix = (
            "choose models this host supports: `virsh domcapabilities` lists them under <mode name='custom'>"
        )
        found.append(
            RuleViolation(
                "cpu-model-vendor", "error", context.nova_shown(("libvirt", "cpu_models")), message, fix
            )
        )
    # Disabling a feature the host lacks is harmless; on other hosts a Hygon CPU has svm, so flags are not judged.
    enabled = [flag for flag in context.items("cpu_model_extra_flags") if not flag.startswith("-")]
    bad_flags = [
        flag
        for flag in enabled
        if vendor != "other" and cpu_flag_vendor(flag) not in (None, vendor) and not flags_judged
    ]
    if bad_flags:
        message = f"cpu_model_extra_flags {', '.join(bad_flags)} do not exist on {host} CPU: nova-compute refuses to start"
        fix = "remove them (nested virtualization needs vmx on Intel, svm on AMD)"
        shown = context.nova_shown(("libvirt", "cpu_model_extra_flags"))
        found.append(RuleViolation("cpu-flag-vendor", "error", shown, message, fix))
    return found


def _nested(context: _Context) -> list[RuleViolation]:
    vendor = context.host.cpu_vendor
    flags = {flag.lower().lstrip("+") for flag in context.items("cpu_model_extra_flags")}
    if vendor not in ("intel", "amd") or not (context.nested_guests or flags & {"vmx", "svm"}):
        return []
    found = []
    flag, module = _NESTED_FLAG[vendor], _NESTED_MODULE[vendor]
    shown = context.nova_shown(("libvirt", "cpu_mode"), ("libvirt", "cpu_model_extra_flags"))
    if context.host.kvm_nested is False:
        message = f"nested guests need the `nested` parameter of {module}, which is off"
        fix = f"add `options {module} nested=1` to a file in /etc/modprobe.d and reload {module} with no guest running"
        severity: Severity = "error" if context.nested_guests else "warning"
        found.append(RuleViolation("nested-needs-kvm-module", severity, shown, message, fix))
    mode = context.nova("libvirt", "cpu_mode") or "host-model"  # nova's default on x86
    if mode == "none":
        message = "cpu_mode = none hides the virtualization extensions from guests: no nested guests"
        fix = f"use cpu_mode = host-passthrough, or host-model with {flag} in cpu_model_extra_flags"
        found.append(RuleViolation("nested-needs-cpu-flag", "error", shown, message, fix))
    elif mode in ("host-model", "custom") and flag not in flags:
        message = f"cpu_mode = {mode} does not pass {flag} to guests: nested guests cannot use it"
        fix = f"add {flag} to [libvirt] cpu_model_extra_flags, or use cpu_mode = host-passthrough"
        found.append(RuleViolation("nested-needs-cpu-flag", "error", shown, message, fix))
    return found


def _swtpm(context: _Context) -> list[RuleViolation]:
    if context.nova("libvirt", "swtpm_enabled") is not True:
        return []
    found = []
    enabled = context.shown("nova.conf", "libvirt", "swtpm_enabled")
    virt_type = context.nova("libvirt", "virt_type")
    if virt_type not in ("kvm", "qemu"):
        shown = (enabled, context.shown("nova.conf", "libvirt", "virt_type"))
        message = f"vTPM needs virt_type kvm or qemu, not {virt_type}: nova-compute refuses to start"
        found.append(
            RuleViolation("swtpm-needs-kvm-or-qemu", "error", shown, message, "set swtpm_enabled = False")
        )
    host = context.host
    tools = (("swtpm", host.swtpm_installed), ("swtpm_setup", host.swtpm_setup_installed))
    missing = [name for name, present in tools if present is False]
    if missing:
        message = f"vTPM needs {' and '.join(missing)} on the host: nova-compute refuses to start"
        fix = "install the swtpm and swtpm-tools packages"
        found.append(RuleViolation("swtpm-not-installed", "error", (enabled,), message, fix))
    for kind, existing in (("user", host.users), ("group", host.groups)):
        name = context.nova("libvirt", f"swtpm_{kind}")
        if existing is not None and isinstance(name, str) and name not in existing:
            shown = (enabled, context.shown("nova.conf", "libvirt", f"swtpm_{kind}"))
            message = f"swtpm_{kind} {name} does not exist on this host: nova-compute refuses to start"
            fix = f"create {kind} {name} (the tpm-udev package creates tss), or name one that exists"
            found.append(RuleViolation(f"swtpm-{kind}-missing", "error", shown, message, fix))
    nova = context.raw["nova.conf"]
    backend = (nova.get(("key_manager", "backend")) or nova.get(("key_manager", "api_class")) or "").strip()
    message = f"vTPM keeps each guest's TPM secret in the key manager ([key_manager] backend = {backend or 'barbican'})"
    fix = "make sure that key manager is deployed and that nova's [key_manager] and [barbican] settings reach it"
    found.append(RuleViolation("swtpm-needs-key-manager", "warning", (enabled,), message, fix))
    return found


def _settings(context: _Context) -> Settings:
    """nova.conf's settings as wizard.stack_rules judges them; a value that is invalid (and reported as such)
    counts as unset."""

    def value(file: FileKind, section: str, name: str) -> Value | None:
        try:
            return context.value(file, section, name)
        except _UnusableValueError:
            return None

    def text(section: str, name: str) -> str | None:
        found = value("nova.conf", section, name)
        return found if isinstance(found, str) else None

    def items(name: str) -> tuple[str, ...]:
        found = value("nova.conf", "libvirt", name)
        return found if isinstance(found, tuple) else ()

    return Settings(
        virt_type=text("libvirt", "virt_type"),
        cpu_mode=text("libvirt", "cpu_mode"),
        cpu_models=items("cpu_models"),
        extra_flags=items("cpu_model_extra_flags"),
        nested_guests=context.nested_guests,
        swtpm_enabled=value("nova.conf", "libvirt", "swtpm_enabled") is True,
        swtpm_user=text("libvirt", "swtpm_user"),
        swtpm_group=text("libvirt", "swtpm_group"),
        images_type=text("libvirt", "images_type"),
        rbd_user=text("libvirt", "rbd_user"),
        rbd_secret_uuid=text("libvirt", "rbd_secret_uuid"),
        rbd_download=value("nova.conf", "glance", "enable_rbd_download") is True,
        download_user=text("glance", "rbd_user"),
    )


def _stack(context: _Context) -> list[RuleViolation]:
    """What libvirt (where it answered) and the known rules (where it did not) say nova-compute will refuse."""
    host = context.host.stack
    if host is None:
        return []
    return [
        RuleViolation(
            judgement.rule,
            judgement.severity,
            context.nova_shown(*judgement.about),
            judgement.message,
            judgement.fix,
            judgement.judge,
        )
        for judgement in judge_stack(_settings(context), host)
    ]


_RULES: tuple[Callable[[_Context], list[RuleViolation]], ...] = (
    _compute_driver,
    _lvm_volume_group,
    _rbd_raw_images,
    _rbd_download,
    _cpu_models_custom,
    _cpu_mode_virt_type,
    _cpu_vendor,
    _nested,
    _swtpm,
    _stack,
)
