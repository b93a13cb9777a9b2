"""The pending confirmation on disk, the detached watcher that enforces it, and the record of a revert."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard.apply.atomic import Attributes, remove_file, write_atomic
from wizard.apply.faults import crash_point
from wizard.apply.results import PendingConfirmation, RevertRecord, UndoCommand
from wizard.apply.state import PRIVATE_FILE_MODE, StatePaths, dump_toml
from wizard.files.toml_depth import load_toml
from wizard.regular_files import read_regular_text

WATCHER_MODULE = "wizard.apply.watcher"


class PendingFileError(Exception):
    """pending-confirm.toml exists but cannot be read: nobody can tell which generation to revert to."""


def now_text(offset: float = 0.0) -> str:
    return datetime.fromtimestamp(time.time() + offset, UTC).astimezone().isoformat(timespec="seconds")


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:  # pragma: no cover - every Linux has it
        return ""


def boottime() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def seconds_left(pending: PendingConfirmation) -> float:
    """Time left to confirm; 0 after a reboot (the console was lost with it) or past the deadline."""
    if pending.boot_id != boot_id():
        return 0.0
    return max(0.0, pending.deadline_boottime - boottime())


def _private() -> Attributes:
    return Attributes(os.geteuid(), os.getegid(), PRIVATE_FILE_MODE)


def _write_toml(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, dump_toml(data).encode("utf-8"), _private())


def write_pending(paths: StatePaths, pending: PendingConfirmation) -> None:
    data = asdict(pending)
    data["undo"] = [{**asdict(command), "argv": list(command.argv)} for command in pending.undo]
    data["irreversible"] = list(pending.irreversible)
    _write_toml(paths.pending, data)


MAX_STATE_BYTES = 1024 * 1024  # the pending confirmation and the revert record: a few hundred bytes


def read_pending(paths: StatePaths) -> PendingConfirmation | None:
    try:
        text = read_regular_text(paths.pending, limit=MAX_STATE_BYTES)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise PendingFileError(f"{paths.pending} cannot be read ({error})") from error
    try:
        data = load_toml(text)
        undo = tuple(
            UndoCommand(
                str(item["action_id"]), str(item["title"]), tuple(item["argv"]), float(item["timeout"])
            )
            for item in data.get("undo", [])
        )
        return PendingConfirmation(
            generation=int(data["generation"]),
            kind=str(data["kind"]),
            summary=str(data["summary"]),
            started=str(data["started"]),
            timeout=float(data["timeout"]),
            deadline=str(data["deadline"]),
            deadline_boottime=float(data["deadline_boottime"]),
            boot_id=str(data["boot_id"]),
            watcher_pid=int(data["watcher_pid"]),
            undo=undo,
            irreversible=tuple(str(title) for title in data.get("irreversible", [])),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise PendingFileError(f"{paths.pending} is damaged ({error})") from error


def remove_pending(paths: StatePaths) -> None:
    remove_file(paths.pending)


def watcher_alive(pid: int) -> bool:
    """``pid`` is a running watcher (not a recycled pid of some other program)."""
    if pid <= 0:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return WATCHER_MODULE.encode() in command and state != "Z"


def spawn_watcher(root: Path, generation: int) -> int:
    """Start the detached watcher (new session, double fork, stdio on /dev/null); returns its pid."""
    process = subprocess.Popen(
        [sys.executable, "-m", WATCHER_MODULE, "--root", str(root), "--generation", str(generation)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd="/",
        start_new_session=True,  # no SIGHUP when the operator's terminal or SSH session goes away
    )
    if process.stdout is None:  # pragma: no cover - stdout is PIPE above
        raise RuntimeError("watcher pipe missing")
    with process.stdout:
        line = process.stdout.readline()
    process.wait()
    try:
        return int(line)
    except ValueError:
        raise OSError(f"the confirmation watcher did not start (exit status {process.returncode})") from None


def stop_watcher(pending: PendingConfirmation) -> None:
    """Ask a watcher to exit at once (it would anyway, at its next look at the missing pending file)."""
    if watcher_alive(pending.watcher_pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pending.watcher_pid, 15)


def begin_confirmation(
    paths: StatePaths,
    *,
    generation: int,
    kind: str,
    summary: str,
    timeout: float,
    undo: tuple[UndoCommand, ...],
    irreversible: tuple[str, ...],
) -> PendingConfirmation:
    """Write the deadline to disk, then start the watcher that enforces it even if we are killed."""
    pending = PendingConfirmation(
        generation=generation,
        kind=kind,
        summary=summary,
        started=now_text(),
        timeout=timeout,
        deadline=now_text(timeout),
        deadline_boottime=boottime() + timeout,
        boot_id=boot_id(),
        watcher_pid=0,
        undo=undo,
        irreversible=irreversible,
    )
    write_pending(paths, pending)
    crash_point("pending-written")
    pending = replace(pending, watcher_pid=spawn_watcher(paths.root, generation))
    write_pending(paths, pending)
    return pending


def ensure_watcher(paths: StatePaths, pending: PendingConfirmation) -> PendingConfirmation:
    """A pending confirmation whose watcher died (killed, or a crash before it started) gets a new one."""
    if watcher_alive(pending.watcher_pid):
        return pending
    pending = replace(pending, watcher_pid=spawn_watcher(paths.root, pending.generation))
    write_pending(paths, pending)
    return pending


def write_revert_record(paths: StatePaths, record: RevertRecord) -> None:
    data = asdict(record)
    data["problems"] = list(record.problems)
    _write_toml(paths.revert_record, data)


def read_revert_record(paths: StatePaths) -> RevertRecord | None:
    """The last automatic revert; PendingFileError when its record is damaged (or not a regular file)."""
    try:
        data = load_toml(read_regular_text(paths.revert_record, limit=MAX_STATE_BYTES))
        return RevertRecord(
            time=str(data["time"]),
            restored=int(data["restored"]),
            generation=int(data["generation"]),
            reason=str(data["reason"]),
            automatic=bool(data["automatic"]),
            problems=tuple(str(problem) for problem in data.get("problems", [])),
            reported=bool(data["reported"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise PendingFileError(
            f"the record of the last revert ({paths.revert_record}) is damaged ({error}); it only reports a "
            "past revert: remove it"
        ) from error
