"""Answers files of older versions, brought up to the current version one step at a time, each step said aloud."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import tomlkit
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


# source version -> its step (tests/answers shows how a step is written and proved).
MIGRATIONS: dict[int, Migration] = {}

# Version 1's defaults: what a version-1 file meant by a key it left out.
VERSION_1_DEFAULTS: dict[str, dict[str, bool | int | str | list[str]]] = {
    "hypervisor": {"virt_type": "kvm", "allow_emulation": False},
    "storage": {
        "backend": "qcow2",
        "volume_group": "",
        "rbd_pool": "vms",
        "ceph_conf": "/etc/ceph/ceph.conf",
        "rbd_user": "nova",
        "rbd_secret_uuid": "",
    },
    "nested": {"enabled": False, "cpu_mode": "host-model", "cpu_models": [], "extra_flags": []},
    "ceph_download": {
        "enabled": False,
        "rbd_user": "glance",
        "rbd_pool": "images",
        "ceph_conf": "/etc/ceph/ceph.conf",
        "connect_timeout": 5,
        "glance_api_node": False,
    },
    "tpm": {"verify": True, "install_tools": True, "vtpm": False, "swtpm_user": "", "swtpm_group": ""},
    "performance": {"vhost_net": True},
}


def _version_1_defaults_written(document: TOMLDocument) -> list[str]:
    """Version 2 keeps the node's value for a key left out; version 1 gave it its default. A version-1 file
    keeps its meaning: each key it left out is written with version 1's default."""
    changes: list[str] = []
    for section, defaults in VERSION_1_DEFAULTS.items():
        table = document.get(section)
        if table is not None and not isinstance(table, Table):
            continue  # not a table: the answers' own check says so
        added = [key for key in defaults if table is None or key not in table]
        if not added:
            continue
        if table is None:
            table = tomlkit.table()
            document.add(section, table)
        for key in added:
            table[key] = defaults[key]
        changes.append(f"[{section}] {', '.join(added)} written with version 1's defaults")
    return changes


MIGRATIONS[1] = Migration(
    1,
    "a key left out now keeps the node's current value (version 1 gave it its default), so the keys this file "
    "left out get version 1's defaults, as the file meant them (write version = 2 in it to keep the node's "
    "values for them instead)",
    _version_1_defaults_written,
)


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
