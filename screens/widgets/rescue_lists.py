"""The rescue view's lists: findings marked with the fix that answers each, and the fixes to tick."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList

from screens.widgets.findings import FindingsView

if TYPE_CHECKING:
    from wizard.diagnosis.findings import Finding
    from wizard.rescue.report import Fix


class RescueFindings(FindingsView):
    """The findings, each marked with the rescue fix that answers it; space ticks that fix.

    FindingsView marks the setup plan's fixes; here the fixes are the report's, so the marks and the fix line
    of the detail are this class's own (the evidence and the remedy are drawn as everywhere).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fixes: dict[str, Fix] = {}  # finding id -> the fix that answers it

    def fix_mark(self, finding: Finding) -> str:
        if finding.status.value == "pass":
            return ""
        fix = self.fixes.get(finding.id)
        if fix is not None:
            return "[fix: X]" if fix.id in self.chosen else "[fix:  ]"
        if finding.status.value in ("fail", "warn") and finding.remedy is not None:
            return "[by hand]"
        return ""

    def fix_note(self, finding: Finding) -> Text | None:
        if finding.status.value == "pass":
            return None
        fix = self.fixes.get(finding.id)
        if fix is None:
            if finding.remedy is None:
                return None
            return Text("kvm-wizard has no fix for this: what to do is yours (above).", style="bold")
        state = "ticked" if fix.id in self.chosen else "not ticked"
        return Text(f"Fix ({state}; space ticks or unticks it): {fix.title}", style="bold")

    def can_toggle(self, finding: Finding) -> bool:
        return finding.status.value != "pass" and finding.id in self.fixes

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
