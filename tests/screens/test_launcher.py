"""kvm-wizard's launcher: which host and mode, and the usage errors it gives before any terminal is touched."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from screens.session import HostSource
from wizard.cli.common import UsageError
from wizard.cli.tui import _choose, prepare_demo, run


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
    assert source == HostSource("demo", tmp_path / "new", scenario="intel-ready", ready=False)
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
    root = prepare_demo("amd-modules-missing", tmp_path / "root")
    assert (root / "etc/nova/nova.conf").is_file()  # from the common tree
    assert (root / "etc/modules-load.d/bonding.conf").is_file()  # the scenario's own


def test_without_a_terminal_it_says_what_to_use_instead(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs a terminal"):
        run(arguments(root=str(tmp_path)))  # pytest's stdin is not a terminal


def test_rescue_without_a_terminal_points_to_the_report(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="kvm-wizard rescue --report"):
        run(arguments(root=str(tmp_path), mode="rescue"))
