"""The line diff behind explained plans: a shortest edit script (checked against a plain LCS), difflib's
grouping, and near-linear time on large files whose lines repeat."""

from __future__ import annotations

import difflib
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.files import line_diff
from wizard.files.line_diff import grouped_opcodes, matching_blocks

LINES = st.lists(
    st.sampled_from(["#", "", "[libvirt]", "#virt_type = kvm", "a = 1", "b = 2", "x"]), max_size=40
)


def lcs_length(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    return table[0][0]


def check_blocks(a: list[str], b: list[str], blocks: list[tuple[int, int, int]]) -> None:
    assert blocks[-1] == (len(a), len(b), 0)
    i_end = j_end = 0
    for i, j, size in blocks[:-1]:
        assert size > 0
        assert i >= i_end, "blocks overlap or go backwards"
        assert j >= j_end, "blocks overlap or go backwards"
        assert a[i : i + size] == b[j : j + size]
        i_end, j_end = i + size, j + size


@settings(max_examples=400, deadline=None)
@given(LINES, LINES)
def test_the_alignment_is_a_longest_common_subsequence(a: list[str], b: list[str]) -> None:
    saved = line_diff.SMALL
    line_diff.SMALL = 0  # Myers on every input, however small
    try:
        blocks = matching_blocks(a, b)
    finally:
        line_diff.SMALL = saved
    check_blocks(a, b, blocks)
    assert sum(size for _, _, size in blocks) == lcs_length(a, b)


@settings(max_examples=200, deadline=None)
@given(LINES, LINES)
def test_small_inputs_group_exactly_as_difflib_does(a: list[str], b: list[str]) -> None:
    expected = list(difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(2))
    assert grouped_opcodes(a, b, 2) == expected


def test_a_large_file_of_repeated_lines_is_diffed_in_linear_time() -> None:
    block = ["#", "# help", "#", "# Possible values:", "#", "#opt = 1", ""]
    a = block * 40_000  # 280,000 lines
    b = list(a)
    for position in (10, 100_000, 279_000):
        b[position] = "opt = 2"
    b.insert(200_000, "new = 1")
    started = time.perf_counter()
    groups = grouped_opcodes(a, b, 2)
    assert time.perf_counter() - started < 5
    changed = [code for group in groups for code in group if code[0] != "equal"]
    assert len(changed) == 4
