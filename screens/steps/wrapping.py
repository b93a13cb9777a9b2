"""The wrapping rule of every long line the wizard draws, in both views (the full screen draws it with
screens/widgets/wrapping.py, the line mode prints it with screens/line/output.py): a continuation never
starts at column 0, where it would read as a line of its own, and it keeps what says what the line is.

- a diff line ("+...", "-..."): every piece keeps the gutter sign (an added line goes on as an added line, in
  its colour) and a piece that goes on ends with a backslash;
- a comment or an output line ("    # why: ...", "      | output"): every piece keeps its "#" or "|", the text
  goes on under the text;
- anything else (a context line, a bullet, a shell command, a status word, a progress step "[3/8] "): the text
  goes on under its own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CUT_MARK = "\\"  # at the end of a diff line's piece that goes on
_MARKED = re.compile(r"( *)([#|]) (why: )?")
_HANG = re.compile(r" *(?:- |\$ |\[[A-Z ]{4}\] |\[\d+/\d+\] )?")


@dataclass(frozen=True)
class Continuation:
    """How a line that does not fit goes on."""

    head: int  # cells at the line's start its continuations stand under (never wrapped)
    prefix: str  # what each continuation starts with, ``head`` cells long
    cut: str = ""  # what ends each piece that goes on ("" for prose)


def continuation_of(line: str) -> Continuation:
    if line[:1] in ("+", "-") and not line.startswith(("- ", "+++ ", "--- ")):
        return Continuation(1, line[0], CUT_MARK)
    marked = _MARKED.match(line)
    if marked:
        head = marked.end()
        lead = marked.group(1) + marked.group(2)
        return Continuation(head, lead + " " * (head - len(lead)))
    match = _HANG.match(line)
    head = match.end() if match else 0
    return Continuation(head, " " * head)


def hang_of(line: str) -> int:
    return continuation_of(line).head
