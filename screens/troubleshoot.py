"""Troubleshoot (rescue): the verdict, the findings, the fixes ticked with space; F10 previews and applies."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.base import HostReady, StepScreen, stylesheet
from screens.registry import StepExit
from screens.rescue_text import fix_line
from screens.session import Banner
from screens.steps import troubleshoot
from screens.steps.findings import problems_first
from screens.steps.said import VERDICT_WORDS
from screens.steps.troubleshoot import TroubleshootResult
from screens.widgets.buttons import button
from screens.widgets.diff_view import shown_text
from screens.widgets.findings import FindingsView
from screens.widgets.rescue_lists import FixList, RescueFindings
from screens.widgets.text import line, said_text
from wizard.source import HostSource

if TYPE_CHECKING:
    from wizard.plan.model import Plan
    from wizard.rescue.report import Fix, RescueReport


class ReportProgressed(Message):
    """The report's worker says what it is doing."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ReportMade(Message):
    """The rescue report is built (and, after an apply, the files linted again)."""

    def __init__(self, source: HostSource, report: RescueReport, recheck: Text | None) -> None:
        super().__init__()
        self.source = source
        self.report = report
        self.recheck = recheck


class FixesPlanned(Message):
    """The ticked fixes are one plan, previewed (summary and explained diff); or they could not be planned."""

    def __init__(
        self, plan: Plan | None, fixes: tuple[str, ...], summary: Text, body: Text, *, can_apply: bool
    ) -> None:
        super().__init__()
        self.plan = plan
        self.fixes = fixes
        self.summary = summary
        self.body = body
        self.can_apply = can_apply


