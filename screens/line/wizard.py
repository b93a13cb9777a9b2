"""The line mode's driver: the same steps in the same order as the full screen (the step registry and
screens/flow.py decide where each way of leaving a step leads), each step's line view built from the same
arguments, the same session, the same quit question (flow.quit_question, from the record on disk) and the
same exit status (flow.exit_code).

Nothing here imports Textual or rich (an import-linter contract says so).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, TextIO

from screens import flow
from screens.line.ask import Back, Choice, LineIO, QuitAsked, SnapshotsAsked
from screens.line.input import InputEnded, LineInput
from screens.line.output import DEFAULT_ROWS, DEFAULT_WIDTH, Printer
from screens.line.start import pick_demo
from screens.registry import STEPS, Step, StepExit, banner, load_view, order
from screens.session import Session
from screens.steps.said import Said
from wizard import interrupts


class LineWizard:
    def __init__(
        self,
        session: Session,
        reader: LineInput,
        stream: TextIO,
        *,
        width: int = DEFAULT_WIDTH,
        rows: int = DEFAULT_ROWS,
        start: Step | None = None,
    ) -> None:
        self.session = session
        self.printer = Printer(stream, width=width, rows=rows)
        self.io = LineIO(self.printer, reader)
        self.printer.more = self.io.more
        self.start = start
        self.farewell: list[str] = []

    def run(self) -> int:
        """The whole session; the exit status (as the full-screen wizard's)."""
        self.io.say(
            "kvm-wizard, line mode: each question takes a line. Enter keeps what is shown, b goes back, "
            "? prints the help, q quits."
        )
        try:
            code = self._steps()
        except InputEnded:
            self.io.say(
                "", "The input ended: quitting (a change waiting for its decision is left to its deadline)."
            )
            code = None
        except interrupts.Interrupted as stopped:
            self.io.say("", f"Stopped by {stopped.name}.")
            self.finish()
            return stopped.exit_status
        return self.finish(code)

    def finish(self, code: int | None = None) -> int:
        standing = flow.standing(self.session)
        self.farewell = flow.farewell(self.session, standing)
        self.printer.lines(self.farewell)
        self.printer.stream.flush()
        return flow.exit_code(standing) if code is None else code

    def _steps(self) -> int | None:
        session = self.session
        if session.mode == "demo" and not session.source.scenario:
            from wizard.demo import list_scenarios  # lazy: only the picker needs the list

            try:
                picked = pick_demo(self.io, list_scenarios())
            except QuitAsked:
                return 0
            if picked is None:
                return 0
            session.source = dataclasses.replace(
                session.source, scenario=picked.name, scenario_title=picked.title
            )
        step: Step | None = self.start or order(session)[0]
        while step is not None:
            step = flow.reachable(step, session)
            try:
                exit = self.show(step)
            except Back:
                step = flow.previous(step, session)
                continue
            except SnapshotsAsked:
                self.snapshots()
                continue
            except QuitAsked:
                if self.quit():
                    return None
                continue
            step.spec.keep(session, exit)
            if exit.direction == "jump" and exit.target is not None:
                step = Step(exit.target)
            elif exit.direction == "back":
                step = flow.previous(step, session)
            else:
                step = flow.following(step, session)
        return None

    def show(self, step: Step) -> StepExit[Any]:
        spec = STEPS[step]
        arguments = spec.arguments(self.session)
        view = load_view(spec.views.line)(banner(self.session, step), *arguments.args, **arguments.keywords)
        result: StepExit[Any] = view.run(self.io)
        return result

    def snapshots(self) -> None:
        with contextlib.suppress(Back, SnapshotsAsked):
            self.show(Step.SNAPSHOTS)

    def quit(self) -> bool:
        """The one quit question (flow.quit_question, from the record on disk); True to quit."""
        question = flow.quit_question(self.session, "", flow.standing(self.session), "choose Stay, then k")
        self.io.say("", *question.text.splitlines())
        choices = [Choice("stay", "Stay"), Choice("quit", question.quit_label)]
        if question.leave_label:
            choices.append(Choice("leave", question.leave_label))
        try:
            answer = self.io.choose("Quit?", choices, "stay", back=False)
        except QuitAsked:
            answer = "quit"  # q (or ctrl+c) again: the answer its question names
        if answer == "stay":
            return False
        if answer == "quit" and question.reverts:
            self.revert_before_quitting()
        return True

    def revert_before_quitting(self) -> None:
        from wizard.apply.confirm import revert_now  # lazy: loaded by the apply already

        pending = flow.standing(self.session).pending
        root = self.session.source.root
        if pending is None or root is None:
            return
        self.io.say(
            Said(f"Reverting the {pending.kind} of generation {pending.generation} before quitting...", "run")
        )
        self.io.say(revert_now(root, reason="the operator quit before confirming").message)
