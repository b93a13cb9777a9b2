"""kvm-wizard's launcher: which host and mode, and the usage errors it gives before any terminal is touched."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from screens.session import DEFAULT_CONFIRM_TIMEOUT
from tests.screens.harness import demo_files
from wizard.cli import _merge_shared_options, build_parser
from wizard.cli.common import UsageError
from wizard.cli.tui import _choose, confirm_timeout, run
from wizard.source import HostSource


def arguments(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**{"demo": None, "root": None, "facts": None, **values})


def test_this_host_a_root_a_recording_and_a_demo(tmp_path: Path) -> None:
    assert _choose(arguments()) == ("setup", HostSource("live", Path("/")))
    assert _choose(arguments(root=str(tmp_path))) == ("setup", HostSource("live", tmp_path))
    facts = tmp_path / "facts.toml"
    facts.write_text("")
    assert _choose(arguments(facts=str(facts))) == ("setup", HostSource("facts", Path("/"), facts_path=facts))
    mode, source = _choose(arguments(demo="intel-ready", root=str(tmp_path / "new")))
    assert mode == "demo"
    assert source == HostSource(
        "demo",
        tmp_path / "new",
        scenario="intel-ready",
        scenario_title="Intel server, ready for KVM",
        ready=False,
    )
    assert _choose(arguments(demo="", mode="rescue"))[0] == "rescue"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"demo": "no-such-host"}, "no demo scenario 'no-such-host'; the scenarios are: intel-ready"),
        ({"demo": "../intel-ready"}, "no demo scenario"),
        ({"root": "/no/such/dir"}, "not a directory"),
        ({"facts": "/no/such/file"}, "no such file"),
        ({"demo": "intel-ready", "facts": "x"}, "cannot be combined"),
    ],
)
def test_usage_errors(values: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        _choose(arguments(**values))


def test_a_demo_is_never_copied_over_other_files(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("mine")
    with pytest.raises(UsageError, match="must be an empty directory"):
        _choose(arguments(demo="intel-ready", root=str(tmp_path)))


def test_a_demo_copy_has_the_common_and_its_own_files(tmp_path: Path) -> None:
    root = demo_files("amd-modules-missing", tmp_path / "root")
    assert (root / "etc/nova/nova.conf").is_file()  # from the common tree
    assert (root / "etc/modules-load.d/bonding.conf").is_file()  # the scenario's own


def test_without_a_terminal_it_says_what_to_use_instead(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs a terminal"):
        run(arguments(root=str(tmp_path)))  # pytest's stdin is not a terminal


def test_rescue_without_a_terminal_points_to_the_report(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="kvm-wizard rescue --report"):
        run(arguments(root=str(tmp_path), mode="rescue"))


@pytest.mark.parametrize(
    ("argv", "seconds"),
    [
        ([], DEFAULT_CONFIRM_TIMEOUT),
        (["--confirm-timeout", "30"], 30.0),
        (["--no-confirm"], None),
        (["--no-confirm", "rescue"], None),
        (["rescue", "--confirm-timeout", "5"], 5.0),
        # The rescue command's own choice is taken whole, never mixed with the wizard-level one.
        (["--no-confirm", "rescue", "--confirm-timeout", "5"], 5.0),
    ],
)
def test_the_wizard_asks_to_confirm_unless_told_not_to(argv: list[str], seconds: float | None) -> None:
    args = build_parser("rescue" if "rescue" in argv else None).parse_args(argv)
    _merge_shared_options(args)
    assert confirm_timeout(args) == seconds


@pytest.mark.parametrize("argv", [["--confirm-timeout", "0"], ["--no-confirm", "--confirm-timeout", "9"]])
def test_confirm_choices_that_make_no_sense_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_request:
        build_parser(None).parse_args(argv)
    assert exit_request.value.code == 2
