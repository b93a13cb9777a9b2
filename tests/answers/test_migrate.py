"""Migrating older answers files: proved with a test-only version 0 whose step renames a key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tomlkit.toml_document import TOMLDocument

from wizard.answers import (
    KEYS_BY_PATH,
    Answers,
    AnswersVersionError,
    dumps_answers,
    load_answers,
    parse_answers,
    save_answers,
)
from wizard.answers.migrate import (
    MIGRATIONS,
    AppliedMigration,
    Migration,
    oldest_readable,
    register,
    rename_key,
)

VERSION_0 = """\
# my compute nodes
version = 0
[storage]
backend = "rbd"
pool = "fast-vms"          # the pool of the old days
rbd_secret_uuid = "457eb676-33da-42ec-9a8c-9293d545c337"
"""


def rename_pool(document: TOMLDocument) -> list[str]:
    """The step a real version bump would register: version 0 called [storage] rbd_pool "pool"."""
    if not rename_key(document, "storage", "pool", "rbd_pool"):
        return []
    return ["[storage] pool renamed to rbd_pool"]


@pytest.fixture
def version_0() -> Iterator[None]:
    register(Migration(0, "[storage] pool is called rbd_pool", rename_pool))
    try:
        yield
    finally:
        del MIGRATIONS[0]


@pytest.mark.usefixtures("version_0")
def test_an_older_file_is_migrated_and_the_caller_is_told_what_changed() -> None:
    parsed = parse_answers(VERSION_0, "old.toml")
    assert parsed.answers.storage.rbd_pool == "fast-vms"
    assert parsed.migrations[0] == AppliedMigration(
        0, 1, "[storage] pool is called rbd_pool", ("[storage] pool renamed to rbd_pool",)
    )
    assert str(parsed.migrations[0]) == (
        "version 0 -> 1: [storage] pool is called rbd_pool ([storage] pool renamed to rbd_pool)"
    )
    assert [(step.source, step.target) for step in parsed.migrations] == [(0, 1), (1, 2)]


@pytest.mark.usefixtures("version_0")
def test_the_migrated_file_saves_as_the_current_version_with_its_comments(tmp_path: Path) -> None:
    answers, document = parse_answers(VERSION_0)
    path = tmp_path / "answers.toml"
    save_answers(answers, path, document)
    text = path.read_text()
    assert text.startswith("# my compute nodes\nversion = 2\n")
    assert 'rbd_pool = "fast-vms"          # the pool of the old days' in text
    assert "\npool" not in text
    again = load_answers(path)
    assert again.answers == answers
    assert again.migrations == ()


@pytest.mark.usefixtures("version_0")
def test_a_step_that_finds_nothing_to_change_says_so() -> None:
    parsed = parse_answers("version = 0\n")
    assert str(parsed.migrations[0]).endswith("(nothing to change in this file)")


def test_a_version_1_file_keeps_its_meaning_keys_it_left_out_take_version_1s_defaults() -> None:
    """Version 1 gave a key left out its default; version 2 keeps the node's value. An old file means what it
    meant when it was written, and the migration says which keys it fills in, and how to keep the node's."""
    parsed = parse_answers('version = 1\n[hypervisor]\nvirt_type = "kvm"\n[storage]\nbackend = "flat"\n')
    # Keys version 1 did not have are no choice of a version-1 file: left out, they keep the node's values.
    newer = {"tpm.secure_boot", "tpm.measure", "tpm.measure_pcr"}
    assert parsed.answers.given == frozenset(KEYS_BY_PATH) - newer
    assert parsed.answers.nested.cpu_mode == "host-model"
    assert parsed.answers.storage.backend == "flat"
    (step,) = parsed.migrations
    assert (step.source, step.target) == (1, 2)
    assert "[nested] enabled, cpu_mode, cpu_models, extra_flags written with version 1's defaults" in str(
        step
    )
    assert "write version = 2 in it to keep the node's values" in str(step)


def test_a_complete_version_1_file_changes_only_its_version_number() -> None:
    complete = dumps_answers(Answers()).replace("version = 2", "version = 1")
    parsed = parse_answers(complete)
    assert parsed.answers == Answers()  # it names the keys version 2 added too: they are given
    assert str(parsed.migrations[0]).endswith("(nothing to change in this file)")


@pytest.mark.usefixtures("version_0")
def test_after_migration_problems_name_the_new_keys() -> None:
    with pytest.raises(Exception, match=r"storage\.rbd_pool: 'my pool' is not a usable Ceph pool name"):
        parse_answers('version = 0\n[storage]\nbackend = "rbd"\npool = "my pool"\n')


def test_without_a_step_an_older_version_is_refused() -> None:
    assert oldest_readable() == 1
    with pytest.raises(AnswersVersionError, match="versions start at 1"):
        parse_answers("version = 0\n")


def test_a_newer_version_is_refused_even_with_steps_registered(version_0: None) -> None:
    with pytest.raises(AnswersVersionError, match="written by a newer kvm-wizard"):
        parse_answers("version = 3\n")


def test_a_gap_in_the_chain_leaves_the_versions_before_it_unreadable() -> None:
    registry: dict[int, Migration] = {}
    register(Migration(-1, "older still", rename_pool), registry)
    assert oldest_readable(registry) == 2  # no step from 1 here: -1 cannot reach the current version


def test_steps_are_registered_once_and_only_for_older_versions() -> None:
    registry: dict[int, Migration] = {}
    register(Migration(0, "x", rename_pool), registry)
    with pytest.raises(ValueError, match="already registered"):
        register(Migration(0, "y", rename_pool), registry)
    with pytest.raises(ValueError, match="not older"):
        register(Migration(2, "z", rename_pool), registry)
