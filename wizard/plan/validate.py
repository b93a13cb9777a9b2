"""Answers checked against the host they are for: every problem named by its key, before the first change."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wizard.answers import KEYS, KEYS_BY_PATH, AnswerProblem, Answers, check_values
from wizard.answers.model import ALL_PATHS, Value
from wizard.diagnosis.diagnose import diagnose_profile
from wizard.diagnosis.findings import Diagnosis, VerdictCode
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.lint.host_context import rule_context
from wizard.lint.volume_groups import missing_volume_group
from wizard.plan.current import PlanningError
from wizard.plan.ini_edits import written_value
from wizard.plan.node import node_answers, root_reader
from wizard.plan.settings import nova_settings, swtpm_accounts, vendor_flag
from wizard.rootfs import PathEscapeError, resolve
from wizard.rules import RuleViolation, check_choices
from wizard.tpm.detect import TpmKind, detect_tpm
from wizard.tpm.guests import assess_secure_guests
from wizard.tpm.vtpm import BARBICAN_WARNING, assess_vtpm

Reporter = Callable[[str, str], None]
KVM_CAN_WORK = (VerdictCode.READY, VerdictCode.FIXABLE, VerdictCode.LIMITED)
# Where qemu is a choice against KVM, and so needs the operator's consent: KVM works, or nobody knows it does not.
KVM_MIGHT_WORK = (*KVM_CAN_WORK, VerdictCode.UNKNOWN)


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
    if virt_type == "kvm" and verdict.code is VerdictCode.UNKNOWN:
        # A staging tree or a recording without the kernel's files: the plan is made, the doubt is said.
        warn("hypervisor.virt_type", f"whether KVM can work on this host is not known: {verdict.summary}")
    elif virt_type == "kvm" and verdict.code not in KVM_CAN_WORK:
        problem(
            "hypervisor.virt_type",
            f"'kvm' cannot work on this host ({verdict.code.value}: {verdict.summary}) Fix that first (see "
            'kvm-wizard check), or choose "qemu" and accept software emulation, many times slower.',
        )
    if virt_type == "qemu" and verdict.code in KVM_MIGHT_WORK and not answers.hypervisor.allow_emulation:
        could = "may work" if verdict.code is VerdictCode.UNKNOWN else "works or can be made to work"
        problem(
            "hypervisor.allow_emulation",
            f"is false, but KVM {could} here ({verdict.code.value}); qemu would emulate every "
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

    _check_choices(answers, host, problem, warn)

    if answers.tpm.vtpm:
        assessment = assess_vtpm(facts, virt_type=virt_type, installing=True)  # the plan installs swtpm
        for text in assessment.problems:
            problem("tpm.vtpm", text)
        for text in assessment.warnings:
            # The key manager is wizard.rules' swtpm-needs-key-manager, which the plan reports with the
            # configured backend named: said once, there.
            if text != BARBICAN_WARNING:
                warn("tpm.vtpm", text)
    if answers.tpm.secure_boot:
        # The plan installs the firmware where it is missing; the smoke guest proves the rest after the apply.
        guests = assess_secure_guests(facts, host, virt_type=virt_type, installing=True)
        for text in guests.problems:
            problem("tpm.secure_boot", text)
        for text in guests.warnings:
            warn("tpm.secure_boot", text)
    if answers.tpm.measure:
        _check_measure(answers, facts, host, problem, warn)
    if answers.tpm.install_tools and host.tpm2_tools is None and host.distribution.package_manager is None:
        warn(
            "tpm.install_tools",
            "no package manager was found here (apt-get, dnf, zypper): install tpm2-tools by hand",
        )
    return Validation(tuple(problems), tuple(warnings), diagnosis)


def _check_measure(
    answers: Answers, facts: HostFacts, host: HostProfile, problem: Reporter, warn: Reporter
) -> None:
    """Measuring needs a TPM 2.0 (the one TPM2TOOLS_TCTI names, when it names one) and tpm2-tools."""
    named = facts.environment.get("TPM2TOOLS_TCTI", "")
    detection = detect_tpm(facts)
    if not named and detection.kind is TpmKind.NONE:
        problem(
            "tpm.measure",
            "needs a TPM 2.0, and this host has none ("
            + detection.summary
            + "); set it to false, or enable the "
            "TPM in the firmware setup",
        )
    elif not named and detection.kind is TpmKind.TPM12:
        problem("tpm.measure", "needs a TPM 2.0; this host's is a TPM 1.2")
    elif not named and detection.kind is TpmKind.UNKNOWN:
        warn("tpm.measure", f"whether this host has a TPM 2.0 is not known: {detection.summary}")
    if host.tpm2_tools is None and not (answers.tpm.install_tools and host.distribution.package_manager):
        problem(
            "tpm.measure",
            "needs tpm2-tools, which are not installed here; set tpm.install_tools = true or install them",
        )


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


# The answer that decides each option the rules speak of: a broken rule is a problem of that answer (the Review
# goes to its step, `answers check` names its key). Rules about nested guests are the nested step's.
_ANSWER_OF_OPTION: dict[tuple[str, str], str] = {
    ("libvirt", "virt_type"): "hypervisor.virt_type",
    ("libvirt", "images_type"): "storage.backend",
    ("DEFAULT", "force_raw_images"): "storage.backend",
    ("libvirt", "images_volume_group"): "storage.volume_group",
    ("libvirt", "images_rbd_pool"): "storage.rbd_pool",
    ("libvirt", "images_rbd_ceph_conf"): "storage.ceph_conf",
    ("libvirt", "rbd_user"): "storage.rbd_user",
    ("libvirt", "rbd_secret_uuid"): "storage.rbd_secret_uuid",
    ("libvirt", "cpu_mode"): "nested.cpu_mode",
    ("libvirt", "cpu_models"): "nested.cpu_models",
    ("libvirt", "cpu_model_extra_flags"): "nested.extra_flags",
    ("libvirt", "swtpm_enabled"): "tpm.vtpm",
    ("libvirt", "swtpm_user"): "tpm.swtpm_user",
    ("libvirt", "swtpm_group"): "tpm.swtpm_group",
    ("glance", "enable_rbd_download"): "ceph_download.enabled",
}
_ANSWER_OF_RULE = {
    "nested-impossible": "nested.enabled",
    "nested-off-on-command-line": "nested.enabled",
    "nested-needs-kvm-module": "nested.enabled",
}


def answer_key_of(violation: RuleViolation) -> str:
    """The answers key behind a broken rule ("" when no answer decides its options)."""
    if violation.rule in _ANSWER_OF_RULE:
        return _ANSWER_OF_RULE[violation.rule]
    for item in violation.options:
        key = _ANSWER_OF_OPTION.get((item.section, item.option))
        if key is not None:
            return key
    return ""


def choice_violations(answers: Answers, host: HostProfile) -> list[RuleViolation]:
    """The rules the answers' choices break on this host (wizard.rules.check_choices), judged on the nova.conf
    settings they call for: the CPU, nested guests, and libvirt's own answers where it gave them. The choice is
    judged whole: ``answers`` resolved against the node (a key left out holds the node's value) are read as if
    every key were given, so that a key changed alone is judged beside the others as the node will have them."""
    whole = dataclasses.replace(answers, given=ALL_PATHS)
    desired = nova_settings(whole, vendor_flag(host), swtpm_accounts(host))
    config: dict[tuple[str, str], str] = {}
    for item in desired:
        if item.file != "nova.conf":
            continue
        try:
            text = written_value(item)
        except (ValueError, TypeError, PlanningError):
            continue  # a value that cannot be written is check_values()'s problem, reported there
        if text is not None:
            config[(item.section, item.key)] = text
    context = rule_context(
        host,
        glance_api_node=answers.ceph_download.glance_api_node,
        nested_planned=answers.nested.enabled,
        swtpm_planned=answers.tpm.vtpm,
    )
    return check_choices(config, context, nested_guests=answers.nested.enabled)


def unavailable_choices(path: str, answers: Answers, host: HostProfile) -> dict[str, str]:
    """The values of a key with a closed set of choices (or a switch: then only true) that cannot be valid on
    this host, each with the reason the rules give: every value tried with the other answers as they are. The
    wizard greys these out, and the suggested answers avoid them."""
    spec = KEYS_BY_PATH[path]
    values: tuple[Value, ...] = spec.allowed if spec.allowed else (True,) if spec.kind is bool else ()
    found: dict[str, str] = {}
    for value in values:
        refused = [
            violation
            for violation in choice_violations(answers.with_value(path, value), host)
            if violation.severity == "error" and answer_key_of(violation) == path
        ]
        if refused:
            shown = ("true" if value else "false") if isinstance(value, bool) else str(value)
            found[shown] = f"{refused[0].message}; fix: {refused[0].fix}"  # as the planner says it
    return found


def choice_problem(path: str, value: Value, answers: Answers, host: HostProfile) -> str | None:
    """What the rules refuse in a key when it holds ``value`` (the other answers as they are): the check of a
    wizard field, the same the planner makes (check_values() judges the value's own form before)."""
    for violation in choice_violations(answers.with_value(path, value), host):
        if violation.severity == "error" and answer_key_of(violation) == path:
            return f"{violation.message}; fix: {violation.fix}"
    return None


def _check_choices(answers: Answers, host: HostProfile, problem: Reporter, warn: Reporter) -> None:
    for violation in choice_violations(answers, host):
        report = problem if violation.severity == "error" else warn
        report(answer_key_of(violation), f"{violation.message}; fix: {violation.fix}")
    if answers.nested.enabled and host.platform.is_guest and host.nested_module is not None:
        warn(
            "nested.enabled",
            "this host is itself a virtual machine: guests of guests of guests work only if every layer enables "
            "nested virtualization, and run slowly",
        )
