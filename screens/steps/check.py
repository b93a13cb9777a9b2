"""A field's check for an answers key: the planner's own verdict (wizard.plan.validate.validate_key) on the text
typed, read as the key's value. Every view's field says what the Review would."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.answers.model import Value
    from wizard.host.facts import HostFacts


def names_in(text: str) -> tuple[str, ...]:
    """A list typed into one field: "IvyBridge, Haswell" or "pcid vmx"."""
    return tuple(item.strip() for item in text.replace(" ", ",").split(",") if item.strip())


@dataclasses.dataclass(frozen=True, eq=False)
class AnswerCheck:
    """The check of the field for an answers key, with the other answers as ``answers`` and the host the
    view shows."""

    path: str  # "storage.volume_group"
    answers: Answers
    facts: HostFacts
    root: Path

    def value(self, text: str) -> Value:
        """The text as the key's value: a list for a list key, a number for a number; ValueError if it is none."""
        from wizard.answers import KEYS_BY_PATH  # lazy: the engine is not imported before the first frame

        kind = KEYS_BY_PATH[self.path].kind
        if kind is tuple:
            return names_in(text)
        if kind is int:
            if not re.fullmatch(r"-?[0-9]+", text.strip()):
                raise ValueError("must be a whole number")
            return int(text)
        return text

    def __call__(self, text: str) -> str | None:
        try:
            value = self.value(text)
        except ValueError as error:
            return str(error)
        return self.problem(value)

    def problem(self, value: Value) -> str | None:
        """What the planner finds wrong with the key holding ``value`` (a choice's, or a field's text read)."""
        # lazy: the engine is not imported before the first frame
        from wizard.plan.validate import validate_key

        found = validate_key(self.path, value, self.answers, self.facts, self.root)
        return found.message if found is not None else None


@dataclasses.dataclass(frozen=True)
class Field:
    """A text field of a step, as both views ask it: its label, the answers key it edits, what it starts
    from, and the help beside it."""

    key: str  # the key in its section: "volume_group"
    label: str
    value: str
    check: AnswerCheck
    hint: str = ""
    suggestions: tuple[str, ...] = ()
    placeholder: str = ""

    def problem(self, text: str) -> str | None:
        """What is wrong with ``text`` in this field, in words that name the field ("Pool is required")."""
        found = self.check(text)
        return f"{self.label} {found}" if found else None
