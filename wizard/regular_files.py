"""The one way kvm-wizard reads a file it did not write, and checks a path it is told to write to.

Where a regular file should be there may be a named pipe (a read blocks until someone writes), a character
device (/dev/zero reads forever), a socket, a directory or something huge. read_regular() never blocks and
never reads without a bound: it refuses anything but a regular file, naming the path and what is there, and
a file over its limit, saying so. check_output() refuses to replace anything but a regular file at a path an
operator named for output (a device, a FIFO, a symbolic link: `-o /dev/stdout` must not delete the link).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from wizard.shown import shorten_path

MEGABYTE = 1024 * 1024


def kind_of(mode: int) -> str:
    """What a file of this mode is, in words: "a named pipe (FIFO)", "a character device"."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


class NotRegularFileError(OSError):
    """Something other than a regular file where one should be read or replaced."""

    def __init__(self, path: str | Path, mode: int) -> None:
        self.kind = kind_of(mode)
        self.mode = mode
        errno_value = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
        super().__init__(errno_value, f"is {self.kind}, not a regular file", str(path))

    def __str__(self) -> str:
        return f"{shorten_path(self.filename)} {self.strerror}"


class FileTooLargeError(OSError):
    """A file larger than kvm-wizard reads for its purpose."""

    def __init__(self, path: str | Path, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(errno.EFBIG, f"is larger than the {_amount(limit)} kvm-wizard reads", str(path))

    def __str__(self) -> str:
        return f"{shorten_path(self.filename)} {self.strerror} ({_amount(self.size)} or more)"


def _amount(size: int) -> str:
    if size >= MEGABYTE:
        return f"{size / MEGABYTE:g} MB"
    return f"{size:,} bytes"


@contextlib.contextmanager
def opened_regular(path: str | Path, *, follow_symlinks: bool = True) -> Iterator[tuple[int, os.stat_result]]:
    """The regular file at ``path`` opened for reading (without blocking) and its fstat; NotRegularFileError
    for anything else, found before opening (a device is never opened) and checked again on what was opened."""
    before = os.stat(path) if follow_symlinks else os.lstat(path)
    if not stat.S_ISREG(before.st_mode):
        raise NotRegularFileError(path, before.st_mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    handle = os.open(path, flags)
    try:
        status = os.fstat(handle)  # what was opened, not what was there a moment ago
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFileError(path, status.st_mode)
        yield handle, status
    finally:
        os.close(handle)


def read_regular(
    path: str | Path,
    *,
    limit: int,
    tail: int | None = None,
    truncate: bool = False,
    follow_symlinks: bool = True,
) -> bytes:
    """The bytes of the regular file at ``path`` (its last ``tail`` bytes when given).

    Raises NotRegularFileError for anything else (without opening a device or waiting on a pipe),
    FileTooLargeError past ``limit`` bytes unless ``truncate`` (then the first ``limit`` bytes), and
    OSError as open() does (FileNotFoundError, PermissionError, ...).
    """
    with opened_regular(path, follow_symlinks=follow_symlinks) as (handle, status):
        if tail is not None:
            if status.st_size > tail:
                os.lseek(handle, status.st_size - tail, os.SEEK_SET)
            return read_open(handle, tail)
        if status.st_size > limit and not truncate:
            raise FileTooLargeError(path, status.st_size, limit)
        data = read_open(handle, limit + 1)
    if len(data) > limit:  # it grew while we read, or the size was not told (/proc)
        if not truncate:
            raise FileTooLargeError(path, len(data), limit)
        data = data[:limit]
    return data


def read_open(handle: int, count: int) -> bytes:
    """Up to ``count`` bytes from an open file, to its end."""
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(handle, min(left, MEGABYTE))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_regular_text(path: str | Path, *, limit: int, follow_symlinks: bool = True) -> str:
    """A regular file's text (UTF-8; UnicodeDecodeError when it is not)."""
    return read_regular(path, limit=limit, follow_symlinks=follow_symlinks).decode("utf-8")


def check_output(path: str | Path) -> None:
    """Refuse to replace what is at ``path`` unless it is a regular file (or nothing): NotRegularFileError.

    A symbolic link is refused too, whatever it points to: replacing it would delete the link (as
    `-o /dev/stdout` would delete the system's /dev/stdout), and writing through it writes somewhere else.
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(status.st_mode):
        raise NotRegularFileError(path, status.st_mode)
