"""The setup's choices in lines: Hypervisor, Storage, Nested guests, Ceph direct download, TPM, Performance.
What each offers, refuses and means is the step's own (screens/steps/); a choice the planner refuses is
printed naming its key and asked again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from screens.line.ask import Choice, LineIO
from screens.line.view import LineView
from screens.registry import StepExit
from screens.session import Banner
from screens.steps import ceph_download, hypervisor, nested, performance, storage, tpm
from screens.steps.check import Field
from screens.steps.said import LINE_KEYS, Said

if TYPE_CHECKING:
    from wizard.answers import (
        CephDownloadAnswers,
        HypervisorAnswers,
        NestedAnswers,
        PerformanceAnswers,
        StorageAnswers,
        TpmAnswers,
    )
    from wizard.diagnosis.findings import Verdict
    from wizard.host.facts import HostFacts


def ask_fields(io: LineIO, fields: list[Field]) -> dict[str, str]:
    values: dict[str, str] = {}
    for field in fields:
        values[field.key] = io.text(field.label, field.value, field.problem, hint=field.hint)
    return values


def refused(io: LineIO, problem: str | None) -> bool:
    """Print the planner's refusal (naming the key); True when there is one (the step asks again)."""
    if problem is not None:
        io.say(Said(problem, "fail"))
    return problem is not None


class HypervisorLines(LineView["HypervisorAnswers"]):
    HELP = "hypervisor"

    def __init__(
        self, banner: Banner, answers: HypervisorAnswers, verdict: Verdict, facts: HostFacts, root: Path
    ) -> None:
        super().__init__(banner)
        self.form = hypervisor.HypervisorForm(answers, verdict, facts, root)

    def run(self, io: LineIO) -> StepExit[HypervisorAnswers]:
        self.start(io)
        form = self.form
        virt_type = form.answers.virt_type
        consent = form.answers.allow_emulation
        while True:
            io.say(form.state(qemu=virt_type == "qemu", keys=LINE_KEYS, below="next"))
            choices = [Choice(value, label) for value, label in hypervisor.CHOICES.items()]
            virt_type = io.choose("Hypervisor (hypervisor.virt_type):", choices, virt_type)
            if form.asks_consent(virt_type):
                io.say(hypervisor.COST)
                consent = io.yes_no(hypervisor.CONSENT, consent)
            chosen = form.chosen(virt_type, consent)
            if not refused(io, form.problem(chosen)):
                return StepExit("next", chosen)


class StorageLines(LineView["StorageAnswers"]):
    HELP = "storage"

    def __init__(self, banner: Banner, answers: StorageAnswers, facts: HostFacts, root: Path) -> None:
        super().__init__(banner)
        self.form = storage.StorageForm(answers, facts, root)

    def run(self, io: LineIO) -> StepExit[StorageAnswers]:
        self.start(io)
        form = self.form
        backend = form.answers.backend
        while True:
            choices = [
                Choice(value, label, form.backend_problem(value, form.answers))
                for value, label in storage.BACKENDS.items()
            ]
            io.say(*(f"{name}: {text}" for name, text in storage.CONSEQUENCES.items()), skippable=True)
            backend = io.choose("Where instance disks live (storage.backend):", choices, backend)
            values = ask_fields(io, form.fields(backend, complete=""))
            chosen = form.chosen(backend, values)
            if not refused(io, form.backend_problem(backend, chosen)):
                return StepExit("next", chosen)


class NestedLines(LineView["NestedAnswers"]):
    HELP = "nested"

    def __init__(
        self, banner: Banner, answers: NestedAnswers, facts: HostFacts, root: Path, *, virt_type: str = "kvm"
    ) -> None:
        super().__init__(banner)
        self.form = nested.NestedForm(answers, facts, root, virt_type=virt_type)

    def run(self, io: LineIO) -> StepExit[NestedAnswers]:
        self.start(io)
        form = self.form
        enabled, mode = form.enabled, form.mode
        while True:
            io.say(form.host_line(), *form.not_offered_lines())
            io.say(Said(nested.LIMITATIONS, "note"))
            if form.nested_refused is None:
                enabled = io.yes_no(nested.ENABLE, enabled)
            choices = [
                Choice(value, label, form.not_offered.get(value)) for value, label in nested.MODES.items()
            ]
            mode = io.choose("CPU mode instances see (nested.cpu_mode):", choices, mode)
            form.mode = mode
            models = ""
            if mode == "custom":
                field = form.models_field()
                models = io.text(field.label, field.value, field.problem, hint=field.hint)
            flags_field = form.flags_field()
            flags = io.text(flags_field.label, flags_field.value, flags_field.problem, hint=flags_field.hint)
            chosen = form.chosen(enabled=enabled, mode=mode, models=models, flags=flags)
            if not refused(io, form.enabled_problem(chosen)):
                io.say(Said(f"nova.conf will say: {form.flags_result(chosen)}", "info"))
                return StepExit("next", chosen)


