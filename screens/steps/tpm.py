"""TPM: the host's TPM 2.0 from the engine's status (device, tpm2-tools, vTPM), verification through
tpm2-tools with progress, and the choices: install the tools, verify, an emulated TPM for instances, guests
that require TPM 2.0 and Secure Boot, measuring each applied configuration."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.check import AnswerCheck
from screens.steps.said import Said

if TYPE_CHECKING:
    from wizard.answers import Answers, TpmAnswers
    from wizard.host.facts import HostFacts
    from wizard.tpm.guests import SecureGuests
    from wizard.tpm.status import TpmStatus
    from wizard.tpm.verify import StepProgress

INSTALL = "Install tpm2-tools when missing (a rollback cannot undo it)"
VERIFY = "Verify the TPM with tpm2-tools (self test, random, identity, PCR banks)"
VTPM = "Offer an emulated TPM to instances (Nova vTPM through swtpm)"
SECURE_BOOT = "Guests may require TPM 2.0 and Secure Boot (Windows 11, hardened Linux)"
STEP_WORDS = {"passed": "pass", "warning": "warn", "failed": "fail", "skipped": "skip"}
READING = "Reading the TPM's status..."
VERIFYING = "Verifying the TPM with tpm2-tools..."


class TpmForm:
    """What the step offers on this host, and the engine's status of the TPM."""

    def __init__(
        self, answers: TpmAnswers, facts: HostFacts, live: bool, root: Path, *, virt_type: str
    ) -> None:
        # lazy: the engine is not imported before the first frame
        from wizard.answers import Answers, HypervisorAnswers
        from wizard.host.profile import HostProfile
        from wizard.plan.validate import unavailable_choices
        from wizard.tpm.guests import assess_secure_guests

        self.answers = answers
        self.facts = facts
        self.live = live
        self.root = root
        self.hypervisor = HypervisorAnswers(virt_type, allow_emulation=virt_type == "qemu")
        # Not offered where it cannot be valid (libvirt gives no emulated TPM here), with the reason.
        profile = HostProfile.from_facts(facts)
        refused = unavailable_choices("tpm.vtpm", Answers(hypervisor=self.hypervisor), profile)
        self.vtpm_refused = refused.get("true")
        self.guests_refused, self.measure_refused = self._refusals(Answers(hypervisor=self.hypervisor))
        self.guests: SecureGuests = assess_secure_guests(facts, profile, virt_type=virt_type, installing=True)

    def _refusals(self, base: Answers) -> tuple[str | None, str | None]:
        """Why the planner refuses guests that require Secure Boot, and measuring, on this host (None: it does
        not): not offered, with the reason, as the Review would say it."""
        secure = base.with_value("tpm.vtpm", True)
        guests = AnswerCheck("tpm.secure_boot", secure, self.facts, self.root).problem(True)
        measure = AnswerCheck("tpm.measure", base, self.facts, self.root).problem(True)
        return guests, measure

    @property
    def vtpm(self) -> bool:
        """Whether the emulated TPM starts ticked (never where it is not offered)."""
        return self.answers.vtpm and self.vtpm_refused is None

    @property
    def guests_blocked(self) -> str | None:
        """Why guests that require Secure Boot are not offered here: the planner's reason, or the vTPM's."""
        if self.guests_refused is None and self.vtpm_refused is not None:
            return f"they need the vTPM, which is not offered: {self.vtpm_refused}"
        return self.guests_refused

    @property
    def secure_boot(self) -> bool:
        """Whether guests that require Secure Boot start ticked (never where they are not offered)."""
        return self.answers.secure_boot and self.guests_blocked is None

    @property
    def measure(self) -> bool:
        """Whether measuring starts ticked (never where it is not offered)."""
        return self.answers.measure and self.measure_refused is None

    @property
    def measure_label(self) -> str:
        return f"Measure each applied configuration into PCR {self.answers.measure_pcr} (kvm-wizard attest)"

    def assess(self, *, verify: bool, progress: Callable[[StepProgress], None]) -> TpmStatus:
        """The engine's status of the TPM; with ``verify``, checked through tpm2-tools (read-only commands,
        seconds: a worker's or the line mode's wait)."""
        # lazy: the engine is not imported before the first frame
        from wizard.commands import CommandRunner
        from wizard.tpm.status import build_status

        return build_status(
            self.facts,
            environment=os.environ,
            runner=CommandRunner() if verify else None,
            live=self.live,
            verify=verify,
            on_progress=progress,
        )

    def chosen(
        self, *, install_tools: bool, verify: bool, vtpm: bool, secure_boot: bool, measure: bool
    ) -> TpmAnswers:
        from wizard.answers import TpmAnswers  # lazy: not before the first frame

        return TpmAnswers(
            verify=verify,
            install_tools=install_tools,
            vtpm=vtpm,
            swtpm_user=self.answers.swtpm_user,
            swtpm_group=self.answers.swtpm_group,
            secure_boot=secure_boot,
            measure=measure,
            measure_pcr=self.answers.measure_pcr,
        )

    def vtpm_problem(self, answers: TpmAnswers) -> str | None:
        """What the planner refuses in a vTPM on this host, naming the key (as the Review would)."""
        from wizard.answers import Answers  # lazy: not before the first frame

        if not answers.vtpm:
            return None
        checked = Answers(hypervisor=self.hypervisor, tpm=answers)
        found = AnswerCheck("tpm.vtpm", checked, self.facts, self.root).problem(True)
        return f"tpm.vtpm: {found}" if found is not None else None


