"""Troubleshoot's text: fix lines, findings in reading order, the files linted again, the fixes' preview."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from screens.widgets.diff_view import render_lines
from screens.widgets.text import Cropped, line

if TYPE_CHECKING:
    from wizard.apply.transaction import ApplyPreview
    from wizard.diagnosis.findings import Finding
    from wizard.host.facts import HostFacts
    from wizard.lint.issues import LintIssue
    from wizard.plan.explain import DiffLine
    from wizard.plan.model import Plan
    from wizard.rescue.report import Fix, RescueReport

PROBLEMS = ("fail", "warn", "unknown")


def problems_first(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Failures, warnings and unknowns first, each group in the diagnosis' order: at 80x24 the list shows a
    few lines, and a long run of [PASS] would hide what is wrong."""
    return tuple(sorted(findings, key=lambda finding: finding.status.value not in PROBLEMS))


def fix_line(fix: Fix, ticked: bool) -> Cropped:
    """ "[X] nova.conf line 30: images_type = qcow2", with "(optional)" where no [FAIL] needs it (as the CLI);
    cut at the list's edge with a mark (the detail has the whole title)."""
    text = Text()
    text.append("[X] " if ticked else "[ ] ", style="bold")
    text.append(fix.title)
    if not fix.urgent:
        text.append(" (optional)", style="italic")
    return Cropped(text)


def recheck_text(root: Path, facts: HostFacts, generation: int) -> Text:
    """The files nova-compute and glance-api read, linted again as they are now, after the apply of ``generation``."""
    from wizard.host.profile import HostProfile
    from wizard.rescue.report import review_files

    review = review_files(root, HostProfile.from_facts(facts))
    parts: list[Text] = []
    for file in review.files:
        if not file.present:
            continue
        if file.error is not None:
            parts.append(line("fail", f"{file.name} cannot be checked: {file.error}."))
            continue
        issues = list(review.issues_in(file.path))
        errors = [issue for issue in issues if issue.severity == "error"]
        warnings = [issue for issue in issues if issue.severity == "warning"]
        if errors:
            parts.append(line("fail", f"{file.name}: {len(errors)} error(s) left (lines {_lines(errors)})."))
        elif warnings:
            parts.append(
                line(
                    "pass",
                    f"{file.name}: no error left; {len(warnings)} warning(s) (lines {_lines(warnings)}).",
                )
            )
        else:
            parts.append(line("pass", f"{file.name} follows the option rules."))
    text = Text(f"Checked again after generation {generation}: ", style="bold")
    text.append_text(Text(" ").join(parts) if parts else Text("no nova.conf or glance-api.conf here."))
    return text


def _lines(issues: list[LintIssue]) -> str:
    numbers = sorted({issue.line for issue in issues if issue.line is not None})
    return ", ".join(str(number) for number in numbers) or "-"


def preview_text(
    report: RescueReport,
    chosen: list[str],
    plan: Plan,
    *,
    lines: list[DiffLine],
    preview: ApplyPreview,
    confirm_timeout: float | None,
) -> tuple[Text, Text]:
    """The preview's summary (what the apply will do, or what stops it) and its body: the fixes, the explained
    diff (reasons under each line, secrets masked), the actions left for the target, the notes."""
    if preview.problems:
        summary = line(
            "fail", f"The apply would be refused: {'; '.join(preview.problems)}. Nothing is changed."
        )
    elif plan.empty:
        summary = line("pass", "Nothing to change: the files already say what these fixes would write.")
    else:
        irreversible = len(preview.irreversible)
        summary = line(
            "pass",
            f"{len(chosen)} fix(es) as one transaction: {len(plan.edits)} file(s) change, "
            f"{len(plan.actions) - len(preview.remaining)} action(s) run"
            + (f" ({irreversible} cannot be undone)" if irreversible else "")
            + (f", {len(preview.remaining)} left for the target." if preview.remaining else "."),
        )
        summary.append(" F10 applies them, a snapshot first")
        if confirm_timeout is not None:
            summary.append(f"; then you have {confirm_timeout:.0f} s to confirm, or it is all reverted")
        summary.append(". Esc goes back.")
    body = Text("The fixes\n", style="bold")
    for fix_id in chosen:
        fix = report.fix(fix_id)
        if fix is not None:
            body.append(f"  - {fix.title}\n")
    body.append_text(render_lines(lines))
    if preview.remaining:
        body.append("\nNot run under this root (left to do on the target):\n", style="bold")
        for action in preview.remaining:
            body.append(f"  - {action.title}\n")
    notes = [*plan.notes, *preview.notes]
    if notes:
        body.append("\nNotes\n", style="bold")
        for note in notes:
            body.append(f"  - {note}\n")
    for problem in preview.problems:
        body.append_text(line("fail", problem))
        body.append("\n")
    return summary, body
