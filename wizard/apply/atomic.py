"""Atomic file operations: at every moment a file is wholly old or wholly new, and keeps owner and mode."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.faults import crash_point

TEMPORARY_SUFFIX = ".kvm-wizard-new"


class NotAFileError(Exception):
    """A path that cannot be edited as a file; the message follows the path: "is a directory, not a file"."""


@dataclass(frozen=True)
class Attributes:
    uid: int
    gid: int
    mode: int  # permission bits, stat.S_IMODE


@dataclass(frozen=True)
class FileState:
    """A file's content and attributes, or that it does not exist (then ``attributes`` is None)."""

    exists: bool
    content: bytes = b""
    attributes: Attributes | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest() if self.exists else ""

    def same_as(self, other: FileState) -> bool:
        return (
            self.exists == other.exists
            and self.content == other.content
            and self.attributes == other.attributes
        )


ABSENT = FileState(False)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_state(path: Path) -> FileState:
    """What ``path`` holds now; NotAFileError when it is there but is not a regular file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ABSENT
    except NotADirectoryError as error:
        raise NotAFileError("has a parent that is a file, not a directory") from error
    if not stat.S_ISREG(info.st_mode):
        raise NotAFileError(f"is {_kind(info.st_mode)}, not a file")
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(handle, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(handle)
    return FileState(True, b"".join(chunks), Attributes(info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)))


def temporary_path(path: Path) -> Path:
    """The one temporary name used for ``path``: fixed, so recovery can find and remove a leftover."""
    return path.with_name(f".{path.name}{TEMPORARY_SUFFIX}")


def fsync_directory(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def missing_directories(path: Path, stop: Path) -> list[Path]:
    """The parents of ``path`` below ``stop`` that do not exist yet, outermost first."""
    missing: list[Path] = []
    parent = path.parent
    while parent not in (stop, parent.parent) and not parent.exists():
        missing.append(parent)
        parent = parent.parent
    return list(reversed(missing))


def create_directories(directories: list[Path]) -> None:
    for directory in directories:
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o755)
            os.chmod(directory, 0o755)  # noqa: S103 - /etc subdirectories are 0755 on every distribution, whatever our umask
        fsync_directory(directory.parent)


def write_atomic(path: Path, content: bytes, attributes: Attributes, *, sync_directory: bool = True) -> None:
    """Temporary file in the same directory, synced, renamed over ``path``, directory synced.

    The temporary file is created 0600 and gets its owner and mode before the rename, so a secret is
    never readable by others and the file never appears with the wrong owner.
    """
    temporary = temporary_path(path)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    handle = os.open(temporary, flags, 0o600)
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(handle, view) :]
            info = os.fstat(handle)
            if (info.st_uid, info.st_gid) != (attributes.uid, attributes.gid):
                os.fchown(handle, attributes.uid, attributes.gid)
            os.fchmod(handle, attributes.mode)  # after chown, which clears set-id bits
            os.fsync(handle)
        finally:
            os.close(handle)
        crash_point("temp-written")
        os.rename(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    crash_point("renamed")
    if sync_directory:  # the engine syncs each directory once, after all its renames
        fsync_directory(path.parent)


def remove_file(path: Path, *, sync_directory: bool = True) -> None:
    """Unlink ``path`` (a missing file is fine) and make the removal durable."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    if sync_directory:
        fsync_directory(path.parent)


def remove_leftover(path: Path) -> None:
    """Remove a temporary copy an interrupted write left next to ``path``."""
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        os.unlink(temporary_path(path))


def remove_empty_directories(directories: list[Path]) -> None:
    """Remove directories an undone write created, innermost first, when nothing else lives in them."""
    for directory in sorted(directories, key=lambda item: len(item.parts), reverse=True):
        try:
            directory.rmdir()
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.ENOENT, errno.EEXIST):
                raise
            continue
        fsync_directory(directory.parent)


def install(path: Path, state: FileState, *, sync_directory: bool = True) -> None:
    """Make ``path`` hold ``state`` (write it, or remove it when the state is 'absent')."""
    if not state.exists:
        remove_file(path, sync_directory=sync_directory)
        return
    if state.attributes is None:  # pragma: no cover - FileState invariant
        raise ValueError("an existing file state needs attributes")
    write_atomic(path, state.content, state.attributes, sync_directory=sync_directory)


def describe_os_error(error: OSError) -> str:
    """One line for the operator: 'No space left on device (ENOSPC): /etc/nova/.nova.conf.kvm-wizard-new'."""
    name = errno.errorcode.get(error.errno or 0, "")
    text = error.strerror or str(error)
    where = error.filename if error.filename is not None else ""
    code = f" ({name})" if name else ""
    return f"{text}{code}: {where}" if where else f"{text}{code}"
