"""What became of an apply or a rollback, in words, for both views: one home for the sentences Confirm, Done, the quit question
and the farewell say about a transaction, each made from its settlement as the record on disk has it
(wizard/apply/settlement.py), never from what a screen assumed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from screens.steps.said import SCREEN_KEYS, Keys

if TYPE_CHECKING:
    from wizard.apply.results import ApplyResult
    from wizard.apply.settlement import Settlement


ISO_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


def clock_time(iso: str) -> str:
    """The time of day of an ISO 8601 wall time ("2026-12-07T14:27:18+00:00" -> "14:27:18")."""
    return iso[11:19] if len(iso) >= 19 and iso[10] == "T" else iso


def plain_times(text: str) -> str:
    """Engine text with its ISO 8601 times as times of day (the console's clock is the operator's)."""
    return ISO_TIME.sub(lambda match: match.group(1), text)


def what(state: Settlement) -> str:
    """ "the apply of generation 3", "the rollback of generation 4"."""
    return f"the {state.kind} of generation {state.generation}" if state.generation else f"the {state.kind}"


def headline(state: Settlement, result: ApplyResult, keys: Keys = SCREEN_KEYS) -> tuple[str, str]:
    """The status word and the sentence that say how the transaction stands (``keys``: how the view names
    its ways on)."""
    from wizard.apply.settlement import Fate  # lazy: the engine is not imported before the first frame

    fate = state.fate
    if fate is Fate.NOTHING:
        return "pass", "Nothing had to change: the files already said what your answers ask."
    if fate is Fate.FAILED:
        return "fail", result.describe()
    if fate is Fate.KEPT:
        how = (
            f"confirmed at {clock_time(state.when)}" if state.when else "kept at once: no confirmation asked"
        )
        return "pass", f"Kept: {what(state)} stays ({how})."
    if fate is Fate.PENDING:
        return "warn", (
            f"Not confirmed yet: {what(state)} is reverted at {clock_time(state.deadline)} unless you keep it."
        )
    if fate is Fate.REVERTED:
        return "warn", (
            f"Reverted at {clock_time(state.when)}, as you asked: the files are as they were before {what(state)}."
        )
    if fate is Fate.REVERTED_AT_DEADLINE:
        return "warn", (
            f"Reverted at {clock_time(state.when)}: {plain_times(state.reason)}. Nothing of {what(state)} stays: "
            "the files are as they were before it."
        )
    if fate is Fate.REVERT_FAILED:
        return "fail", (
            f"The revert failed ({state.reason}): {what(state)} stands. Roll it back with "
            + (f"{keys.snapshots} or " if keys.rolls_back else "")
            + f"kvm-wizard snapshots rollback {state.generation}."
        )
    return (
        "unknown",
        f"Cannot tell whether {what(state)} was kept or reverted: {state.reason}. {keys.snapshots} lists the generations.",
    )
