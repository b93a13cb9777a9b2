"""Review: the answers checked against this host and the plan made from them; each choice before -> after,
every file's explained diff (reasons under each line, secrets masked), the actions, what stops the plan (each
problem with the step that solves it), and the answers file that will be saved. Then the question before the
apply: what cannot be undone and what restarts, in the engine's words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from screens.steps.said import Said

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.apply.transaction import ApplyPreview
    from wizard.host.facts import HostFacts
    from wizard.plan.explain import DiffLine
    from wizard.plan.planner import PlanOutcome

Shown: TypeAlias = (
    "Said | DiffLine"  # a line of the Review's body: a step's own, or one of the engine's explained diff
)
MAKING = "Checking the answers against this host and making the plan..."


@dataclass(frozen=True)
class Made:
    """The plan for the answers (or its refusal), previewed, in the engine's words."""

    outcome: PlanOutcome
    lines: list[DiffLine]
    preview: ApplyPreview | None
    answers: str  # the answers file that will be saved, secrets masked
    summary: list[str]  # each choice before -> after
    consent: list[str]  # what the apply cannot undo and what it restarts


@dataclass(frozen=True)
class Problem:
    text: str
    step: str  # the step (its value) that solves it


def make(
    facts: HostFacts, answers: Answers, root: Path, *, live: bool, confirm_timeout: float | None
) -> Made:
    """Validate, plan and preview (a worker's or the line mode's wait: it reads every file nova reads)."""
    from wizard.answers import dumps_answers
    from wizard.apply.log import mask
    from wizard.apply.transaction import preview_apply
    from wizard.plan.explain import explain_plan
    from wizard.plan.planner import make_plan
    from wizard.plan.summary import consent_lines

    outcome = make_plan(facts, answers, root)
    plan = outcome.plan
    lines = explain_plan(plan, live=live) if plan is not None else []
    preview = preview_apply(plan, root, confirm_timeout=confirm_timeout) if plan else None
    summary = [change.line() for change in outcome.summary()]
    consent = consent_lines(plan, live=live) if plan is not None else []
    saved = outcome.answers or answers
    return Made(outcome, lines, preview, mask(dumps_answers(saved)), summary, consent)


def problems(
    made: Made, left_invalid: Sequence[tuple[str, str, str]], step_of_section: Callable[[str], str]
) -> list[Problem]:
    """What stops the plan, each with the step that solves it: fields left not valid (step, label, problem),
    the answers' problems, and what the apply's preview refuses."""
    found = [Problem(f"{label}: {problem} (not taken)", step) for step, label, problem in left_invalid]
    found += [
        Problem(f"{item.path or 'plan'}: {item.message}", step_of_section(item.path.split(".", 1)[0]))
        for item in made.outcome.problems
    ]
    found += [
        Problem(f"apply: {item}", step_of_section(""))
        for item in (made.preview.problems if made.preview else ())
    ]
    return found


def can_apply(made: Made, left_invalid: Sequence[object]) -> bool:
    outcome = made.outcome
    return not (
        left_invalid
        or not outcome.ok
        or outcome.plan is None
        or (made.preview is not None and made.preview.problems)
    )


def verdict(made: Made, problems: int, *, live: bool, confirm_timeout: float | None, to_step: str) -> Said:
    """The line above everything: what stops the plan, or what it does; ``to_step`` says how the view goes to a
    problem's step."""
    plan = made.outcome.plan
    if problems or plan is None:
        return Said(f"{problems} problem(s) stop the plan; nothing will be changed. {to_step}", "fail")
    if plan.empty:
        return Said("Nothing to change: the files already say what your answers ask.", "pass")
    irreversible = len(plan.irreversible_here(live=live))
    text = f"The answers are valid here. {len(plan.edits)} file(s) change, {len(plan.actions)} action(s)" + (
        f", {irreversible} cannot be undone." if irreversible else "."
    )
    if confirm_timeout is None:
        text += " It is kept as soon as it is applied (--no-confirm): nothing asks to confirm it."
    else:
        text += f" After applying you have {confirm_timeout:.0f} s to confirm; otherwise it is all reverted."
    return Said(text, "pass")


def diff_lines(lines: Sequence[DiffLine]) -> list[Shown]:
    """The engine's explained diff as it is, a blank line before each file."""
    out: list[Shown] = []
    for item in lines:
        if item.kind.value == "file":
            out.append(Said(""))
        out.append(item)
    return out


def answers_path(root: Path) -> str:
    return "/var/lib/kvm-wizard/answers.toml" + ("" if root == Path("/") else f" under {root}")


def details(made: Made, root: Path) -> list[Shown]:
    """The Review's body: what changes, the warnings, the diff, the work left for the target, the notes, and
    the answers file that will be saved."""
    outcome = made.outcome
    out: list[Shown] = []
    if made.summary:
        out.append(Said("What changes (before -> after)", tone="heading"))
        for entry in made.summary:
            unchanged = entry.split(": ", 1)[-1].startswith("unchanged")
            out.append(Said(entry, indent=2, tone="" if unchanged else "strong"))
        out.append(Said(""))
    out += [Said(f"{warning.path}: {warning.message}", "warn") for warning in outcome.validation.warnings]
    out += [Said(f"{violation.message}; fix: {violation.fix}", "warn") for violation in outcome.rule_warnings]
    out += diff_lines(made.lines)
    preview = made.preview
    notes = [*(outcome.plan.notes if outcome.plan else ()), *(preview.notes if preview else ())]
    if preview is not None and preview.remaining:
        out += [Said(""), Said("Not run under this root (left to do on the target):", tone="heading")]
        out += [Said(f"- {action.title}", indent=2) for action in preview.remaining]
    if notes:
        out += [Said(""), Said("Notes", tone="heading")]
        out += [Said(f"- {note}", indent=2) for note in notes]
    out += [
        Said(""),
        Said(f"The answers saved in {answers_path(root)} when the apply succeeds:", tone="heading"),
    ]
    out += [Said(line) for line in made.answers.splitlines()]
    return out


def question(made: Made, confirm_timeout: float | None) -> tuple[str, list[str]]:
    """The question before the apply, and what it asks about: what cannot be undone, what restarts."""
    plan = made.outcome.plan
    assert plan is not None  # noqa: S101 - asked only about a plan to apply
    title = f"Apply {len(plan.edits)} file change(s) and {len(plan.actions)} action(s) to this host?"
    lines = list(made.consent)
    if confirm_timeout is not None:
        lines.append(f"Then {confirm_timeout:.0f} s to confirm it; otherwise everything is reverted.")
    return title, lines
