"""The node as it is: its current choices read back from its effective configuration, with where each comes from.

An answers file gives only what it changes; every key it leaves out takes the value read here. The wizard's
session starts from here too, with the suggestions for the host (wizard.plan.suggest) only where nothing is
configured yet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from wizard.answers.model import DEFAULT_MEASURE_PCR, KEYS, Answers, Value
from wizard.effective import EffectiveConfig, EffectiveOption, meaning
from wizard.files.toml_depth import load_toml
from wizard.host.config_chain import ConfigChain, chain_config
from wizard.host.facts import HostFacts
from wizard.host.ini_record import restore_ini
from wizard.host.kernel import ModuleState
from wizard.host.platform import ArchFamily
from wizard.host.profile import HostProfile
from wizard.options import InvalidValue
from wizard.plan.current import read_current
from wizard.tpm.pcr import MEASURE_SETTING

Reader = Callable[[str], bytes | str | None]


@dataclass(frozen=True)
class NodeAnswers:
    """The node's current choices, as answers."""

    answers: Answers  # every key; given: the keys the node's files (or module options) set
    origins: Mapping[str, str]  # key path -> where its value comes from, in words
    nova: EffectiveConfig
    glance: EffectiveConfig | None
    unreadable: Mapping[str, str] = dataclasses.field(default_factory=dict)  # key -> what the node says
    # instead of a value the answers can hold ("virt_type = lxc", "images_type = qcow": not valid)

    @property
    def configured(self) -> frozenset[str]:
        return self.answers.given


def effective_config(chain: ConfigChain, read: Reader) -> EffectiveConfig:
    """The effective configuration over the chain's files, as ``read`` gives them (None: absent)."""
    return chain_config(chain, read)


def root_reader(root: Path) -> Reader:
    """The files under the root, as the planner edits them."""

    def read(path: str) -> bytes | None:
        return read_current(root, path).data

    return read


def facts_reader(facts: HostFacts) -> Reader:
    """The settings the probe recorded (secrets masked), at their line numbers."""

    def read(path: str) -> str | None:
        text = facts.text(path)
        return restore_ini(text) if text is not None else None

    return read


