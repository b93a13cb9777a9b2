"""Troubleshoot (rescue): the rescue report of this node (the verdict, findings with their fixes, known errors
in nova-compute's log), the fixes to tick, the files linted again after an apply, and the ticked fixes as one
plan previewed before it goes to the same apply and confirm-or-revert as the setup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.review import Shown, diff_lines
from screens.steps.said import VERDICT_WORDS, Said
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.apply.transaction import ApplyPreview
    from wizard.diagnosis.findings import Diagnosis
    from wizard.host.facts import HostFacts
    from wizard.lint.issues import LintIssue
    from wizard.plan.explain import DiffLine
    from wizard.plan.model import Plan
    from wizard.rescue.report import Fix, RescueReport


@dataclass(frozen=True)
class TroubleshootResult:
    source: HostSource  # the host, its files ready (a demo's copy is made)
    facts: HostFacts
    diagnosis: Diagnosis
    plan: Plan | None  # the chosen fixes to apply; None when the view was left without applying
    fixes: tuple[str, ...] = ()  # their ids, in the report's order: the generation's summary names them


@dataclass(frozen=True)
class Checked:
    """The rescue report of the host, and, after this session's apply, its files linted again."""

    source: HostSource
    report: RescueReport
    recheck: list[Said] | None


@dataclass(frozen=True)
class Previewed:
    """The ticked fixes as one plan, previewed; or why they could not be planned (plan None)."""

    plan: Plan | None
    fixes: tuple[str, ...]
    summary: Said
    body: list[Shown]
    can_apply: bool


def checking(source: HostSource) -> str:
    return f"Checking {source.describe()}..."


def make_report(source: HostSource, applied: int | None, progress: Callable[[str], None]) -> Checked:
    """The report (it only reads; a demo's copy is made first), with what it is doing told to ``progress``."""
    from wizard.rescue.report import build_report

    if not source.ready:
        progress("Copying the demo host's files")
        source = source.prepared()
    root = source.root or Path("/")
    progress("Reading the host's facts")
    facts = source.load_facts()
    report = build_report(facts, root, progress=progress)
    recheck = recheck_lines(root, facts, applied) if applied is not None else None
    return Checked(source, report, recheck)


def verdict(report: RescueReport) -> Said:
    code = report.verdict.code.value
    return Said(f"Verdict: {code}. {report.verdict.summary}", VERDICT_WORDS.get(code, "unknown"))


def fixes_offered(report: RescueReport) -> list[Fix]:
    """The fixes on offer, the urgent ones (answering a [FAIL]) first."""
    return sorted(report.fixes, key=lambda fix: not fix.urgent)


def ticked_after(report: RescueReport, chosen: set[str], offered: set[str]) -> set[str]:
    """The fixes ticked once a report is made: those still offered stay as they were; a new urgent one
    starts ticked. ``offered`` is every fix shown so far."""
    now = {fix.id for fix in report.fixes}
    urgent = {fix.id for fix in report.urgent_fixes}
    return (chosen & now) | (urgent - offered)


def fix_line(fix: Fix, ticked: bool) -> str:
    """ "[X] nova.conf line 30: images_type = qcow2", with "(optional)" where no [FAIL] needs it (as the CLI)."""
    return ("[X] " if ticked else "[ ] ") + fix.title + ("" if fix.urgent else " (optional)")


def not_offered(report: RescueReport) -> list[Said]:
    out: list[Said] = []
    if not report.fixes:
        if any(finding.status.value == "fail" for finding in report.findings):
            out.append(Said("kvm-wizard has no fix for what fails here: see [by hand].", "warn"))
        else:
            out.append(Said("Nothing here for kvm-wizard to fix.", "pass"))
    out += [Said(problem, "skip") for problem in report.problems]
    return out


