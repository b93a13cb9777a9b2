"""Troubleshoot (rescue): a placeholder until the rescue view lands; it says where the rescue report is today."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import StepScreen, stylesheet

PLACEHOLDER = (
    "The rescue view (diagnosis, known errors found in nova-compute's log with their fixes offered as a plan, "
    "and rollback) comes to this screen soon.\n\n"
    "Today the same rescue report is printed by:\n\n"
    "    kvm-wizard rescue --report\n\n"
    "and its fixes are previewed and applied, with snapshot and confirm-or-revert, by:\n\n"
    "    kvm-wizard rescue --apply-fixes\n\n"
    "From here: F2 shows the snapshots (any generation can be rolled back), F9 goes to any step of the setup "
    "wizard, ctrl+q quits."
)


class TroubleshootScreen(StepScreen):
    CSS_PATH = stylesheet("troubleshoot")
    HELP = "troubleshoot"
    NEXT_LABEL = "Quit"

    def compose_body(self) -> ComposeResult:
        yield Static(Text(PLACEHOLDER), id="placeholder")

    def on_mount(self) -> None:
        self.query_one("#next").focus()

    def collect(self) -> object:
        return "quit"

    def action_back(self) -> None:
        self.notify("This is the rescue view's first screen. ctrl+q quits.")
