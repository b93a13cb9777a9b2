"""The files the plan starts from, read under the root; a symlinked config path is followed on purpose."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

from wizard.regular_files import FileTooLargeError, NotRegularFileError, read_regular
from wizard.rootfs import PathEscapeError, resolve
from wizard.shown import shorten_path

MAX_CONFIG_BYTES = 64 * 1024 * 1024  # a file the plan starts from (a nova.conf is a few hundred KB)


class PlanningError(Exception):
    """The plan cannot be made: a file is unreadable, or points outside the root."""


@dataclass(frozen=True)
class CurrentFile:
    path: str  # the system path asked for
    target: str  # the system path it resolves to when it is a symlink, else ""
    data: bytes | None  # None: it does not exist


def read_current(root: Path, path: str) -> CurrentFile:
    try:
        on_disk, system_path = resolve(root, path)
    except PathEscapeError as error:
        raise PlanningError(f"{path}: {error}") from None
    target = system_path if system_path != path else ""
    try:
        data = read_regular(on_disk, limit=MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return CurrentFile(path, target, None)
    except NotRegularFileError as error:
        where = path if not target else f"{path} (a symbolic link to {target})"
        raise PlanningError(
            f"{where} is {error.kind}, not a regular file: move it away, then plan again"
        ) from None
    except FileTooLargeError as error:
        raise PlanningError(f"{path} {error.strerror}: is it the right file?") from None
    except OSError as error:
        name = errno.errorcode.get(error.errno or 0, "error")
        raise PlanningError(f"{shorten_path(path)} cannot be read ({name}: {error.strerror})") from None
    return CurrentFile(path, target, data)


def list_directory(root: Path, path: str, suffix: str) -> list[str]:
    """System paths of the files in a directory under the root that end with ``suffix``, sorted as the tools
    that read them sort them."""
    try:
        on_disk, system_path = resolve(root, path)
    except PathEscapeError as error:
        raise PlanningError(f"{path}: {error}") from None
    try:
        names = sorted(entry.name for entry in on_disk.iterdir() if entry.name.endswith(suffix))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        raise PlanningError(f"{path} cannot be listed ({error.strerror})") from None
    return [f"{system_path.rstrip('/')}/{name}" for name in names]
