"""Human output of a plan: the explained diff, actions, warnings and problems, coloured only on a terminal."""

from __future__ import annotations

from typing import TextIO

from wizard.plan.explain import DiffLine, LineKind, explain_plan
from wizard.plan.planner import PlanOutcome
from wizard.tpm.guests import command_lines

STYLES = {
    LineKind.FILE: "bold underline",
    LineKind.SECTION: "bold magenta",
    LineKind.HUNK: "cyan",
    LineKind.CONTEXT: "",
    LineKind.REMOVED: "red",
    LineKind.ADDED: "green",
    LineKind.REASON: "yellow",
    LineKind.NOTE: "",
}


def render_lines(lines: list[DiffLine], stream: TextIO, *, color: bool) -> None:
    if not color:
        for line in lines:
            stream.write(line.plain() + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, force_terminal=True, highlight=False, soft_wrap=True)
    for line in lines:
        if line.kind is LineKind.FILE:
            console.print()
        console.print(Text(line.plain(), style=STYLES[line.kind]))


def summary_block(outcome: PlanOutcome) -> list[DiffLine]:
    """The change of course, choice by choice, before anything else."""
    changes = outcome.summary()
    if not changes:
        return []
    lines = [DiffLine(LineKind.FILE, "What changes (before -> after)")]
    lines += [DiffLine(LineKind.NOTE, f"  {change.line()}") for change in changes]
    return lines


def render_outcome(outcome: PlanOutcome, stream: TextIO, *, color: bool, live: bool) -> None:
    out: list[DiffLine] = summary_block(outcome)
    if outcome.problems:
        out.append(DiffLine(LineKind.FILE, f"The plan has {len(outcome.problems)} problem(s) on this host:"))
        out.extend(DiffLine(LineKind.NOTE, f"  - {problem}") for problem in outcome.problems)
    warnings = [str(warning) for warning in outcome.validation.warnings]
    warnings += [f"{item.message}; fix: {item.fix}" for item in outcome.rule_warnings]
    if warnings:
        out.append(DiffLine(LineKind.FILE, "Warnings"))
        out.extend(DiffLine(LineKind.NOTE, f"  - {warning}") for warning in warnings)
    plan = outcome.plan
    if plan is not None and not outcome.problems:
        if plan.empty:
            out.append(DiffLine(LineKind.FILE, "Nothing to change: the host already matches the answers."))
        else:
            out.extend(explain_plan(plan, live=live))
        if plan.notes:
            out.append(DiffLine(LineKind.FILE, "Notes"))
            out.extend(DiffLine(LineKind.NOTE, f"  - {note}") for note in plan.notes)
        out.extend(image_command_lines(plan.image_commands))
    render_lines(out, stream, color=color)


def image_command_lines(commands: tuple[str, ...]) -> list[DiffLine]:
    """The image (or flavor) properties of guests that require TPM 2.0 and Secure Boot, one command a line."""
    if not commands:
        return []
    return [
        DiffLine(
            LineKind.FILE, "Guests that require TPM 2.0 and Secure Boot: set on their images (or flavors)"
        ),
        *(DiffLine(LineKind.NOTE, f"  {part}") for command in commands for part in command_lines(command)),
    ]
