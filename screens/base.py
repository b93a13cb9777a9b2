"""What every step screen shares: the title line, F1 help, Esc back, Next, the footer, worker errors.

A step screen takes its inputs through __init__ (the arguments the step registry gives both views) and leaves
through dismiss() with a StepExit: back, next (with the value it collected) or jump. It never picks the next
screen; the app does.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.model import RuleSet
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button
from textual.worker import Worker, WorkerState

from assets import asset_path
from screens.keys import GateCheck
from screens.registry import StepExit
from screens.session import Banner
from screens.widgets.buttons import button
from screens.widgets.keys_footer import KeysFooter
from screens.widgets.title_bar import TitleBar
from wizard.source import HostSource

T = TypeVar("T")  # what a step collects (a section's answers, a plan, an apply's result, ...)
_LABELLED = (("NEXT_LABEL", "f10,ctrl+n", "next"), ("BACK_LABEL", "escape", "back"))
_DISPLAY = {"f10,ctrl+n": "f10"}


class WorkerCrashed(Message):
    """A screen's worker or handler raised: the app writes the crash report and offers to resume
    (screens/crash.py)."""

    def __init__(self, error: BaseException, name: str, worker: Worker[Any] | None = None) -> None:
        super().__init__()
        self.error = error
        self.name = name  # where it happened, in words
        self.worker = worker  # the worker that raised, if it was one


class HostReady(Message):
    """The host's files are in place (a demo's copy is made): the app keeps the source at once, so that F2 and
    the farewell use it before the step is left."""

    def __init__(self, source: HostSource) -> None:
        super().__init__()
        self.source = source


def stylesheet(name: str) -> str:
    return str(asset_path("styles", f"{name}.tcss"))


class StepScreen(Screen[StepExit[T]], Generic[T]):
    """A step of the wizard, collecting a T. Subclasses set HELP (assets/help/HELP.md) and CSS_PATH, and write
    compose_body."""

    HELP: ClassVar[str] = ""
    NEXT_LABEL: ClassVar[str] = "Next"
    BACK_LABEL: ClassVar[str] = "Back"
    # The screen's own buttons, by id, and the action each runs (Next and Back are every screen's).
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("escape", "back", "Back"),
        # Where Back cannot be used, Esc says why (the binding above is off there, and Textual tries this one).
        Binding("escape", "why_no_back", "Back", show=False),
        Binding("f10,ctrl+n", "next", "Next", key_display="f10"),
    ]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The footer names Next and Back as this screen's buttons do ("Apply", "Close").
        labels = [
            (key, action, cls.__dict__[name]) for name, key, action in _LABELLED if name in cls.__dict__
        ]
        if labels:
            own = list(cls.__dict__.get("BINDINGS", []))
            cls.BINDINGS = [
                *own,
                *(
                    Binding(key, action, label, key_display=_DISPLAY.get(key))
                    for key, action, label in labels
                ),
            ]
        super().__init_subclass__(**kwargs)

    def __init__(self, banner: Banner) -> None:
        super().__init__()
        self.banner = banner
        # The stylesheet's rules and the theme its widgets were styled with (see skip_restyle).
        self.styled_with: tuple[list[RuleSet], str] | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(self.banner)
        with Vertical(id="body"):
            yield from self.compose_body()
        with Horizontal(id="nav"):
            yield button(self.NEXT_LABEL, "next")
            yield button(self.BACK_LABEL, "back")
            yield from self.compose_actions()
        yield KeysFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def compose_actions(self) -> ComposeResult:
        """Buttons of this screen's own, after Next and Back (each also has a key)."""
        yield from ()

    # -- what the app asks of a step ------------------------------------------------------------------
    def current(self) -> T | None:
        """The value the screen holds now, kept when the operator leaves it by Esc or a jump (None: nothing
        valid to keep)."""
        return None

    def collect(self) -> T | None:
        """The value to go on with, or None after showing why it is not valid yet."""
        return self.current()

    @property
    def busy(self) -> str:
        """Why the screen cannot be left right now ("" when it can): an apply that is running."""
        return ""

    @property
    def building(self) -> str:
        """What the screen is still filling in before it can take keys ("" when it can): keys typed meanwhile
        are held until it is done (screens/keys.py). A worker's end tells the app to look again."""
        return ""

    @property
    def unsettled(self) -> str:
        """A field left with a value the answers cannot hold (its problem, "" when none): the Review lists it,
        so that an answer typed wrong is never silently replaced by the one before."""
        return ""

    @property
    def keep_how(self) -> str:
        """How a change waiting for confirmation is kept from here ("" where it is not), for the quit question."""
        return ""

    @property
    def holds(self) -> str:
        """Why no other step may be jumped to yet ("" when one may): unfinished work to settle here first."""
        return ""

    @property
    def first(self) -> str:
        """What to say about Back on a screen with nothing before it ("" when there is something)."""
        return ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Next and Back are shown dimmed while the screen is busy, and Back while it holds the operator
        (refresh_bindings() when that changes); on a first screen Back is not shown at all. Esc then says why."""
        if action == "why_no_back":
            return bool(self.first or self.busy or self.holds)
        if action == "back" and self.first:
            return False
        if (action in ("next", "back") and self.busy) or (action == "back" and self.holds):
            return None
        return True

    def action_why_no_back(self) -> None:
        if self.first:
            self.notify(self.first)
        else:
            self.notify(f"Not now: {self.busy or self.holds}.", severity="warning")

    # -- a kept screen (the choice steps): shown again instead of being built anew ---------------------
    def adopt(self, value: T) -> None:
        """The session holds what this screen was left with (``value``, as current() or collect() gave it):
        shown again, the screen starts from it, as one built from the session now would. Screens that keep
        what they were given beyond their widgets (the answers behind a hidden field) take it here."""

    def shown_again(self) -> None:
        """The screen is shown again as a step (not back from a dialog above it): refresh what can have
        changed meanwhile outside the session (the files a plan is made from)."""

    # -- styles: no second pass over a screen that is styled already ------------------------------------
    # Textual restyles every widget of a screen each time it is pushed, after styling each as it was mounted:
    # a third of a step change. A screen just built, or a kept one shown again, under the rules and theme its
    # widgets were styled with, is styled as it is: like a screen uncovered by a pop, which Textual does not
    # restyle. (A class or focus change restyles its widget at once, wherever the screen is.) Any parse of
    # the stylesheet (a new widget's or screen's CSS, a theme) makes a new list of rules: the next showing is
    # restyled as Textual does it.
    @on(events.Mount)
    @on(events.ScreenSuspend)
    def note_styling(self) -> None:
        self.styled_with = (self.app.stylesheet.rules, self.app.theme)

    @on(events.ScreenResume)
    def skip_restyle(self, event: events.ScreenResume) -> None:
        # Textual calls each class's handler from the screen's own class up, so this comes before Screen's,
        # which restyles.
        styled = self.styled_with
        if styled is not None and styled[0] is self.app.stylesheet.rules and styled[1] == self.app.theme:
            event.refresh_styles = False

    # -- keys -----------------------------------------------------------------------------------------
    def action_help(self) -> None:
        from screens.widgets.help import HelpScreen

        self.app.push_screen(HelpScreen(self.HELP or "wizard", self.banner.title))

    def action_back(self) -> None:
        if self.busy or self.holds:
            self.notify(f"Not now: {self.busy or self.holds}.", severity="warning")
            return
        self.dismiss(StepExit("back", self.current()))

    def action_next(self) -> None:
        if self.busy:
            self.notify(f"Not yet: {self.busy}.", severity="warning")
            return
        value = self.collect()
        if value is not None:
            self.dismiss(StepExit("next", value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        name = {"next": "next", "back": "back", **self.BUTTON_ACTIONS}.get(event.button.id or "")
        if name is not None:
            event.stop()
            getattr(self, f"action_{name}")()

    # -- errors: the screen goes on taking messages -------------------------------------------------------
    async def _on_message(self, message: Message) -> None:
        # Textual stops a message loop whose handler raised (and its workers: an apply's thread would run on
        # unseen). This screen's handlers go through here: the app shows its crash dialog (screens/crash.py)
        # while the screen goes on, so that a transaction it runs still reports its end to it.
        try:
            await super()._on_message(message)
        except Exception as error:  # noqa: BLE001 - every error is reported: the crash dialog and its report
            self.post_message(
                WorkerCrashed(error, f"handling {type(message).__name__} on {type(self).__name__}")
            )

    # -- workers: one place for their errors ----------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.post_message(GateCheck())  # after what the worker posted: the screen may be built now
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.worker_failed(event.worker.name, error if isinstance(error, BaseException) else None)
            if isinstance(error, BaseException):
                where = f"in the background work '{event.worker.name}'"
                self.post_message(WorkerCrashed(error, where, event.worker))

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        """A worker raised: say so on the screen (subclasses show it where the result would have gone)."""
        text = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self.notify(f"{name or 'background work'} failed: {text}", severity="error", timeout=30)


class SectionScreen(StepScreen[T]):
    """A step that edits one section of the answers: ``answers`` is what it was given, then what it was left
    with (the values behind a field that is hidden or not built come from there)."""

    def __init__(self, banner: Banner, answers: T) -> None:
        super().__init__(banner)
        self.answers = answers

    def adopt(self, value: T) -> None:
        self.answers = value
