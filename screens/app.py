"""WizardApp: the ordered steps and the session. Screens never pick what comes next; this does.

Global keys: F2 snapshots, F9 or ctrl+p the step palette, ctrl+q or ctrl+c quit (asked first; during an apply
the quit waits for the transaction to end and reverts it, so nothing is left half-applied).
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widget import Widget

from assets import asset_path
from screens import console, flow, registry
from screens.base import HostReady, StepExit, StepScreen, stylesheet
from screens.keys import GateCheck, KeyGate
from screens.registry import Recipe, Step
from screens.session import Session
from screens.widgets import countdown
from screens.widgets.quit_confirm import QuitScreen, QuittingScreen
from screens.widgets.title_bar import TitleBar
from wizard.apply.state import pending_file

if TYPE_CHECKING:
    from textual.command import Provider

    from wizard.apply.results import ApplyResult


def step_commands() -> type[Provider]:
    from screens.palette import StepCommands  # when the palette first opens: not on the first frame's path

    return StepCommands


class WizardApp(App[int]):
    TITLE = "kvm-wizard"
    CSS_PATH = stylesheet("wizard")
    # Only "Go to step" (no theme or screenshot commands); imported when the palette first opens.
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {step_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "snapshots", "Snapshots"),
        Binding("f9,ctrl+p", "command_palette", "Steps", priority=True, key_display="f9"),
        Binding("ctrl+q", "request_quit", "Quit", priority=True),
        Binding("ctrl+c", "request_quit", "Quit", priority=True, show=False),
    ]

    def __init__(
        self, session: Session, profile: console.ConsoleProfile = "full", start: Step | None = None
    ) -> None:
        # The first screen's stylesheet is parsed with the app's: read when the screen is pushed, it would
        # make Textual parse all CSS again and restyle the app before the first frame.
        first = stylesheet(registry.order(session)[0].value)
        super().__init__(css_path=[stylesheet("wizard"), first], ansi_color=console.ansi_color(profile))
        self.session = session
        self.start = start  # the step to open on (what it needs first is shown instead when it is missing)
        self.profile = profile
        self.step: Step | None = None
        self.rolled_back = False  # a rollback ran from the snapshots: a Review or Done underneath is stale
        self.farewell: list[str] = []  # printed by the launcher once the terminal is restored
        # The screens of the steps that reuse theirs, with the recipe each was built from (StepSpec.reuse).
        self.built: dict[Step, tuple[Recipe[Any], StepScreen[Any]]] = {}
        self.stylesheet.add_source(
            console.stylesheet(profile), read_from=("screens/console.py", "stylesheet"), is_default_css=False
        )
        console.use_theme(self, profile)
        self.gate = KeyGate(self, self._deliver, partial(self.notify, severity="warning"))
        self.revert_clock = ""  # "REVERTS IN 1:32" on every title line while a change waits for confirmation

    # -- keys: one at a time, each to a screen ready for it (screens/keys.py) ---------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.gate.arrived(event)
            return
        await super().on_event(event)

    async def _deliver(self, key: events.Key) -> Widget:
        target = self.focused or self.screen  # where Textual sends a key no priority binding takes
        await super().on_event(key)
        return target

    async def on_gate_check(self, check: GateCheck) -> None:
        await self.gate.checked(check)

    def get_key_display(self, binding: Binding) -> str:
        """Key names as words where Textual would draw a symbol the console fonts lack (enter, not U+23CE)."""
        shown = super().get_key_display(binding)
        if console.outside_portable(shown, self.profile):
            return binding.key.split(",")[0].replace("ctrl+", "^")
        return shown

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self.gate.screen_changed, immediate=True)
        if not self.is_headless:
            # SIGTERM (a service stop) and SIGHUP (a serial line dropped) go through the same safe quit.
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(number, self.call_later, self.signalled, number)
        if self.session.mode == "demo" and not self.session.source.scenario:
            from screens.widgets.demo_picker import DemoPickerScreen

            self.push_screen(DemoPickerScreen(), self.picked)
        else:
            self.show(self.start or registry.order(self.session)[0])
        self.call_after_refresh(self.read_step_styles)
        self.set_interval(1.0, self.tick_deadline)

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
                clock = f"REVERTS IN {countdown.clock(left)}" if left > 0 else "REVERTING NOW"
        if clock != self.revert_clock:
            self.revert_clock = clock
            for screen in self.screen_stack[-2:]:
                for bar in screen.query(TitleBar):
                    bar.refresh()

    def read_step_styles(self) -> None:
        """Every step's stylesheet, read once the first frame is out. Textual reads a screen's when it is first
        shown, and then parses all the app's CSS again and restyles every widget (tens of milliseconds on each
        first visit); read here, each file is parsed once and no widget is restyled (every rule is scoped to
        its screen's type, and those screens are not built yet)."""
        for path in sorted(asset_path("styles").glob("*.tcss")):
            if not self.stylesheet.has_source(str(path)):
                self.stylesheet.read(path)

    def picked(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            self.exit(0)
            return
        name, title = choice
        source = dataclasses.replace(self.session.source, scenario=name, scenario_title=title)
        self.session.source = source
        self.show(registry.order(self.session)[0])

    def on_host_ready(self, event: HostReady) -> None:
        """A step made the host's files ready (a demo's copy): F2 and the farewell use them from now on."""
        self.session.source = event.source

    # -- sequencing -------------------------------------------------------------------------------------
    def show(self, step: Step) -> None:
        step = flow.reachable(step, self.session)
        if step is not Step.WELCOME:
            # Imported on leaving the first screen, not before it: it would delay the first frame.
            console.toggle_glyphs()
        self.step = step
        self.push_screen(self._screen(step), partial(self.left, step))

    def _screen(self, step: Step) -> StepScreen[Any]:
        """The step's screen: the one built before while it would be built the same, else a new one."""
        recipe = registry.recipe(step, self.session)
        if not step.spec.reuse:
            return recipe()
        built = self.built.get(step)
        if built is not None:
            old, screen = built
            if registry.same_recipe(old, recipe) and screen not in self.screen_stack:
                screen.shown_again()
                return screen
            self.uninstall_screen(screen)
            if screen not in self.screen_stack:
                screen.remove()  # suspended since it was left (not popped just now: see _go)
        screen = recipe()
        self.install_screen(screen, f"step-{step.value}")  # installed: a pop keeps it for next time
        self.built[step] = (recipe, screen)
        return screen

    def _store(self, step: Step, exit: StepExit[Any]) -> None:
        """Keep what the step was left with; its screen, when reused, starts from that when shown again."""
        spec = step.spec
        spec.keep(self.session, exit)
        built = self.built.get(step)
        if spec.section is not None:
            if built is not None and built[1].unsettled:
                self.session.unsettled[spec.section] = built[1].unsettled
            else:
                self.session.unsettled.pop(spec.section, None)
        if built is not None and exit.value is not None:
            screen = built[1]
            screen.adopt(exit.value)
            self.built[step] = (registry.recipe(step, self.session), screen)

    def left(self, step: Step, exit: StepExit[Any] | None) -> None:
        if exit is None:
            return
        self._store(step, exit)
        if exit.direction == "jump" and exit.target is not None:
            target: Step | None = Step(exit.target)
        elif exit.direction == "back":
            target = flow.previous(step, self.session)
        else:
            target = flow.following(step, self.session)
        if target is None:
            self.finish()
        else:
            self.show(target)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Snapshots and the step palette are shown dimmed while an apply or a decision is pending."""
        if action in ("snapshots", "command_palette"):
            if not isinstance(self.screen, StepScreen):
                return False  # a modal view or the demo picker is open: close it first
            if self._busy() or self._held():
                return None
        return True

    def _held(self) -> str:
        return self.screen.holds if isinstance(self.screen, StepScreen) else ""

    def jumpable(self) -> tuple[Step, ...]:
        if self._busy() or self._held():
            return ()
        return flow.jumpable(self.session)

    def jump(self, step: Step) -> None:
        screen = self.screen
        if not isinstance(screen, StepScreen) or self.step is None:
            self.notify("Close this view first (Esc).", severity="warning")
            return
        if screen.busy or screen.holds:
            self.notify(f"Not now: {screen.busy or screen.holds}.", severity="warning")
            return
        self._store(self.step, StepExit("jump", screen.current(), step))
        self._go(step)

    def _go(self, step: Step) -> None:
        """From the step shown to another. To the same one, its kept screen stays and is refreshed: popped and
        pushed again at once, Textual would end by telling it that it is suspended."""
        target = flow.reachable(step, self.session)
        built = self.built.get(target)
        if built is not None and built[1] is self.screen:
            if registry.same_recipe(built[0], registry.recipe(target, self.session)):
                built[1].shown_again()
                return
            self.uninstall_screen(built[1])  # built anew below; the pop removes this one
            del self.built[target]
        self.pop_screen()
        self.show(target)

    def _busy(self) -> str:
        """Why the topmost step cannot be left now ("" when it can), even under a modal screen."""
        top = self._top_step()
        return top.busy if top is not None else ""

    # -- snapshots --------------------------------------------------------------------------------------
    def action_snapshots(self) -> None:
        from screens.snapshots import SnapshotsScreen

        if isinstance(self.screen, SnapshotsScreen) or not isinstance(self.screen, StepScreen):
            return
        if self._busy() or self._held():
            self.notify(f"Not now: {self._busy() or self._held()}.", severity="warning")
            return
        if not self.session.source.ready:
            self.notify("One moment: the host's files are not ready yet.", severity="warning")
            return
        self.push_screen(registry.build(Step.SNAPSHOTS, self.session), self.snapshots_closed)

    def snapshots_closed(self, exit: StepExit[ApplyResult] | None) -> None:
        if exit is not None and exit.value is not None:
            # A rollback ran: a plan made before it no longer matches the files.
            self.session.outcome = None
            self.rolled_back = True
            if flow.needs_confirmation(exit.value):
                screen = registry.confirm_rollback(self.session, exit.value)
                self.push_screen(screen, lambda _exit: self.action_snapshots())
                return
        if self.rolled_back and self.step in (Step.REVIEW, Step.APPLY, Step.CONFIRM, Step.DONE):
            self.rolled_back = False
            # Back to where the plan came from, to plan again: the Review, or Troubleshoot for rescue fixes.
            target = Step.REVIEW if self.step is Step.REVIEW else flow.previous(Step.APPLY, self.session)
            self.session.plan = None
            self._go(target)

    # -- quitting ---------------------------------------------------------------------------------------
    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self._held():
            self.notify(f"Not now: {self._held()}.", severity="warning")
            return
        if self.jumpable() and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder="Go to step... (type to filter, Esc closes)"))

    def action_request_quit(self) -> None:
        if isinstance(self.screen, QuitScreen):
            self.screen.dismiss("quit")  # ctrl+q or ctrl+c again: the answer its button names
            return
        if isinstance(self.screen, QuittingScreen):
            return  # on its way out already
        self._note_outcome()
        top = self._top_step()
        question = flow.quit_question(
            self.session, self._busy(), flow.standing(self.session), top.keep_how if top else ""
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
        if self._busy():
            self.quit_when_idle(revert=True, code=128 + number)
        else:
            self.finish(128 + number)

    def quit_when_idle(self, *, revert: bool, code: int | None = None) -> None:
        """Quit once the transaction running has ended, then revert what waits for confirmation."""
        then = ", then reverts what it changed" if revert else ""
        self.push_screen(
            QuittingScreen(
                f"Quitting: {self._busy()}, and it cannot stop half-way. The wizard waits for it to end{then}, "
                "and ends."
            )
        )

        def check() -> None:
            if self._busy():
                return
            timer.stop()
            self._note_outcome()
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

    def _top_step(self) -> StepScreen[Any] | None:
        return next((item for item in reversed(self.screen_stack) if isinstance(item, StepScreen)), None)

    def _note_outcome(self) -> None:
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

    def finish(self, code: int | None = None) -> None:
        self._note_outcome()
        standing = flow.standing(self.session)
        self.farewell = flow.farewell(self.session, standing)
        self.exit(flow.exit_code(standing) if code is None else code)
