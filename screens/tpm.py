"""TPM: the host's TPM 2.0 from the engine's status (device, tpm2-tools, vTPM), verification through tpm2-tools
in a worker with progress, and the choices (screens/steps/tpm.py): install the tools, verify, an emulated TPM for
instances, guests that require TPM 2.0 and Secure Boot, measuring each applied configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Static

from screens.base import SectionScreen, stylesheet
from screens.session import Banner
from screens.steps.tpm import (
    INSTALL,
    READING,
    SECURE_BOOT,
    VERIFY,
    VERIFYING,
    VTPM,
    TpmForm,
    guests_lines,
    status_lines,
    verifying,
)
from screens.widgets.buttons import button
from screens.widgets.text import line, said_text
from screens.widgets.wrapping import Hanging

if TYPE_CHECKING:
    from wizard.answers import TpmAnswers
    from wizard.host.facts import HostFacts
    from wizard.tpm.guests import SecureGuests
    from wizard.tpm.status import TpmStatus
    from wizard.tpm.verify import StepProgress


class TpmStatusMade(Message):
    """The TPM's status is known (verified or not)."""

    def __init__(self, status: TpmStatus, requested: bool) -> None:
        super().__init__()
        self.status = status
        self.requested = requested  # verification was asked for (else the status is from the facts only)


class TpmStepProgressed(Message):
    """A verification step started or ended."""

    def __init__(self, progress: StepProgress) -> None:
        super().__init__()
        self.progress = progress


def render_status(state: TpmStatus, *, requested: bool, vtpm_wanted: bool = False) -> Text:
    """The status in words (screens/steps/tpm.py): what stops a vTPM is a [FAIL] only when one is asked for."""
    return said_text(status_lines(state, requested=requested, verify_key="v", vtpm_wanted=vtpm_wanted))


def render_guests(guests: SecureGuests) -> Text:
    """What guests that require TPM 2.0 and Secure Boot get here (screens/steps/tpm.py)."""
    return said_text(guests_lines(guests))


class TpmScreen(SectionScreen["TpmAnswers"]):
    CSS_PATH = stylesheet("tpm")
    HELP = "tpm"
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"verify-now": "verify"}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("v", "verify", "Verify now")]

    def __init__(
        self,
        banner: Banner,
        answers: TpmAnswers,
        facts: HostFacts,
        live: bool,
        root: Path,
        *,
        virt_type: str = "kvm",
    ) -> None:
        super().__init__(banner, answers)
        self.form = TpmForm(answers, facts, live, root, virt_type=virt_type)
        self.verifying = False
        self.state: tuple[TpmStatus, bool] | None = None  # the last status, and whether it was verified

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="status-box"):
            yield Static(line("run", READING), id="status")
        yield Checkbox(INSTALL, value=self.answers.install_tools, id="install_tools", compact=True)
        yield Checkbox(VERIFY, value=self.answers.verify, id="verify", compact=True)
        refused = self.form.vtpm_refused
        yield Checkbox(VTPM, value=self.form.vtpm, id="vtpm", compact=True, disabled=refused is not None)
        if refused is not None:
            yield Static(Hanging(line("skip", f"Not offered: {refused}")), id="vtpm-refused")
        yield from self.compose_guests_and_measure()

    def compose_guests_and_measure(self) -> ComposeResult:
        """The choices of guests that require TPM 2.0 and Secure Boot, and of the measured configuration."""
        form = self.form
        refused = form.guests_blocked
        yield Checkbox(
            SECURE_BOOT, value=form.secure_boot, id="secure_boot", compact=True, disabled=refused is not None
        )
        if refused is not None:
            yield Static(Hanging(line("skip", f"Not offered: {refused}")), id="secure-boot-refused")
        else:
            yield Static(Hanging(render_guests(form.guests)), id="secure-boot-firmware")
        refused = form.measure_refused
        yield Checkbox(
            form.measure_label, value=form.measure, id="measure", compact=True, disabled=refused is not None
        )
        if refused is not None:
            yield Static(Hanging(line("skip", f"Not offered: {refused}")), id="measure-refused")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        """Guests that require TPM 2.0 need the vTPM: ticking them ticks it, unticking it unticks them; what the
        status says of the vTPM's needs follows the box."""
        if event.checkbox.id == "secure_boot" and event.value:
            self.query_one("#vtpm", Checkbox).value = True
        elif event.checkbox.id == "vtpm":
            if not event.value:
                self.query_one("#secure_boot", Checkbox).value = False
            self._show()

    def compose_actions(self) -> ComposeResult:
        yield button("Verify now (v)", "verify-now")

    def on_mount(self) -> None:
        self.query_one("#install_tools").focus()
        self.assess(verify=False)

    def action_verify(self) -> None:
        if self.verifying:
            return
        self.verifying = True
        self.query_one("#status", Static).update(line("run", VERIFYING))
        self.assess(verify=True)

    @work(thread=True, exclusive=True, exit_on_error=False, name="TPM verification")
    def assess(self, *, verify: bool) -> None:
        state = self.form.assess(verify=verify, progress=self._progressed)
        self.post_message(TpmStatusMade(state, verify))

    def _progressed(self, progress: StepProgress) -> None:
        self.post_message(TpmStepProgressed(progress))

    def on_tpm_step_progressed(self, event: TpmStepProgressed) -> None:
        progress = event.progress
        if progress.result is None:
            self.query_one("#status", Static).update(line("run", verifying(progress)))

    def on_tpm_status_made(self, event: TpmStatusMade) -> None:
        self.verifying = False
        self.state = (event.status, event.requested)
        self._show()

    def _show(self) -> None:
        if self.state is not None:
            status, requested = self.state
            wanted = self.query_one("#vtpm", Checkbox).value
            self.query_one("#status", Static).update(
                Hanging(render_status(status, requested=requested, vtpm_wanted=wanted))
            )

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.verifying = False
        self.query_one("#status", Static).update(line("fail", f"The {name} failed: {error}"))

    def current(self) -> TpmAnswers | None:
        return self._answers()

    def _answers(self) -> TpmAnswers:
        return self.form.chosen(
            verify=self.query_one("#verify", Checkbox).value,
            install_tools=self.query_one("#install_tools", Checkbox).value,
            vtpm=self.query_one("#vtpm", Checkbox).value,
            secure_boot=self.query_one("#secure_boot", Checkbox).value,
            measure=self.query_one("#measure", Checkbox).value,
        )

    def adopt(self, value: TpmAnswers) -> None:
        super().adopt(value)
        self.form.answers = value

    def collect(self) -> TpmAnswers | None:
        """The answers, unless the planner refuses the vTPM on this host (it says why, as the Review would)."""
        answers = self._answers()
        problem = self.form.vtpm_problem(answers)
        if problem is not None:
            self.query_one("#vtpm").focus()
            self.notify(problem, severity="error")
            return None
        return answers
