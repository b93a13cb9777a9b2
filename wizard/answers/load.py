"""Reading, validating and writing the answers file (TOML, versioned; comments survive a re-save)."""

from __future__ import annotations

import dataclasses
import difflib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.toml_document import TOMLDocument

from wizard.answers import names
from wizard.answers.migrate import AppliedMigration, migrate, oldest_readable
from wizard.answers.model import (
    ANSWERS_VERSION,
    KEYS,
    KEYS_BY_PATH,
    MEASURE_PCRS,
    SECTIONS,
    Answers,
    KeySpec,
    Value,
)
from wizard.files.toml_depth import nesting_problem
from wizard.regular_files import NotRegularFileError, check_output, read_regular_text
from wizard.shown import shorten, shorten_path


@dataclass(frozen=True)
class AnswerProblem:
    """One thing wrong with an answers file: where, what was found, and what is allowed."""

    path: str  # "storage.volume_group", or "" for the file as a whole
    message: str  # complete sentence naming the value and what is allowed

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class AnswersError(Exception):
    """An answers file that cannot be used. Carries every problem found, not just the first."""

    def __init__(self, source: str, problems: list[AnswerProblem]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the answers:\n{listing}")


class AnswersVersionError(AnswersError):
    """An answers file written by a newer kvm-wizard, or with no usable version."""


def _type_name(kind: type) -> str:
    return {bool: "true or false", int: "a whole number", str: "a string", tuple: "a list of strings"}[kind]


def _coerce(spec: KeySpec, raw: Any) -> tuple[Value | None, str | None]:
    """The value in the model's type, or why it has the wrong type."""
    if spec.kind is bool:
        return (
            (raw, None)
            if isinstance(raw, bool)
            else (None, f"expected {_type_name(bool)}, found {shorten(raw)}")
        )
    if spec.kind is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            return None, f"expected {_type_name(int)}, found {shorten(raw)}"
        return raw, None
    if spec.kind is str:
        return (
            (raw, None)
            if isinstance(raw, str)
            else (None, f"expected {_type_name(str)}, found {shorten(raw)}")
        )
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        return None, f'expected {_type_name(tuple)}, e.g. ["pcid"], found {shorten(raw)}'
    return tuple(raw), None


def _suggest(word: str, choices: list[str], what: str = "keys") -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known {what}: {', '.join(choices)}"


class ParsedAnswers(tuple[Answers, TOMLDocument]):
    """``(answers, document)``, as callers unpack it, plus the migrations that brought an older file up to date
    (the document is then the migrated one: saving it writes the current version, comments kept)."""

    migrations: tuple[AppliedMigration, ...]

    def __new__(
        cls, answers: Answers, document: TOMLDocument, migrations: tuple[AppliedMigration, ...] = ()
    ) -> ParsedAnswers:
        parsed = super().__new__(cls, (answers, document))
        parsed.migrations = migrations
        return parsed

    @property
    def answers(self) -> Answers:
        return self[0]

    @property
    def document(self) -> TOMLDocument:
        return self[1]


def parse_answers(text: str, source: str = "answers") -> ParsedAnswers:
    """Parse, migrate and check an answers file on its own (no host). Raises AnswersError with every problem."""
    deep = nesting_problem(text)
    if deep is not None:  # the parsers recurse: refused before they see it
        raise AnswersError(source, [AnswerProblem("", f"not valid answers: {deep}")])
    try:
        document = tomlkit.parse(text)
    except (TOMLKitError, ValueError) as error:
        raise AnswersError(
            source, [AnswerProblem("", f"not valid TOML: {_toml_error(text, error)}")]
        ) from None
    version = document.unwrap().get("version")
    if version is None:
        raise AnswersVersionError(
            source,
            [
                AnswerProblem(
                    "version",
                    f"missing: an answers file starts with `version = {ANSWERS_VERSION}` (the format it was "
                    "written in), so that an older one can be migrated",
                )
            ],
        )
    if isinstance(version, bool) or not isinstance(version, int):
        raise AnswersVersionError(
            source,
            [AnswerProblem("version", f"must be a whole number (this kvm-wizard writes {ANSWERS_VERSION})")],
        )
    if version > ANSWERS_VERSION:
        raise AnswersVersionError(
            source,
            [
                AnswerProblem(
                    "version",
                    f"is {version}, written by a newer kvm-wizard; this one reads up to version {ANSWERS_VERSION}. "
                    "Upgrade kvm-wizard, or write the file again with this version (kvm-wizard answers template).",
                )
            ],
        )
    oldest = oldest_readable()
    if version < oldest:
        message = (
            f"is {version}; versions start at 1"
            if version < 1
            else f"is {version}; this kvm-wizard reads (and migrates) versions {oldest} to {ANSWERS_VERSION}"
        )
        raise AnswersVersionError(source, [AnswerProblem("version", message)])
    migrations = tuple(migrate(document, version))
    data = document.unwrap()
    problems: list[AnswerProblem] = []
    values: dict[str, dict[str, Value]] = {section: {} for section in SECTIONS}
    for section, table in data.items():
        if section == "version":
            continue
        if section not in SECTIONS:
            problems.append(
                AnswerProblem(
                    shorten_path(section, 60),
                    "is not a known section" + _suggest(section, list(SECTIONS), "sections"),
                )
            )
            continue
        if not isinstance(table, dict):
            problems.append(AnswerProblem(section, f"must be a table ([{section}]), found {shorten(table)}"))
            continue
        keys = [spec.key for spec in KEYS if spec.section == section]
        for key, raw in table.items():
            path = f"{section}.{key}"
            spec = KEYS_BY_PATH.get(path)
            if spec is None:
                problems.append(
                    AnswerProblem(shorten_path(path, 80), "is not a known key" + _suggest(key, keys))
                )
                continue
            value, problem = _coerce(spec, raw)
            if problem is not None:
                problems.append(AnswerProblem(path, problem))
                continue
            assert value is not None  # noqa: S101 - _coerce returns one of the two
            values[section][key] = value
    answers = _build(values)
    # A key whose value could not be read is checked no further: its default would only add a false problem.
    # A rule is judged here only when the file gives all of its keys: the others keep the node's values.
    unreadable = {problem.path for problem in problems}
    problems.extend(
        problem for problem in check_values(answers, answers.given) if problem.path not in unreadable
    )
    if problems:
        raise AnswersError(source, problems)
    return ParsedAnswers(answers, document, migrations)


def _build(values: dict[str, dict[str, Value]]) -> Answers:
    """The keys the file gives, the defaults for the others (which a host's values replace: Answers.resolved)."""
    base = Answers()
    sections = {
        section: dataclasses.replace(getattr(base, section), **values.get(section, {}))
        for section in SECTIONS
    }
    given = frozenset(f"{section}.{key}" for section, keys in values.items() for key in keys)
    return dataclasses.replace(base, **sections, given=given)


NameRule = Callable[[str], str | None]


def check_values(answers: Answers, judged: frozenset[str] | None = None) -> list[AnswerProblem]:
    """Every value-level rule that needs no host: allowed values, names, paths, and rules between keys.

    ``judged``: only the rules whose keys are all among these are applied (a file read on its own: the keys it
    leaves out take the node's values, which only a host can tell); None: every rule.
    """
    problems: list[AnswerProblem] = []
    tainted: set[str] = set()  # paths holding a value that could break out of its line: reported once

    def add(path: str, message: str, *others: str) -> None:
        if path in tainted:
            return
        if judged is not None and not {path, *others} <= judged:
            return
        problems.append(AnswerProblem(path, message))

    for spec in KEYS:
        value = answers.value(spec.path)
        if spec.allowed and value not in spec.allowed:
            add(
                spec.path,
                f"{shorten(value)} is not allowed; choose one of: {', '.join(spec.allowed)}"
                + _hint(spec, value),
            )
        texts = value if isinstance(value, tuple) else (value,) if isinstance(value, str) else ()
        for text in texts:
            problem = names.injection_problem(text)
            if problem is not None:
                add(spec.path, f"{shorten(text)} {problem}")
                tainted.add(spec.path)
    storage = answers.storage
    backend = "storage.backend"
    if storage.backend == "lvm":
        _check(add, "storage.volume_group", storage.volume_group, names.volume_group_problem, backend)
    if storage.backend == "rbd":
        _check(add, "storage.rbd_pool", storage.rbd_pool, names.ceph_pool_problem, backend)
        _check(add, "storage.ceph_conf", storage.ceph_conf, names.absolute_path_problem, backend)
        _check(add, "storage.rbd_user", storage.rbd_user, names.ceph_client_problem, backend)
        _check(add, "storage.rbd_secret_uuid", storage.rbd_secret_uuid, names.uuid_problem, backend)
    nested = answers.nested
    if nested.cpu_mode == "custom" and not nested.cpu_models:
        add(
            "nested.cpu_models",
            'is empty, but cpu_mode = custom needs at least one CPU model, e.g. ["IvyBridge"]',
            "nested.cpu_mode",
        )
    if nested.cpu_mode != "custom" and nested.cpu_models:
        add(
            "nested.cpu_models",
            f"is set to {shorten(list(nested.cpu_models))} but cpu_mode is {nested.cpu_mode!r}: nova-compute refuses to start "
            'with models outside custom mode; set cpu_mode = "custom" or empty the list',
            "nested.cpu_mode",
        )
    for model in nested.cpu_models:
        _check(add, "nested.cpu_models", model, names.cpu_model_problem)
    for flag in nested.extra_flags:
        _check(add, "nested.extra_flags", flag, names.cpu_flag_problem)
    if answers.tpm.vtpm:
        _check(add, "tpm.swtpm_user", answers.tpm.swtpm_user, names.account_problem, "tpm.vtpm")
        _check(add, "tpm.swtpm_group", answers.tpm.swtpm_group, names.account_problem, "tpm.vtpm")
    tpm = answers.tpm
    if tpm.secure_boot and not tpm.vtpm:
        add(
            "tpm.secure_boot",
            "is true, but tpm.vtpm is false: guests that require TPM 2.0 and Secure Boot need nova's emulated "
            "TPM; set tpm.vtpm = true too",
            "tpm.vtpm",
        )
    if tpm.measure_pcr not in MEASURE_PCRS:
        add(
            "tpm.measure_pcr",
            f"is {tpm.measure_pcr}; allowed: {' or '.join(str(pcr) for pcr in MEASURE_PCRS)} (resettable and unused by "
            "the boot chain; PCRs 0-15 record the boot, 17-22 a dynamic launch, which software cannot reset)",
        )
    download = answers.ceph_download
    enabled = "ceph_download.enabled"
    if download.enabled:
        if storage.backend == "rbd":
            add(
                enabled,
                "is true, but storage.backend is rbd: instance disks are already cloned inside Ceph, so direct "
                "download does not apply; set it to false",
                backend,
            )
        _check(add, "ceph_download.rbd_user", download.rbd_user, names.ceph_client_problem, enabled)
        _check(add, "ceph_download.rbd_pool", download.rbd_pool, names.ceph_pool_problem, enabled)
        _check(add, "ceph_download.ceph_conf", download.ceph_conf, names.absolute_path_problem, enabled)
        if download.connect_timeout <= 0:
            add(
                "ceph_download.connect_timeout",
                f"must be a positive number of seconds, not {download.connect_timeout}",
                enabled,
            )
        elif download.connect_timeout > 3600:
            add(
                "ceph_download.connect_timeout",
                f"is over an hour ({download.connect_timeout} seconds); use at most 3600",
                enabled,
            )
    return problems


def _hint(spec: KeySpec, value: Value) -> str:
    if spec.path == "storage.backend" and value in {"qcow", "default"}:
        return ' (the docs\' "qcow" is the value qcow2)'
    if spec.path == "storage.backend" and value == "raw":
        return " (raw is the deprecated name of flat)"
    if isinstance(value, str):
        same_but_case = [choice for choice in spec.allowed if choice.lower() == value.lower()]
        if same_but_case:
            return f"; did you mean {same_but_case[0]!r}? (values are case-sensitive)"
        close = difflib.get_close_matches(value, list(spec.allowed), n=1, cutoff=0.6)
        if close:
            return f"; did you mean {close[0]!r}?"
    return ""


def _check(add: Callable[..., None], path: str, value: str, rule: NameRule, *others: str) -> None:
    problem = rule(value)
    if problem is not None:
        add(path, f"{shorten(value)} {problem}" if value else problem, *others)


MAX_ANSWERS_BYTES = 1024 * 1024  # an answers file is about 1 KB; its template about 8 KB


def load_answers(path: Path) -> ParsedAnswers:
    """The answers file at ``path``: a regular file (a FIFO is never waited on, a device never read) of at
    most MAX_ANSWERS_BYTES, in UTF-8."""
    source = shorten_path(path)
    try:
        text = read_regular_text(path, limit=MAX_ANSWERS_BYTES)
    except FileNotFoundError:
        raise AnswersError(source, [AnswerProblem("", "no such file")]) from None
    except NotRegularFileError as error:
        raise AnswersError(
            source, [AnswerProblem("", f"{error.strerror}: save the answers to a file and name that")]
        ) from None
    except OSError as error:
        raise AnswersError(source, [AnswerProblem("", f"cannot be read: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise AnswersError(source, [AnswerProblem("", "is not UTF-8 text")]) from None
    return parse_answers(text, source)


def _toml_error(text: str, error: Exception) -> str:
    """The clearer of the two parsers' words for what is wrong ("Unterminated string (at end of document)")."""
    import tomllib

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as clearer:
        return str(clearer)
    return str(error)


def to_document(answers: Answers, document: TOMLDocument | None = None) -> TOMLDocument:
    """The answers as TOML: the given keys set, the others left out (a node keeps its own value for them).

    With the document they were read from, its comments and order are kept. A new document names the keys left
    out in comments, with the value they had here, so that a reader sees the whole choice.
    """
    target = document if document is not None else tomlkit.document()
    if document is None:
        target.add(tomlkit.comment("kvm-wizard answers: `kvm-wizard answers template` explains every key."))
        target.add(tomlkit.comment("A key left out (shown commented) keeps each node's own value."))
    target["version"] = ANSWERS_VERSION
    for section in SECTIONS:
        specs = [spec for spec in KEYS if spec.section == section]
        given = [spec for spec in specs if answers.is_given(spec.path)]
        if section not in target:
            if document is not None and not given:
                continue
            target.add(tomlkit.nl())
            target.add(section, tomlkit.table())
        table = target[section]
        for spec in specs:
            value = answers.value(spec.path)
            if answers.is_given(spec.path):
                table[spec.key] = list(value) if isinstance(value, tuple) else value
            elif document is None:
                table.add(tomlkit.comment(f"{spec.key} = {_toml(value)}  (left out: kept as it is)"))
    return target


def _toml(value: Value) -> str:
    return tomlkit.item(list(value) if isinstance(value, tuple) else value).as_string()


def dumps_answers(answers: Answers, document: TOMLDocument | None = None) -> str:
    return tomlkit.dumps(to_document(answers, document))


def save_answers(answers: Answers, path: Path, document: TOMLDocument | None = None) -> None:
    """Write atomically: a crash leaves the old answers or the new ones, never half a file."""
    write_text_atomically(path, dumps_answers(answers, document))


def write_text_atomically(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Replace ``path`` whole (a regular file or nothing: a device, a FIFO or a symbolic link there is
    refused with NotRegularFileError, never replaced)."""
    check_output(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
