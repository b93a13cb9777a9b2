"""A small YAML writer for playbooks: block style, comments where a reader needs them, no dependency.

Strings that need it are written as JSON strings, which YAML reads as double-quoted scalars; a value taken from
the answers that could be read as a Jinja template is tagged !unsafe so that Ansible never expands it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Union

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+-]*")
# Words YAML 1.1 (which Ansible reads) turns into booleans or null when they are not quoted.
_SPECIAL = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "none", "~"}


@dataclass(frozen=True)
class Unsafe:
    """A literal string from the answers: never templated by Ansible."""

    text: str


@dataclass(frozen=True)
class Commented:
    """A list item (a task) with comment lines above it."""

    comments: tuple[str, ...]
    value: Node


Node = Union[str, int, bool, Unsafe, "Commented", list["Node"], dict[str, "Node"]]


@dataclass
class Document:
    """Lines of a YAML file being written: comments, blank lines and nodes."""

    lines: list[str] = field(default_factory=list)

    def comment(self, text: str = "", indent: int = 0) -> None:
        self.lines.append(" " * indent + (f"# {text}" if text else "#"))

    def blank(self) -> None:
        self.lines.append("")

    def node(self, value: Node, indent: int = 0) -> None:
        self.lines.extend(render(value, indent))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def scalar(value: str | int | bool | Unsafe) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Unsafe):
        if "{" in value.text or "%" in value.text:
            return "!unsafe " + json.dumps(value.text)
        return scalar(value.text)
    if _PLAIN.fullmatch(value) and value.lower() not in _SPECIAL:
        return value
    return json.dumps(value)


def render(value: Node, indent: int = 0) -> list[str]:
    """The lines of one node at ``indent`` spaces, as the value of a key or an item of a list."""
    pad = " " * indent
    if isinstance(value, dict):
        lines: list[str] = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(render(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_inline(item)}")
        return lines
    if isinstance(value, list):
        lines = []
        for entry in value:
            comments, item = (entry.comments, entry.value) if isinstance(entry, Commented) else ((), entry)
            lines.extend(f"{pad}# {text}" if text else f"{pad}#" for text in comments)
            if isinstance(item, (dict, list)) and item:
                inner = render(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {_inline(item)}")
        return lines
    return [pad + _inline(value)]


def _inline(value: Node) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, Commented):
        raise TypeError("a commented node belongs in a list")
    return scalar(value)
