"""Round-trip editor for oslo.config INI files (nova.conf, glance-api.conf): reads as oslo does, edits in place."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from wizard.files import ini_syntax
from wizard.files.ini_syntax import Entry, Index, IniError, IniProblem, Section
from wizard.files.lines import decode, encode, ending_of, split_lines, without_ending

# decode() turns each byte that is not UTF-8 into one of these.
_UNDECODABLE = re.compile("[\udc80-\udcff]")

__all__ = ["IniChange", "IniDocument", "IniEntry", "IniError", "IniProblem"]


@dataclass(frozen=True)
class IniEntry:
    """One option assignment as written, for linting user files."""

    section: str | None  # the header as written; None before any header or after a broken one
    key: str
    value: str  # what oslo reads: stripped, quotes dropped, continuation lines joined with "\n"
    raw_value: str  # everything after the separator, continuation lines included, exactly as written
    line_number: int  # 1-based, the entry's first line
    line_count: int

    @property
    def continued(self) -> bool:
        return self.line_count > 1


@dataclass(frozen=True)
class IniChange:
    """What one edit did to one option, so the planner can attach a reason to each changed line."""

    section: str
    key: str
    old_values: tuple[str, ...]  # as oslo read them before the edit (several for a multi-valued option)
    new_values: tuple[str, ...]
    old_lines: tuple[str, ...]  # removed or replaced lines, without line endings
    new_lines: tuple[str, ...]  # written lines, without line endings
    old_line_numbers: tuple[int, ...]  # 1-based, in the document before the edit
    new_line_numbers: tuple[int, ...]  # 1-based, in the document right after the edit

    @property
    def old_value(self) -> str | None:
        return self.old_values[-1] if self.old_values else None

    @property
    def new_value(self) -> str | None:
        return self.new_values[-1] if self.new_values else None

    @property
    def changed(self) -> bool:
        return bool(self.old_lines or self.new_lines)


class IniDocument:
    """An INI file as a list of lines (each keeping its ending) and an index rebuilt after every edit."""

    def __init__(self, text: str, *, undecodable: bool = False) -> None:
        self._lines, self._ending = split_lines(text)
        # Text made by decode() carries undecodable bytes as lone surrogates: known here however it was read.
        self._undecodable = undecodable or _UNDECODABLE.search(text) is not None
        self._index: Index | None = None
        self._changes: list[IniChange] = []

    @classmethod
    def parse(cls, data: bytes, *, strict: bool = False) -> IniDocument:
        """Read any bytes; with strict, raise IniError where oslo.config would refuse the file."""
        try:
            document = cls(data.decode("utf-8"))
        except UnicodeDecodeError:
            document = cls(decode(data), undecodable=True)
        if strict and (problems := document.problems()):
            raise IniError(str(problems[0]))
        return document

    def to_bytes(self) -> bytes:
        return encode("".join(self._lines))

    @property
    def line_ending(self) -> str:
        """The ending given to new lines: the file's dominant one."""
        return self._ending

    @property
    def changes(self) -> list[IniChange]:
        """Every edit that changed something, in order."""
        return list(self._changes)

    # Reading

    def _indexed(self) -> Index:
        if self._index is None:
            self._index = ini_syntax.build_index(self._lines)
        return self._index

    def problems(self) -> list[IniProblem]:
        """Lines oslo.config would refuse; it stops reading at the first."""
        problems = list(self._indexed().problems)
        if self._undecodable:
            # oslo opens the file as UTF-8 text and fails with a UnicodeDecodeError.
            for number, line in enumerate(self._lines, start=1):
                if _UNDECODABLE.search(line):
                    problems.append(IniProblem(number, "Not valid UTF-8", line.rstrip()))
            problems.sort(key=lambda problem: problem.line_number)
        return problems

    def sections(self) -> list[str]:
        """Section names in order of first appearance, repeats (also in other letter case) left out."""
        names: dict[str, str] = {}
        for section in self._indexed().sections:
            names.setdefault(section.normalized, section.name)
        return list(names.values())

    def has_section(self, section: str) -> bool:
        return bool(self._indexed().sections_named(section))

    def get(self, section: str, key: str) -> str | None:
        """The value oslo reads for a single-valued option: the last assignment wins."""
        entries = self._indexed().entries_for(section, key)
        return entries[-1].value if entries else None

    def get_all(self, section: str, key: str) -> list[str]:
        """Every value of a multi-valued option, in file order across repeated sections."""
        return [entry.value for entry in self._indexed().entries_for(section, key)]

    def get_list(self, section: str, key: str) -> list[str] | None:
        """The items oslo's ListOpt reads from the option, or None when it is not set."""
        value = self.get(section, key)
        return None if value is None else ini_syntax.parse_list(value)

    def entries(self) -> Iterator[IniEntry]:
        """Every option assignment in file order, also those oslo would refuse to read."""
        lines = self._lines
        for entry in self._indexed().entries:
            first = lines[entry.start].rstrip()
            raw = [first[ini_syntax.separator_at(first) + 1 :]]
            raw += [line.rstrip() for line in lines[entry.start + 1 : entry.end]]
            yield IniEntry(
                section=entry.section.name if entry.section is not None else None,
                key=entry.key,
                value=entry.value,
                raw_value="\n".join(raw),
                line_number=entry.start + 1,
                line_count=entry.end - entry.start,
            )

    # Editing

    def set(self, section: str, key: str, value: str) -> IniChange:
        """Make a single-valued option read as value, changing only that option's lines."""
        self._check_option(section, key)
        ini_syntax.check_value(section, key, value)
        return self._write(section, key, [value])

    def set_list(self, section: str, key: str, values: Sequence[str]) -> IniChange:
        """Write a ListOpt as "a,b,c", which oslo reads back as exactly these items."""
        self._check_option(section, key)
        for item in values:
            ini_syntax.check_list_item(section, key, item)
        entries = self._indexed().entries_for(section, key)
        if len(entries) == 1 and ini_syntax.parse_list(entries[0].value) == list(values):
            return self._unchanged(section, key, entries)
        return self._write(section, key, [",".join(values)])

    def set_multi(self, section: str, key: str, values: Sequence[str]) -> IniChange:
        """Write a multi-valued option as one line per value, where its last assignment was."""
        self._check_option(section, key)
        for value in values:
            ini_syntax.check_value(section, key, value)
        if not values:
            return self.unset(section, key)
        return self._write(section, key, list(values))

    def unset(self, section: str, key: str) -> IniChange:
        """Remove every line of the option, in every repeat of the section; nothing else."""
        entries = self._indexed().entries_for(section, key)
        old_lines, old_numbers = self._lines_of(entries)
        for entry in reversed(entries):
            self._splice(entry.start, entry.end, [])
        return self._record(section, key, entries, (), old=(old_lines, old_numbers))

    # Editing internals

    @staticmethod
    def _check_option(section: str, key: str) -> None:
        ini_syntax.check_section_name(section)
        ini_syntax.check_key(section, key)

    def _unchanged(self, section: str, key: str, entries: list[Entry]) -> IniChange:
        values = tuple(entry.value for entry in entries)
        return IniChange(section, key, values, values, (), (), (), ())

    def _lines_of(self, entries: list[Entry]) -> tuple[list[str], list[int]]:
        texts: list[str] = []
        numbers: list[int] = []
        for entry in entries:
            for number in range(entry.start, entry.end):
                texts.append(self._lines[number])
                numbers.append(number + 1)
        return texts, numbers

    def _write(self, section: str, key: str, values: list[str]) -> IniChange:
        entries = self._indexed().entries_for(section, key)
        if tuple(entry.value for entry in entries) == tuple(values):
            return self._unchanged(section, key, entries)
        written = [ini_syntax.written_value(value) for value in values]
        if entries:
            return self._replace(section, key, entries, values, written)
        occurrences = self._indexed().sections_named(section)
        if not occurrences:
            return self._append_section(section, key, values, written)
        new_lines = [ini_syntax.render_assignment(f"{key} = ", value) for value in written]
        sample = self._sample_line(occurrences, key)
        if sample is not None and not self._is_orphan_continuation(sample + 1):
            return self._uncomment(section, key, sample, values, new_lines)
        # No sample to edit (or one an indented line follows, which would become the new value's
        # continuation): add the option after the section's last assignment, past any such indented line.
        position = sample + 1 if sample is not None else self._section_content_end(occurrences[-1])
        while self._is_orphan_continuation(position):
            position += 1
        numbers = self._insert(position, new_lines)
        return self._record(section, key, [], tuple(values), new=(new_lines, numbers))

    def _uncomment(
        self, section: str, key: str, sample: int, values: list[str], new_lines: list[str]
    ) -> IniChange:
        """Turn the option's commented sample line into the assignment, as an admin does in an editor (and as
        Ansible's ini_file does): the option stays where its documentation is, and no second line repeats it."""
        old_line = self._lines[sample]
        ending = ending_of(old_line)
        endings = [ending or self._ending] * len(new_lines)
        endings[-1] = ending
        self._splice(sample, sample + 1, [line + end for line, end in zip(new_lines, endings, strict=True)])
        numbers = list(range(sample + 1, sample + 1 + len(new_lines)))
        return self._record(
            section, key, [], tuple(values), old=([old_line], [sample + 1]), new=(new_lines, numbers)
        )

    def _replace(
        self, section: str, key: str, entries: list[Entry], values: list[str], written: list[str]
    ) -> IniChange:
        last = entries[-1]
        new_lines: list[str] = []
        if values != [last.value]:
            prefix = ini_syntax.value_prefix(self._lines[last.start])
            ending = ending_of(self._lines[last.start]) or self._ending
            new_lines = [ini_syntax.render_assignment(prefix, value) for value in written]
            endings = [ending] * len(new_lines)
            endings[-1] = ending_of(self._lines[last.end - 1])
        # Only the duplicates go when the last assignment already reads right.
        old_lines, old_numbers = self._lines_of(entries if new_lines else entries[:-1])
        if new_lines:
            self._splice(
                last.start,
                last.end,
                [line + line_ending for line, line_ending in zip(new_lines, endings, strict=True)],
            )
        removed_above = 0
        for entry in reversed(entries[:-1]):
            self._splice(entry.start, entry.end, [])
            removed_above += entry.end - entry.start
        first = last.start - removed_above + 1
        numbers = list(range(first, first + len(new_lines)))
        return self._record(
            section, key, entries, tuple(values), old=(old_lines, old_numbers), new=(new_lines, numbers)
        )

    def _append_section(self, section: str, key: str, values: list[str], written: list[str]) -> IniChange:
        added = [] if not self._lines or not self._lines[-1].strip() else [""]
        added.append(f"[{section}]")
        new_lines = [ini_syntax.render_assignment(f"{key} = ", value) for value in written]
        numbers = self._insert(len(self._lines), added + new_lines)
        return self._record(section, key, [], tuple(values), new=(added + new_lines, numbers))

    def _insert(self, position: int, new_lines: list[str]) -> list[int]:
        """Insert whole lines; a last line without an ending gets one first so the new lines stay lines."""
        if position == len(self._lines) and self._lines and not ending_of(self._lines[-1]):
            self._lines[-1] += self._ending
        self._splice(position, position, [line + self._ending for line in new_lines])
        return list(range(position + 1, position + 1 + len(new_lines)))

    def _splice(self, start: int, end: int, new_lines: list[str]) -> None:
        """Replace lines[start:end], keeping every other line a line of its own."""
        self._lines[start:end] = new_lines
        self._index = None
        for junction in (start, start + len(new_lines)):
            # A line ending in a lone "\r" now followed by an empty "\n" line would read as one "\r\n":
            # make its ending "\r\n" so that the blank line stays.
            if (
                0 < junction < len(self._lines)
                and self._lines[junction - 1].endswith("\r")
                and self._lines[junction].startswith("\n")
            ):
                self._lines[junction - 1] += "\n"

    def _sample_line(self, occurrences: list[Section], key: str) -> int | None:
        """The index of the option's commented default line in the section (ini_syntax.is_sample_line: as
        oslo-config-generator writes it, never help text or an operator's prose), if there is one."""
        for occurrence in occurrences:
            for number in range(occurrence.header + 1, occurrence.end):
                line = self._lines[number]
                if line[0] == "#" and ini_syntax.is_sample_line(without_ending(line), key):
                    return number
        return None

    def _section_content_end(self, occurrence: Section) -> int:
        """After the last assignment of the section, before the comments and blanks that lead to the next."""
        for number in range(occurrence.end - 1, occurrence.header, -1):
            line = self._lines[number]
            if line[0] not in "#;" and line.strip():
                return number + 1
        return occurrence.header + 1

    def _is_orphan_continuation(self, number: int) -> bool:
        # An indented line here would become the new option's continuation: step past it.
        if number >= len(self._lines):
            return False
        line = self._lines[number]
        return line[0] in " \t" and bool(line.strip())

    def _record(
        self,
        section: str,
        key: str,
        entries: list[Entry],
        new_values: tuple[str, ...],
        *,
        old: tuple[Sequence[str], Sequence[int]] = ((), ()),
        new: tuple[Sequence[str], Sequence[int]] = ((), ()),
    ) -> IniChange:
        """Note the edit; old and new are the lines (with or without endings) and their 1-based numbers."""
        change = IniChange(
            section=section,
            key=key,
            old_values=tuple(entry.value for entry in entries),
            new_values=new_values,
            old_lines=tuple(without_ending(line) for line in old[0]),
            new_lines=tuple(new[0]),
            old_line_numbers=tuple(old[1]),
            new_line_numbers=tuple(new[1]),
        )
        if change.changed:
            self._index = None
            self._changes.append(change)
        return change
