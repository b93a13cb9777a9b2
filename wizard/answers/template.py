"""The commented answers template: every key of KEYS with its meaning, allowed values, default and effect."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import tomlkit

from wizard.answers.model import ANSWERS_VERSION, KEYS, SECTIONS, Answers, KeySpec, Value

WIDTH = 100

_TYPE_WORDS = {bool: "true or false", int: "a whole number", str: "a string", tuple: "a list of strings"}


def toml_value(value: Value) -> str:
    """A value as TOML writes it (strings quoted, lists in brackets)."""
    return tomlkit.item(list(value) if isinstance(value, tuple) else value).as_string()


def _comment(text: str, prefix: str = "") -> list[str]:
    indent = " " * len(prefix)
    return [
        f"# {line}"
        for line in textwrap.wrap(
            text, WIDTH - 2, initial_indent=prefix, subsequent_indent=indent, break_on_hyphens=False
        )
    ]


def _allowed(spec: KeySpec) -> str:
    if spec.allowed:
        return " | ".join(toml_value(choice) for choice in spec.allowed)
    return _TYPE_WORDS[spec.kind]


def key_block(spec: KeySpec, value: Value, note: str = "", *, active: bool = True) -> list[str]:
    """The comment lines that explain one key, then the key itself (commented out when not ``active``)."""
    lines = _comment(spec.help)
    lines += _comment(f"{_allowed(spec)}; a new node's usual value {toml_value(spec.default)}", "allowed: ")
    if spec.applies_when:
        lines += _comment(f"{spec.applies_when} (ignored otherwise)", "only when: ")
    lines += _comment(spec.changes, "changes: ")
    if note:
        lines += _comment(note, "on this host: ")
    lines.append(f"{'' if active else '# '}{spec.key} = {toml_value(value)}")
    return lines


def render_template(
    answers: Answers | None = None,
    notes: Mapping[str, str] | None = None,
    header: Sequence[str] = (),
    active: frozenset[str] = frozenset(),
) -> str:
    """The whole file: ``answers`` give the values (a new node's usual ones without them), ``active`` the keys
    written as keys (the others are commented out: left out, they keep the node's value), ``notes`` what the
    host adds to a key's explanation, ``header`` lines about where the values come from."""
    values = answers or Answers()
    remarks = notes or {}
    lines = [
        f"# kvm-wizard answers, version {ANSWERS_VERSION}: the choices that turn a host into a Nova compute node.",
        "# Every key is listed with what it means, what it may be, and what it changes.",
        "# A key left out (or commented out) keeps the node's current value: set a key to change it.",
        "#   check it:          kvm-wizard answers check FILE [--demo SCENARIO | --facts F | --root DIR]",
        "#   see what changes:  kvm-wizard plan --answers FILE",
        "#   apply it:          kvm-wizard apply --answers FILE",
        "#   many nodes:        kvm-wizard export ansible --answers FILE",
    ]
    lines += [f"# {line}" if line else "#" for line in header]
    lines += ["", "# The format of this file; kvm-wizard migrates older versions and refuses newer ones."]
    lines += [f"version = {ANSWERS_VERSION}"]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for spec in KEYS:
            if spec.section == section:
                lines.append("")
                lines += key_block(
                    spec, values.value(spec.path), remarks.get(spec.path, ""), active=spec.path in active
                )
    return "\n".join(lines) + "\n"
