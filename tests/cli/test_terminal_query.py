"""Whether the terminal answers a cursor position query: asked in a real pseudo-terminal that answers, one
that does not, and with keys typed ahead (given back in their order, none lost)."""

from __future__ import annotations

import io
import os
import pty
import select
import sys
import time
from pathlib import Path

import pexpect

from wizard.cli.terminal_query import QUERY, terminal_answers

KVM_WIZARD = str(Path(sys.executable).parent / "kvm-wizard")


def asked(*, answer: bool, typed: bytes = b"") -> tuple[bool, bytes]:
    """(what terminal_answers said, what the program read afterwards) in a child on a fresh pty."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: ask, then read what is left to read
        answered = terminal_answers(0, 1, wait=1.0)
        os.set_blocking(0, False)
        time.sleep(0.1)
        try:
            rest = os.read(0, 100)
        except OSError:
            rest = b""
        os.write(1, b"\nRESULT %d %s END\n" % (answered, rest.hex().encode()))
        os._exit(0)
    if typed:
        os.write(fd, typed)
    output = b""
    deadline = time.monotonic() + 5
    while b"END" not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        output += chunk
        if QUERY in chunk and answer:
            os.write(fd, b"\x1b[12;40R")
    os.waitpid(pid, 0)
    os.close(fd)
    _, flag, rest = output.rsplit(b"RESULT", 1)[1].split(b" ")[:3]
    return flag == b"1", bytes.fromhex(rest.decode())


def test_a_terminal_that_answers() -> None:
    assert asked(answer=True) == (True, b"")


def test_a_terminal_that_does_not_answer() -> None:
    assert asked(answer=False) == (False, b"")


def test_keys_typed_ahead_are_given_back_in_their_order() -> None:
    # A line ends them: the terminal is back in its cooked mode when the child reads them.
    assert asked(answer=True, typed=b"2\n") == (True, b"2\n")
    assert asked(answer=False, typed=b"q\n") == (False, b"q\n")


def test_the_wizard_runs_in_lines_on_a_terminal_that_does_not_answer(tmp_path: Path) -> None:
    """TERM=linux, known to terminfo, on a pty whose other end never answers (a serial console behind a
    terminal server): the wizard says why and runs in lines instead of drawing a screen nobody sees."""
    environment = {**os.environ, "TERM": "linux", "LANG": "C.UTF-8"}
    child = pexpect.spawn(
        KVM_WIZARD,
        ["--demo", "intel-ready", "--root", str(tmp_path / "root")],
        env=environment,
        dimensions=(24, 80),
        timeout=30,
    )
    seen = io.BytesIO()
    child.logfile_read = seen
    try:
        child.expect(b"did not answer a cursor position query")
        child.expect(b"== Welcome - Step 1 of 12")
        child.expect(b"q quit > ")
        child.sendline(b"q")
        child.expect(rb"2\) Quit\r\n.*> ")
        child.sendline(b"2")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    written = seen.getvalue().replace(QUERY, b"")  # the question asked of the terminal, once
    assert b"\x1b" not in written, "nothing but lines after the terminal did not answer"
