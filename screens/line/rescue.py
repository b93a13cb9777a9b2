"""Troubleshoot (the rescue view) and the snapshots in lines: the rescue report, the fixes ticked by number,
their preview (the explained diff, printed whole) before they go to the same apply and confirm-or-revert."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from screens.line.ask import LineIO
from screens.line.view import LineView
from screens.registry import StepExit
from screens.session import Banner
from screens.steps import troubleshoot
from screens.steps.fates import clock_time
from screens.steps.findings import problems_first, rescue_fix_mark, row
from screens.steps.said import Said
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult
    from wizard.rescue.report import RescueReport


class TroubleshootLines(LineView[troubleshoot.TroubleshootResult]):
    HELP = "troubleshoot"

    def __init__(
        self, banner: Banner, source: HostSource, confirm_timeout: float | None, *, applied: int | None = None
    ) -> None:
        super().__init__(banner)
        self.source = source
        self.confirm_timeout = confirm_timeout
        self.applied = applied
        self.chosen: set[str] = set()
        self.offered: set[str] = set()

    def run(self, io: LineIO) -> StepExit[troubleshoot.TroubleshootResult]:
        self.start(io)
        while True:
            io.say(Said(troubleshoot.checking(self.source), "run"))
            checked = troubleshoot.make_report(
                self.source, self.applied, lambda text: io.printer.stream_line(f"  {text}...")
            )
            self.source = checked.source
            report = checked.report
            self.chosen = troubleshoot.ticked_after(report, self.chosen, self.offered)
            self.offered |= {fix.id for fix in report.fixes}
            while True:
                io.say(troubleshoot.verdict(report), *(checked.recheck or ()))
                io.say("", "Findings, problems first:")
                for finding in problems_first(report.findings):
                    mark = rescue_fix_mark(finding, report.fix_for(finding.id), self.chosen)
                    io.say(row(finding, mark))
                fixes = troubleshoot.fixes_offered(report)
                io.say(*troubleshoot.not_offered(report))
                if fixes:
                    io.say(
                        "",
                        f"Fixes: {len(self.chosen)} of {len(fixes)} ticked (a number ticks or unticks one):",
                    )
                    io.say(
                        *(
                            f"  {n}) {troubleshoot.fix_line(fix, fix.id in self.chosen)}"
                            for n, fix in enumerate(fixes, 1)
                        )
                    )
                ways = "a number ticks, p previews the ticked fixes, " if fixes else ""
                answer = (
                    io.line(f"{ways}r checks again, s snapshots, ? help, q quit >", back=False) or ""
                ).strip()
                if answer == "r":
                    break
                if answer.isdigit() and 1 <= int(answer) <= len(fixes):
                    fix_id = fixes[int(answer) - 1].id
                    self.chosen ^= {fix_id}
                    continue
                if answer == "p" and fixes:
                    if not self.chosen:
                        io.say(Said("No fix is ticked: a number ticks one.", "fail"))
                        continue
                    result = self.preview(io, report)
                    if result is not None:
                        return StepExit("next", result)
                    continue
                if not answer:
                    io.say("Enter is not a way on here: p previews the ticked fixes, q quits.")
                    continue
                io.say(Said(f"{answer!r}: a number, p, r, ? or q.", "fail"))

    def preview(self, io: LineIO, report: RescueReport) -> troubleshoot.TroubleshootResult | None:
        root = self.source.root or Path("/")
        chosen = [fix.id for fix in report.fixes if fix.id in self.chosen]  # in the report's order
        previewed = troubleshoot.plan_fixes(
            report,
            chosen,
            root,
            live=self.source.runs_actions,
            confirm_timeout=self.confirm_timeout,
            apply_key="y",
            back_key="n",
        )
        io.say(previewed.summary)
        io.printer.lines([item.plain() for item in previewed.body], skippable=True)
        if previewed.plan is None or not previewed.can_apply:
            io.go_on(back=False)
            return None
        io.say(previewed.summary)
        if not io.yes_no("Apply these fixes now?", False, back=False):
            return None
        return troubleshoot.TroubleshootResult(
            self.source, report.facts, report.diagnosis, previewed.plan, previewed.fixes
        )


class SnapshotsLines(LineView["ApplyResult"]):
    """The generations, listed; a rollback is made from a shell (`kvm-wizard snapshots rollback N`), where
    its preview and its own confirm-or-revert are printed the same way."""

    HELP = "snapshots"
    SNAPSHOTS = False

    def __init__(self, banner: Banner, root: Path, live: bool, confirm_timeout: float | None) -> None:
        super().__init__(banner)
        self.root = root

    def run(self, io: LineIO) -> StepExit[ApplyResult]:
        from wizard.apply.generations import generations_under  # lazy: when the snapshots are opened

        self.start(io)
        entries = generations_under(self.root)
        if not entries:
            io.say("No generation yet: nothing has been applied here.")
        for entry in entries:
            found = entry.generation
            if found is None:
                io.say(Said(f"{entry.number}: cannot be read: {entry.problem}", "unknown"))
                continue
            kept = f", confirmed at {clock_time(found.confirmed)}" if found.confirmed else ""
            io.say(
                f"{entry.number}: {found.kind} at {clock_time(found.created)}, {found.status}{kept}: {found.summary}"
            )
        where = "" if self.root == Path("/") else f" --root {self.root}"
        io.say(f"To roll back to one, from a shell: kvm-wizard snapshots rollback N{where}")
        io.go_on("Enter goes back")
        return StepExit("back")
