"""The nova.conf and glance-api.conf options the wizard writes: their schema, value validation and rendering."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from wizard.option_types import FileKind, Option, OptionType, Value

# oslo.config's own spellings (oslo_config.types.Boolean), compared after lower-casing.
TRUE_WORDS = ("true", "1", "on", "yes")
FALSE_WORDS = ("false", "0", "off", "no")

# Mistakes seen in the wild that a similarity search would not fix well.
_CHOICE_HINTS: Mapping[tuple[str, str], Mapping[str, str]] = {
    ("libvirt", "images_type"): {"qcow": "qcow2", "qcow1": "qcow2", "lvm2": "lvm", "ceph": "rbd"},
    ("libvirt", "virt_type"): {"kvm64": "kvm", "tcg": "qemu", "emulation": "qemu", "hvm": "kvm"},
    ("libvirt", "cpu_mode"): {
        "passthrough": "host-passthrough",
        "host": "host-passthrough",
        "model": "host-model",
    },
}


@dataclass(frozen=True)
class InvalidValue:
    """A value oslo.config (or nova reading it) would reject, with what is allowed and how to fix it."""

    file: FileKind
    section: str
    option: str
    value: str  # as written; the mask when the option is secret
    allowed: str
    fix: str

    @property
    def message(self) -> str:
        """One line for a findings table or an error dialog."""
        return (
            f"{self.file} [{self.section}] {self.option} = {self.value}: {self.fix} (allowed: {self.allowed})"
        )


NameStatus = Literal["known", "renamed", "deprecated_for_removal", "unknown"]


@dataclass(frozen=True)
class NameLookup:
    """What nova or glance makes of an option name found in a file."""

    status: NameStatus
    section: str  # the section the option lives in now (normalized as oslo does)
    name: str  # its current name (the replacement when status is "renamed")


def normalize_section(section: str) -> str:
    """oslo.config matches section names case-insensitively, except that only `DEFAULT` is the default section."""
    section = section.strip()
    return section if section == "DEFAULT" else section.lower()


@functools.cache
def schema() -> tuple[Option, ...]:
    """Every option the wizard writes."""
    # Imported here, not at the top: only code that needs the data (560 lines of it) pays for loading it.
    from wizard import option_data

    return option_data.SCHEMA


@functools.cache
def _schema_index() -> dict[tuple[str, str, str], Option]:
    index: dict[tuple[str, str, str], Option] = {}
    for option in schema():
        index[(option.file, option.section, option.name)] = option
    for option in schema():
        for section, name in option.deprecated_names:
            index.setdefault((option.file, section, name), option)
    return index


def find_option(file: FileKind, section: str, name: str) -> Option | None:
    """The schema entry for a (section, name) the wizard writes, also under a deprecated name; None otherwise."""
    return _schema_index().get((file, normalize_section(section), name.strip()))


def get_option(file: FileKind, section: str, name: str) -> Option:
    """Like find_option, for names the caller knows are in the schema."""
    option = find_option(file, section, name)
    if option is None:
        raise KeyError(f"{file} [{section}] {name} is not an option the wizard writes")
    return option


def data_versions() -> Mapping[str, str]:
    """The versions of nova, glance, oslo.config and the libraries the bundled data was generated from."""
    from wizard import option_data

    return option_data.VERSIONS


def _strip_like_oslo(text: str) -> str:
    # oslo's INI parser strips the value, then one pair of matching quotes around it.
    value = text.strip()
    # Exactly oslo's test: a lone quote is a pair too, and reads as the empty string.
    if value and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


# oslo.config reads `\$` as `$$`, then `$$` as `$`, and expands `$name` and `${name}` to other options' values.
_TEMPLATE = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<named>[_a-z][._a-z0-9]*)|\{(?P<braced>[_a-z][._a-z0-9]*)\})", re.I
)


def _expand_like_oslo(option: Option, text: str) -> str | InvalidValue:
    value = text.replace("\\$", "$$")
    references = [match[0] for match in _TEMPLATE.finditer(value) if match["escaped"] is None]
    if references and (option.type in ("bool", "int") or option.choices):
        return _invalid(
            option, text, "a literal value", f"write the value itself, not the reference {references[0]}"
        )
    # A reference in a string stays as written: the other option's value is not known here.
    return _TEMPLATE.sub(lambda match: "$" if match["escaped"] is not None else match[0], value)


# oslo has no inline comments: `kvm # note` is the value. A `#` or `;` after a space most likely meant one.
INLINE_COMMENT = re.compile(r"\s[#;]")


def validate_value(option: Option, text: str) -> Value | InvalidValue:
    """Read `text` (what follows `=` in the file) the way oslo.config does for this option, or say what is wrong."""
    result = _read(option, text)
    comment = INLINE_COMMENT.search(text)
    if isinstance(result, InvalidValue) and comment is not None:
        meant = text[: comment.start()].strip()
        if not isinstance(_read(option, meant), InvalidValue):
            fix = f"oslo has no inline comments: move the comment to a line of its own and keep {meant}"
            return dataclasses.replace(result, fix=fix)
    return result


def _read(option: Option, text: str) -> Value | InvalidValue:
    value = _expand_like_oslo(option, _strip_like_oslo(text))
    if isinstance(value, InvalidValue):
        return value
    if option.type == "bool":
        return _validate_bool(option, value)
    if option.type == "int":
        return _validate_int(option, value)
    if option.type == "list":
        # oslo's List type: trailing commas are dropped, items are stripped; an empty value is the empty list.
        stripped = value.strip().rstrip(",")
        return tuple(item.strip() for item in stripped.split(",")) if stripped else ()
    if option.choices:
        return _validate_choice(option, value)
    return value


def _invalid(option: Option, value: str, allowed: str, fix: str) -> InvalidValue:
    shown = "****" if option.secret else value
    return InvalidValue(option.file, option.section, option.name, shown, allowed, fix)


def _validate_bool(option: Option, value: str) -> bool | InvalidValue:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    allowed = "True or False (yes/no, on/off and 1/0 are read too)"
    close = _close_matches(word, ("true", "false"))
    fix = f"did you mean {close[0].capitalize()}?" if close else "write True or False"
    return _invalid(option, value, allowed, fix)


def _validate_int(option: Option, value: str) -> int | InvalidValue:
    bounds = _int_bounds(option)
    if value == "":
        # oslo reads an empty integer as None, which nova then uses as if it were a number: never useful.
        default = f" ({option.default})" if option.default is not None else ""
        return _invalid(
            option, value, bounds, f"remove the line to use the default{default}, or give a number"
        )
    try:
        number = int(value)  # exactly what oslo's Integer type does
    except ValueError:
        return _invalid(option, value, bounds, "write a whole number of digits, without units")
    if option.minimum is not None and number < option.minimum:
        return _invalid(option, value, bounds, f"use {option.minimum} or more")
    if option.maximum is not None and number > option.maximum:
        return _invalid(option, value, bounds, f"use {option.maximum} or less")
    return number


def _int_bounds(option: Option) -> str:
    if option.minimum is not None and option.maximum is not None:
        return f"an integer from {option.minimum} to {option.maximum}"
    if option.minimum is not None:
        return f"an integer of at least {option.minimum}"
    if option.maximum is not None:
        return f"an integer of at most {option.maximum}"
    return "an integer"


def _validate_choice(option: Option, value: str) -> str | InvalidValue:
    values = option.choice_values
    if value in values or (option.ignore_case and value.lower() in (v.lower() for v in values)):
        return value
    allowed = ", ".join(values)
    return _invalid(option, value, allowed, _choice_fix(option, value))


def _close_matches(word: str, candidates: Sequence[str]) -> list[str]:
    # difflib takes about 10 ms to import and only a wrong value needs it.
    import difflib

    return difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)


def _choice_fix(option: Option, value: str) -> str:
    values = option.choice_values
    quoted = f"'{value}'" if value else "an empty value"
    hint = _CHOICE_HINTS.get((option.section, option.name), {}).get(value.lower())
    if hint is not None and hint in values:
        return f"there is no {quoted}: use {hint}"
    same_letters = [v for v in values if v.lower() == value.lower()]
    if same_letters:
        return f"values are case-sensitive: use {same_letters[0]}"
    close = _close_matches(value.lower(), values)
    if close:
        return f"there is no {quoted}: use {close[0]}"
    return f"there is no {quoted}: use one of {', '.join(values)}"


_PYTHON_TYPES: Mapping[OptionType, type] = {"bool": bool, "int": int, "list": tuple, "string": str}


def render_value(option: Option, value: Value) -> str:
    """Exactly what the wizard writes after `option = `, such that oslo.config reads `value` back."""
    if not isinstance(value, _PYTHON_TYPES[option.type]) or (
        option.type == "int" and isinstance(value, bool)
    ):
        raise TypeError(f"{option.label} takes a {option.type} value, not {value!r}")
    if isinstance(value, bool):
        text = "True" if value else "False"
    elif isinstance(value, tuple):
        text = ",".join(item.replace("$", "$$") for item in value)
    else:
        # `$` is doubled so that oslo does not take `$name` for a reference to another option.
        text = str(value).replace("$", "$$")
    # Whatever oslo would read differently (surrounding spaces or quotes, commas or spaces in list items,
    # a value outside the choices, a line break) cannot be written.
    if "\n" in text or "\r" in text or validate_value(option, text) != value:
        raise ValueError(f"{option.label}: {value!r} cannot be written so that oslo reads it back")
    return text


@functools.cache
def _known_names(file: FileKind) -> dict[str, frozenset[str]]:
    from wizard import option_data

    return {section: frozenset(names.split()) for section, names in option_data.KNOWN_OPTIONS[file].items()}


@functools.cache
def _removal_names(file: FileKind) -> dict[str, frozenset[str]]:
    from wizard import option_data

    return {
        section: frozenset(names.split())
        for section, names in option_data.DEPRECATED_FOR_REMOVAL[file].items()
    }


def known_sections(file: FileKind) -> frozenset[str]:
    """The sections nova (or glance) defines options in, normalized as oslo does."""
    return frozenset(_known_names(file))


def known_options(file: FileKind, section: str) -> frozenset[str]:
    """The current option names of a section; empty for a section nova (or glance) does not define."""
    return _known_names(file).get(normalize_section(section), frozenset())


def lookup_name(file: FileKind, section: str, name: str) -> NameLookup:
    """Whether nova (or glance) reads `name` in `section`, under which current name, and if it is going away."""
    from wizard import option_data

    section, name = normalize_section(section), name.strip()
    if name in known_options(file, section):
        removal = name in _removal_names(file).get(section, frozenset())
        return NameLookup("deprecated_for_removal" if removal else "known", section, name)
    renamed = option_data.RENAMED_OPTIONS[file].get((section, name))
    if renamed is not None:
        return NameLookup("renamed", renamed[0], renamed[1])
    return NameLookup("unknown", section, name)
