"""The line mode in a real pseudo-terminal with TERM=dumb: pexpect runs it, the raw bytes are kept whole (no
escape sequence may be among them) and each question is answered by a policy that reads what was printed.

A question is the last line printed when the program waits for input: it ends with "> " and nothing follows
it for a moment.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pexpect

ROWS, COLUMNS = 24, 80
PROMPT = re.compile(rb"> $")
KVM_WIZARD = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kvm-wizard")


@dataclass
class Walk:
    """How a walk answers: qemu where KVM cannot work, the decision at Confirm, the fixes in rescue."""

    qemu: bool = False
    decision: str = "k"  # k keeps, r reverts
    seen: list[str] = field(default_factory=list)  # every question asked, in order


def answer(walk: Walk, prompt: str, printed: str) -> str:
    """The answer to ``prompt`` after ``printed`` (the output since the last answer): Enter keeps what is
    shown, except where a walk decides."""
    prompt = " ".join(printed.rsplit("\n", 3)[-3:])  # a long question wraps: its last rows
    walk.seen.append(prompt)
    if "Apply it now?" in prompt or "Apply these fixes now?" in prompt:
        return "y"
    if "k keeps it, r reverts it now" in prompt:
        return walk.decision
    if "p previews the ticked fixes" in prompt:
        return "p"
    if walk.qemu and "Hypervisor (hypervisor.virt_type):" in printed and "Choice [" in prompt:
        return "2"
    return ""


class LineTerminal:
    """One line-mode program on an 80x24 TERM=dumb pseudo-terminal."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout: float = 60.0,
        read_size: int = 65536,
        pace: float = 0.0,
    ) -> None:
        environment = {name: value for name, value in os.environ.items() if not name.startswith("TEXTUAL")}
        environment.update(
            TERM="dumb", LANG="C.UTF-8", LC_ALL="C.UTF-8", COLUMNS=str(COLUMNS), LINES=str(ROWS)
        )
        self.raw = bytearray()
        self.mark = 0  # where the output since the last answer starts
        self.timeout = timeout
        self.read_size = read_size  # bytes taken at a time, every ``pace`` seconds: a slow line
        self.pace = pace
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
            data = self.child.read_nonblocking(self.read_size, timeout=wait)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return False
        self.raw += data
        if self.pace:
            time.sleep(self.pace)
        return True

    def question(self) -> str | None:
        """The output until the next question (returned), or None when the program ended."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._pump(0.05):
                continue
            if PROMPT.search(bytes(self.raw[-2:])) and not self._pump(0.06):
                return self.raw[self.mark :].decode("ascii", "replace").rsplit("\n", 1)[-1]
            if not self.child.isalive():
                while self._pump(0.05):
                    pass
                return None
        raise AssertionError(f"no question came; the end of the output:\n{self.printed()[-2000:]}")

    def printed(self) -> str:
        return self.raw[self.mark :].decode("ascii", "replace").replace("\r\n", "\n")

    def send(self, line: str) -> None:
        self.mark = len(self.raw)
        self.child.sendline(line)

    def walk(self, answer_to: Callable[[str, str], str], limit: int = 400) -> None:
        """Answer every question by ``answer_to(question, printed)`` until the program ends."""
        for _ in range(limit):
            prompt = self.question()
            if prompt is None:
                return
            self.send(answer_to(prompt, self.printed()))
        raise AssertionError(f"still asking after {limit} answers:\n{self.printed()[-2000:]}")

    def wait_exit(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self._pump(0.05)
        self.child.close()
        status = self.child.exitstatus
        return status if status is not None else 128 + (self.child.signalstatus or 0)


def all_text(raw: bytes) -> str:
    return raw.decode("ascii").replace("\r\n", "\n")
