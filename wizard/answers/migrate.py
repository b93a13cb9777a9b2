"""Answers files of older versions, brought up to the current version one step at a time, each step said aloud."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tomlkit.items import Item, Table
from tomlkit.toml_document import TOMLDocument

from wizard.answers.model import ANSWERS_VERSION

# A step edits the TOML document in place (so comments survive a re-save) and returns what it changed in this
# file, one sentence per change ("[storage] pool renamed to rbd_pool"); [] when the file needed nothing.
StepFunction = Callable[[TOMLDocument], list[str]]


@dataclass(frozen=True)
class Migration:
    """How an answers file of version ``source`` becomes version ``source + 1``."""

    source: int
    description: str  # what the new version changed, for every file: "version 2 renamed [storage] pool"
    step: StepFunction


@dataclass(frozen=True)
class AppliedMigration:
    """One step that ran on one file: the versions, what the step is, and what it changed there."""

    source: int
    target: int
    description: str
    changes: tuple[str, ...]

    def __str__(self) -> str:
        done = "; ".join(self.changes) if self.changes else "nothing to change in this file"
        return f"version {self.source} -> {self.target}: {self.description} ({done})"


# source version -> its step. Version 1 is the first, so there is none yet; a version bump adds one here (and
# tests/answers shows how a step is written and proved).
MIGRATIONS: dict[int, Migration] = {}


def rename_key(document: TOMLDocument, section: str, old: str, new: str) -> bool:
    """Rename ``[section] old`` to ``new`` where it stands, with its comment; False when it is not there."""
    table = document.get(section)
    if not isinstance(table, Table) or old not in table or new in table:
        return False
    item = table.value.item(old)
    if not isinstance(item, Item):
        return False  # a dotted-key table spread over the file: not a plain key to rename
    # tomlkit has no public rename; its container's own replace keeps the line's place and trailing comment.
    table.value._replace(old, new, item)
    return True


def register(migration: Migration, registry: dict[int, Migration] | None = None) -> None:
    target = MIGRATIONS if registry is None else registry
    if migration.source in target:
        raise ValueError(f"a migration from version {migration.source} is already registered")
    if migration.source >= ANSWERS_VERSION:
        raise ValueError(f"version {migration.source} is not older than the current {ANSWERS_VERSION}")
    target[migration.source] = migration


def oldest_readable(registry: dict[int, Migration] | None = None) -> int:
    """The oldest version a chain of steps leads from to the current one."""
    steps = MIGRATIONS if registry is None else registry
    version = ANSWERS_VERSION
    while version - 1 in steps:
        version -= 1
    return version


def migrate(
    document: TOMLDocument, version: int, registry: dict[int, Migration] | None = None
) -> list[AppliedMigration]:
    """Run every step from ``version`` to the current one on ``document``; the caller checked the range."""
    steps = MIGRATIONS if registry is None else registry
    applied: list[AppliedMigration] = []
    while version < ANSWERS_VERSION:
        migration = steps[version]
        changes = migration.step(document)
        document["version"] = version + 1
        applied.append(AppliedMigration(version, version + 1, migration.description, tuple(changes)))
        version += 1
    return applied
