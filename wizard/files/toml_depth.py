"""How deep a TOML text nests its arrays and inline tables, found before any parser sees it.

The standard library's tomllib parses nested arrays and inline tables by recursion: 3,000 levels raise
RecursionError, which no caller expects. An answers file or a facts recording nests two or three levels; a
text that nests more than MAX_DEPTH is refused with a clear message before it is parsed.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

MAX_DEPTH = 32
# Strings and comments are skipped whole (a bracket inside them is text); brackets and braces are counted.
_TOKEN = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]',
    re.DOTALL,
)


def nesting_problem(text: str, limit: int = MAX_DEPTH) -> str | None:
    """Why ``text`` nests too deep to be parsed, or None."""
    depth = 0
    for match in _TOKEN.finditer(text):
        found = match[0]
        if found in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                return f"arrays or inline tables nested more than {limit} levels deep (line {line})"
        elif found in "]}":
            depth = max(depth - 1, 0)
    return None


def load_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, with a text nested too deep refused first (ValueError) instead of a RecursionError.

    For the wizard's own state files (generation manifests, the pending confirmation, the lock): written by
    kvm-wizard, but read back from a disk anyone with root can edit."""
    problem = nesting_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return tomllib.loads(text)
