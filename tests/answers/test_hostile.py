"""Hostile Unicode, control characters, escape sequences and huge sizes in every string field of the
answers, and in their keys: `answers check` refuses what plan and the Ansible export cannot carry, nothing
crashes, nothing echoes a 100,000-character value, and nothing raw reaches a terminal."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.answers import AnswersError, parse_answers
from wizard.answers.model import KEYS
from wizard.cli import main

STRING_KEYS = [spec for spec in KEYS if spec.kind in (str, tuple)]
# What plan (an INI line) and the export (YAML) cannot carry inside one value.
UNCARRIABLE = {
    "line separator": "/etc/ceph/ceph\u2028.conf",
    "paragraph separator": "vms\u2029x",
    "next line (C1)": "vms\x85x",
    "escape sequence": "\x1b[2J\x1b[Hall good",
    "NUL": "a\x00b",
    "carriage return": "a\rb",
    "newline": "a\nb",
    "DEL": "a\x7fb",
    "C1 CSI": "a\x9b2J",
}
HUGE = "x" * 100_000
MAX_MESSAGE = 600  # characters of one problem's message: a value is echoed cut, never whole


def answers_with(path: str, value: object) -> str:
    section, key = path.split(".")
    data = tomllib.loads(PRODUCT_ANSWERS)
    data[section][key] = value
    return tomli_w.dumps(data)


@pytest.mark.parametrize("name", list(UNCARRIABLE))
@pytest.mark.parametrize("spec", STRING_KEYS, ids=[spec.path for spec in STRING_KEYS])
def test_every_string_field_refuses_what_cannot_be_carried(spec: object, name: str) -> None:
    path: str = spec.path  # type: ignore[attr-defined]
    text = UNCARRIABLE[name]
    value: object = [text] if spec.kind is tuple else text  # type: ignore[attr-defined]
    with pytest.raises(AnswersError) as refused:
        parse_answers(answers_with(path, value))
    problems = refused.value.problems
    assert any(problem.path == path for problem in problems), problems
    for problem in problems:
        assert len(problem.message) < MAX_MESSAGE


@pytest.mark.parametrize("spec", STRING_KEYS, ids=[spec.path for spec in STRING_KEYS])
def test_a_huge_value_is_never_echoed_whole(spec: object, tmp_path: Path) -> None:
    path: str = spec.path  # type: ignore[attr-defined]
    value: object = [HUGE] if spec.kind is tuple else HUGE  # type: ignore[attr-defined]
    text = answers_with(path, value)
    problems = _problems(text)
    if problems is not None:
        messages, whole = problems
        assert all(len(message) < MAX_MESSAGE for message in messages)
        assert len(whole) < 20 * MAX_MESSAGE
        return
    # Accepted (a key the answers do not use): plan and export carry it without a crash.
    answers = tmp_path / "answers.toml"
    answers.write_text(text)
    assert main(["plan", "--answers", str(answers), "--demo", "intel-ready"]) in (0, 1)
    assert main(["export", "ansible", "--answers", str(answers), "-o", str(tmp_path / "out")]) == 0


def _problems(text: str) -> tuple[list[str], str] | None:
    """The messages of the problems found in an answers file and the whole error, or None when it is valid."""
    try:
        parse_answers(text)
    except AnswersError as error:
        return [problem.message for problem in error.problems], str(error)
    return None


def test_nested_tables_deeper_than_a_parser_can_follow_are_refused_before_parsing() -> None:
    for text in (
        "version = 1\nx = " + "[" * 3000 + "1" + "]" * 3000 + "\n",
        "version = 1\nx = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
    ):
        with pytest.raises(AnswersError, match="nested more than 32 levels deep"):
            parse_answers(text)


def test_hostile_keys_and_values_never_reach_the_terminal_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = PRODUCT_ANSWERS + '["\\u001b[2J\\u001b[H"]\n"\\u001b]0;owned\\u0007" = 1\n'
    answers = tmp_path / "answers.toml"
    answers.write_text(hostile.replace('rbd_pool = "vms"', 'rbd_pool = "v\\u001b[31mms\\u0085"'))
    for arguments in (
        ["answers", "check", str(answers)],
        ["answers", "check", str(answers), "--json"],
        ["plan", "--answers", str(answers), "--demo", "intel-ready", "--no-color"],
        ["plan", "--answers", str(answers), "--demo", "intel-ready", "--json"],
        ["apply", "--answers", str(answers), "--demo", "intel-ready", "--yes", "--no-confirm"],
    ):
        assert main(arguments) in (1, 2)
        out, error = capsys.readouterr()
        for text in (out, error):
            assert "\x1b" not in text
            assert "\x85" not in text
            assert "\x07" not in text
        assert "\\x1b[2J" in out + error or "\\u001b[2J" in out + error
