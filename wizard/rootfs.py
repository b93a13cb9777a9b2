"""Paths under a root: every read and write of the system goes through here, so nothing escapes the root."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from wizard.regular_files import FileTooLargeError, NotRegularFileError, read_regular

_MAX_SYMLINKS = 40  # as the kernel's ELOOP limit


class PathEscapeError(Exception):
    """A path, or a symlink on the way to it, leads outside the root."""


def _clean(path: str) -> PurePosixPath:
    """A system path as seen inside the root, normalised; ``..`` may not climb above ``/``."""
    if not path.startswith("/"):
        raise PathEscapeError(f"{path!r}: expected an absolute path inside the root")
    parts: list[str] = []
    for part in PurePosixPath(path).parts[1:]:
        if part == "..":
            if not parts:
                raise PathEscapeError(f"{path!r} climbs above the root")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath("/", *parts)


def is_system_root(root: Path | str) -> bool:
    """Files under ``root`` are the running system's: the one case in which an apply runs its actions
    (module loads, restarts), whatever the host's facts came from (a probe, a recording). `plan` labels the
    actions by the same rule, so that it never says "not run" of an action `apply` runs."""
    return Path(root).absolute() == Path("/")


def under(root: Path, path: str) -> Path:
    """Where the system path ``path`` lives on disk when the system is at ``root`` (no symlinks followed)."""
    clean = _clean(path)
    if root == Path("/"):
        return Path(clean)
    return root.joinpath(*clean.parts[1:])


def resolve(root: Path, path: str) -> tuple[Path, str]:
    """Follow symlinks as a process chrooted at ``root`` would see them.

    Returns the on-disk path and the system path it resolves to. Absolute link targets are taken relative
    to the root; a target that climbs above the root raises PathEscapeError, so a staging tree can never
    make the wizard write outside it.
    """
    remaining = list(_clean(path).parts[1:])
    resolved: list[str] = []
    hops = 0
    while remaining:
        part = remaining.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not resolved:
                raise PathEscapeError(f"{path}: a symbolic link on the way leads outside the root")
            resolved.pop()
            continue
        candidate = under(root, "/" + "/".join([*resolved, part]))
        if candidate.is_symlink():
            hops += 1
            if hops > _MAX_SYMLINKS:
                raise PathEscapeError(f"{path}: too many levels of symbolic links")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
                target_parts = list(PurePosixPath(target).parts[1:])
            else:
                target_parts = list(PurePosixPath(target).parts)
            for target_part in reversed(target_parts):
                remaining.insert(0, target_part)
            continue
        resolved.append(part)
    system_path = "/" + "/".join(resolved)
    return under(root, system_path), system_path


def locate(root: Path, path: str) -> Path:
    """Where ``path`` is on disk, the symlinks of its directories followed as in :func:`resolve`, a symlink at
    its end left alone (for lstat and readlink). Raises PathEscapeError as resolve does."""
    clean = _clean(path)
    if root == Path("/") or clean.parent == clean:
        return under(root, str(clean))
    return resolve(root, str(clean.parent))[0] / clean.name


def read_under(
    root: Path, path: str, *, limit: int, tail: int | None = None, truncate: bool = False
) -> bytes:
    """The bytes of the regular file ``path`` of the system at ``root``: wizard.regular_files.read_regular()
    (no FIFO, device, socket or directory; at most ``limit`` bytes) on the file symlinks lead to inside the
    root. A symlink leading out of the root raises PathEscapeError."""
    disk = path if root == Path("/") else str(resolve(root, path)[0])
    try:
        return read_regular(disk, limit=limit, tail=tail, truncate=truncate)
    except NotRegularFileError as error:
        raise NotRegularFileError(path, error.mode) from None  # named as the system knows it
    except FileTooLargeError as error:
        raise FileTooLargeError(path, error.size, error.limit) from None
