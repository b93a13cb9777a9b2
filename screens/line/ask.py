"""The line mode's questions: a step's choices numbered with the current one marked, a field's value typed on
a line, yes or no. The same keys at every question: an empty line keeps what is shown and goes on, ``b`` goes
back, ``q`` quits (asked first, by the driver), ``?`` prints the step's help (assets/help/NAME.md, the same
files as F1's), ``s`` opens the snapshots where a step allows it.

A question is asked again until its answer is valid: what is wrong is printed as a line naming the key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from assets import asset_path
from screens.line.input import Interrupt, LineInput
from screens.line.output import Printer
from screens.steps.said import Said

T = TypeVar("T")


class Back(Exception):  # noqa: N818 - a way of leaving a step, not a failure
    """b: the operator goes back (answers are kept)."""


class QuitAsked(Exception):  # noqa: N818 - a way of leaving a step
    """q or ctrl+c: the operator asks to quit; the driver asks the quit question."""


class SnapshotsAsked(Exception):  # noqa: N818 - a way of leaving a step
    """s: the operator opens the snapshots."""


@dataclass(frozen=True)
class Choice(Generic[T]):
    value: T
    label: str
    refused: str | None = None  # why it is not offered here (shown, not choosable)


def help_lines(name: str) -> list[str]:
    """The step's help, the same file as F1's, as lines (markdown is readable as text)."""
    path = asset_path("help", f"{name}.md")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return [f"No help text was found ({path})."]


class LineIO:
    """The printer and the input of one line-mode session, and the question every step asks through."""

    def __init__(self, printer: Printer, reader: LineInput) -> None:
        self.printer = printer
        self.reader = reader
        self.help = "wizard"  # the help of the step shown
        self.snapshots = False  # whether s opens the snapshots at this step

    # -- printing -----------------------------------------------------------------------------------------
    def say(self, *lines: Said | str, skippable: bool = False) -> None:
        self.printer.lines(
            [line.plain() if isinstance(line, Said) else line for line in lines], skippable=skippable
        )

    def heading(self, title: str) -> None:
        self.say("", f"== {title} ==")

    # -- reading --------------------------------------------------------------------------------------------
    def line(self, prompt: str, *, timeout: float | None = None, back: bool = True) -> str | None:
        """One answer: the keys every question knows handled here (? b q s). None on ``timeout``."""
        prompt = (
            prompt if prompt.endswith(">") else f"{prompt} >"
        )  # every question ends alike: a reader knows it
        while True:
            self.printer.prompt(prompt)
            try:
                answer = self.reader.read_line(timeout)
            except Interrupt:
                self.printer.stream_line("")
                raise QuitAsked from None
            self.printer.answered()
            if answer is None:
                self.printer.stream_line("")
                return None
            typed = answer.strip()
            if typed == "?":
                self.printer.lines(help_lines(self.help), skippable=True)
                continue
            if typed == "q":
                raise QuitAsked
            if typed == "b" and back:
                raise Back
            if typed == "s" and self.snapshots:
                raise SnapshotsAsked
            return answer

    def more(self) -> bool:
        """Asked when a screenful is printed: Enter for more, q stops the text. Once the input has ended nobody
        can answer: the rest is printed (the last words of a session that ends for it)."""
        if self.reader.ended and not self.reader.buffer:
            return True
        self.printer.prompt("-- more: Enter goes on, q skips the rest -- >")
        try:
            answer = self.reader.read_line()
        except Interrupt:
            return False
        return (answer or "").strip() != "q"

    def keys(self, *, back: bool = True) -> str:
        ways = ["Enter goes on"] + (["b back"] if back else []) + (["s snapshots"] if self.snapshots else [])
        return ", ".join([*ways, "? help", "q quit"])

    def go_on(self, text: str = "", *, back: bool = True) -> None:
        """Wait for Enter (or b, q, ?)."""
        self.line(f"{text or self.keys(back=back)} >", back=back)

    def choose(self, title: str, choices: Sequence[Choice[T]], current: T, *, back: bool = True) -> T:
        """One of ``choices`` by its number; an empty line keeps ``current``."""
        while True:
            rows = [title]
            for number, choice in enumerate(choices, 1):
                mark = "*" if choice.value == current else " "
                refused = f" (not offered: {choice.refused})" if choice.refused else ""
                rows.append(f"{mark} {number}) {choice.label}{refused}")
            self.printer.lines(rows, together=True)
            shown = next((n for n, c in enumerate(choices, 1) if c.value == current), None)
            keep = f"Enter keeps {shown}" if shown else "a number"
            answer = (self.line(f"Choice [{keep}; b back, ? help, q quit]:", back=back) or "").strip()
            if not answer and shown:
                return current
            if answer.isdigit() and 1 <= int(answer) <= len(choices):
                picked = choices[int(answer) - 1]
                if picked.refused is None:
                    return picked.value
                self.say(Said(f"Not offered: {picked.refused}", "fail"))
                continue
            self.say(Said(f"{answer!r} is not one of the numbers 1 to {len(choices)}.", "fail"))

    def yes_no(self, question: str, current: bool, *, back: bool = True) -> bool:
        """y or n; an empty line keeps ``current``."""
        while True:
            shown = "Y/n" if current else "y/N"
            answer = (self.line(f"{question} [{shown}]:", back=back) or "").strip().lower()
            if not answer:
                return current
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.say(Said(f"{answer!r}: answer y or n.", "fail"))

    def text(self, label: str, current: str, problem: Callable[[str], str | None], *, hint: str = "") -> str:
        """A field's value, checked by ``problem`` (the planner's check, naming the key); an empty line keeps
        ``current`` (a single - empties it)."""
        while True:
            if hint:
                self.say(f"  ({hint})")
            answer = self.line(f"{label} [{current or 'empty'}]:")
            typed = (answer or "").strip()
            value = current if not typed else "" if typed == "-" else typed
            found = problem(value)
            if found is None:
                return value
            self.say(Said(found, "fail"))
            if not typed:
                current = ""  # what was kept is not valid: the next empty line does not keep it again
