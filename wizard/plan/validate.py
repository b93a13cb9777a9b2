"""Answers checked against the host they are for: every problem named by its key, before the first change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wizard.answers import KEYS, AnswerProblem, Answers, check_values
from wizard.answers.model import Value
from wizard.cpu_names import cpu_flag_vendor, cpu_model_arch, cpu_model_vendor
from wizard.diagnosis.diagnose import diagnose_profile
from wizard.diagnosis.findings import Diagnosis, VerdictCode
from wizard.host.facts import HostFacts
from wizard.host.platform import ArchFamily, Vendor
from wizard.host.profile import HostProfile
from wizard.lint.volume_groups import missing_volume_group
from wizard.plan.node import node_answers, root_reader
from wizard.rootfs import PathEscapeError, resolve
from wizard.tpm.vtpm import assess_vtpm

_VENDOR_NAMES = {"intel": "an Intel", "amd": "an AMD", "hygon": "a Hygon", "zhaoxin": "a Zhaoxin"}
Reporter = Callable[[str, str], None]
KVM_CAN_WORK = (VerdictCode.READY, VerdictCode.FIXABLE, VerdictCode.LIMITED)


@dataclass(frozen=True)
class Validation:
    problems: tuple[AnswerProblem, ...]  # each one stops the plan
    warnings: tuple[AnswerProblem, ...]  # true, worth reading, and no reason to stop
    diagnosis: Diagnosis

    @property
    def ok(self) -> bool:
        return not self.problems


def _exists_under(root: Path, path: str) -> bool:
    try:
        on_disk, _ = resolve(root, path)
    except PathEscapeError:
        return False
    return on_disk.is_file()


# Keys beyond its own section that a problem at a key depends on (see kept()).
_ALSO_DEPENDS: dict[str, tuple[str, ...]] = {
    "ceph_download.enabled": ("storage.backend",),
    "tpm.vtpm": ("hypervisor.virt_type",),
}


def _acts(path: str, answers: Answers) -> bool:
    """A given key that makes the plan act on the host even with the node's own value: virt_type kvm (the KVM
    modules and /dev/kvm), the nested choice (its module option), an install or a module to load."""
    if not answers.is_given(path):
        return False
    value = answers.value(path)
    return path == "nested.enabled" or (
        (value is True or value == "kvm")
        and path in ("hypervisor.virt_type", "tpm.install_tools", "tpm.vtpm", "performance.vhost_net")
    )


def kept(path: str, answers: Answers, node: Answers) -> bool:
    """Whether a problem at ``path`` is the node's own, which the answers leave as it is: every key of its
    section (and those it depends on elsewhere) has the node's value, and none of them makes the plan act."""
    section = path.split(".", 1)[0]
    keys = [spec.path for spec in KEYS if spec.section == section]
    keys += _ALSO_DEPENDS.get(path, ())
    return bool(keys) and all(
        answers.value(key) == node.value(key) and not _acts(key, answers) for key in keys
    )


def validate_for_host(
    answers: Answers,
    facts: HostFacts,
    root: Path,
    profile: HostProfile | None = None,
    node: Answers | None = None,
) -> Validation:
    """Every problem of ``answers`` on this host. With the ``node``'s current answers, a problem the answers
    only keep (the node has it already, and they do not change it) is a warning: the plan does not make it, and
    it must not stop what the answers do change."""
    validation = _validate(answers, facts, root, profile)
    if node is None:
        return validation
    problems = [
        problem
        for problem in validation.problems
        if not problem.path or not kept(problem.path, answers, node)
    ]
    kept_ones = [
        AnswerProblem(
            problem.path, f"{problem.message} (kept as it is on this node: these answers do not change it)"
        )
        for problem in validation.problems
        if problem not in problems
    ]
    return Validation(tuple(problems), (*kept_ones, *validation.warnings), validation.diagnosis)


def _validate(
    answers: Answers, facts: HostFacts, root: Path, profile: HostProfile | None = None
) -> Validation:
    host = profile or HostProfile.from_facts(facts)
    diagnosis = diagnose_profile(host)
    problems = list(check_values(answers))
    warnings: list[AnswerProblem] = []

    def problem(path: str, message: str) -> None:
        problems.append(AnswerProblem(path, message))

    def warn(path: str, message: str) -> None:
        warnings.append(AnswerProblem(path, message))

    verdict = diagnosis.verdict
    virt_type = answers.hypervisor.virt_type
    if virt_type == "kvm" and verdict.code not in KVM_CAN_WORK:
        problem(
            "hypervisor.virt_type",
            f"'kvm' cannot work on this host ({verdict.code.value}: {verdict.summary}) Fix that first (see "
            'kvm-wizard check), or choose "qemu" with allow_emulation = true and accept software emulation.',
        )
    if virt_type == "qemu" and verdict.code in KVM_CAN_WORK and not answers.hypervisor.allow_emulation:
        problem(
            "hypervisor.allow_emulation",
            f"is false, but KVM works or can be made to work here ({verdict.code.value}); qemu would emulate every "
            'instruction, many times slower. Choose virt_type = "kvm", or set allow_emulation = true to emulate '
            "on purpose.",
        )
    if virt_type == "kvm" and verdict.code is VerdictCode.LIMITED:
        warn("hypervisor.virt_type", f"KVM works here with restrictions: {verdict.summary}")

    storage = answers.storage
    if storage.backend == "lvm" and storage.volume_group:
        missing = missing_volume_group(storage.volume_group, host.volume_groups, host.volume_groups_source)
        if missing is not None:
            problem("storage.volume_group", missing.sentence())
    if storage.backend == "rbd" and storage.ceph_conf and not _exists_under(root, storage.ceph_conf):
        problem(
            "storage.ceph_conf",
            f"{storage.ceph_conf} does not exist on this host; install ceph-common and the cluster's ceph.conf",
        )
    download = answers.ceph_download
    if (
        download.enabled
        and download.ceph_conf
        and storage.backend != "rbd"
        and not _exists_under(root, download.ceph_conf)
    ):
        problem("ceph_download.ceph_conf", f"{download.ceph_conf} does not exist on this host")

    _check_cpu(answers, host, problem, warn)

    if answers.tpm.vtpm:
        assessment = assess_vtpm(facts, virt_type=virt_type, installing=True)  # the plan installs swtpm
        for text in assessment.problems:
            problem("tpm.vtpm", text)
        for text in assessment.warnings:
            warn("tpm.vtpm", text)
    if answers.tpm.install_tools and host.tpm2_tools is None and host.distribution.package_manager is None:
        warn(
            "tpm.install_tools",
            "no package manager was found here (apt-get, dnf, zypper): install tpm2-tools by hand",
        )
    return Validation(tuple(problems), tuple(warnings), diagnosis)


