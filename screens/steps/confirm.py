"""Confirm: the change waits for the operator's decision until the deadline on disk; the health checks the
transaction ran; keep it (confirm) or revert it now. When time runs out the change is reverted (here, or by
the watcher when this console is gone). How it then stands is read from the record on disk
(wizard/apply/settlement.py), never assumed: another console may have decided, the watcher may have reverted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.fates import headline, plain_times
from screens.steps.said import SCREEN_KEYS, Keys, Said

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult
    from wizard.apply.settlement import Settlement

OUTCOME_WORDS = {
    "done": "pass",
    "failed": "fail",
    "skipped": "skip",
    "not reached": "wait",
    "undone": "undone",
}
NOT_CONFIRMED = "not confirmed in time"
ASKED = "the operator asked to revert"


@dataclass(frozen=True)
class Settled:
    confirmed: bool | None  # True kept, False reverted, None: not settled or could not tell (see message)
    message: str  # what the engine said when asked to keep or revert
    state: Settlement | None = None  # how the record on disk has it, read after the decision

    @property
    def pending(self) -> bool:
        """Neither kept nor reverted (another kvm-wizard held the lock): still to decide."""
        return self.state is not None and self.state.fate.value == "pending"


def explain(result: ApplyResult) -> str:
    pending = result.confirmation
    generation = pending.generation if pending else result.generation
    return (
        f"The {result.kind.value} is done and waits for your confirmation. Check that everything still works "
        "(instances, nova-compute, this console), then keep it or revert it: generation "
        f"{generation} holds the files as they were before. If this console is lost, it is reverted at the "
        "deadline on its own."
    )


def health_checks(result: ApplyResult) -> list[Said]:
    out = [Said("Health checks run by the transaction:", tone="heading")]
    for outcome in result.steps:
        if outcome.step.kind.value not in ("verify", "confirm", "action") or outcome.step.id == "smoke":
            continue
        detail = f": {plain_times(outcome.detail)}" if outcome.detail else ""
        word = OUTCOME_WORDS.get(outcome.status.value, "unknown")
        out.append(Said(f"{outcome.step.title}{detail}", word, indent=2))
    out.append(smoke_guest(result))
    return out


def smoke_guest(result: ApplyResult) -> Said:
    """The smoke guest, on a line of its own: proof that libvirt and QEMU start what nova will ask for (or,
    where libvirt does not run here, that there was none)."""
    outcome = next((item for item in result.steps if item.step.id == "smoke"), None)
    if outcome is None:
        return Said(
            "Smoke guest: none (libvirt did not answer when the plan was made, or not this host)", "skip"
        )
    word = OUTCOME_WORDS.get(outcome.status.value, "unknown")
    return Said(f"Smoke guest: {outcome.detail or outcome.step.title}", word)


def seconds_left(root: Path) -> float | None:
    """Seconds to the deadline on disk; None when nothing waits any more (kept or reverted elsewhere)."""
    from wizard.apply.confirm import (
        seconds_left as left,
    )  # lazy: the engine is not loaded before the first frame

    return left(root)


def clock(seconds: float) -> str:
    whole = max(0, int(seconds + 0.999))
    return f"{whole // 60}:{whole % 60:02d}"


def decide(
    root: Path, result: ApplyResult, *, keep: bool, reason: str = ASKED, automatic: bool = False
) -> Settled:
    """Keep the change or revert it now, as the engine does it; what it said, and how the record on disk then
    has it. Nothing is reverted here when nothing waits any more: the watcher reverted it at the deadline, or
    another console decided. The record says which."""
    # lazy: the engine is not loaded before the first frame
    from wizard.apply.confirm import confirm, mark_revert_reported, revert_now
    from wizard.apply.settlement import settlement

    if keep:
        message = confirm(root).message
    else:
        message = revert_now(root, reason=reason, automatic=automatic).message
        mark_revert_reported(root)  # shown here: the next start need not tell it again
    state = settlement(root, result)
    return Settled(state.confirmed, message, state)


def outcome(settled: Settled, result: ApplyResult, keys: Keys = SCREEN_KEYS) -> tuple[str, str]:
    """The status word and the sentence that say how it ended, from the record (the engine's own message
    where the record could not be read)."""
    if settled.state is not None:
        return headline(settled.state, result, keys)
    return "unknown", settled.message
