"""The command line's output layer: controls shown as text, kvm-wizard's own colours only, a closed output
never raises, errors never flood."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.cli import main
from wizard.cli.common import print_json
from wizard.cli.output import MAX_ERROR_LINE, SafeStream
from wizard.cli.plain import paint
from wizard.demo import load_scenario, make_root
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


HOSTILE_CONF = (
    "\n[libvirt]\n"
    "images_rbd_pool = vms\x1b[2J\x1b[H\x1b[32m[PASS] all good\n"
    "# a comment\x1b]0;owned\x07 with a title\n"
    "bogus\x1b[8m_option = hidden\r[PASS] overwritten\n"
)
FOREIGN = ("\x1b[2J", "\x1b[H", "\x1b]0;", "\x07", "\x1b[8m", "\r[PASS]")


def _hostile_root(tmp_path: Path) -> Path:
    root = make_root(load_scenario("intel-ready"), tmp_path / "root")
    nova = root / "etc/nova/nova.conf"
    nova.write_text(nova.read_text() + HOSTILE_CONF)
    return root


def test_escapes_in_config_files_never_reach_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _hostile_root(tmp_path)
    facts = str(load_scenario("intel-ready").facts_path)
    answers = tmp_path / "answers.toml"
    answers.write_text(PRODUCT_ANSWERS)
    host = ["--root", str(root), "--facts", facts]
    shown = ""
    for arguments in (
        ["check", "--root", str(root)],
        ["check", "--root", str(root), "--json"],
        ["rescue", "--report", *host],
        ["rescue", "--report", "--json", *host],
        ["plan", "--answers", str(answers), *host],
        ["plan", "--answers", str(answers), *host, "--json"],
        ["apply", "--answers", str(answers), *host, "--yes", "--no-confirm"],
        ["snapshots", "--root", str(root), "show", "1"],
        ["snapshots", "--root", str(root), "diff", "1"],
    ):
        main(arguments)
        out, error = capsys.readouterr()
        shown += out + error
        for text in (out, error):
            for sequence in FOREIGN:
                assert sequence not in text, (arguments, sequence)
        if "--json" in arguments:
            json.loads(out)
    assert "bogus\\x1b[8m_option" in shown  # they were shown, as text


def test_with_colour_on_a_terminal_only_kvm_wizards_own_styles_pass(tmp_path: Path) -> None:
    root = _hostile_root(tmp_path)
    terminal: pexpect.spawn[bytes] = pexpect.spawn(
        sys.executable,
        [
            "-c",
            "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))",
            "check",
            "--root",
            str(root),
        ],
        env={**os.environ, "TERM": "xterm-256color", "NO_COLOR": ""},
        dimensions=(50, 200),
        timeout=60,
    )
    raw = terminal.read()
    terminal.close()
    assert b"\x1b[1m" in raw or b"\x1b[1;" in raw  # colour is on: kvm-wizard's own bold
    for sequence in FOREIGN:
        assert sequence.encode() not in raw, sequence
