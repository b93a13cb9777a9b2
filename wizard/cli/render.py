"""Human output of headless commands, rendered with rich: words for every status, colour only as an extra."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from wizard.host.findings import Diagnosis, Finding, Remedy, Status, VerdictCode

if TYPE_CHECKING:
    from wizard.rescue.report import RescueReport

STATUS_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.INFO: "cyan",
    Status.UNKNOWN: "magenta",
}
VERDICT_STYLE = {
    VerdictCode.READY: "bold green",
    VerdictCode.FIXABLE: "bold yellow",
    VerdictCode.LIMITED: "bold yellow",
    VerdictCode.DISABLED_IN_FIRMWARE: "bold red",
    VerdictCode.UNSUPPORTED: "bold red",
}


def make_console(stream: TextIO, *, color: bool, width: int | None = None) -> Console:
    return Console(
        file=stream,
        width=width,
        color_system="auto" if color else None,
        force_terminal=color or None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
    )


def _finding_cell(finding: Finding) -> Text:
    cell = Text()
    cell.append(finding.title, style="bold" if finding.status in {Status.FAIL, Status.WARN} else "")
    cell.append(f" [{finding.id}]", style="dim")
    for item in finding.evidence:
        cell.append(f"\n{item.source}: ", style="dim")
        cell.append(item.observed)
    if finding.detail and finding.status in {Status.FAIL, Status.WARN, Status.UNKNOWN}:
        cell.append(f"\n{finding.detail}", style="italic")
    return cell


def findings_table(diagnosis: Diagnosis) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("Status", no_wrap=True, width=7)
    table.add_column("Finding", ratio=1, overflow="fold")
    for finding in diagnosis.findings:
        status = Text(finding.status.upper(), style=STATUS_STYLE[finding.status])
        table.add_row(status, _finding_cell(finding))
    return table


def remedies_table(diagnosis: Diagnosis) -> Table | None:
    """What to do, in the findings' order: problems first, then optional improvements."""
    urgent = [
        item for item in diagnosis.findings if item.remedy and item.status in {Status.FAIL, Status.WARN}
    ]
    optional = [
        item for item in diagnosis.findings if item.remedy and item.status not in {Status.FAIL, Status.WARN}
    ]
    if not urgent and not optional:
        return None
    # One remedy can answer several findings (the firmware setting explains a hidden flag too): once.
    grouped: dict[Remedy, list[Finding]] = {}
    for finding in [*urgent, *optional]:
        if finding.remedy is not None:
            grouped.setdefault(finding.remedy, []).append(finding)
    table = Table.grid(padding=(0, 1, 1, 0), expand=True)
    table.add_column(no_wrap=True, justify="right")
    table.add_column(ratio=1, overflow="fold")
    for number, (remedy, findings) in enumerate(grouped.items(), start=1):
        ids = ", ".join(item.id for item in findings)
        block = Text()
        block.append(remedy.summary, style="bold")
        block.append(f" [{ids}]" + ("" if findings[0] in urgent else " (optional)"), style="dim")
        for command in remedy.commands:
            block.append("\n$ ", style="dim")
            block.append(command, style="bold cyan")
        for setting in remedy.settings:
            block.append("\nsetting: ", style="dim")
            block.append(setting)
        if remedy.why:
            block.append(f"\nwhy: {remedy.why}", style="italic")
        table.add_row(Text(f"{number}.", style="bold"), block)
    return table


# Trailing blanks rich pads lines with (possibly followed by a style reset): noise when copied or diffed.
_TRAILING_BLANKS = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def render_diagnosis(
    diagnosis: Diagnosis, facts_source: str, stream: TextIO, *, color: bool, width: int | None = None
) -> None:
    """The verdict, the findings table and what to do, readable at 80 columns."""
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns if stream.isatty() else 80
    buffer = io.StringIO()
    console = make_console(buffer, color=color, width=width)
    verdict = diagnosis.verdict
    heading = Text("Verdict: ", style="bold")
    heading.append(verdict.code.upper(), style=VERDICT_STYLE[verdict.code])
    heading.append(f"   (facts: {facts_source})", style="dim")
    console.print(heading)
    console.print(Padding(Text(verdict.summary), (0, 0, 1, 2)))
    console.print(findings_table(diagnosis))
    todo = remedies_table(diagnosis)
    if todo is not None:
        console.print()
        console.print(Text("What to do", style="bold underline"))
        console.print(todo)
    stream.write(_TRAILING_BLANKS.sub(r"\1", buffer.getvalue()))


def render_rescue(report: RescueReport, stream: TextIO, *, color: bool, width: int | None = None) -> None:
    """The rescue report: verdict, the problems (config problems with their lines), the fixes on offer."""
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns if stream.isatty() else 80
    buffer = io.StringIO()
    console = make_console(buffer, color=color, width=width)
    diagnosis = report.diagnosis
    verdict = diagnosis.verdict
    heading = Text("Verdict: ", style="bold")
    heading.append(verdict.code.upper(), style=VERDICT_STYLE[verdict.code])
    heading.append(f"   (facts: {report.facts.source}; files under {report.root})", style="dim")
    console.print(heading)
    console.print(Padding(Text(verdict.summary), (0, 0, 1, 2)))
    problems = tuple(item for item in diagnosis.findings if item.status in {Status.FAIL, Status.WARN})
    if problems:
        console.print(Text(f"Problems ({len(problems)})", style="bold underline"))
        console.print(findings_table(dataclasses.replace(diagnosis, findings=problems)))
    else:
        console.print(Text("No problem found; `kvm-wizard check` lists every finding.", style="bold"))
    if report.fixes:
        console.print()
        console.print(Text("Fixes kvm-wizard can apply", style="bold underline"))
        console.print(_fixes_table(report))
    manual = [item for item in problems if report.fix_for(item.id) is None and item.remedy is not None]
    if manual:
        console.print()
        console.print(
            Text("Not fixed automatically (what to do is in `kvm-wizard check`)", style="bold underline")
        )
        for finding in manual:
            line = Text("- ")
            line.append(finding.remedy.summary if finding.remedy else "")
            line.append(f" [{finding.id}]", style="dim")
            console.print(line)
    for problem in report.problems:
        console.print(Text(f"Note: {problem}", style="italic"))
    stream.write(_TRAILING_BLANKS.sub(r"\1", buffer.getvalue()))


def _fixes_table(report: RescueReport) -> Table:
    table = Table.grid(padding=(0, 1, 1, 0), expand=True)
    table.add_column(no_wrap=True, justify="right")
    table.add_column(ratio=1, overflow="fold")
    ordered = [*report.urgent_fixes, *(fix for fix in report.fixes if not fix.urgent)]
    for number, fix in enumerate(ordered, start=1):
        block = Text()
        block.append(fix.title, style="bold")
        block.append("" if fix.urgent else " (optional)", style="dim")
        block.append(f"\n--fix {fix.id}", style="cyan")
        block.append(f"\nresolves: {', '.join(fix.finding_ids)}", style="dim")
        edits = len(fix.plan.edits)
        actions = len(fix.plan.actions)
        block.append(f"\n{edits} file change(s), {actions} action(s)", style="dim")
        table.add_row(Text(f"{number}.", style="bold"), block)
    urgent = len(report.urgent_fixes)
    footer = Text(
        f"kvm-wizard rescue --apply-fixes previews and applies the {urgent} fix(es) not marked optional; "
        "--fix ID (repeatable, or --fix all) chooses.",
        style="italic",
    )
    table.add_row(Text(""), footer)
    return table
