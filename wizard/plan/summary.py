"""The change of course in plain words: each choice before -> after, with what it means for the node.

Rendered once here; the Review and `kvm-wizard plan` show these lines at their top, and the apply's question
(the confirmation dialog, `apply` without --yes) shows consent_lines().
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.answers.model import Answers
from wizard.plan.model import Plan
from wizard.plan.node import NodeAnswers
from wizard.plan.settings import extra_flags

_NOT_VALID = "nova-compute does not start with the value it has now"


@dataclass(frozen=True)
class ChoiceChange:
    """One choice of the wizard (a step), before and after, and what the change means."""

    label: str  # "Storage"
    before: str  # "lvm (nova-volumes)"
    after: str
    consequences: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def line(self) -> str:
        if not self.changed:
            return f"{self.label}: unchanged ({self.before})"
        text = f"{self.label}: {self.before} -> {self.after}"
        return text + (f" ({'; '.join(self.consequences)})" if self.consequences else "")


def _storage(answers: Answers) -> str:
    storage = answers.storage
    if storage.backend == "lvm":
        return f"lvm ({storage.volume_group or 'no volume group'})"
    if storage.backend == "rbd":
        return f"rbd (pool {storage.rbd_pool})"
    return storage.backend


def _where(answers: Answers, instances_path: str) -> str:
    storage = answers.storage
    if storage.backend == "lvm":
        return f"volume group {storage.volume_group}"
    if storage.backend == "rbd":
        return f"Ceph pool {storage.rbd_pool}"
    return instances_path


def _nested(answers: Answers, flags: tuple[str, ...]) -> str:
    nested = answers.nested
    text = f"{'on' if nested.enabled else 'off'}, CPU {nested.cpu_mode}"
    if nested.cpu_mode == "custom" and nested.cpu_models:
        text += f" {','.join(nested.cpu_models)}"
    if flags:
        text += f" +{','.join(flags)}"
    return text


def _download(answers: Answers) -> str:
    download = answers.ceph_download
    if not download.enabled:
        return "off"
    return f"on (pool {download.rbd_pool})"


def summarize(
    node: NodeAnswers,
    answers: Answers,
    plan: Plan | None,
    *,
    nested_module: str | None,
    vendor_flag: str | None = None,
) -> list[ChoiceChange]:
    """Every choice, before (the node) and after (the answers resolved against it)."""
    before = node.answers
    # What the node says that the answers cannot hold (an invalid value): shown as it is, before and after,
    # unless the answers give the key.
    odd = node.unreadable
    kept_odd = {path: text for path, text in odd.items() if not answers.is_given(path)}
    instances = _instances_path(node)
    reload = plan is not None and any(action.id.startswith("unload-module:") for action in plan.actions)
    changes: list[ChoiceChange] = []

    hypervisor = []
    old = odd.get("hypervisor.virt_type", before.hypervisor.virt_type)
    new = kept_odd.get("hypervisor.virt_type", answers.hypervisor.virt_type)
    if "hypervisor.virt_type" in odd and old != new:
        hypervisor.append(_NOT_VALID)
    if old != new and new == "qemu":
        hypervisor.append("guests run in software emulation (TCG), many times slower")
    elif old == "qemu" and new == "kvm":
        hypervisor.append("new and hard-rebooted instances use KVM; running ones keep emulation until then")
    changes.append(ChoiceChange("Hypervisor", old, new, tuple(hypervisor)))

    storage = []
    if before.storage.backend != answers.storage.backend:
        storage.append(
            f"existing instances keep their disks on {_where(before, instances)}; new ones go to "
            f"{_where(answers, instances)}"
        )
    elif _storage(before) != _storage(answers):
        storage.append(
            f"new instances' disks go to {_where(answers, instances)}; existing ones stay where they are"
        )
    after = kept_odd.get("storage.backend", _storage(answers))
    if "storage.backend" in odd and odd["storage.backend"] != after:
        storage = [_NOT_VALID]
    changes.append(
        ChoiceChange("Storage", odd.get("storage.backend", _storage(before)), after, tuple(storage))
    )

    nested = []
    module = nested_module or "the KVM module"
    if before.nested.enabled != answers.nested.enabled:
        if reload:
            nested.append(f"{module} is reloaded: running guests must be stopped first")
        if answers.nested.enabled:
            nested.append("an instance running its own guests cannot live-migrate or resume from suspend")
        else:
            nested.append("instances can no longer run guests of their own")
    if (
        before.nested.cpu_mode != answers.nested.cpu_mode
        or before.nested.cpu_models != answers.nested.cpu_models
    ):
        nested.append("running instances keep their CPU until they are hard-rebooted or moved")
        if before.nested.cpu_mode == "custom" and before.nested.cpu_models:
            nested.append(
                f"the CPU baseline {','.join(before.nested.cpu_models)} is given up: live migration between hosts "
                "of different CPUs may fail"
            )
        if answers.nested.cpu_mode == "host-passthrough":
            nested.append("live migration only to hosts with an identical CPU")
    shown_before = _nested(before, before.nested.extra_flags)
    if "nested.cpu_mode" in odd:
        shown_before = f"{'on' if before.nested.enabled else 'off'}, {odd['nested.cpu_mode']}"
    if "nested.cpu_mode" in odd and "nested.cpu_mode" in answers.given:
        nested.insert(0, _NOT_VALID)
    flags_after = extra_flags(answers, vendor_flag)[0]
    shown_after = _nested(answers, flags_after)
    if "nested.cpu_mode" in kept_odd:
        shown_after = f"{'on' if answers.nested.enabled else 'off'}, {kept_odd['nested.cpu_mode']}"
    changes.append(ChoiceChange("Nested guests", shown_before, shown_after, tuple(nested)))

    download = []
    if before.ceph_download.enabled != answers.ceph_download.enabled:
        download.append(
            "images are read from Ceph with rbd export"
            if answers.ceph_download.enabled
            else "images come through the Glance API again"
        )
    changes.append(
        ChoiceChange("Ceph direct download", _download(before), _download(answers), tuple(download))
    )

    tpm = []
    if before.tpm.vtpm != answers.tpm.vtpm:
        tpm.append(
            "instances may ask for an emulated TPM 2.0"
            if answers.tpm.vtpm
            else "instances with an emulated TPM can no longer start or move here"
        )
    if answers.tpm.secure_boot and not before.tpm.secure_boot:
        tpm.append(
            "images that ask for TPM 2.0 and Secure Boot get them here (their properties are shown at the end)"
        )
    if before.tpm.measure != answers.tpm.measure or before.tpm.measure_pcr != answers.tpm.measure_pcr:
        tpm.append(
            f"each generation committed from now on is measured into PCR {answers.tpm.measure_pcr} (kvm-wizard attest)"
            if answers.tpm.measure
            else "generations are no longer measured: quotes of this node prove nothing new"
        )
    changes.append(ChoiceChange("TPM", _tpm(before), _tpm(answers), tuple(tpm)))
    changes.append(
        ChoiceChange(
            "Performance",
            f"vhost_net {'at boot' if before.performance.vhost_net else 'not loaded at boot'}",
            f"vhost_net {'at boot' if answers.performance.vhost_net else 'not loaded at boot'}",
        )
    )
    return changes


def _tpm(answers: Answers) -> str:
    tpm = answers.tpm
    text = f"vTPM {'on' if tpm.vtpm else 'off'}, tpm2-tools {'installed' if tpm.install_tools else 'not installed'}"
    if tpm.secure_boot:
        text += ", Secure Boot guests"
    if tpm.measure:
        text += f", measured into PCR {tpm.measure_pcr}"
    return text


def _instances_path(node: NodeAnswers) -> str:
    option = node.nova.option("DEFAULT", "instances_path")
    value = option.typed()
    if isinstance(value, str) and value and "$" not in value:
        return value
    return "/var/lib/nova/instances"


def summary_lines(changes: list[ChoiceChange]) -> list[str]:
    """The summary as lines: every choice, changed or not, in the wizard's order."""
    return [change.line() for change in changes]


def consent_lines(plan: Plan, *, live: bool) -> list[str]:
    """What an apply does that cannot be taken back, and what it restarts: asked before every apply."""
    lines: list[str] = []
    irreversible = plan.irreversible_here(live=live)
    restarts = [
        action.argv[-1]
        for action in plan.actions
        if action.id.startswith("restart:") and (live or not action.live_only)
    ]
    reloads = [action for action in plan.actions if action.id.startswith("unload-module:") and live]
    if irreversible:
        lines.append("Cannot be undone by a rollback:")
        lines += [f"  - {action.title}" for action in irreversible]
    if restarts:
        lines.append(f"Restarted: {', '.join(restarts)} (running instances keep running)")
    if reloads:
        lines += [f"Reloaded: {action.argv[-1]} (fails while guests run)" for action in reloads]
    left = [action for action in plan.actions if action.live_only and not live]
    if left:
        lines.append(f"Not run under this root ({len(left)} action(s) left for the target), among them:")
        lines += [
            f"  - {action.title}"
            for action in left
            if not action.reversible or action.id.startswith("restart:")
        ]
    if not lines:
        lines.append("Nothing here is irreversible, and no service restarts: a rollback undoes it all.")
    return lines
