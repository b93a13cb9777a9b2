"""Configuration files parsed for lint: each one's assignments by option, each shown with secrets masked, and a
service's files together, with the assignment that wins."""

from __future__ import annotations

from collections.abc import Sequence

from wizard.effective import ConfigSource, EffectiveConfig
from wizard.files.ini import IniDocument, IniEntry
from wizard.host.ini_record import looks_secret
from wizard.lint.issues import Place
from wizard.option_types import FileKind
from wizard.options import normalize_section
from wizard.secrets import MASK, mask_text


class Document:
    """One parsed file and its assignments by (normalized section, key), in file order."""

    def __init__(self, file: FileKind, text: str, path: str) -> None:
        self.file = file
        self.path = path
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


class ChainDocuments:
    """One service's files in the order it reads them (the first: where a setting no file makes goes), with
    the assignment that wins for each option, by oslo's rules (wizard.effective)."""

    def __init__(self, file: FileKind, files: Sequence[tuple[str, Document | None]]) -> None:
        self.file = file
        self.paths = tuple(path for path, _ in files)
        self.primary = self.paths[0]
        self.documents = {path: document for path, document in files if document is not None}
        self.effective = EffectiveConfig(
            file, [ConfigSource(path, document.ini if document else None) for path, document in files]
        )
        self._settings = self.effective.settings()

    def winner(self, section: str, option: str) -> tuple[Document, IniEntry] | None:
        """The file and the line whose value the service reads for exactly this name (None: set nowhere)."""
        assignment = self._settings.get((normalize_section(section), option))
        if assignment is None:
            return None
        document = self.documents[assignment.path]
        entry = document.last(assignment.section, assignment.key)
        return (document, entry) if entry is not None else None

    def last(self, section: str, option: str) -> IniEntry | None:
        found = self.winner(section, option)
        return found[1] if found else None

    def path_of(self, section: str, option: str) -> str:
        """Where the option's value comes from, else the primary file: where a repair changes it."""
        found = self.winner(section, option)
        return found[0].path if found else self.primary

    def place(self, section: str, option: str) -> tuple[str, Place]:
        found = self.winner(section, option)
        if found is None:
            return self.primary, Place(section, option, None, f"[{section}] {option} (not set)")
        return found[0].path, found[0].place(section, option)

    def config(self) -> dict[tuple[str, str], str]:
        """(section, option) -> the raw value the service reads over all its files, for wizard.rules."""
        return self.effective.raw_config()
