"""The types of the option schema: what an option of nova.conf or glance-api.conf is. Imports nothing of ours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FileKind = Literal["nova.conf", "glance-api.conf"]
FILE_KINDS: tuple[FileKind, ...] = ("nova.conf", "glance-api.conf")
OptionType = Literal["string", "bool", "int", "list"]
# A typed option value as oslo.config reads it; lists are tuples so that values stay hashable and immutable.
Value = str | bool | int | tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    """One allowed value of an option with choices, and nova's description of it."""

    value: str
    help: str = ""


@dataclass(frozen=True)
class Option:
    """One option as nova or glance defines it (generated from their option objects)."""

    file: FileKind
    section: str
    name: str
    type: OptionType
    help: str  # the first sentence of the project's own help
    default: Value | None = None  # None: unset, the option has no default
    choices: tuple[Choice, ...] = ()
    ignore_case: bool = False  # oslo compares choices (or list items) case-insensitively
    value_aliases: tuple[tuple[str, str], ...] = ()  # (deprecated value, the value it means)
    deprecated_names: tuple[tuple[str, str], ...] = ()  # (section, name) still read in place of this one
    secret: bool = False
    minimum: int | None = None
    maximum: int | None = None
    deprecated_for_removal: bool = False

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The allowed values, in nova's order."""
        return tuple(choice.value for choice in self.choices)

    @property
    def label(self) -> str:
        """How messages name this option: `nova.conf [libvirt] images_type`."""
        return f"{self.file} [{self.section}] {self.name}"
