"""The health check that asks libvirt about the nova.conf just written, the way nova-compute will at its start
(the settings it reads over every file of its chain, by oslo's rules: wizard.effective):
is the CPU mode supported for the virt type (`virsh domcapabilities`), does libvirt know each custom model
(`virsh cpu-models`, nova's name check), and, with virt_type kvm, does `virsh hypervisor-cpu-compare` accept each
model with the extra flags (nova's compareHypervisorCPU). A refusal fails the verification, so the apply is rolled
back before anyone restarts nova-compute onto a configuration it would refuse.
"""

from __future__ import annotations

import os
from pathlib import Path

from wizard.apply.atomic import NotAFileError, read_state
from wizard.commands import CommandResult, CommandRunner
from wizard.effective import EffectiveConfig
from wizard.options import InvalidValue
from wizard.rootfs import PathEscapeError, under
from wizard.virsh import (
    Answer,
    classify_comparison,
    guest_cpu_xml,
    parse_cpu_models,
    virsh_argv,
)
from wizard.virsh_domcaps import parse_domain_capabilities

TIMEOUT = 30.0


def _answer(result: CommandResult) -> Answer:
    return Answer(result.returncode, result.stdout, result.stderr, result.error)


def setting(config: EffectiveConfig, name: str) -> str | tuple[str, ...] | None:
    """A [libvirt] option as nova reads it (the assignment that wins, typed), or None when unset or invalid."""
    option = config.option("libvirt", name)
    if option.winner is None:
        return None
    value = option.typed()
    if value is None or isinstance(value, InvalidValue | bool | int):
        return None
    return value


def switch(config: EffectiveConfig, name: str) -> bool:
    """A [libvirt] boolean option as nova reads it; False when unset or invalid (nova's defaults are False)."""
    option = config.option("libvirt", name)
    return option.winner is not None and option.typed() is True


def read_settings(root: Path, nova_conf: str, files: tuple[str, ...] = ()) -> EffectiveConfig | str:
    """The settings nova-compute reads under ``root`` (over ``files``, its chain in oslo's order; only
    ``nova_conf`` when none are given), or why a file of them cannot be read."""
    texts: list[tuple[str, bytes | None]] = []
    for path in files or (nova_conf,):
        try:
            state = read_state(under(root, path))
        except (NotAFileError, PathEscapeError, OSError) as error:
            return f"{path} cannot be read: {error}"
        texts.append((path, state.content if state.exists else None))
    return EffectiveConfig.parse("nova.conf", texts)


def libvirt_accepts(
    root: Path, nova_conf: str, uri: str, runner: CommandRunner, files: tuple[str, ...] = ()
) -> tuple[bool, str]:
    """Whether libvirt accepts the CPU settings nova-compute reads under ``root`` (over ``files``, its chain in
    oslo's order; only ``nova_conf`` when none are given), and what it said."""
    document = read_settings(root, nova_conf, files)
    if isinstance(document, str):
        return False, document
    virt_type = setting(document, "virt_type") or "kvm"
    if virt_type not in ("kvm", "qemu"):
        return True, f"virt_type {virt_type}: libvirt judges no CPU mode for it"
    mode = setting(document, "cpu_mode") or (
        "host-passthrough" if os.uname().machine == "aarch64" else "host-model"
    )
    models = setting(document, "cpu_models") or ()
    flags = setting(document, "cpu_model_extra_flags") or ()

    def ask(*arguments: str, stdin: str | None = None) -> CommandResult:
        return runner.run(virsh_argv(uri, *arguments), timeout=TIMEOUT, input_text=stdin)

    domcaps = ask("domcapabilities", "--virttype", str(virt_type))
    if not domcaps.ok:
        return False, f"libvirt does not answer for {virt_type} guests: {_answer(domcaps).reason}"
    domain = parse_domain_capabilities(domcaps.stdout)
    if domain is not None and not domain.modes.get(str(mode), True):
        return (
            False,
            f"libvirt: CPU mode {mode} is not supported for {virt_type} guests (virsh domcapabilities)",
        )
    if mode != "custom" or not isinstance(models, tuple):
        return True, f"libvirt supports CPU mode {mode} for {virt_type} guests"
    listed = ask("cpu-models", domain.arch if domain is not None and domain.arch else os.uname().machine)
    names = parse_cpu_models(listed.stdout) if listed.ok else None
    for model in models:
        if names is not None and model.lower() not in {name.lower() for name in names}:
            return False, (
                f"Configured CPU model: {model} is not correct, or your host CPU arch does not support this model "
                "(virsh cpu-models)"
            )
    if virt_type != "kvm":
        return True, f"libvirt knows {', '.join(models)}; nova compares no CPU for qemu guests"
    said = []
    extra = flags if isinstance(flags, tuple) else ()
    for model in models:
        compared = classify_comparison(
            _answer(ask("hypervisor-cpu-compare", "/dev/stdin", stdin=guest_cpu_xml(model, extra)))
        )
        if compared.compatible is not True:
            shown = "+".join((model, *extra))
            return (
                False,
                f"libvirt's hypervisor-cpu-compare, as nova-compute asks it at start, refuses {shown}: {compared.said}",
            )
        said.append(model)
    return True, f"libvirt's hypervisor-cpu-compare accepts {', '.join(said)}" + (
        f" with {', '.join(extra)}" if extra else ""
    )
