"""Human output of the headless reports (`check`, `rescue --report`): words for every status, colour only as an
extra, readable at 80 columns. Plain text (wizard.cli.plain) rather than rich: `check` starts fast."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, TextIO

from wizard.cli.plain import Block, Span, hanging, paint
from wizard.diagnosis.findings import Diagnosis, Finding, Remedy, Status, VerdictCode

# Engine types for the type checker: a command imports the engine only when it runs.
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
    VerdictCode.UNKNOWN: "bold magenta",
}
STATUS_WIDTH = 7  # the widest status word, UNKNOWN
STATUS_GAP = 3


class Report:
    """Lines of a report being written, at one width, with or without colour."""

    def __init__(self, width: int, *, color: bool) -> None:
        self.width = width
        self.color = color
        self.lines: list[str] = []

    def block(self, block: Block, indent: int = 0) -> None:
        self.lines.extend(
            (" " * indent + line) if line else ""
            for line in block.lines(self.width - indent, color=self.color)
        )

    def title(self, text: str) -> None:
        self.block(Block.of(text, "bold underline"))

    def blank(self) -> None:
        self.lines.append("")

    def write(self, stream: TextIO) -> None:
        stream.write("".join(line.rstrip(" ") + "\n" for line in self.lines))


def _width(stream: TextIO, width: int | None) -> int:
    if width is not None:
        return width
    return shutil.get_terminal_size((80, 24)).columns if stream.isatty() else 80


def _finding_block(finding: Finding) -> Block:
    block = Block.of(finding.title, "bold" if finding.status in {Status.FAIL, Status.WARN} else "")
    block.add(f" [{finding.id}]", "dim")
    for item in finding.evidence:
        block.add(f"\n{item.source}: ", "dim").add(item.observed)
    if finding.detail and finding.status in {Status.FAIL, Status.WARN, Status.UNKNOWN}:
        block.add(f"\n{finding.detail}", "italic")
    return block


def findings_table(report: Report, findings: tuple[Finding, ...]) -> None:
    """Status and finding side by side under a header and a rule, as the wizard's Host check shows them."""
    color = report.color
    gap = " " * (STATUS_WIDTH - len("Status") + STATUS_GAP)
    report.lines.append(paint("Status", "bold", color=color) + gap + paint("Finding", "bold", color=color))
    report.lines.append("─" * report.width)
    rows: list[tuple[Span, Block]] = [
        ((finding.status.upper(), STATUS_STYLE[finding.status]), _finding_block(finding))
        for finding in findings
    ]
    report.lines.extend(hanging(rows, report.width, color=color, label_width=STATUS_WIDTH, gap=STATUS_GAP))


def _numbered(report: Report, blocks: list[Block]) -> None:
    label_width = len(f"{len(blocks)}.")
    rows: list[tuple[Span, Block]] = [
        ((f"{number}.", "bold"), block) for number, block in enumerate(blocks, 1)
    ]
    report.lines.extend(
        hanging(rows, report.width, color=report.color, label_width=label_width, gap=1, right=True)
    )


def _remedy_blocks(diagnosis: Diagnosis) -> list[Block]:
    """What to do, in the findings' order: problems first, then optional improvements."""
    urgent = [
        item for item in diagnosis.findings if item.remedy and item.status in {Status.FAIL, Status.WARN}
    ]
    optional = [
        item for item in diagnosis.findings if item.remedy and item.status not in {Status.FAIL, Status.WARN}
    ]
    # One remedy can answer several findings (the firmware setting explains a hidden flag too): once.
    grouped: dict[Remedy, list[Finding]] = {}
    for finding in [*urgent, *optional]:
        if finding.remedy is not None:
            grouped.setdefault(finding.remedy, []).append(finding)
    blocks: list[Block] = []
    for remedy, findings in grouped.items():
        ids = ", ".join(item.id for item in findings)
        block = Block.of(remedy.summary, "bold")
        block.add(f" [{ids}]" + ("" if findings[0] in urgent else " (optional)"), "dim")
        for command in remedy.commands:
            block.add("\n$ ", "dim").add(command, "bold cyan")
        for setting in remedy.settings:
            block.add("\nsetting: ", "dim").add(setting)
        if remedy.why:
            block.add(f"\nwhy: {remedy.why}", "italic")
        blocks.append(block)
    return blocks


def _heading(report: Report, verdict_code: VerdictCode, source: str, summary: str) -> None:
    heading = Block.of("Verdict: ", "bold").add(verdict_code.upper(), VERDICT_STYLE[verdict_code])
    heading.add(f"   ({source})", "dim")
    report.block(heading)
    report.block(Block.of(summary), indent=2)
    report.blank()


def render_diagnosis(
    diagnosis: Diagnosis, facts_source: str, stream: TextIO, *, color: bool, width: int | None = None
) -> None:
    """The verdict, the findings table and what to do, readable at 80 columns."""
    report = Report(_width(stream, width), color=color)
    _heading(report, diagnosis.verdict.code, f"facts: {facts_source}", diagnosis.verdict.summary)
    findings_table(report, diagnosis.findings)
    todo = _remedy_blocks(diagnosis)
    if todo:
        report.blank()
        report.title("What to do")
        _numbered(report, todo)
    report.write(stream)


def render_rescue(
    report_data: RescueReport, stream: TextIO, *, color: bool, width: int | None = None
) -> None:
    """The rescue report: verdict, the problems (config problems with their lines), the fixes on offer."""
    report = Report(_width(stream, width), color=color)
    diagnosis = report_data.diagnosis
    source = f"facts: {report_data.facts.source}; files under {report_data.root}"
    _heading(report, diagnosis.verdict.code, source, diagnosis.verdict.summary)
    problems = tuple(item for item in diagnosis.findings if item.status in {Status.FAIL, Status.WARN})
    if problems:
        report.title(f"Problems ({len(problems)})")
        findings_table(report, problems)
    else:
        report.block(Block.of("No problem found; `kvm-wizard check` lists every finding.", "bold"))
    if report_data.fixes:
        report.blank()
        report.title("Fixes kvm-wizard can apply")
        _fixes(report, report_data)
    manual = [item for item in problems if report_data.fix_for(item.id) is None and item.remedy is not None]
    if manual:
        report.blank()
        report.title("Not fixed automatically (what to do is in `kvm-wizard check`)")
        for finding in manual:
            summary = finding.remedy.summary if finding.remedy else ""
            report.block(Block.of(f"- {summary}").add(f" [{finding.id}]", "dim"))
    for problem in report_data.problems:
        report.block(Block.of(f"Note: {problem}", "italic"))
    report.write(stream)


def _fixes(report: Report, report_data: RescueReport) -> None:
    ordered = [*report_data.urgent_fixes, *(fix for fix in report_data.fixes if not fix.urgent)]
    blocks: list[Block] = []
    for fix in ordered:
        block = Block.of(fix.title, "bold").add("" if fix.urgent else " (optional)", "dim")
        block.add(f"\n--fix {fix.id}", "cyan")
        block.add(f"\nresolves: {', '.join(fix.finding_ids)}", "dim")
        block.add(f"\n{len(fix.plan.edits)} file change(s), {len(fix.plan.actions)} action(s)", "dim")
        blocks.append(block)
    _numbered(report, blocks)
    urgent = len(report_data.urgent_fixes)
    footer = Block.of(
        f"kvm-wizard rescue --apply-fixes previews and applies the {urgent} fix(es) not marked optional; "
        "--fix ID (repeatable, or --fix all) chooses.",
        "italic",
    )
    report.block(footer, indent=len(f"{len(blocks)}.") + 1)
