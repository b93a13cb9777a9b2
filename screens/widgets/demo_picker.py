"""The demo picker: the recorded hosts of `kvm-wizard --demo`, each with what it shows; Enter picks one."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from screens.keys import GateCheck, worker_running
from screens.session import Banner
from screens.widgets.keys_footer import KeysFooter
from screens.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from wizard.demo import Scenario


class ScenariosListed(Message):
    def __init__(self, scenarios: list[Scenario]) -> None:
        super().__init__()
        self.scenarios = scenarios


class DemoPickerScreen(Screen[tuple[str, str] | None]):
    DEFAULT_CSS = """
    DemoPickerScreen #intro { padding: 0 1; }
    DemoPickerScreen #scenarios { height: auto; max-height: 20; }
    DemoPickerScreen #description { padding: 0 1; height: 1fr; min-height: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick", "Pick", priority=True, key_display="enter"),  # before the list's own Enter
        Binding("escape", "leave", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scenarios: list[Scenario] = []

    def compose(self) -> ComposeResult:
        yield TitleBar(Banner("Pick a demo host", marker="DEMO"))
        yield Static(
            Text(
                "Recorded servers: the wizard works on a throwaway copy of one, needs no root and "
                "changes nothing else. Up and down choose, Enter picks."
            ),
            id="intro",
        )
        yield OptionList(id="scenarios")
        yield Static("", id="description")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#scenarios").focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, name="demo hosts")
    def load(self) -> None:
        from wizard.demo import list_scenarios

        self.post_message(ScenariosListed(list_scenarios()))

    def on_scenarios_listed(self, event: ScenariosListed) -> None:
        self.scenarios = event.scenarios
        listing = self.query_one("#scenarios", OptionList)
        listing.set_options(Option(Text(f"{item.name:20} {item.title}")) for item in self.scenarios)
        if self.scenarios:
            listing.highlighted = 0

    @property
    def building(self) -> str:
        return "listing the demo hosts" if worker_running(self, "demo hosts") else ""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.post_message(GateCheck())  # the list is there (or not): keys typed meanwhile go on

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index < len(self.scenarios):
            self.query_one("#description", Static).update(
                Text(self.scenarios[event.option_index].description)
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick()

    def action_pick(self) -> None:
        index = self.query_one("#scenarios", OptionList).highlighted
        if index is not None and index < len(self.scenarios):
            scenario = self.scenarios[index]
            self.dismiss((scenario.name, scenario.title))

    def action_leave(self) -> None:
        self.dismiss(None)
