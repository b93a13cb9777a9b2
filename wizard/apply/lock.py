"""The apply lock (flock on ROOT/var/lib/kvm-wizard/lock): one writer at a time, and who it is."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from wizard.apply.log import command_line
from wizard.apply.state import PRIVATE_FILE_MODE, StatePaths, dump_toml, ensure_private_directory
from wizard.files.toml_depth import load_toml
from wizard.regular_files import NotRegularFileError, read_regular_text


@dataclass(frozen=True)
class LockHolder:
    pid: int
    command: str
    since: str  # ISO 8601 local time
    purpose: str  # "apply", "rollback", "revert", "recover", "confirm"

    def describe(self) -> str:
        return f"pid {self.pid} ({self.command}), {self.purpose} since {self.since}"


class LockHeld(Exception):  # noqa: N818 - it names the situation the operator is told about
    """Another kvm-wizard holds the lock."""

    def __init__(self, holder: LockHolder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder else "a process that has not said who it is yet"
        super().__init__(f"another kvm-wizard is changing this system: {who}; wait for it to finish")


def read_holder(paths: StatePaths) -> LockHolder | None:
    try:
        data = load_toml(read_regular_text(paths.lock, limit=64 * 1024, follow_symlinks=False))
        return LockHolder(int(data["pid"]), str(data["command"]), str(data["since"]), str(data["purpose"]))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError):
        return None


def _open(paths: StatePaths) -> int:
    ensure_private_directory(paths.directory)
    # O_CLOEXEC: an action or the watcher started while we hold the lock must not inherit (and keep) it.
    # O_NONBLOCK: a named pipe there must not stall us (it is refused below, as anything but a regular file).
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    handle = os.open(paths.lock, flags, PRIVATE_FILE_MODE)
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):
        os.close(handle)
        raise NotRegularFileError(paths.lock, mode)
    return handle


def _acquire(handle: int, wait: float | None) -> bool:
    if wait is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)  # flock has no timeout; a short poll keeps the waiter responsive
        else:
            return True


@contextlib.contextmanager
def hold_lock(paths: StatePaths, purpose: str, *, wait: float | None = 0.0) -> Iterator[None]:
    """Hold the lock for the block, waiting up to ``wait`` seconds (None: as long as it takes).

    LockHeld names the holder when the lock stays taken.
    """
    handle = _open(paths)
    try:
        if not _acquire(handle, wait):
            raise LockHeld(read_holder(paths))
        since = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
        record = {
            "pid": os.getpid(),
            "command": command_line(),
            "since": since,
            "purpose": purpose,
        }
        os.ftruncate(handle, 0)
        os.pwrite(handle, dump_toml(record).encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(handle, 0)
    finally:
        os.close(handle)  # closing releases the flock


def lock_is_free(paths: StatePaths) -> bool:
    """Nobody holds the lock right now (a journal without a holder is an interrupted transaction)."""
    if not paths.lock.exists():
        return True
    try:
        handle = os.open(paths.lock, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return True  # a lock nobody can open (a symbolic link, gone meanwhile) is held by nobody
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return True
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(handle)
    return True
