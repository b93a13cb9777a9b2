"""A labelled input checked as it is typed: the problem appears under it in words, or a hint when it is fine.

An answers key's field is checked by the planner itself (AnswerCheck): the field says what the Review would.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from screens.widgets.text import line

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.answers.model import Value
    from wizard.host.facts import HostFacts

Check = Callable[[str], str | None]  # the value -> None, or what is wrong with it ("is required")


def names_in(text: str) -> tuple[str, ...]:
    """A list typed into one field: "IvyBridge, Haswell" or "pcid vmx"."""
    return tuple(item.strip() for item in text.replace(" ", ",").split(",") if item.strip())


@dataclasses.dataclass(frozen=True, eq=False)
class AnswerCheck:
    """The check of the field for an answers key: the planner's verdict (wizard.plan.validate.validate_key) on
    the text read as the key's value, with the other answers as ``answers`` and the host the screen shows."""

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


class ValidatedField(Vertical):
    DEFAULT_CSS = """
    ValidatedField { height: auto; }
    ValidatedField > Horizontal { height: 1; }
    ValidatedField .field-label { width: 21; }
    ValidatedField Input { width: 1fr; }
    ValidatedField .field-message { padding-left: 21; height: auto; }
    """

    def __init__(
        self,
        label: str,
        value: str,
        check: Check,
        *,
        id: str,
        hint: str = "",
        suggestions: Sequence[str] = (),
        placeholder: str = "",
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.initial = value
        self.check = check
        self.hint = hint
        self.suggestions = tuple(suggestions)
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        suggester = SuggestFromList(self.suggestions, case_sensitive=True) if self.suggestions else None
        with Horizontal():
            yield Label(f"{self.label}:", classes="field-label")
            yield Input(
                self.initial,
                placeholder=self.placeholder,
                suggester=suggester,
                compact=True,
                id=f"{self.id}-input",
            )
        yield Static(self._message(self.initial), classes="field-message")

    @property
    def value(self) -> str:
        # Its value before its input is composed (mounted a moment ago, the operator already pressed F10).
        entries = self.query(Input)
        return entries.first().value if entries else self.initial

    @property
    def problem(self) -> str | None:
        found = self.check(self.value)
        return f"{self.label} {found}" if found else None

    def _message(self, value: str) -> Text:
        found = self.check(value)
        if found:
            return line("fail", f"{self.label} {found}")
        return Text(self.hint, style="italic") if self.hint else Text("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one(".field-message", Static).update(self._message(event.value))
        self.query_one(Input).set_class(self.check(event.value) is not None, "-invalid")

    def focus_input(self) -> None:
        self.query_one(Input).focus()
