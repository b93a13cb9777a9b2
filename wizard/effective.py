"""The effective configuration: the value nova-compute (or glance-api) uses for each option, and where it comes
from, over every file it reads, by oslo.config's rules.

- Files are read in the chain's order (wizard.host.config_chain); a later file wins.
- Within a file, the last assignment wins, also across repeated sections; section names match without regard
  to case, except that only `DEFAULT` is the default section.
- An option read under several names (its deprecated ones) is looked up newest file first; in that file the
  current name comes before the deprecated ones (oslo_config.cfg._Namespace._get_file_value).
- An option set nowhere has nova's default.

Pure: it takes the files' contents, whoever read them (the planner under the root, diagnosis from the facts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wizard.files.ini import IniDocument, IniEntry, IniProblem
from wizard.option_types import FileKind, Option, Value
from wizard.options import InvalidValue, find_option, normalize_section, validate_value


@dataclass(frozen=True)
class Assignment:
    """One `key = value` of one file, where it is."""

    path: str
    section: str  # as written
    key: str  # as written: the option's current name or a deprecated one
    value: str  # what oslo reads (quotes dropped, continuation lines joined)
    raw_value: str  # everything after the separator, as written
    line: int  # 1-based

    def where(self) -> str:
        return f"{self.path} line {self.line}"


@dataclass(frozen=True)
class ConfigSource:
    """One file of the chain: its parsed text, or why there is none."""

    path: str
    document: IniDocument | None  # None: absent or unreadable
    error: str | None = None  # unreadable: why


@dataclass(frozen=True)
class EffectiveOption:
    """An option as the service sees it: the assignment that wins, the ones it shadows, and the typed value."""

    file: FileKind
    section: str
    name: str
    winner: Assignment | None  # None: set in no file
    shadowed: tuple[Assignment, ...]  # every other assignment in the chain, newest first
    option: Option | None  # the schema entry, when the wizard knows the option

    @property
    def is_set(self) -> bool:
        return self.winner is not None

    def typed(self) -> Value | InvalidValue | None:
        """The value nova uses: the winning assignment read with the option's type, else nova's default (None
        when the option has none, or is not in the schema)."""
        if self.winner is None:
            return self.option.default if self.option is not None else None
        if self.option is None:
            return self.winner.value
        return validate_value(self.option, self.winner.raw_value)

    def origin(self) -> str:
        """Where the value comes from, in words: "/etc/nova/nova.conf line 23" or "nova's default"."""
        if self.winner is not None:
            return self.winner.where()
        return "nova's default" if self.file == "nova.conf" else "glance's default"


class EffectiveConfig:
    """The files one service reads, in order, and the value that wins for each option."""

    def __init__(self, kind: FileKind, sources: Sequence[ConfigSource]) -> None:
        self.kind = kind
        self.sources = tuple(sources)
        self._index: list[tuple[str, dict[tuple[str, str], list[IniEntry]]]] | None = None

    @classmethod
    def parse(cls, kind: FileKind, texts: Iterable[tuple[str, bytes | str | None]]) -> EffectiveConfig:
        """From (path, content) pairs in the chain's order; None content: the file does not exist."""
        sources = []
        for path, content in texts:
            if content is None:
                sources.append(ConfigSource(path, None))
            elif isinstance(content, bytes):
                sources.append(ConfigSource(path, IniDocument.parse(content)))
            else:
                sources.append(ConfigSource(path, IniDocument(content)))
        return cls(kind, sources)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(source.path for source in self.sources)

    def _indexed(self) -> list[tuple[str, dict[tuple[str, str], list[IniEntry]]]]:
        """Newest file first: its assignments by (normalized section, key), in file order."""
        if self._index is None:
            index = []
            for source in reversed(self.sources):
                if source.document is None:
                    continue
                by_key: dict[tuple[str, str], list[IniEntry]] = {}
                for entry in source.document.entries():
                    if entry.section is not None:
                        by_key.setdefault((normalize_section(entry.section), entry.key), []).append(entry)
                index.append((source.path, by_key))
            self._index = index
        return self._index

    def invalidate(self) -> None:
        """Forget what was read: a document of a source was edited."""
        self._index = None

    def option(self, section: str, name: str) -> EffectiveOption:
        """The option at (section, name), under its current and deprecated names as nova reads them."""
        option = find_option(self.kind, section, name)
        names = [(normalize_section(section), name)]
        if option is not None:
            names = [(option.section, option.name)]
            names += [(normalize_section(old_section), old) for old_section, old in option.deprecated_names]
        winner: Assignment | None = None
        shadowed: list[Assignment] = []
        for path, by_key in self._indexed():
            in_this_file: Assignment | None = None
            for key in names:
                entries = by_key.get(key, [])
                if entries and in_this_file is None:
                    in_this_file = _assignment(path, entries[-1])
                    shadowed += [_assignment(path, entry) for entry in reversed(entries[:-1])]
                elif entries:
                    shadowed += [_assignment(path, entry) for entry in reversed(entries)]
            if in_this_file is None:
                continue
            if winner is None:
                winner = in_this_file
            else:
                shadowed.append(in_this_file)
        return EffectiveOption(
            self.kind,
            option.section if option is not None else normalize_section(section),
            option.name if option is not None else name,
            winner,
            tuple(shadowed),
            option,
        )

    def settings(self) -> dict[tuple[str, str], Assignment]:
        """Every (normalized section, key) set in some file, with the assignment that wins (names as written:
        a deprecated name is its own key here)."""
        found: dict[tuple[str, str], Assignment] = {}
        for path, by_key in self._indexed():
            for key, entries in by_key.items():
                found.setdefault(key, _assignment(path, entries[-1]))
        return found

    def raw_config(self) -> dict[tuple[str, str], str]:
        """(section, key) -> the raw text of the assignment that wins, for wizard.rules."""
        return {key: assignment.raw_value for key, assignment in self.settings().items()}

    def problems(self) -> list[tuple[str, IniProblem]]:
        """Lines oslo.config would refuse, by file: the service does not start with any of them."""
        return [
            (source.path, problem)
            for source in self.sources
            if source.document is not None
            for problem in source.document.problems()
        ]


def _assignment(path: str, entry: IniEntry) -> Assignment:
    return Assignment(path, entry.section or "", entry.key, entry.value, entry.raw_value, entry.line_number)


def same_value(option: Option | None, current: Value | InvalidValue | None, desired: Value) -> bool:
    """Whether nova reads ``current`` as ``desired`` (list items compared as the option compares them)."""
    if isinstance(current, InvalidValue) or current is None:
        return False
    if isinstance(current, tuple) and isinstance(desired, tuple):
        fold = option is not None and option.ignore_case
        return tuple(item.lower() if fold else item for item in current) == tuple(
            item.lower() if fold else item for item in desired
        )
    if isinstance(current, str) and isinstance(desired, str) and option is not None and option.ignore_case:
        return current.lower() == desired.lower()
    return current == desired


def meaning(config: EffectiveConfig, section: str, name: str) -> Value | InvalidValue | None:
    """The value as nova acts on it: images_type's `default` is qcow2 while use_cow_images is true (nova's
    default) and flat otherwise; everything else is its typed value."""
    value = config.option(section, name).typed()
    if (section, name) == ("libvirt", "images_type") and value == "default":
        cow = config.option("DEFAULT", "use_cow_images").typed()
        return "flat" if cow is False else "qcow2"
    return value
