"""make_plan(): validate the answers for this host, build the plan, and check the files it would leave."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wizard.answers import AnswerProblem, Answers
from wizard.files.ini import IniDocument
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.lint.host_context import rule_context
from wizard.plan.build import GLANCE_API_CONF, NOVA_CONF, build_plan
from wizard.plan.current import read_current
from wizard.plan.model import FileKind, Plan
from wizard.plan.validate import Validation, answer_key_of, validate_for_host
from wizard.rules import RuleViolation, check_rules


@dataclass(frozen=True)
class PlanOutcome:
    validation: Validation
    plan: Plan | None  # None when the answers have problems: nothing may be applied
    rule_problems: tuple[RuleViolation, ...] = ()  # the planned files would still break a rule
    rule_warnings: tuple[RuleViolation, ...] = ()  # rules the files break in options the plan does not touch
    file_problems: tuple[str, ...] = ()  # a file the plan writes that oslo.config would still refuse

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.rule_problems and not self.file_problems

    @property
    def problems(self) -> tuple[AnswerProblem, ...]:
        own = tuple(
            AnswerProblem(answer_key_of(violation), f"{violation.message}; fix: {violation.fix}")
            for violation in self.rule_problems
        )
        files = tuple(AnswerProblem("", problem) for problem in self.file_problems)
        return self.validation.problems + own + files


def _config(document: IniDocument | None) -> dict[tuple[str, str], str]:
    if document is None:
        return {}
    values: dict[tuple[str, str], str] = {}
    for entry in document.entries():
        if entry.section is not None:
            values[(entry.section, entry.key)] = entry.raw_value
    return values


def make_plan(facts: HostFacts, answers: Answers, root: Path) -> PlanOutcome:
    profile = HostProfile.from_facts(facts)
    validation = validate_for_host(answers, facts, root, profile)
    if not validation.ok:
        return PlanOutcome(validation, None)
    plan = build_plan(facts, answers, root, profile)
    # Each INI file the plan writes, parsed once: for the rules, and for what oslo would refuse in it.
    written = {edit.path: IniDocument.parse(edit.after) for edit in plan.edits if edit.kind.is_ini}

    def config_after(path: str) -> dict[tuple[str, str], str]:
        if path in written:
            return _config(written[path])
        data = read_current(root, path).data
        return _config(IniDocument.parse(data) if data is not None else None)

    nova = config_after(NOVA_CONF)
    glance_node = answers.ceph_download.glance_api_node
    glance = config_after(GLANCE_API_CONF) if glance_node else None
    violations = check_rules(
        nova,
        glance,
        rule_context(
            profile,
            glance_api_node=glance_node,
            nested_planned=answers.nested.enabled,
            swtpm_planned=any(action.id == "install:swtpm" for action in plan.actions),
        ),
        nested_guests=answers.nested.enabled,
    )
    changed = {
        (change.section, change.key)
        for edit in plan.edits
        if edit.kind in (FileKind.NOVA_CONF, FileKind.GLANCE_API_CONF)
        for change in edit.changes
    }
    governed = changed | {(section, key) for section, key in _GOVERNED}
    problems = tuple(
        violation
        for violation in violations
        if violation.severity == "error"
        and any((item.section, item.option) in governed for item in violation.options)
    )
    said = {warning.message for warning in validation.warnings}  # the answers' own warnings are said once
    warnings = tuple(
        violation
        for violation in violations
        if violation not in problems and f"{violation.message}; fix: {violation.fix}" not in said
    )
    return PlanOutcome(validation, plan, problems, warnings, _unreadable(written))


def _unreadable(written: dict[str, IniDocument]) -> tuple[str, ...]:
    """Lines that would make oslo.config refuse a file the plan writes (they were there before: the editor
    keeps every byte it does not change). Said now, rather than by the verification after every file has been
    written and rolled back."""
    return tuple(
        f"{path} line {problem.line_number}: {problem.message}: oslo.config refuses the whole file, so it stays "
        "as it is; correct that line first (`kvm-wizard check` lists it)"
        for path, document in written.items()
        for problem in document.problems()
    )


# Options the answers decide even when the file already says the right thing (so the plan writes nothing).
_GOVERNED = (
    ("DEFAULT", "compute_driver"),
    ("libvirt", "virt_type"),
    ("libvirt", "images_type"),
    ("libvirt", "cpu_mode"),
    ("libvirt", "cpu_models"),
    ("libvirt", "cpu_model_extra_flags"),
)
