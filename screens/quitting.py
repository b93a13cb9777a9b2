"""The app's side of a change waiting for confirmation, and of ending: the revert deadline on every title line,
the one quit question (screens/flow.py words it from the record on disk) and what each of its answers does,
and SIGTERM or SIGHUP. WizardApp is built on it (through CrashSafeApp).
"""

from __future__ import annotations

from functools import partial
from pathlib import PurePath
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from screens import flow
from screens.base import StepScreen
from screens.registry import Step, StepExit
from screens.session import Session
from screens.steps.confirm import clock as clock_of
from screens.widgets.quit_confirm import QuitScreen, QuittingScreen
from screens.widgets.title_bar import TitleBar
from wizard.apply.state import pending_file


class QuittingApp(App[int]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_quit", "Quit", priority=True),
        Binding("ctrl+c", "request_quit", "Quit", priority=True, show=False),
    ]

    def __init__(self, session: Session, *, ansi_color: bool | None, css_path: list[str | PurePath]) -> None:
        super().__init__(css_path=css_path, ansi_color=ansi_color)
        self.session = session
        self.step: Step | None = None  # the step shown (under any dialog or view above it)
        self.farewell: list[str] = []  # printed by the launcher once the terminal is restored
        self.revert_clock = ""  # "REVERTS IN 1:32" on every title line while a change waits for confirmation

    # -- the revert deadline --------------------------------------------------------------------------
    def on_confirmation_settled(self) -> None:
        """A Confirm screen kept or reverted the change: the title line says so now, not at the next tick."""
        self.tick_deadline()

    def on_apply_finished(self) -> None:
        """An apply ended, perhaps waiting for confirmation: its deadline on the title line at once."""
        self.tick_deadline()

    def on_rolled_back(self) -> None:
        self.tick_deadline()

    def tick_deadline(self) -> None:
        """The revert deadline on disk, on the title line of whatever screen is shown (from the apply to the
        decision, and for a change an earlier run left waiting). Read from disk: another console may decide."""
        clock = ""
        root = self.session.source.root
        if root is not None and self.session.source.ready and pending_file(root).exists():
            from wizard.apply.confirm import PendingFileError, seconds_left  # only while something waits

            try:
                left = seconds_left(root)
            except PendingFileError:
                left = -1.0
            if left is not None:
                clock = f"REVERTS IN {clock_of(left)}" if left > 0 else "REVERTING NOW"
        if clock != self.revert_clock:
            self.revert_clock = clock
            for screen in self.screen_stack[-2:]:
                for bar in screen.query(TitleBar):
                    bar.refresh()

    # -- the quit question ------------------------------------------------------------------------------
    def action_request_quit(self) -> None:
        if isinstance(self.screen, QuitScreen):
            self.screen.dismiss("quit")  # ctrl+q or ctrl+c again: the answer its button names
            return
        if isinstance(self.screen, QuittingScreen):
            return  # on its way out already
        self.note_outcome()
        top = self.top_step()
        question = flow.quit_question(
            self.session, self.busy(), flow.standing(self.session), top.keep_how if top else ""
        )
        self.push_screen(QuitScreen(question), partial(self.quit_answered, question))

    def quit_answered(self, question: flow.QuitQuestion, answer: str | None) -> None:
        if answer == "leave":
            self.finish()  # the change waits for `kvm-wizard confirm`: the farewell says until when
        elif answer != "quit":
            return
        elif question.waits:
            self.quit_when_idle(revert=question.reverts)
        elif question.reverts:
            self.quit_reverting()
        else:
            self.finish()

    def signalled(self, number: int) -> None:
        """SIGTERM or SIGHUP: a running transaction ends first (and is reverted, as a quit would); a change
        already waiting for confirmation is left to its watcher, which reverts it at the deadline."""
        if self.busy():
            self.quit_when_idle(revert=True, code=128 + number)
        else:
            self.finish(128 + number)

    def quit_when_idle(self, *, revert: bool, code: int | None = None) -> None:
        """Quit once the transaction running has ended, then revert what waits for confirmation."""
        then = ", then reverts what it changed" if revert else ""
        self.push_screen(
            QuittingScreen(
                f"Quitting: {self.busy()}, and it cannot stop half-way. The wizard waits for it to end{then}, "
                "and ends."
            )
        )

        def check() -> None:
            if self.busy():
                return
            timer.stop()
            self.note_outcome()
            if revert and flow.standing(self.session).pending is not None:
                self.quit_reverting(code)
            else:
                self.finish(code)

        timer = self.set_interval(0.2, check)

    def quit_reverting(self, code: int | None = None) -> None:
        """Revert the change waiting for confirmation, then end (the farewell says how it went, from disk)."""
        pending = flow.standing(self.session).pending
        text = "Reverting before quitting: the files go back as they were"
        if pending is not None:
            text = f"Reverting the {pending.kind} of generation {pending.generation} before quitting: the files go back as they were before it"
        if isinstance(self.screen, QuittingScreen):
            self.screen.say(text + ".")
        else:
            self.push_screen(QuittingScreen(text + "."))
        self.run_worker(
            partial(self._revert_then_finish, code),
            thread=True,
            name="revert before quitting",
            exit_on_error=False,
        )

    def _revert_then_finish(self, code: int | None) -> None:
        from wizard.apply.confirm import revert_now

        root = self.session.source.root
        try:
            if root is not None:
                revert_now(root, reason="the operator quit before confirming")
        finally:
            self.call_from_thread(self.finish, code)

    def top_step(self) -> StepScreen[Any] | None:
        return next((item for item in reversed(self.screen_stack) if isinstance(item, StepScreen)), None)

    def note_outcome(self) -> None:
        """An apply that has ended (or a decision taken) counts before its screen is left: the quit question,
        the farewell and the exit status speak of it."""
        if self.step not in (Step.APPLY, Step.CONFIRM):
            return
        for candidate in reversed(self.screen_stack):
            if isinstance(candidate, StepScreen):
                value = candidate.current()
                if value is not None:
                    self.step.spec.keep(self.session, StepExit("jump", value))
                return

    def busy(self) -> str:
        """Why the topmost step cannot be left now ("" when it can), even under a modal screen."""
        top = self.top_step()
        return top.busy if top is not None else ""

    def finish(self, code: int | None = None) -> None:
        self.note_outcome()
        standing = flow.standing(self.session)
        self.farewell = flow.farewell(self.session, standing)
        self.exit(flow.exit_code(standing) if code is None else code)
