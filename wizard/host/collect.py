"""Reading files, stats and listings under a root for the probe, recording each failure instead of raising."""

from __future__ import annotations

import errno
import gzip
import os
import stat as stat_module
import zlib
from collections.abc import Callable
from pathlib import Path

from wizard import rootfs
from wizard.host.facts import DirList, FileRead, PathStat
from wizard.host.live import describe_error
from wizard.regular_files import NotRegularFileError

# Reads are bounded so that a huge or endless file (a FIFO, a runaway log) cannot stall the probe.
MAX_READ_BYTES = 4 * 1024 * 1024
TAIL_BYTES = 1024 * 1024

Keep = Callable[[str], tuple[str, bool]]  # text -> (kept text, whether anything was dropped)


def _kind(mode: int) -> str:
    for test, name in (
        (stat_module.S_ISREG, "file"),
        (stat_module.S_ISDIR, "dir"),
        (stat_module.S_ISCHR, "char"),
        (stat_module.S_ISBLK, "block"),
        (stat_module.S_ISLNK, "symlink"),
        (stat_module.S_ISFIFO, "fifo"),
        (stat_module.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "other"


def read_under(root: Path, path: str, *, tail: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` of the system at ``root`` (its last ``tail`` bytes when given).

    wizard.rootfs.read_under, as the probe reads: symlinks are followed inside the root (one leading out of it
    raises rootfs.PathEscapeError), something other than a regular file raises NotRegularFileError without
    stalling the reader, and at most MAX_READ_BYTES are kept. Other failures raise OSError.
    """
    return rootfs.read_under(root, path, limit=MAX_READ_BYTES, tail=tail, truncate=True)


class Collector:
    """Everything read under one root, keyed by the path as seen inside the root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.live_root = root == Path("/")
        self.files: dict[str, FileRead] = {}
        self.stats: dict[str, PathStat] = {}
        self.dirs: dict[str, DirList] = {}
        self.errors: list[str] = []
        self.user_names: dict[int, str] = {}
        self.group_names: dict[int, str] = {}

    # --- locating ---------------------------------------------------------------------------------------

    def disk_path(self, path: str) -> str:
        """Where ``path`` is on disk; under a root other than /, symlinks are followed inside the root."""
        if self.live_root:
            return path
        return str(rootfs.resolve(self.root, path)[0])

    def _under(self, path: str) -> str:
        """Where ``path`` is on disk, without following a symlink at its end (for lstat and readlink); the
        symlinks of its directories are followed inside the root."""
        return path if self.live_root else str(rootfs.locate(self.root, path))

    # --- reading ----------------------------------------------------------------------------------------

    def read_bytes(self, path: str, *, tail: int | None = None) -> bytes | None:
        """Raw bytes of a file (its last ``tail`` bytes when given), or None with the failure recorded."""
        try:
            return read_under(self.root, path, tail=tail)
        except rootfs.PathEscapeError as error:
            self.files[path] = FileRead(error=f"ELOOP: {error}")
        except NotRegularFileError as error:
            if stat_module.S_ISDIR(error.mode):
                self.files[path] = FileRead(error=f"EISDIR: {os.strerror(errno.EISDIR)}")
            else:
                self.files[path] = FileRead(error=f"EINVAL: not a regular file ({_kind(error.mode)})")
        except OSError as error:
            self.files[path] = FileRead(error=describe_error(error))
        return None

    def read(self, path: str, keep: Keep | None = None, *, record: bool = True) -> str | None:
        """A text file's content; with ``keep``, only the part diagnosis needs is recorded."""
        data = self.read_bytes(path)
        if data is None:
            return None
        text = data.decode("utf-8", "replace")
        if record:
            kept, truncated = keep(text) if keep is not None else (text, False)
            self.files[path] = FileRead(content=kept, truncated=truncated)
        return text

    def read_hex(self, path: str) -> bytes | None:
        """A small binary file (an EFI variable), recorded as hexadecimal."""
        data = self.read_bytes(path)
        if data is not None:
            self.files[path] = FileRead(content=data[:4096].hex())
        return data

    def read_gzip(self, path: str, keep: Keep) -> str | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        try:
            text = gzip.decompress(data).decode("utf-8", "replace")
        except (OSError, EOFError, zlib.error) as error:
            self.files[path] = FileRead(error=f"EINVAL: not gzip data ({error})")
            return None
        kept, truncated = keep(text)
        self.files[path] = FileRead(content=kept, truncated=truncated)
        return text

    def read_tail(self, path: str, lines: int, keep: Keep) -> str | None:
        """The last ``lines`` lines of a log, filtered by ``keep`` before they are recorded."""
        data = self.read_bytes(path, tail=TAIL_BYTES)
        if data is None:
            return None
        text = data.decode("utf-8", "replace")
        last = text.splitlines()[-lines:]
        kept, _ = keep("\n".join(last))
        self.files[path] = FileRead(content=kept, truncated=True)
        return text

    # --- stat and listing -------------------------------------------------------------------------------

    def stat(self, path: str) -> PathStat:
        try:
            on_disk = self._under(path)
            result = os.lstat(on_disk)
        except FileNotFoundError:
            found = PathStat(exists=False)
        except NotADirectoryError:
            found = PathStat(exists=False)
        except rootfs.PathEscapeError as error:
            found = PathStat(exists=False, error=f"ELOOP: {error}")
        except OSError as error:
            found = PathStat(exists=False, error=describe_error(error))
        else:
            kind = _kind(result.st_mode)
            device = kind in {"char", "block"}
            target = ""
            if kind == "symlink":
                try:
                    target = os.readlink(on_disk)
                except OSError:
                    target = ""
            found = PathStat(
                exists=True,
                kind=kind,
                mode=stat_module.S_IMODE(result.st_mode),
                uid=result.st_uid,
                gid=result.st_gid,
                owner=self.user_names.get(result.st_uid, ""),
                group=self.group_names.get(result.st_gid, ""),
                major=os.major(result.st_rdev) if device else -1,
                minor=os.minor(result.st_rdev) if device else -1,
                target=target,
            )
        self.stats[path] = found
        return found

    def listdir(self, path: str, *, record: bool = True) -> tuple[str, ...]:
        try:
            names = tuple(sorted(os.listdir(self.disk_path(path))))
        except rootfs.PathEscapeError as error:
            if record:
                self.dirs[path] = DirList(error=f"ELOOP: {error}")
            return ()
        except OSError as error:
            if record:
                self.dirs[path] = DirList(error=describe_error(error))
            return ()
        if record:
            self.dirs[path] = DirList(names=names)
        return names

    def identity(self, path: str) -> tuple[int, int] | None:
        """(device, inode) of a directory, to notice one reached twice (merged /usr: /lib -> /usr/lib)."""
        try:
            result = os.stat(self.disk_path(path))
        except (OSError, rootfs.PathEscapeError):
            return None
        return result.st_dev, result.st_ino

    def is_executable(self, path: str) -> bool:
        try:
            result = os.stat(self.disk_path(path))
        except (OSError, rootfs.PathEscapeError):
            return False
        return stat_module.S_ISREG(result.st_mode) and bool(result.st_mode & 0o111)
