"""Whether the terminal answers: a cursor position report asked for (ESC [ 6 n) and waited for.

A console whose TERM says it can draw a screen but that answers nothing (an IPMI serial-over-LAN session
with a wrong terminal type, a line console behind a terminal server) would get a screen it cannot show; the
wizard chooses its line mode there. Bytes that arrive while waiting and are not the answer (keys typed ahead)
are given back to the terminal's input queue in their order (TIOCSTI), so that no key is lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import termios
import time

QUERY = b"\x1b[6n"
ANSWER = re.compile(rb"\x1b\[\d+;\d+R")
WAIT = 1.0  # seconds: a terminal answers in milliseconds, a slow serial line in a few hundred


def terminal_answers(input_fd: int, output_fd: int, *, wait: float = WAIT) -> bool:
    """Ask the terminal on ``output_fd`` where its cursor is, and read the answer on ``input_fd`` for up to
    ``wait`` seconds. True when it answered; False when it did not (or cannot be asked)."""
    try:
        saved = termios.tcgetattr(input_fd)
    except termios.error:
        return False
    quiet = list(saved)
    quiet[3] &= ~(termios.ICANON | termios.ECHO)  # the answer is not echoed, and comes without a newline
    quiet[6] = list(saved[6])
    quiet[6][termios.VMIN] = 0
    quiet[6][termios.VTIME] = 0
    received = bytearray()
    answered = False
    try:
        termios.tcsetattr(input_fd, termios.TCSANOW, quiet)
        os.write(output_fd, QUERY)
        deadline = time.monotonic() + wait
        while not answered:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([input_fd], [], [], left)
            if not ready:
                break
            chunk = os.read(input_fd, 256)
            if not chunk:
                break
            received += chunk
            match = ANSWER.search(received)
            if match is not None:
                answered = True
                del received[match.start() : match.end()]
    except OSError:
        return False
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(input_fd, termios.TCSANOW, saved)
        give_back(input_fd, bytes(received))
    return answered


def give_back(input_fd: int, typed: bytes) -> None:
    """Keys read while waiting go back to the terminal's input queue, in order (TIOCSTI, one byte at a time)."""
    for byte in typed:
        try:
            fcntl.ioctl(input_fd, termios.TIOCSTI, bytes([byte]))
        except OSError:
            return  # not allowed here (dev.tty.legacy_tiocsti = 0 without CAP_SYS_ADMIN): they are lost