def verifying(progress: StepProgress) -> str:
    return f"Verifying: step {progress.index + 1} of {progress.total}: {progress.title}..."


def status_lines(
    state: TpmStatus, *, requested: bool, verify_key: str, vtpm_wanted: bool = False
) -> list[Said]:
    """The status in words; ``verify_key`` says how the view verifies now. What stops a vTPM is a [FAIL] only
    when a vTPM is asked for (``vtpm_wanted``); otherwise it is what one would need (the host is not failing
    at something nobody asked of it)."""
    out = [
        Said(state.summary, "pass" if state.ok else "warn"),
        Said(f"Device: {state.detection.summary}"),
        Said(f"Tools: {state.tools.description}"),
    ]
    if state.install is not None:
        out.append(Said(f"would install with: {' '.join(state.install.argv)} (cannot be undone)", indent=2))
    if not state.verification.ran and not requested:
        out.append(
            Said(f"Verification: not run yet: {verify_key} runs it now (read-only tpm2-tools commands)")
        )
    elif not state.verification.ran:
        out.append(Said(f"Verification: {state.verification.skipped_reason}"))
    else:
        out.append(Said("Verification:"))
    for step in state.verification.steps:
        out.append(
            Said(f"{step.title}: {step.meaning}", STEP_WORDS.get(step.status.value, "unknown"), indent=2)
        )
        if step.remedy and step.status.value != "passed":
            out.append(Said(step.remedy, indent=9))
    out.append(Said(f"Host Secure Boot: {state.secure_boot_finding.title}"))
    vtpm = state.vtpm
    if vtpm.available:
        out.append(Said("vTPM for instances: available"))
    elif vtpm_wanted:
        out.append(Said("vTPM for instances: not available here, and asked for below:"))
    else:
        out.append(Said("vTPM for instances: not asked for (below); on this host it would need:"))
    out += [Said(problem, "fail" if vtpm_wanted else "note", indent=2) for problem in vtpm.problems]
    out += [Said(warning, "warn" if vtpm_wanted else "note", indent=2) for warning in vtpm.warnings]
    out += [Said(f"To do: {remedy}") for remedy in state.remedies]
    return out


def guests_lines(guests: SecureGuests) -> list[Said]:
    """What guests that require TPM 2.0 and Secure Boot get here: the firmware libvirt picks, what the plan
    installs, and what to know."""
    if guests.firmware is not None:
        keys = "keys enrolled" if guests.firmware.enrolled_keys else "no keys enrolled"
        out = [Said(f"Their firmware: {guests.firmware.name} (Secure Boot, {keys})", "info")]
    elif guests.install is not None:
        packages = " and ".join(guests.install.packages)
        out = [
            Said(f"Their firmware: {packages}, which the plan installs (a rollback cannot undo it)", "info")
        ]
    else:
        out = [
            Said("Their firmware: whatever libvirt finds (its domain capabilities offer Secure Boot)", "info")
        ]
    for warning in guests.warnings:
        if guests.install is not None and warning.startswith("The plan installs"):
            continue  # said above
        out.append(Said(warning, "warn"))
    return out