class TroubleshootScreen(StepScreen[TroubleshootResult]):
    """The rescue report of this node: known errors in nova-compute's log since its last start and config
    problems with their line numbers among the findings, and the fixes kvm-wizard can apply.

    The report is built in a worker (it only reads; a demo's copy is made first). F10 plans the ticked fixes
    again against the files as they are now and previews them; Apply gives the plan back to the app, which
    runs it through the same apply and confirm-or-revert as the setup. F2 (snapshots) rolls back.
    """

    CSS_PATH = stylesheet("troubleshoot")
    HELP = "troubleshoot"
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"recheck": "recheck"}
    NEXT_LABEL = "Preview"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "recheck", "Re-check")]

    def __init__(
        self,
        banner: Banner,
        source: HostSource,
        confirm_timeout: float | None,
        *,
        applied: int | None = None,
    ) -> None:
        super().__init__(banner)
        self.source = source  # a demo's is made ready (its files copied) by the first report
        self.confirm_timeout = confirm_timeout
        self.applied = applied  # the generation this session applied: the files are linted again to show it
        self.report: RescueReport | None = None
        self.recheck: Text | None = None
        self.refused: Text | None = None  # why the ticked fixes could not be planned
        self.chosen: set[str] = set()
        self.offered: set[str] = set()  # every fix shown so far: a new one starts ticked when it is urgent
        self.checking = False
        self.planning = False
        self.leaving = False
        self.failed = False  # the first report failed: the screen shows why, and takes keys (r tries again)

    def compose_body(self) -> ComposeResult:
        yield Static(line("run", f"Checking {self.source.describe()}..."), id="summary")
        yield RescueFindings(id="findings")
        yield FixList(id="fix-list")
        yield Static("", id="not-offered")

    def compose_actions(self) -> ComposeResult:
        yield button("Re-check (r)", "recheck")

    def on_mount(self) -> None:
        self.query_one("#back").display = False  # nothing before the rescue view
        self.query_one("#finding-list").border_title = "Findings, problems first"
        self.query_one("#fix-list").display = False
        self.query_one("#not-offered").display = False
        # After the first frame: the engine's imports and a demo's copy would otherwise delay it.
        self.call_after_refresh(self.action_recheck)

    def on_screen_resume(self) -> None:
        # Back from the snapshots (a rollback), the preview, the palette or the help: the files may have
        # changed, so the report is made again; the ticks are kept.
        if self.report is not None and not self.checking and not self.leaving:
            self.checking = True
            self.make_report(self.source)

    # -- the report -----------------------------------------------------------------------------------
    def action_recheck(self) -> None:
        if self.checking:
            return
        self.checking = True
        self.query_one("#summary", Static).update(line("run", f"Checking {self.source.describe()}..."))
        self.make_report(self.source)

    @work(thread=True, exclusive=True, exit_on_error=False, name="rescue report", group="report")
    def make_report(self, source: HostSource) -> None:
        """The report, made by the step's own function (screens/steps/troubleshoot.py), as in line mode."""
        checked = troubleshoot.make_report(source, self.applied, self._progressed)
        recheck = said_text(checked.recheck) if checked.recheck is not None else None
        self.post_message(ReportMade(checked.source, checked.report, recheck))

    def _progressed(self, text: str) -> None:
        self.post_message(ReportProgressed(text))  # from the worker's thread: post_message is thread-safe

    def on_report_progressed(self, event: ReportProgressed) -> None:
        if self.report is None:  # a quiet re-check keeps the report on the screen until the new one is there
            self.query_one("#summary", Static).update(line("run", f"{event.text}..."))

    def on_report_made(self, event: ReportMade) -> None:
        first = self.report is None
        self.checking = self.failed = False
        if not self.source.ready:
            self.post_message(HostReady(event.source))
        self.source = event.source
        self.report = event.report
        self.recheck = event.recheck
        self.refused = None
        offered = {fix.id for fix in event.report.fixes}
        urgent = {fix.id for fix in event.report.urgent_fixes}
        self.chosen = (self.chosen & offered) | (urgent - self.offered)
        self.offered |= offered
        self._draw()
        if first:
            self.query_one("#fix-list" if offered else "#finding-list").focus()

    def _fixes(self) -> list[Fix]:
        """The fixes on offer, the urgent ones (answering a [FAIL]) first."""
        fixes = self.report.fixes if self.report is not None else ()
        return sorted(fixes, key=lambda fix: not fix.urgent)

    def _draw(self) -> None:
        report = self.report
        if report is None:
            return
        self._draw_summary()
        view = self.query_one(RescueFindings)
        view.fixes = {finding.id: fix for finding in report.findings if (fix := report.fix_for(finding.id))}
        view.show(problems_first(report.findings), frozenset(self.chosen))
        fixes = self._fixes()
        listing = self.query_one("#fix-list", FixList)
        highlighted = listing.highlighted
        listing.set_options(Option(fix_line(fix, fix.id in self.chosen), id=fix.id) for fix in fixes)
        listing.display = bool(fixes)
        listing.border_title = f"Fixes: {len(self.chosen)} of {len(fixes)} ticked (space ticks, F10 previews)"
        if fixes:
            listing.highlighted = min(highlighted or 0, len(fixes) - 1)
        self._draw_not_offered(report)

    def _draw_summary(self) -> None:
        report = self.report
        if report is None:
            return
        verdict = report.verdict
        text = line(VERDICT_WORDS.get(verdict.code.value, "unknown"), f"Verdict: {verdict.code.value}. ")
        text.append(verdict.summary)
        for extra in (self.recheck, self.refused):
            if extra is not None:
                text.append("\n")
                text.append_text(extra)
        self.query_one("#summary", Static).update(text)

    def _draw_not_offered(self, report: RescueReport) -> None:
        text = Text()
        if not report.fixes:
            failing = any(finding.status.value == "fail" for finding in report.findings)
            if failing:
                text.append_text(line("warn", "kvm-wizard has no fix for what fails here: see [by hand]."))
            else:
                text.append_text(line("pass", "Nothing here for kvm-wizard to fix."))
        for problem in report.problems:
            text.append("\n" if text else "")
            text.append_text(line("skip", problem))
        widget = self.query_one("#not-offered", Static)
        widget.update(text)
        widget.display = bool(text)

    # -- ticking fixes ----------------------------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id != "fix-list" or not event.option_list.has_focus or self.report is None:
            return  # not the operator moving through the fixes (a redraw sets the highlight too)
        # The findings follow the fix: the detail below them says why it is offered.
        fix = self.report.fix(event.option.id or "")
        view = self.query_one(RescueFindings)
        answered = [i for i, finding in enumerate(view.findings) if fix and finding.id in fix.finding_ids]
        if answered:
            view.query_one("#finding-list", OptionList).highlighted = answered[0]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "fix-list" and event.option.id:
            event.stop()
            self._tick(event.option.id, event.option.id not in self.chosen)

    def on_findings_view_fix_toggled(self, event: FindingsView.FixToggled) -> None:
        event.stop()
        self._tick(event.fix, event.chosen)

    def _tick(self, fix_id: str, chosen: bool) -> None:
        if chosen:
            self.chosen.add(fix_id)
        else:
            self.chosen.discard(fix_id)
        self._draw()

    # -- preview and apply ------------------------------------------------------------------------------
    def action_next(self) -> None:
        report = self.report
        if report is None or self.source.root is None:
            self.notify("One moment: the report is being made.", severity="warning")
            return
        if not self.chosen:
            self.notify("No fix is ticked: space ticks one. ctrl+q quits; F9 goes to the setup steps.")
            return
        if self.planning:
            return
        self.planning = True
        chosen = [fix.id for fix in report.fixes if fix.id in self.chosen]  # in the report's order
        self.plan_fixes(report, chosen, self.source.root)

    @work(thread=True, exclusive=True, exit_on_error=False, name="fixes' plan", group="plan")
    def plan_fixes(self, report: RescueReport, chosen: list[str], root: Path) -> None:
        """The ticked fixes planned and previewed by the step's own function, as in line mode."""
        previewed = troubleshoot.plan_fixes(
            report,
            chosen,
            root,
            live=self.source.runs_actions,
            confirm_timeout=self.confirm_timeout,
            apply_key="F10",
            back_key="Esc",
        )
        self.post_message(
            FixesPlanned(
                previewed.plan,
                previewed.fixes,
                said_text([previewed.summary]),
                shown_text(previewed.body),
                can_apply=previewed.can_apply,
            )
        )

    def on_fixes_planned(self, event: FixesPlanned) -> None:
        from screens.widgets.plan_preview import PlanPreviewScreen

        self.planning = False
        plan = event.plan
        if plan is None:
            self.refused = event.summary
            self._draw_summary()
            self.notify(event.summary.plain, severity="error", timeout=15)
            return
        banner = dataclasses.replace(self.banner, title="Troubleshoot: the fixes' preview")
        preview = PlanPreviewScreen(
            banner, event.summary, event.body, can_go_on=event.can_apply, help_name=self.HELP
        )
        fixes = event.fixes
        self.app.push_screen(preview, lambda apply: self._previewed(plan, fixes, apply))

    def _previewed(self, plan: Plan, fixes: tuple[str, ...], apply: bool | None) -> None:
        report = self.report
        if apply and report is not None and self.source.ready:
            self.leaving = True
            result = TroubleshootResult(self.source, report.facts, report.diagnosis, plan, fixes)
            self.dismiss(StepExit("next", result))

    @property
    def building(self) -> str:
        return "making the report" if self.report is None and not self.failed else ""

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.checking = self.planning = False
        self.failed = self.report is None
        message = line("fail", f"The {name} failed: {type(error).__name__}: {error}. r tries again.")
        if self.report is None:
            self.query_one("#summary", Static).update(message)
        else:
            self.refused = message
            self._draw_summary()

    # -- leaving ----------------------------------------------------------------------------------------
    def current(self) -> TroubleshootResult | None:
        """The prepared host and its facts, kept when the operator jumps to a setup step (no plan)."""
        report = self.report
        if report is None or not self.source.ready:
            return None
        return TroubleshootResult(self.source, report.facts, report.diagnosis, None)

    @property
    def first(self) -> str:
        return "This is the rescue view's first screen: ctrl+q quits; F9 goes to the setup steps."


__all__ = ["TroubleshootScreen"]
