"""Findings as both views show them: one line each (status word, the mark of the fix that answers it, title),
and a finding's detail (what was seen, where, what to do and why, the fix's state).

The fixes are the setup plan's (Host check: an answer adds them to the plan) or the rescue report's
(Troubleshoot); each view says which through the marks and notes below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from screens.steps.said import Said, said

if TYPE_CHECKING:
    from wizard.diagnosis.findings import Finding
    from wizard.rescue.report import Fix

PROBLEMS = ("fail", "warn", "unknown")


def problems_first(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Failures, warnings and unknowns first, each group in the diagnosis' order: a long run of [PASS] would
    hide what is wrong."""
    return tuple(sorted(findings, key=lambda finding: finding.status.value not in PROBLEMS))


def plan_fix(finding: Finding) -> str | None:
    """The setup plan's fix for a finding (an answer that makes the plan include it), if it has one."""
    remedy = finding.remedy
    return remedy.plan_fix if remedy is not None else None


# -- the setup plan's fixes (Host check) ----------------------------------------------------------------------
def setup_can_toggle(finding: Finding) -> bool:
    """Whether the operator ticks or unticks this finding's fix (an answer adds it to the plan)."""
    from wizard.plan.fixes import FIX_ANSWERS  # lazy: the engine is not imported before the first frame

    return finding.status.value != "pass" and plan_fix(finding) in FIX_ANSWERS


def setup_fix_mark(finding: Finding, chosen: set[str] | frozenset[str]) -> str:
    """The mark on the finding's line for the setup plan's fix that answers it ("" for none)."""
    from wizard.plan.fixes import AUTOMATIC_FIXES, FIX_ANSWERS  # lazy: not before the first frame

    fix = plan_fix(finding)
    if fix is None or finding.status.value == "pass":
        return ""
    if fix in FIX_ANSWERS:
        return "[fix: X]" if fix in chosen else "[fix:  ]"
    if fix in AUTOMATIC_FIXES and fix in chosen:
        return "[fix: in plan]"
    return ""


def setup_fix_note(finding: Finding, chosen: set[str] | frozenset[str], how: str) -> Said | None:
    """The detail's last line, on the setup plan's fix that answers the finding; ``how`` says how to tick it
    in the view ("space adds or removes it")."""
    from wizard.plan.fixes import AUTOMATIC_FIXES, FIX_ANSWERS  # lazy: not before the first frame

    fix = plan_fix(finding)
    if finding.status.value == "pass":
        return None
    if fix in FIX_ANSWERS:
        state = "added to the plan" if fix in chosen else "not in the plan"
        return Said(f"Fix {fix}: {state} ({how})", tone="strong")
    if fix in AUTOMATIC_FIXES and fix in chosen:
        return Said(f"Fix {fix}: the plan includes it (virt_type kvm)", tone="strong")
    return None


# -- the rescue report's fixes (Troubleshoot) -----------------------------------------------------------------
def rescue_fix_mark(finding: Finding, fix: Fix | None, chosen: set[str] | frozenset[str]) -> str:
    if finding.status.value == "pass":
        return ""
    if fix is not None:
        return "[fix: X]" if fix.id in chosen else "[fix:  ]"
    if finding.status.value in ("fail", "warn") and finding.remedy is not None:
        return "[by hand]"
    return ""


def rescue_fix_note(
    finding: Finding, fix: Fix | None, chosen: set[str] | frozenset[str], how: str
) -> Said | None:
    if finding.status.value == "pass":
        return None
    if fix is None:
        if finding.remedy is None:
            return None
        return Said("kvm-wizard has no fix for this: what to do is yours (above).", tone="strong")
    state = "ticked" if fix.id in chosen else "not ticked"
    return Said(f"Fix ({state}; {how}): {fix.title}", tone="strong")


# -- one finding ----------------------------------------------------------------------------------------------
def row(finding: Finding, mark: str) -> Said:
    """The finding's line: the mark right after the status word (the end of a long title may be cut)."""
    return said(finding.status.value, f"{mark} {finding.title}" if mark else finding.title)


def detail(finding: Finding, note: Said | None) -> list[Said]:
    """The finding whole: its title, what it means, the evidence, what to do and why, and the fix's note."""
    out = [Said(finding.title, finding.status.value, tone="strong")]
    if finding.detail:
        out.append(Said(finding.detail))
    out += [Said(f"{evidence.source}: {evidence.observed}", indent=2) for evidence in finding.evidence]
    remedy = finding.remedy
    if remedy is not None:
        out.append(Said(f"What to do: {remedy.summary}"))
        out += [Said(f"$ {command}", indent=2) for command in remedy.commands]
        out += [Said(setting, indent=2) for setting in remedy.settings]
        if remedy.why:
            out.append(Said(f"Why: {remedy.why}"))
    if note is not None:
        out.append(note)
    return out
