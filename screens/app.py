"""WizardApp: the ordered steps and the session. Screens never pick what comes next; this does.

Global keys: F2 snapshots, F9 or ctrl+p the step palette, ctrl+q or ctrl+c quit (asked first: screens/quitting.py;
during an apply the quit waits for the transaction to end and reverts it, so nothing is left half-applied).
Keys typed ahead go one at a time to a screen ready for them (screens/keys.py); an unexpected error shows a
dialog and the step is resumed (screens/crash.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input

from assets import asset_path
from screens import console, flow, recipes, registry
from screens.base import HostReady, StepScreen, stylesheet
from screens.crash import CrashSafeApp
from screens.keys import GateCheck, KeyGate
from screens.recipes import Recipe
from screens.registry import Step, StepExit
from screens.session import Session

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.notifications import SeverityLevel

    from wizard.apply.results import ApplyResult


def step_commands() -> type[Provider]:
    from screens.palette import StepCommands  # when the palette first opens: not on the first frame's path

    return StepCommands


class WizardApp(CrashSafeApp):
    TITLE = "kvm-wizard"
    CSS_PATH = stylesheet("wizard")
    # Only "Go to step" (no theme or screenshot commands); imported when the palette first opens.
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {step_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "snapshots", "Snapshots"),
        Binding("f9,ctrl+p", "command_palette", "Steps", priority=True, key_display="f9"),
    ]

    def __init__(
        self, session: Session, profile: console.ConsoleProfile = "full", start: Step | None = None
    ) -> None:
        # The first screen's stylesheet is parsed with the app's: read when the screen is pushed, it would
        # make Textual parse all CSS again and restyle the app before the first frame.
        first = stylesheet(registry.order(session)[0].value)
        super().__init__(
            session, css_path=[stylesheet("wizard"), first], ansi_color=console.ansi_color(profile)
        )
        self.start = start  # the step to open on (what it needs first is shown instead when it is missing)
        self.profile = profile
        self.rolled_back = False  # a rollback ran from the snapshots: a Review or Done underneath is stale
        # The screens of the steps that reuse theirs, with the recipe each was built from (StepSpec.reuse).
        self.built: dict[Step, tuple[Recipe[Any], StepScreen[Any]]] = {}
        self.stylesheet.add_source(
            console.stylesheet(profile), read_from=("screens/console.py", "stylesheet"), is_default_css=False
        )
        console.use_theme(self, profile)
        self.gate = KeyGate(self, self._deliver, partial(self.notify, severity="warning"))

    # -- keys: one at a time, each to a screen ready for it (screens/keys.py) ---------------------------
    async def handle_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.gate.arrived(event)
            return
        await super().handle_event(event)

    async def _deliver(self, key: events.Key) -> Widget:
        target = self.focused or self.screen  # where Textual sends a key no priority binding takes
        await super().handle_event(key)
        return target

    async def on_gate_check(self, check: GateCheck) -> None:
        await self.gate.checked(check)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast says its severity in a word, as every status does: its colour only repeats it. Its text
        is never markup (engine text has brackets: [libvirt])."""
        word = {"information": "[INFO]", "warning": "[WARN]", "error": "[FAIL]"}.get(severity, "[NOTE]")
        super().notify(f"{word} {message}", title=title, severity=severity, timeout=timeout, markup=False)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A steady cursor on a console or a serial line: a blinking one redraws its line twice a second."""
        if self.profile != "full" and isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    def get_key_display(self, binding: Binding) -> str:
        """Key names as words where Textual would draw a symbol the console fonts lack (enter, not U+23CE)."""
        shown = super().get_key_display(binding)
        if console.outside_portable(shown, self.profile):
            return binding.key.split(",")[0].replace("ctrl+", "^")
        return shown

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self.gate.screen_changed, immediate=True)
        if not self.is_headless:
            # SIGTERM (a service stop), SIGHUP (a serial line dropped) and SIGINT (kill -INT: the keyboard's
            # ctrl+c is a key here) go through the same safe quit: an apply in progress ends and is reverted.
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.add_signal_handler(number, self.call_later, self.signalled, number)
        self.first_screen()
        self.call_after_refresh(self.read_step_styles)
        self.set_interval(1.0, self.tick_deadline)

    def first_screen(self) -> None:
        """The first screen: the demo picker, or the first step (or the one asked for)."""
        if self.session.mode == "demo" and not self.session.source.scenario:
            from screens.widgets.demo_picker import DemoPickerScreen

            self.push_screen(DemoPickerScreen(), self.picked)
        else:
            self.show(self.start or registry.order(self.session)[0])

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

    def resume(self, step: Step | None, rollback: ApplyResult | None) -> None:
        """After a crash: every screen above the first goes (one of them may have stopped taking messages), and
        the step is shown anew from the session; a rollback made meanwhile is confirmed or reverted next."""
        stale = [kept for kept, (_recipe, screen) in self.built.items() if screen in self.screen_stack]
        while len(self.screen_stack) > 1:
            self.pop_screen()
        for kept in stale:
            self.uninstall_screen(self.built.pop(kept)[1])  # not shown again: built anew
        if step is None:
            self.first_screen()
        else:
            self.show(step)
        if rollback is not None:
            self.push_screen(recipes.confirm_rollback(self.session, rollback))

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
        recipe = recipes.recipe(step, self.session)
        if not step.spec.reuse:
            return recipe()
        built = self.built.get(step)
        if built is not None:
            old, screen = built
            if recipes.same_recipe(old, recipe) and screen not in self.screen_stack:
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
            self.built[step] = (recipes.recipe(step, self.session), screen)

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
            if self.busy() or self._held():
                return None
        return True

    def _held(self) -> str:
        return self.screen.holds if isinstance(self.screen, StepScreen) else ""

    def jumpable(self) -> tuple[Step, ...]:
        if self.busy() or self._held():
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
            if recipes.same_recipe(built[0], recipes.recipe(target, self.session)):
                built[1].shown_again()
                return
            self.uninstall_screen(built[1])  # built anew below; the pop removes this one
            del self.built[target]
        self.pop_screen()
        self.show(target)

    # -- snapshots --------------------------------------------------------------------------------------
    def action_snapshots(self) -> None:
        from screens.snapshots import SnapshotsScreen

        if isinstance(self.screen, SnapshotsScreen) or not isinstance(self.screen, StepScreen):
            return
        if self.busy() or self._held():
            self.notify(f"Not now: {self.busy() or self._held()}.", severity="warning")
            return
        if not self.session.source.ready:
            self.notify("One moment: the host's files are not ready yet.", severity="warning")
            return
        self.push_screen(recipes.build(Step.SNAPSHOTS, self.session), self.snapshots_closed)

    def snapshots_closed(self, exit: StepExit[ApplyResult] | None) -> None:
        if exit is not None and exit.value is not None:
            # A rollback ran: a plan made before it no longer matches the files.
            self.session.outcome = None
            self.rolled_back = True
            if flow.needs_confirmation(exit.value):
                screen = recipes.confirm_rollback(self.session, exit.value)
                self.push_screen(screen, self.rollback_settled)
                return
        if self.rolled_back and self.step in (Step.REVIEW, Step.APPLY, Step.CONFIRM, Step.DONE):
            self.rolled_back = False
            # Back to where the plan came from, to plan again: the Review, or Troubleshoot for rescue fixes.
            target = Step.REVIEW if self.step is Step.REVIEW else flow.previous(Step.APPLY, self.session)
            self.session.plan = None
            self._go(target)

    def rollback_settled(self, exit: StepExit[Any] | None) -> None:
        """The rollback was kept or reverted: reverted, the files are as before it and what was planned or
        shown underneath still holds. Back to the snapshots either way."""
        settled = exit.value if exit is not None else None
        if getattr(settled, "confirmed", None) is False:
            self.rolled_back = False
        self.action_snapshots()

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self._held():
            self.notify(f"Not now: {self._held()}.", severity="warning")
            return
        if self.jumpable() and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder="Go to step... (type to filter, Esc closes)"))
