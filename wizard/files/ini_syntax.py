"""The oslo.config INI grammar, line by line, mirrored exactly from oslo_config.iniparser and cfg."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from wizard.files.lines import without_ending

QUOTES = ("'", '"')
# Characters that cannot be written into a value or a name and be read back unchanged by oslo.
_UNWRITABLE_CATEGORIES = {"Cc": "a control character", "Cs": "bytes that are not UTF-8"}
_UNWRITABLE_CATEGORIES |= {"Zl": "a line separator", "Zp": "a paragraph separator"}


class IniError(ValueError):
    """An INI edit that cannot be written safely, or content oslo.config would refuse to read."""


@dataclass(frozen=True)
class IniProblem:
    """A line oslo.config would refuse (it stops at the first one; this lists them all)."""

    line_number: int
    message: str
    text: str

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.message}: {self.text!r}"


@dataclass(slots=True)
class Section:
    """One header of a section and the lines up to the next header: sections may repeat."""

    name: str
    normalized: str
    header: int  # index into the document's lines
    end: int  # index of the next header, or the number of lines


@dataclass(slots=True)
class Entry:
    """One option assignment: its first line and the continuation lines oslo joins to it."""

    section: Section | None  # None: before any header or after a broken one
    key: str
    start: int
    end: int
    first_value: str
    continuations: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        if not self.continuations:
            return self.first_value
        return "\n".join([self.first_value, *self.continuations])


@dataclass(slots=True)
class Index:
    """Everything the reader and the editor need to find in the lines, rebuilt after each edit."""

    sections: list[Section] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    problems: list[IniProblem] = field(default_factory=list)
    by_option: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)

    def entries_for(self, section: str, key: str) -> list[Entry]:
        return self.by_option.get((normalize_section(section), key), [])

    def sections_named(self, section: str) -> list[Section]:
        normalized = normalize_section(section)
        return [occurrence for occurrence in self.sections if occurrence.normalized == normalized]


def normalize_section(name: str) -> str:
    """oslo matches section names case-insensitively, except that only "DEFAULT" itself is DEFAULT."""
    return name if name == "DEFAULT" else name.lower()


def sample_line_pattern(key: str) -> str:
    """The regular expression (Python's, and so Ansible's) of an option's commented default line, exactly as
    oslo-config-generator writes it: ``#key = value`` or ``#key =`` at column 0, nothing else.

    Help text never matches (its examples are indented: ``#     cpu_mode = custom``), nor does an operator's
    prose (``# virt_type: qemu was used until OPS-77``) or a hand-commented ``#key=value``. It is matched
    against a line without its ending. The one rule of where a new option goes: the INI editor uses it, and the
    Ansible export is to use the same pattern.
    """
    return rf"^#{re.escape(key)} =(?: .*)?$"


def is_sample_line(line: str, key: str) -> bool:
    """``line`` (without its ending) is the commented default line of ``key`` (see sample_line_pattern)."""
    if not line.startswith(f"#{key} ="):  # cheap test first: most lines are not
        return False
    return re.match(sample_line_pattern(key), line) is not None


def separator_at(stripped_line: str) -> int:
    """Where the key ends: the first "=" or ":", whichever comes first; -1 when there is neither."""
    colon = stripped_line.find(":")
    equal = stripped_line.find("=")
    if colon < 0 or (equal >= 0 and equal < colon):
        return equal
    return colon


def unquote(value: str) -> str:
    """oslo drops one pair of matching quotes around the first line's value (even a lone quote)."""
    if value and value[0] == value[-1] and value.startswith(QUOTES):
        return value[1:-1]
    return value


def parse_list(value: str) -> list[str]:
    """The items oslo's ListOpt (of strings) reads from a value."""
    stripped = value.strip().rstrip(",")
    if not stripped:
        return []
    return [item.strip() for item in stripped.split(",")]


def build_index(lines: list[str]) -> Index:
    """Classify every line the way oslo_config.iniparser.BaseParser.parse does, but never stop."""
    index = Index()
    section: Section | None = None
    seen_header = False
    entry: Entry | None = None  # the assignment that an indented line would continue

    def problem(number: int, message: str, text: str) -> None:
        index.problems.append(IniProblem(number + 1, message, text))

    for number, line in enumerate(lines):
        first = line[0]
        if first in "#;":
            entry = None
            continue
        if first in " \t":
            text = line.strip()
            if not text:
                entry = None
            elif entry is None:
                problem(number, "Unexpected continuation line", line.rstrip())
            else:
                entry.continuations.append(text)
                entry.end = number + 1
            continue
        text = line.rstrip()
        entry = None
        if not text:
            continue
        if first == "[":
            if section is not None:
                section.end = number
            section = None
            seen_header = True
            if not text.endswith("]"):
                problem(number, "Invalid section (must end with ])", text)
            elif len(text) <= 2:
                problem(number, "Empty section name", text)
            else:
                name = text[1:-1]
                section = Section(name, normalize_section(name), number, len(lines))
                index.sections.append(section)
            continue
        separator = separator_at(text)
        if separator < 0:
            problem(number, "No ':' or '=' found in assignment", text)
            continue
        key = text[:separator].strip()
        if not key:
            problem(number, "Key cannot be empty", text)
            continue
        if not seen_header:
            problem(number, "Section must be started before assignment", text)
        entry = Entry(section, key, number, number + 1, unquote(text[separator + 1 :].strip()))
        index.entries.append(entry)
        if section is not None:
            index.by_option.setdefault((section.normalized, key), []).append(entry)
    return index


def value_prefix(first_line: str) -> str:
    """The part of an assignment line before its value, so a rewrite keeps the key and its spacing."""
    text = without_ending(first_line).rstrip()
    separator = separator_at(text)
    after = text[separator + 1 :]
    value = after.lstrip()
    if value:
        return text[: len(text) - len(value)]
    spaced = text[:separator].endswith((" ", "\t"))
    return text[: separator + 1] + (" " if spaced else "")


def render_assignment(prefix: str, written_value: str) -> str:
    """An assignment line without trailing blanks when the value is empty."""
    return prefix + written_value if written_value else prefix.rstrip()


_NAMED = {
    "\n": "a newline",
    "\t": "a tab",
    "\r": "a carriage return",
    "\x1b": "an escape",
    "\x85": "a next line",
}


def unwritable_character(text: str) -> str | None:
    """The first character oslo would not read back inside a value ("a line separator (U+2028)"), or None.

    The one rule of what a value may hold: the INI writer refuses it, and so does `answers check`."""
    for character in text:
        reason = _UNWRITABLE_CATEGORIES.get(unicodedata.category(character))
        if reason is not None:
            return f"{_NAMED.get(character, reason)} (U+{ord(character):04X})"
    return None


def _check_characters(what: str, text: str) -> None:
    found = unwritable_character(text)
    if found is not None:
        shown = text if len(text) <= 200 else text[:200] + "…"
        raise IniError(f"{what} contains {found}: {shown!r}")


def check_section_name(section: str) -> None:
    """Refuse a section name that would not read back as the same section, or would break the file."""
    what = f"section name {section!r}"
    if not section:
        raise IniError("a section name cannot be empty")
    if section != section.strip():
        raise IniError(f"{what} has leading or trailing whitespace, which oslo keeps as part of the name")
    if "[" in section or "]" in section:
        raise IniError(f"{what} contains a bracket")
    _check_characters(what, section)


def check_key(section: str, key: str) -> None:
    """Refuse a key that oslo would read as something else (a header, a comment, another key/value split)."""
    what = f"key {key!r} in [{section}]"
    if not key:
        raise IniError(f"an option name in [{section}] cannot be empty")
    if any(character.isspace() for character in key):
        raise IniError(f"{what} contains whitespace")
    if any(character in "=:[]" for character in key):
        raise IniError(f"{what} contains one of = : [ ], which would split or start a line differently")
    if key[0] in "#;":
        raise IniError(f"{what} starts with a comment character")
    _check_characters(what, key)


def check_value(section: str, key: str, value: str) -> None:
    """Refuse a value oslo would not read back exactly (multi-line, control characters, outer blanks)."""
    what = f"value for [{section}] {key}"
    _check_characters(what, value)
    if value != value.strip():
        raise IniError(f"{what} has leading or trailing whitespace, which oslo strips: {value!r}")


def written_value(value: str) -> str:
    """The text to write so that oslo reads value back: quote it when oslo would strip its own quotes."""
    if value and value[0] == value[-1] and value.startswith(QUOTES):
        quote = "'" if value[0] == '"' else '"'
        return quote + value + quote
    return value


def check_list_item(section: str, key: str, item: str) -> None:
    """Refuse a list item oslo's ListOpt would split, drop or strip."""
    what = f"list item for [{section}] {key}"
    check_value(section, key, item)
    if not item:
        raise IniError(f"{what} is empty, which oslo reads as an empty string or drops at the end")
    if "," in item:
        raise IniError(f"{what} contains a comma, which oslo reads as two items: {item!r}")
