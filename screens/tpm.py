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
    from wizard.answers import Answers, TpmAnswers
    from wizard.host.facts import HostFacts
    from wizard.tpm.guests import SecureGuests
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
    text.append("Host Secure Boot: ", style="bold")
    text.append(state.secure_boot_finding.title + "\n")
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


def render_guests(guests: SecureGuests) -> Text:
    """What guests that require TPM 2.0 and Secure Boot get here: the firmware libvirt picks, what the plan
    installs, and what to know."""
    if guests.firmware is not None:
        keys = "keys enrolled" if guests.firmware.enrolled_keys else "no keys enrolled"
        text = line("info", f"Their firmware: {guests.firmware.name} (Secure Boot, {keys})")
    elif guests.install is not None:
        packages = " and ".join(guests.install.packages)
        text = line(
            "info", f"Their firmware: {packages}, which the plan installs (a rollback cannot undo it)"
        )
    else:
        text = line(
            "info", "Their firmware: whatever libvirt finds (its domain capabilities offer Secure Boot)"
        )
    for warning in guests.warnings:
        if guests.install is not None and warning.startswith("The plan installs"):
            continue  # said above
        text.append("\n")
        text.append_text(line("warn", warning))
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
        from wizard.tpm.guests import assess_secure_guests

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
        self.guests_refused, self.measure_refused = self._refusals(Answers(hypervisor=self.hypervisor))
        self.guests = assess_secure_guests(facts, profile, virt_type=virt_type, installing=True)

    def _refusals(self, base: Answers) -> tuple[str | None, str | None]:
        """Why the planner refuses guests that require Secure Boot, and measuring, on this host (None: it does
        not): greyed out with the reason, as the Review would say it."""
        secure = base.with_value("tpm.vtpm", True)
        guests = AnswerCheck("tpm.secure_boot", secure, self.facts, self.root).problem(True)
        measure = AnswerCheck("tpm.measure", base, self.facts, self.root).problem(True)
        return guests, measure

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
            yield Static(Hanging(line("skip", f"Not offered: {self.vtpm_refused}")), id="vtpm-refused")
        yield from self.compose_guests_and_measure()

    def compose_guests_and_measure(self) -> ComposeResult:
        """The choices of guests that require TPM 2.0 and Secure Boot, and of the measured configuration."""
        refused = self.guests_refused or (
            f"they need the vTPM, which is not offered: {self.vtpm_refused}" if self.vtpm_refused else None
        )
        yield Checkbox(
            "Guests may require TPM 2.0 and Secure Boot (Windows 11, hardened Linux)",
            value=self.answers.secure_boot and refused is None,
            id="secure_boot",
            compact=True,
            disabled=refused is not None,
        )
        if refused is not None:
            yield Static(Hanging(line("skip", f"Not offered: {refused}")), id="secure-boot-refused")
        else:
            yield Static(Hanging(render_guests(self.guests)), id="secure-boot-firmware")
        yield Checkbox(
            f"Measure each applied configuration into PCR {self.answers.measure_pcr} (kvm-wizard attest)",
            value=self.answers.measure and self.measure_refused is None,
            id="measure",
            compact=True,
            disabled=self.measure_refused is not None,
        )
        if self.measure_refused is not None:
            yield Static(Hanging(line("skip", f"Not offered: {self.measure_refused}")), id="measure-refused")

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
            secure_boot=self.query_one("#secure_boot", Checkbox).value,
            measure=self.query_one("#measure", Checkbox).value,
            measure_pcr=self.answers.measure_pcr,
        )

    def collect(self) -> TpmAnswers | None:
        """The answers, unless the planner refuses the vTPM on this host (it says why, as the Review would)."""
        from wizard.answers import Answers  # lazy: the engine is not imported before the first frame

        answers = self._answers()
        checked = Answers(hypervisor=self.hypervisor, tpm=answers)
        for key, ticked in (
            ("vtpm", answers.vtpm),
            ("secure_boot", answers.secure_boot),
            ("measure", answers.measure),
        ):
            problem = (
                AnswerCheck(f"tpm.{key}", checked, self.facts, self.root).problem(True) if ticked else None
            )
            if problem is not None:
                self.query_one(f"#{key}").focus()
                self.notify(f"tpm.{key}: {problem}", severity="error")
                return None
        return answers
