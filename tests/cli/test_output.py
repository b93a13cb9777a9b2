"""The command line's output layer: controls shown as text, kvm-wizard's own colours only, a closed output
never raises, errors never flood."""

from __future__ import annotations

import io
import json
import os

import pytest

from wizard.cli.common import print_json
from wizard.cli.output import MAX_ERROR_LINE, SafeStream
from wizard.cli.plain import paint
from wizard.shown import json_visible, shorten, visible

HOSTILE = [
    ("\x1b[2J\x1b[H[PASS] all good", "\\x1b[2J\\x1b[H[PASS] all good"),
    ("bad\rall good", "bad\\rall good"),
    ("a\x07b\x00c\x7fd", "a\\x07b\\x00c\\x7fd"),
    ("nel\x85here", "nel\\x85here"),
    ("csi\x9b2J", "csi\\x9b2J"),
    ("line\u2028sep\u2029para", "line\\u2028sep\\u2029para"),
    ("rtl\u202eevil", "rtl\\u202eevil"),
    ("byte \udcff kept", "byte \\xff kept"),
    ("tab\tand newline\n", "tab\tand newline\n"),
]


@pytest.mark.parametrize(("raw", "shown"), HOSTILE)
def test_every_control_is_shown_as_text(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(raw, keep_styles=True) == shown


def test_only_kvm_wizards_own_styles_pass_with_colour_on() -> None:
    ours = paint("FAIL", "bold red", color=True) + " " + paint("x", "dim italic underline", color=True)
    assert visible(ours, keep_styles=True) == ours
    assert visible(ours) == ours.replace("\x1b", "\\x1b")
    for foreign in ("\x1b[8m", "\x1b[30;40m", "\x1b]0;title\x07", "\x1b[1;1H", "\x1b[?25l", "\x1bc"):
        assert "\x1b" not in visible(foreign, keep_styles=True), foreign


def test_json_stays_valid_and_safe() -> None:
    value = "\x1b[2J\x85\u2028\x7f\x9b\udcff"
    text = json_visible(json.dumps({"v": value}, ensure_ascii=False))
    assert visible(text) == text  # nothing left for the terminal filter
    assert json.loads(text)["v"] == value
    out = io.StringIO()
    print_json({"v": value}, out)
    assert json.loads(out.getvalue())["v"] == value


def test_a_closed_pipe_never_raises_and_drops_the_rest() -> None:
    read, write = os.pipe()
    stream = SafeStream(os.fdopen(write, "w"))
    stream.write("first\n")
    stream.flush()
    os.close(read)
    for _ in range(3):
        stream.write("more\n" * 10000)
        stream.flush()
    assert stream.cut
    assert not stream.isatty()


def test_a_missing_stream_is_a_cut_one() -> None:
    stream = SafeStream(None)
    assert stream.write("anything") == len("anything")
    stream.flush()
    assert stream.cut


def test_error_lines_are_cut_and_say_so() -> None:
    inner = io.StringIO()
    stream = SafeStream(inner, max_line=MAX_ERROR_LINE)
    stream.write("kvm-wizard: error: --root ")
    stream.write("/" + "a" * 100_000)
    stream.write(": not a directory\nnext line\n")
    lines = inner.getvalue().splitlines()
    assert len(lines[0]) < MAX_ERROR_LINE + 60
    assert lines[0].endswith("more characters not shown)")
    assert lines[1] == "next line"


def test_shorten_cuts_huge_values_and_keeps_short_ones() -> None:
    assert shorten("vms") == "'vms'"
    long = shorten("x" * 100_000)
    assert len(long) < 260
    assert long.endswith("(100,000 characters)")
