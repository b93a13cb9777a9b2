"""kvm-wizard rescue: the wizard's troubleshooting view, or headless: the rescue report and its fixes.

    kvm-wizard rescue                     the troubleshooting view of the TUI (it needs a terminal)
    kvm-wizard rescue --report [--json]   verdict, problems with their line numbers, the fixes on offer
    kvm-wizard rescue --apply-fixes [--fix ID ...] [--yes] [--no-confirm | --confirm-timeout S]
                                          preview the fixes (explained diff, secrets masked), then apply them
                                          as one transaction with confirm-or-revert

Exit status. Report: 0 when the verdict is ready, 1 otherwise. --apply-fixes: 0 applied (and confirmed, or
waiting for `kvm-wizard confirm`), or nothing to fix and nothing failed; 1 failures nothing can fix
automatically, or refused, rolled back or reverted. 2: usage or input error. The JSON form is documented in
wizard/rescue/report.py (report_to_json).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from wizard.cli import tui
from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UsageError, print_json, use_color

# Engine types for the type checker: a command imports the engine only when it runs.
if TYPE_CHECKING:
    from wizard.rescue.report import RescueReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from wizard.cli.apply_common import add_transaction_arguments

    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--report", action="store_true", help="print the rescue report (never opens the interactive view)"
    )
    mode.add_argument(
        "--apply-fixes",
        action="store_true",
        help="preview the fixes, then apply them as one transaction with snapshot and confirm-or-revert",
    )
    parser.add_argument("--json", action="store_true", help="the report as JSON (schema 1); implies --report")
    parser.add_argument(
        "--fix",
        action="append",
        metavar="ID",
        help="with --apply-fixes: apply this fix only (repeatable; `all` for every fix on offer, optional ones "
        "too); default: the fixes of failed findings",
    )
    add_transaction_arguments(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--facts", metavar="FILE", help="a recorded host (its files are under --root)")
    source.add_argument(
        "--demo", metavar="SCENARIO", help="a demo host, on a throwaway copy of its files (no root needed)"
    )
    parser.add_argument(
        "--no-color", action="store_true", help="no colour (the NO_COLOR variable does the same)"
    )
    parser.add_argument(
        "--line", action="store_true", help="the troubleshooting view in the line mode (plain lines)"
    )
    parser.epilog = (
        "Exit status: report: 0 ready, 1 problems found; --apply-fixes: 0 applied or nothing to fix, 1 problems "
        "left that need the operator, refused, rolled back or reverted; 2 usage or input error."
    )


def run(args: argparse.Namespace) -> int:
    if args.json and args.apply_fixes:
        raise UsageError("--json goes with the report, not with --apply-fixes")
    if args.fix and not args.apply_fixes:
        raise UsageError("--fix chooses what --apply-fixes applies: add --apply-fixes")
    if not (args.report or args.json or args.apply_fixes):
        # The TUI opens on its troubleshooting view; it builds the same report in a worker.
        args.mode = "rescue"
        return tui.run(args)
    from wizard.cli.host import load_host
    from wizard.rescue.report import build_report

    out = sys.stderr if args.json else sys.stdout
    host = load_host(args, keep_copy=args.apply_fixes)
    if host is None:
        return EXIT_OK
    if args.demo and args.apply_fixes:
        out.write(f"Demo host {args.demo}: its files are in {host.root} (a throwaway copy).\n")
        args.root = str(host.root)
    report = build_report(host.facts, host.root)
    if args.apply_fixes:
        return _apply_fixes(report, args, out, live=host.runs_actions)
    if args.json:
        from wizard.rescue.report import report_to_json

        print_json(report_to_json(report, live=host.runs_actions))
    else:
        from wizard.cli.render import render_rescue

        render_rescue(report, sys.stdout, color=use_color(args, sys.stdout))
    from wizard.diagnosis.findings import VerdictCode

    return EXIT_OK if report.verdict.code is VerdictCode.READY else EXIT_PROBLEMS


def _chosen(report: RescueReport, wanted: list[str] | None) -> list[str]:
    if not wanted:
        return [fix.id for fix in report.urgent_fixes]
    if "all" in wanted:
        return [fix.id for fix in report.fixes]
    unknown = [fix_id for fix_id in wanted if report.fix(fix_id) is None]
    if unknown:
        offered = ", ".join(fix.id for fix in report.fixes) or "none"
        raise UsageError(f"no fix {', '.join(unknown)} on offer here (fixes: {offered})")
    return list(dict.fromkeys(wanted))


def _apply_fixes(report: RescueReport, args: argparse.Namespace, out: TextIO, *, live: bool) -> int:
    from wizard.cli.apply_common import apply_with_confirmation, report_start
    from wizard.cli.render_plan import render_lines
    from wizard.diagnosis.findings import Status
    from wizard.plan.current import PlanningError
    from wizard.plan.explain import DiffLine, LineKind
    from wizard.rescue.report import explain_fix

    report_start(report.root, out)
    chosen = _chosen(report, args.fix)
    failed = [item for item in report.findings if item.status is Status.FAIL]
    if not chosen:
        out.write("kvm-wizard has no fix to apply here.\n")
        _left_to_the_operator(report, out)
        return EXIT_PROBLEMS if failed else EXIT_OK
    try:
        plan = report.plan(chosen)
    except PlanningError as error:
        out.write(f"The fixes cannot be planned: {error}\n")
        return EXIT_USAGE  # a file of the host that cannot be used is unusable input
    out.write(f"Verdict: {report.verdict.code.upper()}. Fixes to apply ({len(chosen)}):\n")
    for fix_id in chosen:
        fix = report.fix(fix_id)
        if fix is not None:
            out.write(f"  - {fix.title} [{fix.id}]\n")
    lines = [DiffLine(LineKind.FILE, "Preview"), *explain_fix(plan, live=live)]
    if plan.notes:
        lines.append(DiffLine(LineKind.FILE, "Notes"))
        lines += [DiffLine(LineKind.NOTE, f"  - {note}") for note in plan.notes]
    render_lines(lines, out, color=use_color(args, out))
    out.write("\n")
    code = apply_with_confirmation(plan, args, stdout=out, summary="rescue: " + ", ".join(chosen))
    if code == EXIT_OK:
        _after(report, out)
    return code


def _after(report: RescueReport, out: TextIO) -> None:
    """The files as they are now, linted again: what is left."""
    from wizard.host.profile import HostProfile
    from wizard.rescue.report import review_files

    review = review_files(report.root, HostProfile.from_facts(report.facts))
    left = [issue for issue in review.issues if issue.severity != "info"]
    for file in review.files:
        if file.present and file.error is None and not any(issue.file == file.file for issue in left):
            out.write(f"{file.file} now follows the option rules.\n")
    for issue in left:
        where = f"{issue.file} line {issue.line}" if issue.line is not None else issue.file
        out.write(f"Still in {where}: {issue.message} [{issue.id}]\n")
    _left_to_the_operator(report, out)


def _left_to_the_operator(report: RescueReport, out: TextIO) -> None:
    from wizard.diagnosis.findings import Status

    for finding in report.findings:
        if (
            finding.status is Status.FAIL
            and report.fix_for(finding.id) is None
            and finding.remedy is not None
        ):
            out.write(f"Needs the operator: {finding.remedy.summary} [{finding.id}]\n")
