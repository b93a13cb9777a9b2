"""The line mode's input: a line at a time, from a terminal in its ordinary (canonical) mode or from a pipe.

It waits with select() so that a question with a deadline (Confirm) can say the time again while nobody
answers. Lines typed ahead wait their turn, as a terminal keeps them. A terminal's answer to the launcher's
cursor-position query that came too late (a slow serial line) is taken out of what was typed, and a
carriage return or a NUL is not part of an answer.
"""

from __future__ import annotations

import os
import re
import select
import signal
import time

from wizard import interrupts

# A cursor-position report (ESC [ row ; col R), as a terminal answers the launcher's query; the terminal's
# echo may have shown its ESC as "^[" already.
_LATE_ANSWER = re.compile(rb"(?:\x1b|\^\[)\[[0-9]+;[0-9]+R")


class InputEnded(Exception):  # noqa: N818 - it names what happened, not a failure of the program
    """Nothing more will come: the input was closed (end of file, a pipe's writer gone)."""


class Interrupt(Exception):  # noqa: N818 - it names what happened
    """ctrl+c at a question (SIGINT): the operator asks to quit, as q does."""


class LineInput:
    def __init__(self, fd: int, pending: bytes = b"") -> None:
        self.fd = fd
        self.buffer = pending  # bytes read and not yet taken (typed ahead, or left by the launcher's query)
        self.ended = False

    def read_line(self, timeout: float | None = None) -> str | None:
        """The next line without its end; None when ``timeout`` seconds passed without one."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            line = self._take()
            if line is not None:
                return line
            if self.ended:
                raise InputEnded
            wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if not self._fill(wait):
                return None

    def _take(self) -> str | None:
        self.buffer = _LATE_ANSWER.sub(b"", self.buffer)
        end = self.buffer.find(b"\n")
        if end < 0:
            if self.ended and self.buffer:  # a last line without its end
                end = len(self.buffer)
            else:
                return None
        raw, self.buffer = self.buffer[:end], self.buffer[end + 1 :]
        return raw.replace(b"\r", b"").replace(b"\0", b"").decode("utf-8", "replace")

    def _fill(self, wait: float | None) -> bool:
        """Read what is there, waiting up to ``wait`` seconds (None: as long as it takes); False on timeout."""
        try:
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                return False
            chunk = os.read(self.fd, 4096)
        except interrupts.Interrupted as interrupted:
            if interrupted.signal_number != signal.SIGINT:
                raise  # SIGTERM, SIGHUP: the wizard ends (the launcher says how)
            interrupts.install()  # taken here as a question: the next ctrl+c is one again
            raise Interrupt from None
        except KeyboardInterrupt:
            raise Interrupt from None
        except OSError:  # EIO: the terminal hung up
            chunk = b""
        if not chunk:
            self.ended = True
        self.buffer += chunk
        return True
