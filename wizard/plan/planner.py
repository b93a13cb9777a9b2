"""make_plan(): validate the answers for this host, build the plan, and check the files it would leave."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wizard.answers import AnswerProblem, Answers
from wizard.effective import EffectiveConfig
from wizard.files.ini import IniDocument
from wizard.host.config_chain import ConfigChain
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.lint.host_context import rule_context
from wizard.plan.build import Refusal, build
from wizard.plan.chain_edits import refusal_message
from wizard.plan.current import read_current
from wizard.plan.model import Plan
from wizard.plan.node import NodeAnswers, effective_config, node_answers, resolve, root_reader
from wizard.plan.settings import vendor_flag
from wizard.plan.summary import ChoiceChange, summarize
from wizard.plan.validate import Validation, answer_key_of, validate_for_host
from wizard.rules import RuleViolation, check_rules


@dataclass(frozen=True)
class PlanOutcome:
    validation: Validation
    plan: Plan | None  # None when the answers have problems: nothing may be applied
    rule_problems: tuple[RuleViolation, ...] = ()  # the planned files would still break a rule
    rule_warnings: tuple[RuleViolation, ...] = ()  # rules the files break in options the plan does not touch
    file_problems: tuple[str, ...] = ()  # a file the plan writes that oslo.config would still refuse
    refused: tuple[AnswerProblem, ...] = ()  # changes to files the wizard must not write (kolla, snap)
    node: NodeAnswers | None = None  # the node as it is
    answers: Answers | None = None  # the answers resolved against the node: what it will be
    nested_module: str | None = None  # the module whose nested parameter the summary speaks of
    vendor_flag: str | None = None  # vmx or svm: nested guests' CPU flag here

    def summary(self) -> list[ChoiceChange]:
        """Each choice before -> after (nothing when the node could not be read)."""
        if self.node is None or self.answers is None:
            return []
        return summarize(
            self.node, self.answers, self.plan, nested_module=self.nested_module, vendor_flag=self.vendor_flag
        )

    @property
    def ok(self) -> bool:
        return (
            self.plan is not None and not self.rule_problems and not self.file_problems and not self.refused
        )

    @property
    def problems(self) -> tuple[AnswerProblem, ...]:
        own = tuple(
            AnswerProblem(answer_key_of(violation), f"{violation.message}; fix: {violation.fix}")
            for violation in self.rule_problems
        )
        files = tuple(AnswerProblem("", problem) for problem in self.file_problems)
        return self.validation.problems + self.refused + own + files


def make_plan(facts: HostFacts, answers: Answers, root: Path) -> PlanOutcome:
    """The plan for ``answers`` on this node: the keys they leave out keep the node's values (read from its
    effective configuration under ``root``), and only what they change is changed."""
    profile = HostProfile.from_facts(facts)
    node = node_answers(profile, root_reader(root))
    resolved = resolve(answers, node)
    validation = validate_for_host(resolved, facts, root, profile, node=node.answers)
    if not validation.ok:
        return PlanOutcome(validation, None, node=node, answers=resolved, nested_module=profile.nested_module)
    built = build(facts, resolved, root, profile)
    plan = built.plan
    # Each INI file the plan writes, parsed once: for the rules, and for what oslo would refuse in it.
    written = {edit.path: IniDocument.parse(edit.after) for edit in plan.edits if edit.kind.is_ini}

    def effective_after(chain: ConfigChain) -> EffectiveConfig:
        def read(path: str) -> bytes | None:
            edit = next((item for item in plan.edits if item.path == path), None)
            return edit.after if edit is not None else read_current(root, path).data

        return effective_config(chain, read)

    glance_node = resolved.ceph_download.glance_api_node
    glance = effective_after(profile.glance_chain).raw_config() if glance_node else None
    violations = check_rules(
        effective_after(profile.nova_chain).raw_config(),
        glance,
        rule_context(
            profile,
            glance_api_node=glance_node,
            nested_planned=resolved.is_given("nested.enabled") and resolved.nested.enabled,
            swtpm_planned=any(action.id == "install:swtpm" for action in plan.actions),
        ),
        nested_guests=resolved.nested.enabled,
    )
    # A broken rule is the plan's problem when the plan changes one of its options; one the node has already,
    # in options the plan leaves as they are, is a warning (it must not stop what the answers do change).
    governed = {(item.section, item.key) for item in built.changed}
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
    refused = tuple(_refusal(item) for item in built.refused)
    return PlanOutcome(
        validation,
        plan,
        problems,
        warnings,
        _unreadable(written),
        refused,
        node=node,
        answers=resolved,
        nested_module=profile.nested_module,
        vendor_flag=vendor_flag(profile),
    )


def _refusal(refusal: Refusal) -> AnswerProblem:
    desired = refusal.desired
    return AnswerProblem(desired.keys[-1] if desired.keys else "", refusal_message(refusal.chain, desired))


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