def validate_key(
    path: str, value: Value, answers: Answers, facts: HostFacts, root: Path
) -> AnswerProblem | None:
    """The planner's verdict on one key: the first problem validate_for_host() finds at ``path`` when it holds
    ``value`` (the other keys as in ``answers``), or None.

    The screens check their fields and choices with it, so that a field and the Review never disagree.
    """
    changed = answers.with_value(path, value)
    validation = validate_for_host(changed, facts, root)
    found = next((problem for problem in validation.problems if problem.path == path), None)
    if found is None:
        return None
    # A value the node has already, in a section as the node has it, is kept, not chosen: not the field's fault.
    profile = HostProfile.from_facts(facts)
    node = node_answers(profile, root_reader(root)).answers
    return None if kept(path, changed, node) else found


_ARCH_NAMES = {"x86": "x86 (Intel and AMD)", "power": "IBM POWER", "arm": "Arm"}


def _check_cpu(answers: Answers, host: HostProfile, problem: Reporter, warn: Reporter) -> None:
    vendor = {Vendor.INTEL: "intel", Vendor.AMD: "amd"}.get(host.platform.vendor)
    family = host.platform.family
    nested = answers.nested
    for flag in nested.extra_flags:
        owner = cpu_flag_vendor(flag)
        if owner is not None and owner != vendor:
            problem(
                "nested.extra_flags",
                f"{flag!r} exists only on {_VENDOR_NAMES[owner].split()[1]} CPUs and this host's CPU is "
                f"{_VENDOR_NAMES.get(vendor or '', 'not x86').split()[-1]}: guests would fail to start. "
                + (
                    "Use 'svm' on AMD."
                    if vendor == "amd"
                    else "Use 'vmx' on Intel."
                    if vendor == "intel"
                    else ""
                ),
            )
    arch = {ArchFamily.X86: "x86", ArchFamily.POWER: "power", ArchFamily.ARM: "arm"}.get(family)
    for model in nested.cpu_models:
        model_arch = cpu_model_arch(model)
        if model_arch is not None and arch is not None and model_arch != arch:
            problem(
                "nested.cpu_models",
                f"{model!r} is a CPU model of {_ARCH_NAMES[model_arch]} and this host is "
                f"{host.platform.machine or _ARCH_NAMES[arch]}: nova-compute refuses to start. Choose a model of "
                f"`virsh cpu-models {host.platform.machine or 'ARCH'}`, or host-model.",
            )
            continue
        if model_arch is None and arch == "x86":
            warn(
                "nested.cpu_models",
                f"{model!r} is not an x86 model this wizard knows: nova-compute refuses to start with a model "
                "libvirt does not know; check it against `virsh cpu-models x86_64` on this host",
            )
        owner = cpu_model_vendor(model)
        if owner is not None and vendor is not None and owner != vendor:
            problem(
                "nested.cpu_models",
                f"{model!r} is {_VENDOR_NAMES[owner]} CPU model and this host's CPU is {_VENDOR_NAMES[vendor]}: "
                "nova-compute refuses to start. "
                "Choose a model of this vendor (virsh cpu-models x86_64), or host-model.",
            )
    if family is not ArchFamily.X86 and nested.cpu_models and family is not ArchFamily.UNKNOWN:
        warn(
            "nested.cpu_models",
            f"check the names against `virsh cpu-models {host.platform.machine}` on this host",
        )
    if nested.enabled:
        if family is ArchFamily.ARM:
            warn(
                "nested.enabled",
                "on aarch64, nested guests need Linux 6.16 or later booted with kvm-arm.mode=nested on the kernel "
                "command line; the wizard sets the CPU mode, and the kernel command line is yours to change",
            )
        elif host.pvm_active:
            problem(
                "nested.enabled",
                "KVM here comes from PVM (kvm_pvm), not from the CPU's virtualization extensions: the vendor "
                "module's nested parameter does not apply, and the wizard cannot enable nested guests; set it "
                "to false",
            )
        elif host.nested_module is None:
            problem(
                "nested.enabled",
                f"nested guests are not supported by this wizard on {host.platform.machine or 'this architecture'}; "
                "set it to false",
            )
        elif host.platform.is_guest:
            warn(
                "nested.enabled",
                "this host is itself a virtual machine: guests of guests of guests work only if every layer enables "
                "nested virtualization, and run slowly",
            )
    if family is ArchFamily.ARM and nested.cpu_mode == "host-model":
        warn(
            "nested.cpu_mode",
            "on aarch64 nova's default is host-passthrough; host-model needs a recent libvirt and QEMU",
        )
