"""The findings table: one line per finding with its status word, and the highlighted one's evidence and remedy.

Fixes that an answer adds to the plan are ticked with space; fixes the plan always makes (for virt_type kvm)
are marked as included; the rest name what the operator has to do. Subclasses that offer other fixes (the
rescue view) say which through the two hooks, fix_mark and fix_note, and toggle them in action_toggle_fix.
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

from screens.widgets.text import Cropped, status
from screens.widgets.wrapping import Hanging
from wizard.plan.fixes import AUTOMATIC_FIXES, FIX_ANSWERS

if TYPE_CHECKING:
    from wizard.diagnosis.findings import Finding


def fix_of(finding: Finding) -> str | None:
    remedy = finding.remedy
    return remedy.plan_fix if remedy is not None else None


class FindingsView(Vertical):
    # The detail takes focus (Tab after the list) to be scrolled with the keys: at 80x24 a finding's evidence
    # and remedy can be longer than the lines it gets, and a console has no mouse. A line at its left shows
    # the focus without colour; unfocused, a blank one keeps the text where it is.
    DEFAULT_CSS = """
    FindingsView { height: 1fr; }
    FindingsView > OptionList { height: 9; }
    FindingsView > VerticalScroll { height: 1fr; padding: 0 1 0 0; border-left: blank; }
    FindingsView > VerticalScroll:focus { border-left: solid $border; }
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
        with VerticalScroll(id="finding-detail"):
            yield Static("", id="detail")

    def show(self, findings: tuple[Finding, ...], chosen: frozenset[str]) -> None:
        self.findings = findings
        self.chosen = set(chosen)
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        listing.set_options(Option(self._row(item), id=str(index)) for index, item in enumerate(findings))
        if findings:
            # The first time, the first finding that needs attention: a long list of [PASS] hides it otherwise.
            first = next(
                (index for index, item in enumerate(findings) if item.status.value in ("fail", "warn")), 0
            )
            listing.highlighted = min(first if highlighted is None else highlighted, len(findings) - 1)
            self._detail(findings[listing.highlighted])

    # -- hooks: the fixes this view offers ------------------------------------------------------------
    def fix_mark(self, finding: Finding) -> str:
        """The mark on the finding's line for the fix that answers it ("" for none): the setup plan's fixes."""

        fix = fix_of(finding)
        if fix is None or finding.status.value == "pass":
            return ""
        if fix in FIX_ANSWERS:
            return "[fix: X]" if fix in self.chosen else "[fix:  ]"
        if fix in AUTOMATIC_FIXES and fix in self.chosen:
            return "[fix: in plan]"
        return ""

    def fix_note(self, finding: Finding) -> Text | None:
        """The detail's last line, on the fix that answers the finding and how to tick it (None for none)."""

        fix = fix_of(finding)
        if finding.status.value == "pass":
            return None
        if fix in FIX_ANSWERS:
            state = "added to the plan" if fix in self.chosen else "not in the plan"
            return Text(f"Fix {fix}: {state} (space adds or removes it)", style="bold")
        if fix in AUTOMATIC_FIXES and fix in self.chosen:
            return Text(f"Fix {fix}: the plan includes it (virt_type kvm)", style="bold")
        return None

    # -- drawing --------------------------------------------------------------------------------------
    def _row(self, finding: Finding) -> Cropped:
        # The mark right after the status word: the end of a long title is cut at 80 columns (marked).
        text = Text()
        text.append_text(status(finding.status.value))
        text.append(" ")
        mark = self.fix_mark(finding)
        if mark:
            text.append(f"{mark} ", style="bold")
        text.append(finding.title)
        return Cropped(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index < len(self.findings):
            self._detail(self.findings[event.option_index])
        self.refresh_bindings()  # space is offered only on a finding whose fix it ticks

    def can_toggle(self, finding: Finding) -> bool:
        """Space ticks or unticks a fix for this finding (the setup plan's fixes an answer adds)."""
        return finding.status.value != "pass" and fix_of(finding) in FIX_ANSWERS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer names space only where it does something: on a finding whose fix it ticks (the detail
        of any other says what its fix is, or that the remedy is the operator's)."""
        if action == "toggle_fix":
            index = self.query_one(OptionList).highlighted
            return index is not None and index < len(self.findings) and self.can_toggle(self.findings[index])
        return True

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
        note = self.fix_note(finding)
        if note is not None:
            text.append_text(note)
            text.append("\n")
        self.query_one("#detail", Static).update(Hanging(text))

    def action_toggle_fix(self) -> None:
        listing = self.query_one(OptionList)
        index = listing.highlighted
        if index is None or index >= len(self.findings) or not self.can_toggle(self.findings[index]):
            return
        finding = self.findings[index]
        fix = fix_of(finding)
        if fix is None:
            return
        chosen = fix not in self.chosen
        if chosen:
            self.chosen.add(fix)
        else:
            self.chosen.discard(fix)
        listing.replace_option_prompt_at_index(index, self._row(finding))
        self._detail(finding)
        self.post_message(self.FixToggled(fix, chosen))
