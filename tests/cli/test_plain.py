"""The plain text layout of the headless reports: wrapping, folding, columns, colour."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from wizard.cli.plain import Block, hanging, paint

ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


def test_words_wrap_at_spaces_and_the_break_drops_the_space() -> None:
    lines = Block.of("one two three four").lines(9, color=False)
    assert lines == ["one two", "three", "four"]


def test_a_word_longer_than_the_line_is_folded() -> None:
    assert Block.of("ab abcdefghij").lines(4, color=False) == ["ab", "abcd", "efgh", "ij"]


def test_newlines_start_paragraphs_each_wrapped_alone() -> None:
    block = Block.of("title").add(" [id]").add("\nsource: ").add("observed value")
    assert block.lines(80, color=False) == ["title [id]", "source: observed value"]


def test_colour_paints_runs_of_one_style_once_and_only_when_asked() -> None:
    block = Block.of("Verdict: ", "bold").add("READY", "bold green")
    assert block.lines(80, color=False) == ["Verdict: READY"]
    painted = block.lines(80, color=True)[0]
    assert ESCAPES.sub("", painted) == "Verdict: READY"
    assert painted.count("\x1b[1m") == 1  # "Verdict: " is one run, not a run per word
    assert paint("x", "", color=True) == "x"


def test_hanging_columns_indent_continuations_under_the_block() -> None:
    rows = [(("PASS", "green"), Block.of("a finding that wraps onto a second line"))]
    assert hanging(rows, 30, color=False, label_width=7, gap=3) == [
        "PASS      a finding that wraps",
        "          onto a second line",
    ]
    numbered = hanging(
        [((f"{n}.", ""), Block.of("x")) for n in range(1, 11)],
        20,
        color=False,
        label_width=3,
        gap=1,
        right=True,
    )
    assert numbered[0] == " 1. x"
    assert numbered[-1] == "10. x"


@given(
    text=st.text(alphabet=st.sampled_from("ab cd\u00e9-/"), max_size=200),
    width=st.integers(min_value=1, max_value=40),
)
def test_no_line_is_longer_than_the_width_and_no_word_is_lost(text: str, width: int) -> None:
    lines = Block.of(text, "dim").lines(width, color=True)
    plain = [ESCAPES.sub("", line) for line in lines]
    assert all(len(line) <= width for line in plain)
    assert all(line == line.rstrip(" ") for line in plain)
    assert "".join(plain).replace(" ", "") == text.replace(" ", "")
