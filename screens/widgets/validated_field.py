"""A labelled input checked as it is typed: the problem appears under it in words, or a hint when it is fine.

An answers key's field is checked by the planner itself (screens/steps/check.py's AnswerCheck): the field
says what the Review would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from screens.steps.check import Field
from screens.widgets.text import line

Check = Callable[[str], str | None]  # the value -> None, or what is wrong with it ("is required")


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

    @classmethod
    def of(cls, field: Field) -> ValidatedField:
        """The input for a step's field (the same field the line mode asks)."""
        return cls(
            field.label,
            field.value,
            field.check,
            id=field.key,
            hint=field.hint,
            suggestions=field.suggestions,
            placeholder=field.placeholder,
        )

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