class CephDownloadLines(LineView["CephDownloadAnswers"]):
    HELP = "ceph_download"

    def __init__(
        self,
        banner: Banner,
        answers: CephDownloadAnswers,
        storage_backend: str,
        facts: HostFacts,
        root: Path,
    ) -> None:
        super().__init__(banner)
        self.form = ceph_download.CephDownloadForm(answers, storage_backend, facts, root)

    def run(self, io: LineIO) -> StepExit[CephDownloadAnswers]:
        self.start(io)
        form = self.form
        io.say(ceph_download.WHAT)
        if not form.applicable:
            io.say(Said(ceph_download.NOT_APPLICABLE, "skip"))
            io.go_on()
            return StepExit("next", form.chosen(enabled=False))
        enabled = form.answers.enabled
        while True:
            enabled = io.yes_no(ceph_download.ENABLE, enabled)
            if not enabled:
                return StepExit("next", form.chosen(enabled=False))
            values = ask_fields(io, form.fields())
            io.say(ceph_download.GLANCE_NOTE)
            glance = io.yes_no(ceph_download.GLANCE_NODE, form.answers.glance_api_node)
            chosen = form.chosen(enabled=True, values=values, glance_api_node=glance)
            if not refused(io, form.enabled_problem(chosen)):
                return StepExit("next", chosen)


class TpmLines(LineView["TpmAnswers"]):
    HELP = "tpm"

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
        super().__init__(banner)
        self.form = tpm.TpmForm(answers, facts, live, root, virt_type=virt_type)

    def run(self, io: LineIO) -> StepExit[TpmAnswers]:
        self.start(io)
        form = self.form
        answers = form.answers
        io.say(Said(tpm.READING, "run"))
        status = form.assess(verify=False, progress=lambda _progress: None)
        requested = False
        install, verify, vtpm = answers.install_tools, answers.verify, form.vtpm
        secure_boot, measure = form.secure_boot, form.measure
        while True:
            lines = tpm.status_lines(status, requested=requested, verify_key="v", vtpm_wanted=vtpm)
            io.say(*lines)
            answer = (io.line(f"v verifies the TPM now; {io.keys()} >") or "").strip()
            if answer == "v":
                io.say(Said(tpm.VERIFYING, "run"))
                status = form.assess(
                    verify=True, progress=lambda step: io.printer.stream_line(tpm.verifying(step))
                )
                requested = True
                continue
            install = io.yes_no(tpm.INSTALL, install)
            verify = io.yes_no(tpm.VERIFY, verify)
            if form.vtpm_refused is not None:
                io.say(Said(f"Not offered: {form.vtpm_refused}", "skip"))
                vtpm = False
            else:
                vtpm = io.yes_no(tpm.VTPM, vtpm)
            if form.guests_blocked is not None:
                io.say(Said(f"{tpm.SECURE_BOOT}: not offered: {form.guests_blocked}", "skip"))
                secure_boot = False
            else:
                io.say(*tpm.guests_lines(form.guests))
                secure_boot = io.yes_no(tpm.SECURE_BOOT, secure_boot and vtpm)
                if secure_boot and not vtpm:
                    io.say(Said("They need the vTPM: it is offered to instances too.", "note"))
                    vtpm = True
            if form.measure_refused is not None:
                io.say(Said(f"{form.measure_label}: not offered: {form.measure_refused}", "skip"))
                measure = False
            else:
                measure = io.yes_no(form.measure_label, measure)
            chosen = form.chosen(
                install_tools=install, verify=verify, vtpm=vtpm, secure_boot=secure_boot, measure=measure
            )
            if not refused(io, form.vtpm_problem(chosen)):
                return StepExit("next", chosen)


class PerformanceLines(LineView["PerformanceAnswers"]):
    HELP = "performance"

    def __init__(self, banner: Banner, answers: PerformanceAnswers, facts: HostFacts) -> None:
        super().__init__(banner)
        self.answers = answers
        self.facts = facts

    def run(self, io: LineIO) -> StepExit[PerformanceAnswers]:
        self.start(io)
        io.say(performance.WHAT, performance.host_state(self.facts))
        return StepExit("next", performance.chosen(io.yes_no(performance.ENABLE, self.answers.vhost_net)))
