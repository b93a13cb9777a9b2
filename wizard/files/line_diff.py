"""Line diffs that stay fast on large files: difflib's grouping over an O((N+M)·D) alignment.

difflib.SequenceMatcher is quadratic on a large file whose lines repeat (a generated nova.conf is mostly
"#" and help lines): a 10 MB nova.conf took minutes. A plan changes a handful of lines, so the alignment
here is Myers' greedy one (D = the number of changed lines), after the common head and tail are set
aside; its snakes are compared as slices, which Python does in C. Small inputs (len(a) * len(b) up to
SMALL) keep difflib's own alignment, so their diffs are the same as always; a rewrite with more than
MAX_CHANGES changed lines is shown as one replacement of what lies between the common head and tail.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

SMALL = 1_000_000  # len(a) * len(b) up to which difflib aligns (quick there: about 1,000 lines each)
MAX_CHANGES = 4000  # edit distance beyond which the middle is shown as replaced whole

Block = tuple[int, int, int]  # (i, j, n): a[i:i+n] == b[j:j+n]
Opcode = tuple[str, int, int, int, int]


def _common_length(a: Sequence[int], b: Sequence[int], x: int, y: int) -> int:
    """How many items a[x:] and b[y:] have in common at their start (galloping over slice compares)."""
    limit = min(len(a) - x, len(b) - y)
    if limit <= 0 or a[x] != b[y]:
        return 0
    known, step = 1, 1
    while known < limit:
        end = min(limit, known + step)
        if a[x + known : x + end] == b[y + known : y + end]:
            known = end
            step *= 2
            continue
        low, high = known, end  # a[x:x+low] is common; a[x:x+high] is not
        while high - low > 1:
            middle = (low + high) // 2
            if a[x + low : x + middle] == b[y + low : y + middle]:
                low = middle
            else:
                high = middle
        return low
    return known


def _myers(a: Sequence[int], b: Sequence[int], max_changes: int) -> list[Block] | None:
    """The matching blocks of a shortest edit script, or None past ``max_changes`` edits."""
    n, m = len(a), len(b)
    furthest: dict[int, int] = {1: 0}
    trace: list[dict[int, int]] = []
    for changes in range(max_changes + 1):
        trace.append(dict(furthest))
        for diagonal in range(-changes, changes + 1, 2):
            down = diagonal == -changes or (
                diagonal != changes and furthest[diagonal - 1] < furthest[diagonal + 1]
            )
            x = furthest[diagonal + 1] if down else furthest[diagonal - 1] + 1
            y = x - diagonal
            if not (0 <= x <= n and 0 <= y <= m):  # off the grid: this diagonal reaches nothing at this cost
                furthest[diagonal] = -1
                continue
            x += _common_length(a, b, x, y)
            furthest[diagonal] = x
            if x >= n and x - diagonal >= m:
                return _path(trace, n, m)
    return None


def _path(trace: list[dict[int, int]], n: int, m: int) -> list[Block]:
    """The snakes of the path that reached (n, m), in order."""
    blocks: list[Block] = []
    x, y = n, m
    for changes in range(len(trace) - 1, -1, -1):
        before = trace[changes]
        diagonal = x - y
        if changes == 0:
            if x > 0:
                blocks.append((0, 0, x))
            break
        down = diagonal == -changes or (
            diagonal != changes and before.get(diagonal - 1, -1) < before.get(diagonal + 1, -1)
        )
        previous_diagonal = diagonal + 1 if down else diagonal - 1
        previous_x = before[previous_diagonal]
        previous_y = previous_x - previous_diagonal
        start_x, start_y = (previous_x, previous_y + 1) if down else (previous_x + 1, previous_y)
        if x > start_x:
            blocks.append((start_x, start_y, x - start_x))
        x, y = previous_x, previous_y
    blocks.reverse()
    return blocks


def matching_blocks(a: Sequence[str], b: Sequence[str]) -> list[Block]:
    """As difflib.SequenceMatcher.get_matching_blocks(): increasing (i, j, n), ending with (len(a), len(b), 0)."""
    if len(a) * len(b) <= SMALL:  # difflib's own alignment, as every diff was before
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        return [(block[0], block[1], block[2]) for block in matcher.get_matching_blocks()]
    ids: dict[str, int] = {}
    left = [ids.setdefault(line, len(ids)) for line in a]
    right = [ids.setdefault(line, len(ids)) for line in b]
    head = _common_length(left, right, 0, 0)
    tail = 0
    limit = min(len(left), len(right)) - head
    while tail < limit and left[len(left) - 1 - tail] == right[len(right) - 1 - tail]:
        tail += 1
    middle_a = left[head : len(left) - tail]
    middle_b = right[head : len(right) - tail]
    inner = (_myers(middle_a, middle_b, MAX_CHANGES) or []) if middle_a and middle_b else []
    blocks = [(0, 0, head)] if head else []
    blocks += [(i + head, j + head, size) for i, j, size in inner]
    if tail:
        blocks.append((len(left) - tail, len(right) - tail, tail))
    return [*_merged(blocks), (len(left), len(right), 0)]


def _merged(blocks: list[Block]) -> list[Block]:
    merged: list[Block] = []
    for i, j, size in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    return merged


class _Aligned(difflib.SequenceMatcher):  # type: ignore[type-arg]  # its sequences are not used here
    """difflib's opcodes and grouping over blocks found elsewhere (it never looks at the lines again)."""

    def __init__(self, blocks: list[Block]) -> None:
        super().__init__(None, (), ())
        self.matching_blocks = [difflib.Match(*block) for block in blocks]
        self.opcodes = None


def grouped_opcodes(a: Sequence[str], b: Sequence[str], context: int = 3) -> list[list[Opcode]]:
    """As difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(context), in near-linear time."""
    return list(_Aligned(matching_blocks(a, b)).get_grouped_opcodes(context))
