"""A configuration file parsed for lint: its assignments by option, each shown with secrets masked."""

from __future__ import annotations

from wizard.files.ini import IniDocument, IniEntry
from wizard.host.ini_record import looks_secret
from wizard.lint.issues import Place
from wizard.option_types import FileKind
from wizard.options import normalize_section
from wizard.secrets import MASK, mask_text


class Document:
    """One parsed file and its assignments by (normalized section, key), in file order."""

    def __init__(self, file: FileKind, text: str) -> None:
        self.file = file
        self.ini = IniDocument(text)
        self.entries = list(self.ini.entries())
        self.by_option: dict[tuple[str, str], list[IniEntry]] = {}
        for entry in self.entries:
            if entry.section is not None:
                key = (normalize_section(entry.section), entry.key)
                self.by_option.setdefault(key, []).append(entry)

    def last(self, section: str, option: str) -> IniEntry | None:
        found = self.by_option.get((normalize_section(section), option))
        return found[-1] if found else None

    def place(self, section: str, option: str) -> Place:
        entry = self.last(section, option)
        if entry is None:
            return Place(section, option, None, f"[{section}] {option} (not set)")
        return Place(section, option, entry.line_number, shown_entry(self.file, entry))

    def config(self) -> dict[tuple[str, str], str]:
        """(section, option) -> raw value of the assignment oslo reads, for wizard.rules."""
        return {(entry.section, entry.key): entry.raw_value for entry in self.entries if entry.section}


def shown_entry(file: FileKind, entry: IniEntry) -> str:
    """`[section] key = value` with a secret value masked and only the first line of a continued one."""
    section = entry.section or "?"
    if looks_secret(file, section, entry.key):
        return f"[{section}] {entry.key} = {MASK}"
    first = entry.raw_value.split("\n", 1)[0].strip()
    more = " ..." if entry.continued else ""
    return f"[{section}] {entry.key} = {mask_text(first)}{more}"
