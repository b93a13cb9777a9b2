"""The smaller things an adversarial run found: each as the operator met it."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import pytest

from tests.apply.scenario import NOVA_CONF, make_root, standard_plan
from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.apply.transaction import apply_plan
from wizard.cli import main
from wizard.cli.answers import _report
from wizard.commands import CommandRunner
from wizard.demo import load_scenario

VTPM = "version = 1\n[tpm]\nvtpm = true\n"


@pytest.mark.parametrize(
    "arguments",
    [
        ["snapshots", "--no-color"],
        ["snapshots", "list", "--no-color"],
        ["snapshots", "--no-color", "list", "--json"],
        ["recover", "--no-color"],
        ["confirm", "--no-color"],
        ["answers", "template", "--no-color"],
    ],
)
def test_no_color_is_accepted_by_every_command(
    arguments: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([*arguments, "--root", str(tmp_path)] if arguments[0] != "answers" else arguments)
    assert status in (0, 1)
    assert "unrecognized arguments" not in capsys.readouterr().err


def test_a_warning_without_a_key_has_no_empty_key_path(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(json=False, file="answers.toml")
    _report(args, "demo: x", [], [], [("", "something worth knowing")])
    out = capsys.readouterr().out
    assert "warning: something worth knowing" in out
    assert "warning: :" not in out


def test_the_key_manager_is_named_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(VTPM)
    for arguments in (
        ["plan", "--answers", str(answers), "--demo", "tpm2-host"],
        ["answers", "check", str(answers), "--demo", "tpm2-host"],
    ):
        main(arguments)
        out, error = capsys.readouterr()
        text = out + error
        assert text.count("vTPM keeps each guest's TPM secret in the key manager") == 1, text
        assert "A key manager is needed" not in text


def test_a_recording_without_a_schema_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(PRODUCT_ANSWERS)
    assert main(["check", "--facts", str(answers)]) == 2
    error = capsys.readouterr().err
    assert "schema None" not in error
    assert "not a kvm-wizard facts recording (it has no `schema` key)" in error


def test_plan_labels_actions_as_apply_runs_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--facts without --root: the files are this system's, and apply runs the actions; plan says so."""
    answers = tmp_path / "answers.toml"
    answers.write_text(PRODUCT_ANSWERS)
    facts = str(load_scenario("amd-modules-missing").facts_path)
    staging = tmp_path / "staging"
    staging.mkdir()
    runs_here = {}
    for name, extra in (("system", []), ("staging", ["--root", str(staging)])):
        main(["plan", "--answers", str(answers), "--facts", facts, "--json", *extra])
        data = json.loads(capsys.readouterr().out)
        runs_here[name] = {action["id"]: action["runs_here"] for action in data["actions"]}
    assert runs_here["system"]["load-module:kvm_amd"] is True
    assert runs_here["staging"]["load-module:kvm_amd"] is False
    main(["plan", "--answers", str(answers), "--facts", facts])
    assert "not run under --root" not in capsys.readouterr().out


def test_a_concurrent_wizard_is_named_not_a_hand_edit(tmp_path: Path) -> None:
    root = make_root(tmp_path / "root")
    first = standard_plan(root)
    second = dataclasses.replace(standard_plan(root), answers_toml="")  # planned at the same moment
    assert apply_plan(first, root, runner=CommandRunner()).ok
    result = apply_plan(second, root, runner=CommandRunner())
    assert not result.ok
    assert (
        "changed since the plan was made (by another kvm-wizard: its apply of generation 1 at" in result.error
    )
    assert "edited by hand" not in result.error
    (root / NOVA_CONF.lstrip("/")).write_text("[DEFAULT]\n# by hand\n")
    third = apply_plan(second, root, runner=CommandRunner())
    assert "edited by hand, or by another tool" in third.error
