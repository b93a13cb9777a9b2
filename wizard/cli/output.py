"""The command line's one output layer: what the headless commands print goes through here.

- A closed output (``kvm-wizard apply ... | head``, a terminal that went away) never stops the work: the
  rest of the output is dropped, the command finishes (an apply commits or rolls back as it would have),
  and its exit status says how the work ended. Nothing a write does can raise into the transaction.
- Every line is made safe for a terminal (wizard.shown.visible): an escape sequence, a carriage return or a
  line separator from a file or an answers key is shown as text, with or without colour.
- A line on standard error is cut at MAX_ERROR_LINE characters: an error never floods a console.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from wizard.shown import visible

MAX_ERROR_LINE = 2000  # characters of one line on standard error


class SafeStream(io.TextIOBase):
    """A text stream for a terminal or a pipe that never raises on write and never passes raw controls."""

    def __init__(self, stream: TextIO | None, *, max_line: int | None = None) -> None:
        super().__init__()
        self._stream = stream
        self._max_line = max_line
        self._column = 0  # characters on the current line so far (for the cut)
        self._dropped = 0  # characters cut from the current line
        self.styled = False  # the command paints with colour here: keep kvm-wizard's own styles
        self.cut = stream is None  # the reader went away (or there never was one): output is dropped

    # --- the stream ---------------------------------------------------------------------------------------

    @property
    def inner(self) -> TextIO | None:
        """The stream this one writes to."""
        return self._stream

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase declares it read-only
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    def isatty(self) -> bool:
        if self.cut or self._stream is None:
            return False
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise io.UnsupportedOperation("no stream")
        return self._stream.fileno()

    def write(self, text: str) -> int:
        if self.cut:
            return len(text)
        shown = visible(text, keep_styles=self.styled)
        if self._max_line is not None:
            shown = self._cut_long_lines(shown)
        self._put(shown)
        return len(text)

    def write_bytes(self, data: bytes) -> bool:
        """Bytes as they are (a tar.gz on `-o -`), after the text written so far; False when not all arrived."""
        if self.cut or self._stream is None:
            return False
        try:
            self._stream.flush()
            binary = self._stream.buffer
            binary.write(data)
            binary.flush()
        except (OSError, ValueError, AttributeError):
            self._close_down()
            return False
        return True

    def flush(self) -> None:
        if self.cut or self._stream is None:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError):
            self._close_down()

    # --- internals ------------------------------------------------------------------------------------

    def _put(self, text: str) -> None:
        assert self._stream is not None  # noqa: S101 - cut is True without a stream
        try:
            try:
                self._stream.write(text)
            except UnicodeEncodeError:  # a terminal in a narrow encoding: what it cannot show, escaped
                encoding = self.encoding
                self._stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        except (OSError, ValueError):  # EPIPE, EIO of a hung-up terminal, EBADF, a closed file object
            self._close_down()

    def _cut_long_lines(self, text: str) -> str:
        assert self._max_line is not None  # noqa: S101 - only called with a limit
        out: list[str] = []
        for piece in text.splitlines(keepends=True) or [""]:
            body = piece.rstrip("\n")
            room = max(self._max_line - self._column, 0)
            out.append(body[:room])
            self._column += min(len(body), room)
            self._dropped += max(len(body) - room, 0)
            if piece.endswith("\n"):
                if self._dropped:
                    out.append(f"… ({self._dropped:,} more characters not shown)")
                out.append("\n")
                self._column = 0
                self._dropped = 0
        return "".join(out)

    def _close_down(self) -> None:
        """The reader is gone: drop everything from now on, and let Python's own flush at exit find a sink
        that takes it (the standard recipe: /dev/null over the descriptor), not a broken pipe."""
        self.cut = True
        stream = self._stream
        if stream is None:
            return
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, stream.fileno())
            finally:
                os.close(null)


def stdout() -> SafeStream:
    """The current standard output as the safe stream main() installed (made on the spot otherwise)."""
    return sys.stdout if isinstance(sys.stdout, SafeStream) else SafeStream(sys.stdout)


def stdout_cut() -> bool:
    """Standard output was closed by its reader before the command finished."""
    return isinstance(sys.stdout, SafeStream) and sys.stdout.cut


def note_if_cut(text: str) -> None:
    """When standard output was cut short, tell standard error how the work ended (a change's outcome)."""
    if stdout_cut():
        sys.stderr.write(f"kvm-wizard: standard output was closed before the end; {text}\n")
        sys.stderr.flush()


@contextlib.contextmanager
def safe_streams() -> Iterator[None]:
    """Standard output and error as SafeStreams for the length of a command (restored afterwards)."""
    saved = sys.stdout, sys.stderr
    out = SafeStream(sys.stdout)
    err = SafeStream(sys.stderr, max_line=MAX_ERROR_LINE)
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def raw_streams() -> Iterator[None]:
    """The streams safe_streams() wrapped, unwrapped (the interactive wizard draws its own screen on them)."""
    saved = sys.stdout, sys.stderr
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, SafeStream) and stream.inner is not None:
            setattr(sys, name, stream.inner)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def mark_styled(stream: TextIO) -> None:
    """The command paints ``stream`` with colour: the styles it paints with pass (nothing else does)."""
    if isinstance(stream, SafeStream):
        stream.styled = True
