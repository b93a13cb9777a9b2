"""The rescue view's lists: findings marked with the fix that answers each, and the fixes to tick."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static

from screens.widgets.findings import FindingsView
from screens.widgets.text import status

if TYPE_CHECKING:
    from wizard.host.findings import Finding
    from wizard.rescue.report import Fix


class RescueFindings(FindingsView):
    """The findings, each marked with the rescue fix that answers it; space ticks that fix.

    FindingsView marks the setup plan's fixes; here the fixes are the report's, so the marks and the fix line
    of the detail are this class's own (the evidence and the remedy are drawn as everywhere).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fixes: dict[str, Fix] = {}  # finding id -> the fix that answers it

    def on_mount(self) -> None:
        # At 80x24 a finding's evidence and remedy can be longer than the few lines they get: Tab reaches
        # them and the arrows scroll them (no mouse on a console).
        self.query_one("#finding-detail").can_focus = True

    def _fix_mark(self, finding: Finding) -> str:
        if finding.status.value == "pass":
            return ""
        fix = self.fixes.get(finding.id)
        if fix is not None:
            return "[fix: X] " if fix.id in self.chosen else "[fix:  ] "
        if finding.status.value in ("fail", "warn") and finding.remedy is not None:
            return "[by hand] "
        return ""

    def _line(self, finding: Finding) -> Text:
        # The mark right after the status word: the end of a long title is cropped at 80 columns.
        text = status(finding.status.value)
        text.append(" ")
        text.append(self._fix_mark(finding), style="bold")
        text.append(finding.title)
        text.no_wrap = True
        text.overflow = "crop"
        return text

    def _detail(self, finding: Finding) -> None:
        remedy = finding.remedy
        if remedy is not None and remedy.plan_fix is not None:
            # Without the setup plan's fix name: the base class would offer that fix, which is not this screen's.
            finding = dataclasses.replace(finding, remedy=dataclasses.replace(remedy, plan_fix=None))
        super()._detail(finding)
        fix = self.fixes.get(finding.id)
        if finding.status.value == "pass" or (fix is None and remedy is None):
            return
        detail = self.query_one("#detail", Static)
        text = detail.content if isinstance(detail.content, Text) else Text(str(detail.content))
        if fix is None:
            text.append("kvm-wizard has no fix for this: what to do is yours (above).\n", style="bold")
        else:
            state = "ticked" if fix.id in self.chosen else "not ticked"
            text.append(f"Fix ({state}; space ticks or unticks it): {fix.title}\n", style="bold")
        detail.update(text)

    def action_toggle_fix(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.findings):
            return
        fix = self.fixes.get(self.findings[index].id)
        if fix is None or self.findings[index].status.value == "pass":
            self.app.notify("kvm-wizard has no fix for this finding: its remedy says what to do.")
            return
        self.post_message(self.FixToggled(fix.id, fix.id not in self.chosen))


class FixList(OptionList):
    """The fixes on offer, one line each with its tick: space or Enter ticks or unticks the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "select", "Tick")]
