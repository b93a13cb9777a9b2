"""The files' timeline across generations: their state at any generation, what the wizard last wrote, drift.

Generation N holds each file's state just before transaction N. So the state of a file "at generation N"
is its 'before' copy in the first generation from N on that recorded it; a file no later generation
recorded is as the last transaction before N left it (its 'after' when that transaction was applied).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.apply.atomic import FileState
from wizard.apply.generations import (
    AFTER,
    BEFORE,
    Generation,
    GenerationEntry,
    GenerationError,
    RecordedFile,
    RecordedState,
    list_generations,
    load_content,
)
from wizard.apply.state import StatePaths


@dataclass(frozen=True)
class Source:
    """Where a file's state at some generation is stored: a side of one generation's copy."""

    generation: Generation
    file: RecordedFile
    side: str

    @property
    def state(self) -> RecordedState:
        return self.file.before if self.side == BEFORE else self.file.after

    def describe(self) -> str:
        when = "before" if self.side == BEFORE else "after"
        return f"as recorded {when} generation {self.generation.number}"


@dataclass(frozen=True)
class Drift:
    """A file that is not what the wizard last left there: edited, removed or re-owned by hand since."""

    path: str
    detail: str


class Timeline:
    def __init__(self, paths: StatePaths, entries: list[GenerationEntry] | None = None) -> None:
        self.paths = paths
        self.entries = entries if entries is not None else list_generations(paths)

    @property
    def numbers(self) -> list[int]:
        return [entry.number for entry in self.entries]

    def generation(self, number: int) -> Generation:
        for entry in self.entries:
            if entry.number == number:
                if entry.generation is None:
                    raise GenerationError(entry.problem)
                return entry.generation
        raise GenerationError(f"there is no generation {number} (see kvm-wizard snapshots list)")

    def _usable(self, entry: GenerationEntry, needed_for: str) -> Generation:
        if entry.generation is None:
            raise GenerationError(f"{entry.problem}; it is needed {needed_for}")
        return entry.generation

    def paths_from(self, number: int) -> list[str]:
        """Every file recorded by generation ``number`` or a later one (what a rollback to it restores)."""
        self.generation(number)
        seen: dict[str, None] = {}
        for entry in self.entries:
            if entry.number >= number:
                generation = self._usable(entry, f"to know the files as they were at generation {number}")
                for item in generation.files:
                    seen.setdefault(item.written_path, None)
        return list(seen)

    def source_at(self, number: int, written_path: str) -> Source | None:
        """Where the state of ``written_path`` at generation ``number`` is stored; None if never recorded."""
        for entry in self.entries:
            if entry.number < number:
                continue
            generation = self._usable(entry, f"for {written_path} at generation {number}")
            item = generation.file(written_path)
            if item is not None:
                return Source(generation, item, BEFORE)
        return self.last_source(written_path, below=number)

    def last_source(self, written_path: str, below: int | None = None) -> Source | None:
        """The state the wizard last left ``written_path`` in (before ``below`` when given)."""
        for entry in reversed(self.entries):
            if below is not None and entry.number >= below:
                continue
            generation = self._usable(entry, f"for the last state of {written_path}")
            item = generation.file(written_path)
            if item is not None:
                return Source(generation, item, AFTER if generation.status == "applied" else BEFORE)
        return None

    def load(self, source: Source) -> FileState:
        return load_content(self.paths, source.generation, source.file, source.side)

    def drift(self, written_path: str, current: FileState) -> Drift | None:
        """How ``current`` differs from what the wizard last left there, or None."""
        source = self.last_source(written_path)
        if source is None:
            return None
        expected = source.state
        interrupted = source.generation.status == "pending"
        if interrupted and (source.file.before.matches(current) or source.file.after.matches(current)):
            return None  # an interrupted transaction may have left either side
        if expected.matches(current):
            return None
        number = source.generation.number
        if expected.exists and not current.exists:
            return Drift(written_path, f"removed by hand since generation {number}")
        if not expected.exists and current.exists:
            return Drift(written_path, f"created by hand since generation {number}")
        if expected.sha256 != current.sha256:
            return Drift(written_path, f"edited by hand since generation {number}")
        return Drift(written_path, f"owner or mode changed by hand since generation {number}")
