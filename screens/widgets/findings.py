"""The findings table: one line per finding with its status word, and the highlighted one's evidence and remedy.

Fixes that an answer adds to the plan are ticked with space; fixes the plan always makes (for virt_type kvm)
are marked as included; the rest name what the operator has to do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.session import AUTOMATIC_FIXES, FIX_ANSWERS
from screens.widgets.text import status

if TYPE_CHECKING:
    from wizard.host.findings import Finding


def fix_of(finding: Finding) -> str | None:
    remedy = finding.remedy
    return remedy.plan_fix if remedy is not None else None


class FindingsView(Vertical):
    DEFAULT_CSS = """
    FindingsView { height: 1fr; }
    FindingsView > OptionList { height: 9; }
    FindingsView > VerticalScroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_fix", "Fix")]

    class FixToggled(Message):
        """A fix was ticked or unticked."""

        def __init__(self, fix: str, chosen: bool) -> None:
            super().__init__()
            self.fix = fix
            self.chosen = chosen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.findings: tuple[Finding, ...] = ()
        self.chosen: set[str] = set()

    def compose(self) -> ComposeResult:
        yield OptionList(id="finding-list")
        with VerticalScroll(id="finding-detail", can_focus=False):
            yield Static("", id="detail")

    def show(self, findings: tuple[Finding, ...], chosen: frozenset[str]) -> None:
        self.findings = findings
        self.chosen = set(chosen)
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        listing.set_options(Option(self._line(item), id=str(index)) for index, item in enumerate(findings))
        if findings:
            # The first time, the first finding that needs attention: a long list of [PASS] hides it otherwise.
            first = next(
                (index for index, item in enumerate(findings) if item.status.value in ("fail", "warn")), 0
            )
            listing.highlighted = min(first if highlighted is None else highlighted, len(findings) - 1)
            self._detail(findings[listing.highlighted])

    def _fix_mark(self, finding: Finding) -> str:
        fix = fix_of(finding)
        if fix is None or finding.status.value == "pass":
            return ""
        if fix in FIX_ANSWERS:
            return " [fix: X]" if fix in self.chosen else " [fix:  ]"
        if fix in AUTOMATIC_FIXES and fix in self.chosen:
            return " [fix: in plan]"
        return ""

    def _line(self, finding: Finding) -> Text:
        text = status(finding.status.value)
        text.append(f" {finding.title}")
        text.append(self._fix_mark(finding), style="bold")
        text.no_wrap = True
        text.overflow = "crop"  # an ellipsis is not in every console font
        return text

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index < len(self.findings):
            self._detail(self.findings[event.option_index])

    def _detail(self, finding: Finding) -> None:
        text = Text()
        text.append_text(status(finding.status.value))
        text.append(f" {finding.title}\n", style="bold")
        if finding.detail:
            text.append(finding.detail + "\n")
        for evidence in finding.evidence:
            text.append(f"  {evidence.source}: ", style="italic")
            text.append(evidence.observed + "\n")
        remedy = finding.remedy
        if remedy is not None:
            text.append("What to do: ", style="bold")
            text.append(remedy.summary + "\n")
            for command in remedy.commands:
                text.append(f"  $ {command}\n")
            for setting in remedy.settings:
                text.append(f"  {setting}\n")
            if remedy.why:
                text.append(f"Why: {remedy.why}\n")
        fix = fix_of(finding)
        if fix in FIX_ANSWERS and finding.status.value != "pass":
            state = "added to the plan" if fix in self.chosen else "not in the plan"
            text.append(f"Fix {fix}: {state} (space adds or removes it)\n", style="bold")
        elif fix in AUTOMATIC_FIXES and fix in self.chosen and finding.status.value != "pass":
            text.append(f"Fix {fix}: the plan includes it (virt_type kvm)\n", style="bold")
        self.query_one("#detail", Static).update(text)

    def action_toggle_fix(self) -> None:
        listing = self.query_one(OptionList)
        index = listing.highlighted
        if index is None or index >= len(self.findings):
            return
        finding = self.findings[index]
        fix = fix_of(finding)
        if fix is None or fix not in FIX_ANSWERS or finding.status.value == "pass":
            self.app.notify("This finding has no fix to add: its remedy is for you to carry out.")
            return
        chosen = fix not in self.chosen
        if chosen:
            self.chosen.add(fix)
        else:
            self.chosen.discard(fix)
        listing.replace_option_prompt_at_index(index, self._line(finding))
        self._detail(finding)
        self.post_message(self.FixToggled(fix, chosen))
