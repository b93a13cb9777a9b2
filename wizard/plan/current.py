"""The files the plan starts from, read under the root; a symlinked config path is followed on purpose."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

from wizard.rootfs import PathEscapeError, resolve


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
        data = on_disk.read_bytes()
    except FileNotFoundError:
        return CurrentFile(path, target, None)
    except IsADirectoryError:
        raise PlanningError(f"{path} is a directory, not a file: move it away, then plan again") from None
    except OSError as error:
        name = errno.errorcode.get(error.errno or 0, "error")
        raise PlanningError(f"{path} cannot be read ({name}: {error.strerror})") from None
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
