"""Atomic file operations: at every moment a file is wholly old or wholly new, and keeps owner, mode, POSIX ACL
and extended attributes (an SELinux label is one: a file relabelled by a careless write is unreadable to nova
on an RHEL-family node)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path

from wizard.apply.faults import crash_point
from wizard.regular_files import NotRegularFileError, opened_regular, read_open
from wizard.shown import shorten_path

TEMPORARY_SUFFIX = ".kvm-wizard-new"
MAX_FILE_BYTES = 64 * 1024 * 1024  # a file the wizard edits or restores (nova.conf is a few hundred KB)
ACCESS_ACL = "system.posix_acl_access"
# Attributes the kernel computes from the content and the other attributes (IMA hashes, EVM signatures):
# copying the old file's would make them wrong for the new content. The kernel sets them itself.
_COMPUTED = frozenset({"security.ima", "security.evm"})

XAttrs = tuple[tuple[str, bytes], ...]  # (name, value), sorted by name


class NotAFileError(Exception):
    """A path that cannot be edited as a file; the message follows the path: "is a directory, not a file"."""


@dataclass(frozen=True)
class Attributes:
    uid: int
    gid: int
    mode: int  # permission bits, stat.S_IMODE
    # Extended attributes, POSIX ACLs (system.posix_acl_access) and SELinux labels (security.selinux)
    # included; None: not known, or not to be set (a new file gets what the system gives it: an inherited
    # default ACL, the label of the policy). Compared by same(), not by ==, where they are known on both sides.
    xattrs: XAttrs | None = field(default=None, compare=False)

    def same(self, other: Attributes | None) -> bool:
        """Owner, group, mode and, where both sides know them, the extended attributes."""
        if other is None or self != other:
            return False
        return self.xattrs is None or other.xattrs is None or self.xattrs == other.xattrs


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
        if self.exists != other.exists or self.content != other.content:
            return False
        if self.attributes is None or other.attributes is None:
            return self.attributes is other.attributes
        return self.attributes.same(other.attributes)


ABSENT = FileState(False)


def read_xattrs(handle: int) -> XAttrs:
    """The extended attributes of an open file that a copy must carry (ACLs and labels among them)."""
    try:
        names = os.listxattr(handle)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return ()  # a file system without extended attributes
        raise
    found: list[tuple[str, bytes]] = []
    for name in sorted(names):
        if name in _COMPUTED:
            continue
        try:
            found.append((name, os.getxattr(handle, name)))
        except OSError as error:
            if error.errno != errno.ENODATA:  # removed meanwhile
                raise
    return tuple(found)


def read_state(path: Path) -> FileState:
    """What ``path`` holds now; NotAFileError when it is there but is not a regular file (a FIFO is never
    waited on, a device never opened). At most MAX_FILE_BYTES are read."""
    try:
        with opened_regular(path, follow_symlinks=False) as (handle, info):
            if info.st_size > MAX_FILE_BYTES:
                raise NotAFileError(
                    f"is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB kvm-wizard edits"
                )
            content = read_open(handle, MAX_FILE_BYTES + 1)
            xattrs = read_xattrs(handle)
    except FileNotFoundError:
        return ABSENT
    except NotADirectoryError as error:
        raise NotAFileError("has a parent that is a file, not a directory") from error
    except NotRegularFileError as error:
        kind = "a named pipe" if stat.S_ISFIFO(error.mode) else error.kind
        raise NotAFileError(f"is {kind}, not a file") from error
    if len(content) > MAX_FILE_BYTES:
        raise NotAFileError(f"is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB kvm-wizard edits")
    attributes = Attributes(info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode), xattrs)
    return FileState(True, content, attributes)


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

    The temporary file is created 0600 and gets its owner, mode and attributes before the rename, so a
    secret is never readable by others and the file never appears with the wrong owner. A failure is told
    about ``path`` (never the temporary name the operator has never seen), with the reason when the file or
    its directory is immutable or append-only (chattr +i / +a).
    """
    temporary = temporary_path(path)
    try:
        _write_and_rename(temporary, path, content, attributes)
    except OSError as error:
        told = OSError(error.errno, error.strerror or str(error), str(path))
        told.hint = _protection(path)  # type: ignore[attr-defined]  # read by describe_os_error()
        raise told from error
    crash_point("renamed")
    if sync_directory:  # the engine syncs each directory once, after all its renames
        fsync_directory(path.parent)


def _write_and_rename(temporary: Path, path: Path, content: bytes, attributes: Attributes) -> None:
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
            if attributes.xattrs is not None:
                _set_xattrs(handle, attributes.xattrs, path)
            os.fchmod(handle, attributes.mode)  # after chown, which clears set-id bits; agrees with the ACL
            os.fsync(handle)
        finally:
            os.close(handle)
        crash_point("temp-written")
        os.rename(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


_FS_IOC_GETFLAGS = 0x80086601  # linux/fs.h
_IMMUTABLE, _APPEND_ONLY = 0x10, 0x20


def _protection(path: Path) -> str:
    """ "the file is immutable: chattr -i PATH ..." when the file or its directory carries such a flag."""
    for where, what in ((path, "the file"), (path.parent, "its directory")):
        try:
            handle = os.open(where, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            flags = struct.unpack("l", fcntl.ioctl(handle, _FS_IOC_GETFLAGS, b"\0" * 8))[0]
        except OSError:
            continue
        finally:
            os.close(handle)
        if flags & _IMMUTABLE:
            return f"{what} is immutable: chattr -i {where} allows the change"
        if flags & _APPEND_ONLY:
            return f"{what} is append-only: chattr -a {where} allows the change"
    return ""


def _set_xattrs(handle: int, wanted: XAttrs, path: Path) -> None:
    """Give the temporary copy the attributes the file had: its ACL, its label, the operator's user.* ones.
    An ACL the directory's default gave the copy, which the file did not have, is removed."""
    names = dict(wanted)
    for name, value in wanted:
        try:
            os.setxattr(handle, name, value)
        except OSError as error:
            raise OSError(
                error.errno, f"{error.strerror}: cannot keep its extended attribute {name}", str(path)
            ) from error
    if ACCESS_ACL not in names:
        with contextlib.suppress(OSError):  # ENODATA: none was inherited
            os.removexattr(handle, ACCESS_ACL)


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
    where = shorten_path(error.filename) if error.filename is not None else ""
    code = f" ({name})" if name else ""
    hint = getattr(error, "hint", "")
    told = f"{text}{code}: {where}" if where else f"{text}{code}"
    return f"{told} ({hint})" if hint else told
