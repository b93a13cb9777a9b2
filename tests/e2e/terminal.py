"""A real program in a real pseudo-terminal: pexpect runs it, pyte keeps the screen it draws.

Waits are on text appearing on the screen, with a timeout; never fixed sleeps. The Linux console's own key
sequences are sent (TERM=linux): F1 is ESC [ [ A there, not what an xterm sends.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pexpect
import pyte

KEYS = {
    "tab": "\t",
    "enter": "\r",
    "escape": "\x1b",
    "space": " ",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "backspace": "\x7f",
    "end": "\x1b[4~",
    "pagedown": "\x1b[6~",
    "f1": "\x1b[[A",
    "f2": "\x1b[[B",
    "f9": "\x1b[20~",
    "f10": "\x1b[21~",
    "ctrl+c": "\x03",
    "ctrl+q": "\x11",
    "ctrl+p": "\x10",
}
ROWS, COLUMNS = 24, 80


class AlternateScreen(pyte.Screen):
    """pyte's screen plus the alternate screen (private mode 1049) that full-screen programs switch to: what
    was on the terminal before must come back when they end."""

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines)
        self.saved: tuple[Any, Any] | None = None
        self.in_alternate = False
        self.answers = bytearray()  # what the terminal says back to the program (a cursor position report)

    def write_process_input(self, data: str) -> None:
        """pyte's answer to a device status query (ESC [ 6 n): sent to the program, as a terminal does."""
        self.answers += data.encode()

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private") and 1049 in modes and not self.in_alternate:
            self.saved = (copy.deepcopy(self.buffer), copy.copy(self.cursor))
            self.in_alternate = True
            self.erase_in_display(2)
        super().set_mode(*[mode for mode in modes if mode != 1049], **kwargs)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private") and 1049 in modes and self.in_alternate and self.saved is not None:
            buffer, cursor = self.saved
            self.buffer.clear()
            self.buffer.update(buffer)
            self.cursor = cursor
            self.in_alternate = False
            self.dirty.update(range(self.lines))
        super().reset_mode(*[mode for mode in modes if mode != 1049], **kwargs)


class Terminal:
    """One program on an 80x24 TERM=linux pseudo-terminal. Its stderr is the terminal: Textual draws there."""

    def __init__(self, argv: Sequence[str], *, cwd: Path, timeout: float = 20.0, prompt: str = "") -> None:
        environment = {name: value for name, value in os.environ.items() if not name.startswith("TEXTUAL")}
        environment.update(
            TERM="linux", LANG="C.UTF-8", LC_ALL="C.UTF-8", COLUMNS=str(COLUMNS), LINES=str(ROWS)
        )
        environment.pop("NO_COLOR", None)
        self.screen = AlternateScreen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        if prompt:
            self.stream.feed(prompt.encode())  # what the shell had drawn before the program started
        self.raw = bytearray()
        self.seen: set[str] = set()  # every character drawn at any time
        self.timeout = timeout
        self.started = time.monotonic()
        self.child: pexpect.spawn[bytes] = pexpect.spawn(
            argv[0],
            list(argv[1:]),
            env=environment,
            cwd=str(cwd),
            dimensions=(ROWS, COLUMNS),
            timeout=timeout,
        )

    def _pump(self, wait: float) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=wait)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return False
        self.raw += data
        self.stream.feed(data)
        if self.screen.answers:
            self.child.send(bytes(self.screen.answers))
            self.screen.answers.clear()
        for row in self.screen.buffer.values():
            self.seen.update(cell.data for cell in row.values() if cell.data)
        return True

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float | None = None) -> float:
        """Seconds since the start when ``needle`` was on the screen."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            if needle in self.text():
                return time.monotonic() - self.started
            if not self._pump(0.02) and not self.child.isalive():
                break
        raise AssertionError(f"{needle!r} never appeared; the screen shows:\n{self.text()}")

    def wait_gone(self, needle: str, timeout: float | None = None) -> None:
        """Until ``needle`` is no longer on the screen (a toast that has timed out)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while needle in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} stayed on the screen:\n{self.text()}")
            self._pump(0.05)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.child.send(KEYS.get(key, key))
            self._pump(0.01)

    def settle(self, quiet: float = 0.25, limit: float = 3.0) -> None:
        """Read until nothing has been drawn for ``quiet`` seconds (a title clock ticks once a second)."""
        end = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < end:
            if self._pump(0.05):
                last = time.monotonic()
            elif time.monotonic() - last > quiet:
                return

    def step(self, key: str, needle: str) -> None:
        """Press a key and wait for what it leads to."""
        self.press(key)
        self.wait_for(needle)

    def wait_exit(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self._pump(0.05)
        while self._pump(0.05):
            pass
        self.child.close()
        status = self.child.exitstatus
        if status is None:
            raise AssertionError(
                f"the program did not end (signal {self.child.signalstatus}):\n{self.text()}"
            )
        return int(status)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