def node_answers(profile: HostProfile, read: Reader) -> NodeAnswers:
    """The node's current choices, each with where it comes from."""
    nova = effective_config(profile.nova_chain, read)
    glance_chain = profile.glance_chain
    glance = effective_config(glance_chain, read) if glance_chain.present else None
    values: dict[str, Value] = {}
    origins: dict[str, str] = {}
    configured: set[str] = set()
    unreadable: dict[str, str] = {}
    base = Answers()

    def take(path: str, value: Value, origin: str, *, is_set: bool, instead: str = "") -> None:
        values[path] = value
        origins[path] = origin
        if is_set:
            configured.add(path)
        if instead:
            unreadable[path] = instead

    def from_option(path: str, effective: EffectiveOption, value: Value | InvalidValue | None) -> None:
        if isinstance(value, InvalidValue):
            take(
                path,
                base.value(path),
                f"{effective.origin()} is not valid: {value.fix}",
                is_set=False,
                instead=f"{effective.name} = {value.value}, not valid",
            )
        elif value is None or value == "":
            take(path, base.value(path), "not set, and nova has no value of its own", is_set=False)
        else:
            take(path, value, effective.origin(), is_set=effective.is_set)

    virt_type = nova.option("libvirt", "virt_type")
    typed = virt_type.typed()
    if typed in ("kvm", "qemu"):
        take("hypervisor.virt_type", typed, virt_type.origin(), is_set=virt_type.is_set)
    else:
        shown = typed.value if isinstance(typed, InvalidValue) else typed
        take(
            "hypervisor.virt_type",
            "kvm",
            f"{virt_type.origin()}: virt_type = {shown}",
            is_set=False,
            instead=f"virt_type = {shown}" + (", not valid" if isinstance(typed, InvalidValue) else ""),
        )
    take(
        "hypervisor.allow_emulation",
        False,
        "consent is given by a person, never read from a node",
        is_set=False,
    )

    images_type = nova.option("libvirt", "images_type")
    backend = meaning(nova, "libvirt", "images_type")
    backend = "flat" if backend == "raw" else backend
    if backend in ("qcow2", "flat", "lvm", "rbd"):
        note = images_type.origin()
        if images_type.typed() in ("default", None):
            note += " (images_type = default: qcow2 while use_cow_images is true, else flat)"
        take("storage.backend", backend, note, is_set=images_type.is_set)
    else:
        shown = backend.value if isinstance(backend, InvalidValue) else backend
        take(
            "storage.backend",
            "qcow2",
            f"{images_type.origin()}: images_type = {shown}",
            is_set=False,
            instead=f"images_type = {shown}" + (", not valid" if isinstance(backend, InvalidValue) else ""),
        )
    for path, section, name in (
        ("storage.volume_group", "libvirt", "images_volume_group"),
        ("storage.rbd_pool", "libvirt", "images_rbd_pool"),
        ("storage.ceph_conf", "libvirt", "images_rbd_ceph_conf"),
        ("storage.rbd_user", "libvirt", "rbd_user"),
        ("storage.rbd_secret_uuid", "libvirt", "rbd_secret_uuid"),
    ):
        option = nova.option(section, name)
        from_option(path, option, option.typed())

    _nested(profile, nova, take)

    enabled = nova.option("glance", "enable_rbd_download")
    from_option("ceph_download.enabled", enabled, enabled.typed())
    for path, name in (
        ("ceph_download.rbd_user", "rbd_user"),
        ("ceph_download.rbd_pool", "rbd_pool"),
        ("ceph_download.ceph_conf", "rbd_ceph_conf"),
        ("ceph_download.connect_timeout", "rbd_connect_timeout"),
    ):
        option = nova.option("glance", name)
        from_option(path, option, option.typed())
    if glance is not None:
        direct = glance.option("DEFAULT", "show_image_direct_url")
        from_option("ceph_download.glance_api_node", direct, direct.typed())
    else:
        take("ceph_download.glance_api_node", False, "glance-api is not configured here", is_set=False)

    tools = profile.tpm2_tools
    take("tpm.verify", bool(profile.tpm_devices), _tpm_note(profile), is_set=False)
    take(
        "tpm.install_tools",
        tools is not None,
        f"tpm2-tools are installed ({tools.path})" if tools is not None else "tpm2-tools are not installed",
        is_set=False,
    )
    swtpm = nova.option("libvirt", "swtpm_enabled")
    from_option("tpm.vtpm", swtpm, swtpm.typed())
    for kind in ("user", "group"):
        account = nova.option("libvirt", f"swtpm_{kind}")
        if account.is_set:
            from_option(f"tpm.swtpm_{kind}", account, account.typed())
        else:  # "": the account libvirt runs swtpm as is mirrored (nova's own default, tss, is not a choice)
            take(f"tpm.swtpm_{kind}", "", f"not set: libvirt's swtpm {kind} is mirrored", is_set=False)

    _measuring(read, take)
    take(
        "tpm.secure_boot",
        False,
        "guests ask for TPM 2.0 and Secure Boot with their images' properties; the node records no such choice",
        is_set=False,
    )

    persisted = profile.module_config.persisted.get("vhost_net")
    builtin = profile.module_state("vhost_net") is ModuleState.BUILTIN
    take(
        "performance.vhost_net",
        persisted is not None or builtin,
        f"vhost_net is listed in {persisted}"
        if persisted
        else "vhost_net is built into the kernel"
        if builtin
        else "vhost_net is not loaded at boot",
        is_set=persisted is not None,
    )
    answers = base
    for spec in KEYS:
        answers = dataclasses.replace(
            answers,
            **{
                spec.section: dataclasses.replace(
                    getattr(answers, spec.section), **{spec.key: values[spec.path]}
                )
            },
        )
    return NodeAnswers(
        dataclasses.replace(answers, given=frozenset(configured)), origins, nova, glance, unreadable
    )


