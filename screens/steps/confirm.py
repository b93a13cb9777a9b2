"""Confirm: the change waits for the operator's decision until the deadline on disk; the health checks the
transaction ran; keep it (confirm) or revert it now. When time runs out the change is reverted (here, or by
the watcher when this console is gone)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from screens.steps.said import Said

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult

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
    confirmed: bool | None  # True kept, False reverted, None: could not tell (see message)
    message: str


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
        if outcome.step.kind.value not in ("verify", "confirm", "action"):
            continue
        detail = f": {outcome.detail}" if outcome.detail else ""
        word = OUTCOME_WORDS.get(outcome.status.value, "unknown")
        out.append(Said(f"{outcome.step.title}{detail}", word, indent=2))
    return out


def seconds_left(root: Path) -> float | None:
    """Seconds to the deadline on disk; None when nothing waits any more (kept or reverted elsewhere)."""
    from wizard.apply.confirm import seconds_left as left

    return left(root)


def clock(seconds: float) -> str:
    whole = max(0, int(seconds + 0.999))
    return f"{whole // 60}:{whole % 60:02d}"


def decide(root: Path, *, keep: bool, reason: str = ASKED) -> Settled:
    """Keep the change or revert it now, as the engine does it; what it says, and how it ended."""
    from wizard.apply.confirm import confirm, revert_now

    if keep:
        kept = confirm(root)
        reverted = kept.revert is not None and kept.revert.reverted
        return Settled(True if kept.confirmed else False if reverted else None, kept.message)
    outcome = revert_now(root, reason=reason)
    # Not reverted here: nothing waited any more (the watcher reverted it, or another console decided).
    return Settled(False if outcome.reverted else None, outcome.message)


def settled_word(settled: Settled) -> str:
    return {True: "pass", False: "warn", None: "info"}[settled.confirmed]
