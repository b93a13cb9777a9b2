"""Generations: numbered snapshots of every file a transaction touches, before and after, with a TOML manifest.

Generation N records the files as they were just before transaction N changed them (what a rollback to N
restores) and what transaction N wrote (what drift is measured against, and what recovery completes with).
The manifest is written once and never changed; how the transaction ended lives in a small status file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.apply.atomic import (
    MAX_FILE_BYTES,
    Attributes,
    FileState,
    XAttrs,
    fsync_directory,
    write_atomic,
)
from wizard.apply.faults import crash_point
from wizard.apply.state import (
    PRIVATE_DIRECTORY_MODE,
    PRIVATE_FILE_MODE,
    StatePaths,
    dump_toml,
    ensure_private_directory,
    state_paths,
)
from wizard.files.toml_depth import load_toml
from wizard.regular_files import read_regular, read_regular_text

MANIFEST = "manifest.toml"
MAX_STATE_BYTES = 16 * 1024 * 1024  # a manifest or a status file (a few KB)
STATUS = "status.toml"
MANIFEST_FORMAT = 1
BEFORE = "before"
AFTER = "after"


class GenerationError(Exception):
    """A generation that cannot be used: missing, without a readable manifest, or with damaged content."""


@dataclass(frozen=True)
class RecordedState:
    """One side of a file in a manifest; the content itself is a file next to the manifest."""

    exists: bool
    sha256: str = ""
    size: int = 0
    uid: int = 0
    gid: int = 0
    mode: int = 0
    owner: str = ""
    group: str = ""
    xattrs: XAttrs | None = None  # ACL, label, user.*; None in a manifest written before they were kept

    @property
    def attributes(self) -> Attributes | None:
        return Attributes(self.uid, self.gid, self.mode, self.xattrs) if self.exists else None

    def matches(self, state: FileState) -> bool:
        if self.exists != state.exists or self.sha256 != state.sha256:
            return False
        if self.attributes is None or state.attributes is None:
            return self.attributes is state.attributes
        return self.attributes.same(state.attributes)


@dataclass(frozen=True)
class RecordedFile:
    index: int
    path: str  # the path the operator knows
    written_path: str  # the file actually written (the target when ``path`` is a symlink)
    kind: str
    link: str  # where ``path`` pointed when it was a symlink, else ""
    before: RecordedState
    after: RecordedState
    created_directories: tuple[str, ...] = ()  # system paths the write had to create


@dataclass(frozen=True)
class Generation:
    number: int
    kind: str  # "apply", "rollback", "revert"
    created: str  # ISO 8601, local time with offset
    summary: str  # one line: the answers applied, or "rollback to generation 3"
    version: str  # kvm-wizard's
    status: str  # "pending" (running or interrupted), "applied", "rolled-back"
    files: tuple[RecordedFile, ...]
    answers: str = ""  # the answers TOML of the plan
    restores: int = 0  # for rollback and revert: the generation whose state was restored
    actions: tuple[str, ...] = ()  # titles of the actions the transaction runs
    confirmed: str = ""  # when confirm-or-revert was confirmed

    def file(self, written_path: str) -> RecordedFile | None:
        return next((item for item in self.files if item.written_path == written_path), None)


@dataclass(frozen=True)
class GenerationEntry:
    """A generation directory as listed: its manifest, or why it cannot be read."""

    number: int
    generation: Generation | None
    problem: str = ""


def _state_to_toml(state: RecordedState) -> dict[str, Any]:
    if not state.exists:
        return {"exists": False}
    data: dict[str, Any] = {
        "exists": True,
        "sha256": state.sha256,
        "size": state.size,
        "uid": state.uid,
        "gid": state.gid,
        "mode": f"{state.mode:04o}",
        "owner": state.owner,
        "group": state.group,
    }
    if state.xattrs is not None:
        # Values are bytes (a binary ACL, a NUL-ended label): base64 keeps them exact in TOML.
        data["xattrs"] = {name: base64.b64encode(value).decode("ascii") for name, value in state.xattrs}
    return data


def _state_from_toml(data: dict[str, Any]) -> RecordedState:
    if not data["exists"]:
        return RecordedState(False)
    recorded = data.get("xattrs")
    xattrs = (
        tuple(
            sorted(
                (str(name), base64.b64decode(str(value), validate=True)) for name, value in recorded.items()
            )
        )
        if isinstance(recorded, dict)
        else None
    )
    return RecordedState(
        True,
        str(data["sha256"]),
        int(data["size"]),
        int(data["uid"]),
        int(data["gid"]),
        int(str(data["mode"]), 8),
        str(data["owner"]),
        str(data["group"]),
        xattrs,
    )


def manifest_text(generation: Generation) -> str:
    data: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "number": generation.number,
        "kind": generation.kind,
        "created": generation.created,
        "summary": generation.summary,
        "version": generation.version,
        "restores": generation.restores,
        "actions": list(generation.actions),
        "answers": generation.answers,
        "files": [
            {
                "index": item.index,
                "path": item.path,
                "written_path": item.written_path,
                "kind": item.kind,
                "link": item.link,
                "created_directories": list(item.created_directories),
                "before": _state_to_toml(item.before),
                "after": _state_to_toml(item.after),
            }
            for item in generation.files
        ],
    }
    return "# kvm-wizard generation: the files before and after one transaction\n" + dump_toml(data)


def parse_manifest(text: str, status: dict[str, Any] | None = None) -> Generation:
    data = load_toml(text)  # the standard library's reader: ten times faster than tomlkit's
    status = status or {}
    if data.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"unknown manifest format {data.get('format')!r}")
    files = tuple(
        RecordedFile(
            int(item["index"]),
            str(item["path"]),
            str(item["written_path"]),
            str(item["kind"]),
            str(item["link"]),
            _state_from_toml(item["before"]),
            _state_from_toml(item["after"]),
            tuple(str(path) for path in item.get("created_directories", [])),
        )
        for item in data.get("files", [])
    )
    return Generation(
        number=int(data["number"]),
        kind=str(data["kind"]),
        created=str(data["created"]),
        summary=str(data["summary"]),
        version=str(data["version"]),
        status=str(status.get("status", "pending")),
        files=files,
        answers=str(data.get("answers", "")),
        restores=int(data.get("restores", 0)),
        actions=tuple(str(title) for title in data.get("actions", [])),
        confirmed=str(status.get("confirmed", "")),
    )


def _numbers(paths: StatePaths) -> list[int]:
    try:
        names = os.listdir(paths.generations)
    except FileNotFoundError:
        return []
    return sorted(int(name) for name in names if name.isdigit())


def load_generation(paths: StatePaths, number: int) -> Generation:
    directory = paths.generation(number)
    if not directory.is_dir():
        raise GenerationError(f"there is no generation {number}")
    try:
        text = read_regular_text(directory / MANIFEST, limit=MAX_STATE_BYTES)
    except FileNotFoundError:
        raise GenerationError(
            f"generation {number} has no manifest ({directory / MANIFEST} is missing): it is damaged"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise GenerationError(f"generation {number}: cannot read its manifest: {error}") from error
    try:
        status = load_toml(read_regular_text(directory / STATUS, limit=MAX_STATE_BYTES))
    except (OSError, UnicodeDecodeError, ValueError):  # ValueError: not TOML, or nested too deep
        status = {}  # no status yet: the transaction is running or was interrupted
    try:
        generation = parse_manifest(text, status)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, binascii.Error) as error:
        raise GenerationError(f"generation {number}: its manifest is damaged ({error})") from error
    if generation.number != number:
        raise GenerationError(f"generation {number}: its manifest says it is generation {generation.number}")
    return generation


def list_generations(paths: StatePaths) -> list[GenerationEntry]:
    """Every generation, oldest first; an unreadable one is listed with its problem, never skipped."""
    entries = []
    for number in _numbers(paths):
        directory = paths.generation(number)
        with contextlib.suppress(OSError):
            if not any(directory.iterdir()):
                continue  # a number reserved by a transaction that stopped before writing anything
        try:
            entries.append(GenerationEntry(number, load_generation(paths, number)))
        except GenerationError as error:
            entries.append(GenerationEntry(number, None, str(error)))
    return entries


def generations_under(root: Path | str) -> list[GenerationEntry]:
    """list_generations() for a root (what a UI needs for its snapshot list)."""
    return list_generations(state_paths(root))


def load_content(paths: StatePaths, generation: Generation, item: RecordedFile, side: str) -> FileState:
    """A recorded side of a file as a FileState, its content checked against the manifest's sha256."""
    state = item.before if side == BEFORE else item.after
    if not state.exists:
        return FileState(False)
    location = paths.generation(generation.number) / side / str(item.index)
    try:
        content = read_regular(location, limit=MAX_FILE_BYTES, follow_symlinks=False)
    except OSError as error:
        raise GenerationError(
            f"generation {generation.number}: the saved copy of {item.path} cannot be read: {error}"
        ) from error
    if hashlib.sha256(content).hexdigest() != state.sha256:
        raise GenerationError(
            f"generation {generation.number}: the saved copy of {item.path} ({side}) does not match its "
            "sha256 in the manifest: it is damaged"
        )
    return FileState(True, content, state.attributes)


