"""The rescue report: a node's diagnosis with each fix offered as a verified plan, built in one call.

build_report() reads the files under the root and runs no command and writes nothing, so a UI can run it in
a worker thread. Its findings are diagnose()'s, except that nova.conf and glance-api.conf are linted as they
are under the root now (the files the fixes change), not as the facts recorded them. Every offered fix has
been planned against those files and re-linted: it resolves its finding and adds no error. RescueReport.plan()
merges the chosen fixes into the one Plan that apply_plan() runs with confirm-or-revert.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.diagnosis.checks.config_log import RESTART_FIX
from wizard.diagnosis.checks.context import VtState, build_context
from wizard.diagnosis.diagnose import diagnose_profile
from wizard.diagnosis.findings import Diagnosis, Finding, Status, Verdict, diagnosis_to_json
from wizard.files.lines import decode
from wizard.host.config_chain import ConfigChain
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.lint.chains import review_chains
from wizard.lint.issues import ConfigReview, IniEdit, LintIssue
from wizard.lint.review import lint_host
from wizard.plan.current import PlanningError, read_current
from wizard.plan.explain import DiffLine, explain_plan
from wizard.plan.fixes import KVM_DEVICE_FIXES, KVM_MODULE_FIXES
from wizard.plan.model import Plan
from wizard.rescue.fixes import FixRecipe, build_fix_plan

MODULES_FIX = "kvm-modules"
DEVICE_FIX = "kvm-device-access"
SERVICES_FIX = "restart-services"


@dataclass(frozen=True)
class Fix:
    """One fix the operator can apply: the plan (diff with reasons, actions) and the findings it answers."""

    id: str  # a lint finding's id, or kvm-modules, kvm-device-access, restart-nova-compute, restart-services
    title: str
    finding_ids: tuple[str, ...]
    urgent: bool  # it answers a failed finding: part of "apply the fixes" unless fixes are chosen
    recipe: FixRecipe
    plan: Plan


@dataclass(frozen=True)
class RescueReport:
    facts: HostFacts
    root: Path
    diagnosis: Diagnosis
    fixes: tuple[Fix, ...]
    problems: tuple[str, ...]  # fixes that could not be offered, and why
    seconds: float

    @property
    def verdict(self) -> Verdict:
        return self.diagnosis.verdict

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.diagnosis.findings

    @property
    def urgent_fixes(self) -> tuple[Fix, ...]:
        return tuple(fix for fix in self.fixes if fix.urgent)

    def fix(self, fix_id: str) -> Fix | None:
        return next((fix for fix in self.fixes if fix.id == fix_id), None)

    def fix_for(self, finding_id: str) -> Fix | None:
        """The fix that answers a finding, if kvm-wizard has one."""
        return next((fix for fix in self.fixes if finding_id in fix.finding_ids), None)

    def plan(self, fix_ids: Sequence[str] | None = None) -> Plan:
        """One plan for the chosen fixes (default: the urgent ones), planned again against the files now.

        Raises KeyError for an unknown fix id and PlanningError when the files changed so that the fixes
        no longer apply cleanly.
        """
        chosen = self.urgent_fixes if fix_ids is None else tuple(self._known(fix_id) for fix_id in fix_ids)
        profile = HostProfile.from_facts(self.facts)
        recipes = [fix.recipe for fix in self.fixes if fix in chosen]  # in the report's order
        built = build_fix_plan(recipes, self.facts, profile, self.root)
        resolved = [fix.id for fix in chosen if fix.recipe.edits and fix.id not in built.left_out]
        problem = _verify(built.plan, resolved, profile, self.root)
        if problem is not None:
            raise PlanningError(problem)
        return built.plan

    def _known(self, fix_id: str) -> Fix:
        fix = self.fix(fix_id)
        if fix is None:
            raise KeyError(fix_id)
        return fix


def _chains(profile: HostProfile) -> tuple[ConfigChain, ...]:
    return (profile.nova_chain, profile.glance_chain)


def review_files(
    root: Path, profile: HostProfile, after: Mapping[str, bytes | None] | None = None
) -> ConfigReview:
    """Lint of every file nova-compute and glance-api read, as they are under the root now (``after``: the
    files a plan would write instead)."""
    changed = after or {}

    def read(path: str) -> tuple[str | None, str | None]:
        try:
            data = changed[path] if path in changed else read_current(root, path).data
        except PlanningError as error:
            return None, str(error)
        return (decode(data) if data is not None else None), None

    return review_chains(_chains(profile), read, lint_host(profile))


def build_report(
    facts: HostFacts, root: Path, *, progress: Callable[[str], None] | None = None
) -> RescueReport:
    """Diagnose, lint the files under ``root`` and plan every fix; reads only, writes nothing."""
    started = time.perf_counter()
    say = progress or (lambda _text: None)
    profile = HostProfile.from_facts(facts)
    say("Checking the files nova-compute and glance-api read")
    review = review_files(root, profile)
    say("Diagnosing the host")
    diagnosis = diagnose_profile(profile, config=review)
    candidates = _system_fixes(diagnosis, profile) + _config_fixes(diagnosis, review)
    fixes: list[Fix] = []
    problems: list[str] = []
    for fix_id, title, finding_ids, recipe in candidates:
        say(f"Planning: {title}")
        urgent = any(
            finding.status is Status.FAIL for finding in diagnosis.findings if finding.id in finding_ids
        )
        try:
            plan = build_fix_plan([recipe], facts, profile, root).plan
            problem = _verify(plan, [fix_id] if recipe.edits else [], profile, root)
        except PlanningError as error:
            problem = str(error)
        if problem is not None:
            problems.append(f"{title}: not offered, {problem}")
        elif not plan.empty:
            fixes.append(Fix(fix_id, title, finding_ids, urgent, recipe, plan))
    return RescueReport(
        facts, root, diagnosis, tuple(fixes), tuple(problems), round(time.perf_counter() - started, 4)
    )


Candidate = tuple[str, str, tuple[str, ...], FixRecipe]


def _answering(diagnosis: Diagnosis, plan_fixes: Set[str]) -> tuple[str, ...]:
    return tuple(
        finding.id
        for finding in diagnosis.findings
        if finding.remedy is not None and finding.remedy.plan_fix in plan_fixes
    )


def _system_fixes(diagnosis: Diagnosis, profile: HostProfile) -> list[Candidate]:
    found: list[Candidate] = []
    hvm = diagnosis.finding("nova-log-kvm-unavailable")
    hvm_now = hvm is not None and hvm.status in {Status.FAIL, Status.WARN}  # logged since the last start
    modules = _answering(diagnosis, KVM_MODULE_FIXES)
    # modprobe fails while the firmware or the CPU withholds VT, and a failed action rolls the fix back.
    if modules and build_context(profile).vt in {VtState.PRESENT, VtState.UNKNOWN}:
        recipe = FixRecipe(MODULES_FIX, load_modules=True, restart_libvirt=hvm_now)
        found.append((MODULES_FIX, "Load the KVM modules now and at every boot", modules, recipe))
    elif hvm is not None and hvm.status is Status.WARN:
        # KVM works now, but libvirt and nova-compute still believe what they saw when they started.
        recipe = FixRecipe(SERVICES_FIX, restart_libvirt=True, restart_nova=True)
        found.append((SERVICES_FIX, "Restart nova-compute so that it sees KVM", (hvm.id,), recipe))
    device = _answering(diagnosis, KVM_DEVICE_FIXES)
    if device:
        recipe = FixRecipe(DEVICE_FIX, device_access=True)
        found.append((DEVICE_FIX, "Let QEMU and nova open /dev/kvm (group kvm, mode 0660)", device, recipe))
    restart = _answering(diagnosis, {RESTART_FIX})
    if restart:
        recipe = FixRecipe(RESTART_FIX, restart_nova=True)
        found.append(
            (RESTART_FIX, "Restart nova-compute so that it reads its corrected files", restart, recipe)
        )
    return found


def _edit_words(edit: IniEdit) -> str:
    if edit.kind == "set":
        return f"{edit.key} = {edit.value}"
    if edit.kind == "set-list":
        return f"{edit.key} = {','.join(edit.items)}"
    if edit.kind == "unset":
        return f"remove {edit.key}"
    return f"{edit.key} becomes [{edit.to_section}] {edit.to_key}"


def fix_title(issue: LintIssue) -> str:
    where = f"{issue.name} line {issue.line}" if issue.line is not None else issue.name
    return f"{where}: " + "; ".join(_edit_words(edit) for edit in issue.repair)


def _config_fixes(diagnosis: Diagnosis, review: ConfigReview) -> list[Candidate]:
    found: list[Candidate] = []
    for finding in diagnosis.findings:
        issue = review.issue(finding.id)
        if issue is None or not issue.repair:
            continue
        answered = (issue.id, *(item for item in _answering(diagnosis, {issue.id}) if item != issue.id))
        found.append((issue.id, fix_title(issue), answered, FixRecipe(issue.id, edits=issue.repair)))
    return found


def _verify(plan: Plan, resolved: Sequence[str], profile: HostProfile, root: Path) -> str | None:
    """Why the planned files are not better than the current ones (None: they are)."""
    if not resolved:
        return None
    after: dict[str, bytes | None] = {edit.path: edit.after for edit in plan.edits}
    before, review = review_files(root, profile), review_files(root, profile, after)
    left = [issue_id for issue_id in resolved if review.issue(issue_id) is not None]
    if left:
        return f"the planned file still has {', '.join(left)}"
    errors_before = sum(issue.severity == "error" for issue in before.issues)
    added = [
        issue.id for issue in review.issues if issue.severity == "error" and before.issue(issue.id) is None
    ]
    if sum(issue.severity == "error" for issue in review.issues) > errors_before:
        return f"the planned file would have a new error ({', '.join(added)})"
    return None


def explain_fix(plan: Plan, *, live: bool) -> list[DiffLine]:
    """The preview of a fix (or of several): the explained diff (masked), then the actions."""
    return explain_plan(plan, live=live)


def report_to_json(report: RescueReport, *, live: bool) -> dict[str, Any]:
    """The `kvm-wizard rescue --report --json` document: check's diagnosis plus the fixes (schema 1)::

    {"schema": 1, "verdict": {...}, "findings": [...], "facts_source": str,   # as kvm-wizard check --json
     "root": str, "fixes": [{"id": str, "title": str, "findings": [str], "urgent": bool,
     "diff": [str], "actions": [str], "notes": [str]}], "problems": [str], "seconds": float}

    Diffs are explained and masked exactly as the preview shows them.
    """
    document = diagnosis_to_json(report.diagnosis, report.facts.source)
    document["root"] = str(report.root)
    document["fixes"] = [
        {
            "id": fix.id,
            "title": fix.title,
            "findings": list(fix.finding_ids),
            "urgent": fix.urgent,
            "diff": [line.plain() for line in explain_fix(fix.plan, live=live)],
            "actions": [action.title for action in fix.plan.actions],
            "notes": list(fix.plan.notes),
        }
        for fix in report.fixes
    ]
    document["problems"] = list(report.problems)
    document["seconds"] = report.seconds
    return document