def recheck_lines(root: Path, facts: HostFacts, generation: int) -> list[Said]:
    """The files nova-compute and glance-api read, linted again as they are now, after the apply of
    ``generation``."""
    from wizard.host.profile import HostProfile  # lazy: the engine is not loaded before the first frame
    from wizard.rescue.report import review_files

    review = review_files(root, HostProfile.from_facts(facts))
    out = [Said(f"Checked again after generation {generation}:", tone="strong")]
    for file in review.files:
        if not file.present:
            continue
        if file.error is not None:
            out.append(Said(f"{file.name} cannot be checked: {file.error}.", "fail"))
            continue
        issues = list(review.issues_in(file.path))
        errors = [issue for issue in issues if issue.severity == "error"]
        warnings = [issue for issue in issues if issue.severity == "warning"]
        if errors:
            out.append(Said(f"{file.name}: {len(errors)} error(s) left (lines {_lines(errors)}).", "fail"))
        elif warnings:
            out.append(
                Said(
                    f"{file.name}: no error left; {len(warnings)} warning(s) (lines {_lines(warnings)}).",
                    "pass",
                )
            )
        else:
            out.append(Said(f"{file.name} follows the option rules.", "pass"))
    if len(out) == 1:
        out.append(Said("no nova.conf or glance-api.conf here."))
    return out


def _lines(issues: list[LintIssue]) -> str:
    numbers = sorted({issue.line for issue in issues if issue.line is not None})
    return ", ".join(str(number) for number in numbers) or "-"


def plan_fixes(
    report: RescueReport,
    chosen: list[str],
    root: Path,
    *,
    live: bool,
    confirm_timeout: float | None,
    apply_key: str,
    back_key: str,
) -> Previewed:
    """The ticked fixes planned again against the files as they are now, and previewed; ``apply_key`` and
    ``back_key`` say how the view goes on and back."""
    from wizard.apply.transaction import preview_apply
    from wizard.plan.current import PlanningError
    from wizard.rescue.report import explain_fix

    try:
        plan = report.plan(chosen)
    except (PlanningError, KeyError) as error:
        refused = Said(f"The fixes cannot be planned: {error}. r checks again.", "fail")
        return Previewed(None, (), refused, [], can_apply=False)
    lines = explain_fix(plan, live=live)
    preview = preview_apply(plan, root, confirm_timeout=confirm_timeout)
    summary = preview_summary(
        chosen, plan, preview, confirm_timeout=confirm_timeout, apply_key=apply_key, back_key=back_key
    )
    body = preview_body(report, chosen, plan, lines=lines, preview=preview)
    return Previewed(plan, tuple(chosen), summary, body, can_apply=not preview.problems and not plan.empty)


def preview_summary(
    chosen: list[str],
    plan: Plan,
    preview: ApplyPreview,
    *,
    confirm_timeout: float | None,
    apply_key: str,
    back_key: str,
) -> Said:
    """What the apply of the fixes will do, or what stops it."""
    if preview.problems:
        return Said(f"The apply would be refused: {'; '.join(preview.problems)}. Nothing is changed.", "fail")
    if plan.empty:
        return Said("Nothing to change: the files already say what these fixes would write.", "pass")
    irreversible = len(preview.irreversible)
    text = (
        f"{len(chosen)} fix(es) as one transaction: {len(plan.edits)} file(s) change, "
        f"{len(plan.actions) - len(preview.remaining)} action(s) run"
        + (f" ({irreversible} cannot be undone)" if irreversible else "")
        + (f", {len(preview.remaining)} left for the target." if preview.remaining else ".")
        + f" {apply_key} applies them, a snapshot first"
    )
    if confirm_timeout is not None:
        text += f"; then you have {confirm_timeout:.0f} s to confirm, or it is all reverted"
    return Said(text + f". {back_key} goes back.", "pass")


def preview_body(
    report: RescueReport, chosen: list[str], plan: Plan, *, lines: list[DiffLine], preview: ApplyPreview
) -> list[Shown]:
    """The fixes, the explained diff (reasons under each line, secrets masked), the actions left for the
    target, the notes, and what stops the apply."""
    body: list[Shown] = [Said("The fixes", tone="heading")]
    for fix_id in chosen:
        fix = report.fix(fix_id)
        if fix is not None:
            body.append(Said(f"- {fix.title}", indent=2))
    body += diff_lines(lines)
    if preview.remaining:
        body += [Said(""), Said("Not run under this root (left to do on the target):", tone="heading")]
        body += [Said(f"- {action.title}", indent=2) for action in preview.remaining]
    notes = [*plan.notes, *preview.notes]
    if notes:
        body += [Said(""), Said("Notes", tone="heading")]
        body += [Said(f"- {note}", indent=2) for note in notes]
    body += [Said(problem, "fail") for problem in preview.problems]
    return body