def reserve(paths: StatePaths) -> int:
    """Claim the next number by creating its directory (mkdir is atomic; we also hold the lock)."""
    ensure_private_directory(paths.directory)
    ensure_private_directory(paths.generations)
    numbers = _numbers(paths)
    while numbers and _remove_if_empty(paths.generation(numbers[-1])):
        numbers.pop()  # reserved by a transaction that stopped before writing anything: reuse the number
    number = (numbers[-1] + 1) if numbers else 1
    paths.generation(number).mkdir(mode=PRIVATE_DIRECTORY_MODE)
    fsync_directory(paths.generations)
    return number


def _remove_if_empty(directory: Path) -> bool:
    try:
        directory.rmdir()
    except OSError:
        return False
    return True


def _private(paths: StatePaths) -> Attributes:
    return Attributes(os.geteuid(), os.getegid(), PRIVATE_FILE_MODE)


def _write_new(path: Path, content: bytes) -> None:
    # No temporary file needed: the directory is new, and the generation counts only once its manifest exists.
    handle = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE_MODE
    )
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view) :]
        os.fsync(handle)
    finally:
        os.close(handle)


def record(paths: StatePaths, generation: Generation, contents: dict[tuple[str, int], bytes]) -> None:
    """Write every saved copy, then the manifest: a generation with a manifest is complete and durable."""
    directory = paths.generation(generation.number)
    private = _private(paths)
    for side in (BEFORE, AFTER):
        (directory / side).mkdir(mode=PRIVATE_DIRECTORY_MODE, exist_ok=True)
    for (side, index), content in contents.items():
        _write_new(directory / side / str(index), content)
        crash_point("generation-file")
    for side in (BEFORE, AFTER):
        fsync_directory(directory / side)
    crash_point("generation-manifest")
    write_atomic(directory / MANIFEST, manifest_text(generation).encode("utf-8"), private)


def set_status(paths: StatePaths, number: int, status: str, *, confirmed: str = "") -> None:
    """How the transaction ended (and when it was confirmed), beside the immutable manifest."""
    data = {"status": status, "confirmed": confirmed}
    write_atomic(paths.generation(number) / STATUS, dump_toml(data).encode("utf-8"), _private(paths))


def discard(paths: StatePaths, number: int) -> None:
    """Remove a generation that was never completed (no file had been changed yet)."""
    shutil.rmtree(paths.generation(number), ignore_errors=True)
    with contextlib.suppress(OSError):
        fsync_directory(paths.generations)
