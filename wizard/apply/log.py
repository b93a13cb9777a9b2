"""The activity log (ROOT/var/log/kvm-wizard.log): append-only, every line masked before it is written."""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from wizard.apply.state import LOG_FILE
from wizard.regular_files import NotRegularFileError
from wizard.rootfs import PathEscapeError, resolve
from wizard.secrets import mask_ini_text, mask_text


def mask(text: str) -> str:
    """The one masking function every log line, diff line and shown answer goes through."""
    return mask_text(text)


def mask_file_lines(kind: str, lines: list[str]) -> list[str]:
    """The lines of a file of ``kind`` with secret values masked; INI files by their option schema."""
    if kind not in ("nova.conf", "glance-api.conf"):
        return [mask(line) for line in lines]
    masked = mask_ini_text(kind, "".join(f"{line}\n" for line in lines)).split("\n")[:-1]
    # Line by line, so the diff stays aligned; a masker that merged lines would misalign it: mask each instead.
    return masked if len(masked) == len(lines) else [mask(line) for line in lines]


def command_line() -> str:
    """This process's command line as the kernel has it (sys.argv loses "python -m module"), masked."""
    try:
        parts = Path("/proc/self/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        text = shlex.join(part.decode("utf-8", "replace") for part in parts)
    except OSError:
        text = shlex.join(sys.argv)
    return mask(text)


class ActivityLog:
    """Appends masked, timestamped lines; a log that cannot be written is reported once, never fatal."""

    def __init__(self, root: Path, context: str, *, enabled: bool = True) -> None:
        self.root = root
        self.context = context
        self.problem: str | None = None
        self.path: Path | None = None
        if not enabled:  # a dry run changes nothing, not even the log
            return
        try:
            self.path = resolve(root, LOG_FILE)[0]
        except PathEscapeError as error:
            self.path = None
            self.problem = f"the log is not written: {error}"

    def write(self, text: str) -> None:
        if self.path is None:
            return
        stamp = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
        prefix = f"{stamp} [{os.getpid()}] {self.context}: "
        lines = "".join(f"{prefix}{line}\n" for line in mask(text).splitlines() or [""])
        try:
            self.path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                found = os.lstat(self.path)
                if not stat.S_ISREG(found.st_mode):  # named before an open could stall or go elsewhere
                    raise NotRegularFileError(self.path, found.st_mode)
            # O_NONBLOCK and O_NOFOLLOW: a named pipe or a symbolic link where the log should be must neither
            # stall the transaction nor send the log elsewhere; a log that is not a regular file is not written.
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW
            handle = os.open(self.path, flags, 0o600)
            try:
                if not stat.S_ISREG(os.fstat(handle).st_mode):
                    raise NotRegularFileError(self.path, os.fstat(handle).st_mode)
                os.write(handle, lines.encode("utf-8", "replace"))
            finally:
                os.close(handle)
        except OSError as error:
            if self.problem is None:
                self.problem = (
                    f"cannot write the log {LOG_FILE}: it {error.strerror}"
                    if isinstance(error, NotRegularFileError)
                    else f"cannot write the log {LOG_FILE}: {error.strerror or error}"
                )


CRASH_REPORT = "kvm-wizard-crash-{stamp}.txt"


def write_crash_report(root: Path | None, text: str) -> Path | None:
    """A crash report next to the log (ROOT/var/log/kvm-wizard-crash-TIME.txt, mode 0600), every line masked;
    in the temporary directory when the log's cannot take it (no root yet, read-only); None when nothing could
    be written. The log gets a line saying where it is."""
    stamp = datetime.now(UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    name = CRASH_REPORT.format(stamp=stamp)
    body = mask(text).encode("utf-8", "replace")
    places: list[Path] = []
    if root is not None:
        with contextlib.suppress(PathEscapeError):
            places.append(resolve(root, LOG_FILE)[0].parent)
    places.append(Path(tempfile.gettempdir()))
    for directory in places:
        try:
            directory.mkdir(mode=0o755, parents=True, exist_ok=True)
            path = directory / name
            for number in range(2, 100):
                if not path.exists():
                    break
                path = directory / name.replace(".txt", f"-{number}.txt")
            flags = (
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
            )  # a new file, never a link
            handle = os.open(path, flags, 0o600)
            try:
                os.write(handle, body)
            finally:
                os.close(handle)
        except OSError:
            continue
        if root is not None:
            ActivityLog(root, "wizard").write(f"internal error; the crash report is {path}")
        return path
    return None
