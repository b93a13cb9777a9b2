"""When something goes wrong that nobody planned for: the wizard does not end with a traceback drawn in glyphs
the console lacks, and nothing the operator chose is lost.

Textual sends every exception a handler, a callback or a timer raises to one place (App._handle_exception) and
ends the app; the app's own event handlers are guarded here, and a screen's worker that raised says so
(StepScreen posts WorkerCrashed). Each goes the same way: a report with every secret masked is written next to
the log (its path shown), a dialog says what happened in one line, and Resume shows the step again, built anew
from the session (a screen whose handler raised has stopped taking messages). A transaction still running (an
apply, a rollback, a decision) is waited for first, and the step resumed is the one its outcome leads to.
After MAX_DIALOGS in one run (and no transaction running) the wizard ends instead, with one console-safe line and the report's path.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.worker import Worker, WorkerState

from screens.base import WorkerCrashed
from screens.quitting import QuittingApp
from screens.registry import Step, StepExit
from wizard import __version__

if TYPE_CHECKING:
    from screens.widgets.crash_dialog import CrashScreen
    from wizard.apply.results import ApplyResult

MAX_DIALOGS = 5
MAX_REPORTS = 10  # reports written per run: an error repeated on every progress line writes no more
# The workers that run a transaction or a decision: waited for before anything is resumed.
TRANSACTIONS = {
    "apply": "the apply",
    "rollback": "the rollback",
    "confirm-or-revert": "keeping or reverting the change",
    "recovery": "the recovery",
    "revert before quitting": "the revert",
}


class CrashSafeApp(QuittingApp):
    raise_in_tests = (
        True  # headless, a crash also fails the test that did not expect it (crash tests turn it off)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.errors = 0  # every unexpected error of this run
        self.dialogs = (
            0  # the crash dialogs shown: past MAX_DIALOGS (a step that breaks again and again) it ends
        )
        self.last_report: str = ""  # the path of the last crash report, for tests and the farewell
        self.resume_to: tuple[Step | None, ApplyResult | None] = (None, None)  # where Resume goes

    # -- where errors arrive ----------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        try:
            await self.handle_event(event)
        except Exception as error:  # noqa: BLE001 - the app's own handlers: its message loop must go on
            self.crashed(error)

    async def handle_event(self, event: events.Event) -> None:
        """What on_event does, guarded (WizardApp sends keys through its gate here)."""
        await super().on_event(event)

    def _handle_exception(self, error: Exception) -> None:
        # Textual's one place for what a handler, a callback or a timer raised; it would end the app.
        if not self.is_running or self.dialogs >= MAX_DIALOGS:
            super()._handle_exception(error)
            return
        self.crashed(error)

    def _fatal_error(self) -> None:
        # Ending after all (too many crashes, or while starting): one line a console can draw, no Rich
        # traceback with its box glyphs. The report has the traceback, masked.
        from wizard.apply.log import mask  # lazy: only when something went wrong

        error = self._exception
        what = f"{type(error).__name__}: {error}" if error is not None else "an error"
        report = self.last_report
        if not report and error is not None:
            report = self._report(error)
        self.bell()
        self._exit_renderables.append(
            Text(f"kvm-wizard: internal error: {mask(what)}\n  The details (secrets masked) are in {report}.")
        )
        self._close_messages_no_wait()

    def on_worker_crashed(self, message: WorkerCrashed) -> None:
        self.crashed(message.error, message.name, message.worker)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The app's own workers (the revert before quitting); the screens' are theirs.
        if event.state is WorkerState.ERROR and isinstance(event.worker.error, BaseException):
            self.crashed(event.worker.error, f"in the background work '{event.worker.name}'", event.worker)

    # -- what happens then ------------------------------------------------------------------------------
    def crashed(self, error: BaseException, where: str = "", worker: Worker[Any] | None = None) -> None:
        # lazy: only when something went wrong (not on the first frame's path)
        from screens.widgets.crash_dialog import CrashScreen
        from wizard.apply.log import mask

        self.errors += 1
        if (
            self.is_headless
            and self.raise_in_tests
            and self._exception is None
            and isinstance(error, Exception)
        ):
            self._exception = error  # run_test raises it at the end of a test that did not expect it
        report = self._report(error, where) if self.errors <= MAX_REPORTS else ""
        shown = next((screen for screen in self.screen_stack if isinstance(screen, CrashScreen)), None)
        if shown is not None:
            shown.another(report)  # one dialog at a time: it counts what followed
            return
        running = self._transaction()
        if self.dialogs >= MAX_DIALOGS and running is None and isinstance(error, Exception):
            super()._handle_exception(error)  # the same error again and again: end, with one console line
            return
        self.dialogs += 1
        self.last_report = report or self.last_report
        self._keep_what_the_step_holds()
        what = mask(f"{type(error).__name__}: {error}".splitlines()[0])[:300]
        # Never the Apply step itself: shown anew it would apply again. Welcome reads what the record says.
        step: Step | None = Step.WELCOME if self.step is Step.APPLY else self.step
        ended, rollback = "", None
        if worker is not None and worker.name in TRANSACTIONS and running is None:
            step, ended, rollback = self._after(worker)  # the transaction itself raised: it has ended
        waiting = TRANSACTIONS[running.name] if running else ""
        dialog = CrashScreen(what, self.last_report, self._label(step), self._answered, waiting=waiting)
        dialog.ended = ended
        self.resume_to = (step, rollback)
        self.push_screen(dialog)
        if running is not None:
            self._wait_for(running, dialog)

    @staticmethod
    def _label(step: Step | None) -> str:
        return step.label if step is not None else "the wizard"

    def _report(self, error: BaseException, where: str = "") -> str:
        from wizard.answers import dumps_answers  # lazy: the engine is not imported before the first frame
        from wizard.apply.log import write_crash_report

        session = self.session
        lines = [
            f"kvm-wizard {__version__}: an unexpected error {where}".rstrip(),
            f"step: {self.step.value if self.step else '-'}; mode: {session.mode}; host: {session.source.describe()}",
            f"screens: {' > '.join(type(screen).__name__ for screen in self.screen_stack)}",
            "",
            "".join(traceback.format_exception(error)),
        ]
        if session.answers is not None:
            lines += ["the answers so far:", dumps_answers(session.answers)]
        path = write_crash_report(session.source.root if session.source.ready else None, "\n".join(lines))
        return (
            str(path)
            if path is not None
            else "(no report could be written: the log's directory and /tmp refused it)"
        )

    def _keep_what_the_step_holds(self) -> None:
        """The step's fields as they are now go into the session, if they can still be read."""
        top = self.top_step()
        step = self.step
        if top is None or step is None or step.spec.section is None:
            return
        try:
            value = top.current()
        except Exception:  # noqa: BLE001 - the screen may be what broke: then the session keeps what it had
            return
        if value is not None:
            step.spec.keep(self.session, StepExit("jump", value))

    def _transaction(self) -> Worker[Any] | None:
        return next(
            (worker for worker in self.workers if worker.name in TRANSACTIONS and not worker.is_finished),
            None,
        )

    def _wait_for(self, worker: Worker[Any], dialog: CrashScreen) -> None:
        """The dialog waits for the transaction's own end; then Resume goes where its outcome leads."""

        from wizard.apply.settlement import transaction_running  # lazy: loaded by the transaction already

        root = self.session.source.root

        def check() -> None:
            # A cancelled worker's thread runs on: the lock on disk says when the transaction has ended.
            if not worker.is_finished or (root is not None and transaction_running(root)):
                return
            timer.stop()
            step, ended, rollback = self._after(worker)
            self.resume_to = (step, rollback)
            dialog.settled(ended, self._label(step))

        timer = self.set_interval(0.2, check)

    def _after(self, worker: Worker[Any]) -> tuple[Step | None, str, ApplyResult | None]:
        """Where to resume after the transaction ``worker`` ran, and how it ended (from its result and the
        record on disk)."""
        # lazy: the engine is not imported before the first frame (an apply has loaded it by now)
        from screens import flow
        from screens.steps.fates import headline
        from wizard.apply.results import ApplyResult
        from wizard.apply.settlement import settlement

        result = worker.result if worker.state is WorkerState.SUCCESS else None
        root = self.session.source.root
        if not isinstance(result, ApplyResult) or root is None:
            if worker.name == "apply" and worker.state is WorkerState.ERROR:
                # It raised: the engine rolled it back or left its journal; Welcome reads which, and settles it.
                return (
                    Step.WELCOME,
                    "The apply itself stopped with the error: Welcome shows what it left.",
                    None,
                )
            if worker.name == "apply":
                return Step.WELCOME, "The apply has ended: Welcome reads from the record how it stands.", None
            return self.step, "It has ended.", None
        ended = "It has ended: " + headline(settlement(root, result), result)[1]
        if worker.name == "apply":
            Step.APPLY.spec.keep(self.session, StepExit("next", result))
            return flow.following(Step.APPLY, self.session), ended, None
        return self.step, ended, result if flow.needs_confirmation(result) else None

    def _answered(self, answer: str) -> None:
        # From the app's own message loop: a screen pushed from the dialog's would report back to the dialog.
        self.call_later(self._resume_now, answer)

    def _resume_now(self, answer: str) -> None:
        step, rollback = self.resume_to
        self.resume(step, rollback)
        if answer == "quit":
            self.action_request_quit()  # over the step shown anew: Stay goes back to it

    def resume(self, step: Step | None, rollback: ApplyResult | None) -> None:
        """Every screen above the first goes (the dialog too), ``step`` is shown anew from the session, and a
        rollback made meanwhile is confirmed or reverted next (WizardApp knows how)."""
        raise NotImplementedError