def _nested(profile: HostProfile, nova: EffectiveConfig, take: Callable[..., None]) -> None:
    module = profile.nested_module
    state = profile.nested.get(module) if module else None
    if state is None or module is None:
        take("nested.enabled", False, "no module controls nested guests here", is_set=False)
        enabled = False
    elif state.configured is not None:
        enabled = state.configured
        take("nested.enabled", enabled, state.configured_by or f"{module} nested option", is_set=True)
    else:
        enabled = bool(state.active)
        now = {True: "on", False: "off", None: "not readable"}[state.active]
        take(
            "nested.enabled",
            enabled,
            f"the kernel's default for {module} (nested is {now} now)",
            is_set=False,
        )
    cpu_mode = nova.option("libvirt", "cpu_mode")
    mode = cpu_mode.typed()
    if mode in ("host-passthrough", "host-model", "custom"):
        take("nested.cpu_mode", mode, cpu_mode.origin(), is_set=cpu_mode.is_set)
    else:
        default = "host-passthrough" if profile.platform.family is ArchFamily.ARM else "host-model"
        shown = mode.value if isinstance(mode, InvalidValue) else mode
        note = (
            f"nova's default ({default} for kvm and qemu here)"
            if mode is None
            else f"{cpu_mode.origin()}: cpu_mode = {shown}"
        )
        instead = "" if mode is None else f"cpu_mode = {shown}"
        if isinstance(mode, InvalidValue):
            instead += ", not valid"
        take("nested.cpu_mode", default, note, is_set=False, instead=instead)
    models = nova.option("libvirt", "cpu_models")
    typed_models = models.typed()
    take(
        "nested.cpu_models",
        typed_models if isinstance(typed_models, tuple) else (),
        models.origin(),
        is_set=models.is_set,
    )
    flags_option = nova.option("libvirt", "cpu_model_extra_flags")
    flags = flags_option.typed()
    take(
        "nested.extra_flags",
        flags if isinstance(flags, tuple) else (),
        flags_option.origin(),
        is_set=flags_option.is_set,
    )


def _measuring(read: Reader, take: Callable[..., None]) -> None:
    """Whether committed generations are measured, and into which PCR: the wizard's own state on the node."""
    data = read(MEASURE_SETTING)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    pcr = None
    if text is not None:
        try:
            found = load_toml(text).get("pcr")
        except ValueError:
            found = None
        pcr = found if isinstance(found, int) and not isinstance(found, bool) else None
    if pcr is None:
        take("tpm.measure", False, f"not measured ({MEASURE_SETTING} says no PCR)", is_set=False)
        take("tpm.measure_pcr", DEFAULT_MEASURE_PCR, "no PCR is measured into", is_set=False)
        return
    take("tpm.measure", True, f"measured into PCR {pcr} ({MEASURE_SETTING})", is_set=True)
    take("tpm.measure_pcr", pcr, MEASURE_SETTING, is_set=True)


def _tpm_note(profile: HostProfile) -> str:
    if profile.tpm_devices:
        return f"TPM: {', '.join(device.name for device in profile.tpm_devices)}"
    return "no TPM device found"


def resolve(answers: Answers, node: NodeAnswers) -> Answers:
    """``answers`` with every key they leave out taken from the node, and what a given key makes of a kept one:
    CPU models go with custom mode (a mode chosen without them leaves the node's models behind)."""
    resolved = answers.resolved(node.answers)
    if (
        resolved.is_given("nested.cpu_mode")
        and not resolved.is_given("nested.cpu_models")
        and resolved.nested.cpu_mode != "custom"
    ):
        nested = dataclasses.replace(resolved.nested, cpu_models=())
        resolved = dataclasses.replace(resolved, nested=nested)
    return resolved


def describe_value(value: Value) -> str:
    """A value as the answers file writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    if isinstance(value, int):
        return str(value)
    return f'"{value}"'
