"""TPM: the host's TPM 2.0 from the engine's status (device, tpm2-tools, vTPM), verification through tpm2-tools
in a worker with progress, and the choices: install the tools, verify, an emulated TPM for instances."""

from __future__ import annotations

import os
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
from screens.widgets.buttons import button
from screens.widgets.text import line, status
from screens.widgets.validated_field import AnswerCheck
from screens.widgets.wrapping import Hanging

if TYPE_CHECKING:
    from wizard.answers import TpmAnswers
    from wizard.host.facts import HostFacts
    from wizard.tpm.status import TpmStatus
    from wizard.tpm.verify import StepProgress

STEP_WORDS = {"passed": "pass", "warning": "warn", "failed": "fail", "skipped": "skip"}


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
    """The status in words. What stops a vTPM is a [FAIL] only when a vTPM is asked for; otherwise it is what
    one would need (the host is not failing at something nobody asked of it)."""
    text = line("pass" if state.ok else "warn", state.summary)
    text.append("\n")
    text.append("Device: ", style="bold")
    text.append(state.detection.summary + "\n")
    text.append("Tools: ", style="bold")
    text.append(state.tools.description + "\n")
    if state.install is not None:
        text.append(f"  would install with: {' '.join(state.install.argv)} (cannot be undone)\n")
    text.append("Verification: ", style="bold")
    if not state.verification.ran and not requested:
        text.append("not run yet: v runs it now (read-only tpm2-tools commands)\n")
    elif not state.verification.ran:
        text.append(state.verification.skipped_reason + "\n")
    else:
        text.append("\n")
    for step in state.verification.steps:
        text.append("  ")
        text.append_text(status(STEP_WORDS.get(step.status.value, "unknown")))
        text.append(f" {step.title}: {step.meaning}\n")
        if step.remedy and step.status.value != "passed":
            text.append(f"         {step.remedy}\n")
    vtpm = state.vtpm
    text.append("vTPM for instances: ", style="bold")
    if vtpm.available:
        text.append("available\n")
    elif vtpm_wanted:
        text.append("not available here, and asked for below:\n")
    else:
        text.append("not asked for (below); on this host it would need:\n")
    for problem in vtpm.problems:
        text.append("  ")
        text.append_text(line("fail" if vtpm_wanted else "note", problem))
        text.append("\n")
    for warning in vtpm.warnings:
        text.append("  ")
        text.append_text(line("warn" if vtpm_wanted else "note", warning))
        text.append("\n")
    for remedy in state.remedies:
        text.append(f"To do: {remedy}\n")
    return text


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
        from wizard.answers import Answers, HypervisorAnswers
        from wizard.host.profile import HostProfile
        from wizard.plan.validate import unavailable_choices

        super().__init__(banner, answers)
        self.facts = facts
        self.live = live
        self.root = root
        self.verifying = False
        self.state: tuple[TpmStatus, bool] | None = None  # the last status, and whether it was verified
        self.hypervisor = HypervisorAnswers(virt_type, allow_emulation=virt_type == "qemu")
        # Not offered where it cannot be valid (libvirt gives no emulated TPM here), with the reason.
        profile = HostProfile.from_facts(facts)
        refused = unavailable_choices("tpm.vtpm", Answers(hypervisor=self.hypervisor), profile)
        self.vtpm_refused = refused.get("true")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="status-box"):
            yield Static(line("run", "Reading the TPM's status..."), id="status")
        yield Checkbox(
            "Install tpm2-tools when missing (a rollback cannot undo it)",
            value=self.answers.install_tools,
            id="install_tools",
            compact=True,
        )
        yield Checkbox(
            "Verify the TPM with tpm2-tools (self test, random, identity, PCR banks)",
            value=self.answers.verify,
            id="verify",
            compact=True,
        )
        yield Checkbox(
            "Offer an emulated TPM to instances (Nova vTPM through swtpm)",
            value=self.answers.vtpm and self.vtpm_refused is None,
            id="vtpm",
            compact=True,
            disabled=self.vtpm_refused is not None,
        )
        if self.vtpm_refused is not None:
            yield Static(line("skip", f"Not offered: {self.vtpm_refused}"), id="vtpm-refused")

    def compose_actions(self) -> ComposeResult:
        yield button("Verify now (v)", "verify-now")

    def on_mount(self) -> None:
        self.query_one("#install_tools").focus()
        self.assess(verify=False)

    def action_verify(self) -> None:
        if self.verifying:
            return
        self.verifying = True
        self.query_one("#status", Static).update(line("run", "Verifying the TPM with tpm2-tools..."))
        self.assess(verify=True)

    @work(thread=True, exclusive=True, exit_on_error=False, name="TPM verification")
    def assess(self, *, verify: bool) -> None:
        from wizard.commands import CommandRunner
        from wizard.tpm.status import build_status

        state = build_status(
            self.facts,
            environment=os.environ,
            runner=CommandRunner() if verify else None,
            live=self.live,
            verify=verify,
            on_progress=self._progressed,
        )
        self.post_message(TpmStatusMade(state, verify))

    def _progressed(self, progress: StepProgress) -> None:
        self.post_message(TpmStepProgressed(progress))

    def on_tpm_step_progressed(self, event: TpmStepProgressed) -> None:
        progress = event.progress
        if progress.result is None:
            self.query_one("#status", Static).update(
                line("run", f"Verifying: step {progress.index + 1} of {progress.total}: {progress.title}...")
            )

    def on_tpm_status_made(self, event: TpmStatusMade) -> None:
        self.verifying = False
        self.state = (event.status, event.requested)
        self._show()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "vtpm":
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
        from wizard.answers import TpmAnswers

        return TpmAnswers(
            verify=self.query_one("#verify", Checkbox).value,
            install_tools=self.query_one("#install_tools", Checkbox).value,
            vtpm=self.query_one("#vtpm", Checkbox).value,
            swtpm_user=self.answers.swtpm_user,
            swtpm_group=self.answers.swtpm_group,
        )

    def collect(self) -> TpmAnswers | None:
        """The answers, unless the planner refuses the vTPM on this host (it says why, as the Review would)."""
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        answers = self._answers()
        if answers.vtpm:
            checked = Answers(hypervisor=self.hypervisor, tpm=answers)
            problem = AnswerCheck("tpm.vtpm", checked, self.facts, self.root).problem(True)
            if problem is not None:
                self.query_one("#vtpm").focus()
                self.notify(f"tpm.vtpm: {problem}", severity="error")
                return None
        return answers
