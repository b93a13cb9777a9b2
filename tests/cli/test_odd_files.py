"""Every kind of file at every path the wizard reads or writes: a named pipe, a character device, a socket, a
directory, a symbolic link out of the root. Nothing hangs (a watchdog fails the test instead), nothing
crashes, nothing is replaced that is not a regular file, and the message names the path and what is there.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest

from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.cli import main
from wizard.demo import load_scenario, make_root

SCENARIO = "intel-ready"
WATCHDOG = 30  # seconds one command may take before the test calls it a hang

# The files the plan reads (a FIFO or a device there used to hang `plan`, `apply`, `rescue`, `bundle`);
# glance-api.conf only when the answers make this host's Glance API serve direct URLs.
PLANNED = [
    "/etc/nova/nova.conf",
    "/etc/glance/glance-api.conf",
    "/etc/modules",
    "/etc/modprobe.d/zz-local.conf",
]
GLANCE_NODE = PRODUCT_ANSWERS.replace(
    "[ceph_download]\nenabled = false", "[ceph_download]\nenabled = true"
).replace("glance_api_node = false", "glance_api_node = true")
# Other files a command reads or appends to under the root.
OTHERS = ["/etc/passwd", "/etc/group", "/var/log/kvm-wizard.log", "/var/log/nova/nova-compute.log"]
STATE = [
    "/var/lib/kvm-wizard/journal",
    "/var/lib/kvm-wizard/pending-confirm.toml",
    "/var/lib/kvm-wizard/answers.toml",
    "/var/lib/kvm-wizard/last-revert.toml",
    "/var/lib/kvm-wizard/lock",
]
KINDS = ["fifo", "char", "socket", "directory"]
WORDS = {
    "fifo": "named pipe (FIFO)",
    "char": "character device",
    "socket": "socket",
    "directory": "directory",
}


class HangError(Exception):
    """A command that did not finish within the watchdog's time."""


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    def expired(_signal: int, _frame: FrameType | None) -> None:
        raise HangError(f"a command took more than {WATCHDOG} s: it hangs")

    previous = signal.signal(signal.SIGALRM, expired)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def place(path: Path, kind: str) -> None:
    """Put a ``kind`` where ``path`` is (replacing what is there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "char":
        os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero: reads forever
    elif kind == "socket":
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
        listener.close()
    else:
        path.mkdir()


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    signal.alarm(WATCHDOG)
    try:
        status = main(list(arguments))
    finally:
        signal.alarm(0)
    out, error = capsys.readouterr()
    text = out + error
    assert "Traceback" not in text
    assert "internal error" not in text, text
    return status, text


@pytest.fixture
def host(tmp_path: Path) -> Callable[[str], tuple[Path, list[str]]]:
    """A demo host's files and the options that name it (facts recorded, files under the root)."""
    answers = tmp_path / "answers.toml"
    answers.write_text(GLANCE_NODE)

    def make(name: str) -> tuple[Path, list[str]]:
        root = make_root(load_scenario(SCENARIO), tmp_path / name)
        facts = str(load_scenario(SCENARIO).facts_path)
        return root, ["--root", str(root), "--facts", facts, "--answers", str(answers)]

    return make


def commands(options: list[str], tmp_path: Path) -> dict[str, list[str]]:
    answers = options[options.index("--answers") + 1]
    host = options[: options.index("--answers")]
    return {
        "plan": ["plan", *options],
        "apply": ["apply", *options, "--yes", "--no-confirm"],
        "rescue": ["rescue", "--report", *host],
        "bundle": ["bundle", *host, "-o", str(tmp_path / "bundle.tar.gz")],
        "answers check": ["answers", "check", answers, *host],
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("path", PLANNED)
def test_a_planned_file_that_is_not_a_regular_file(
    capsys: pytest.CaptureFixture[str],
    host: Callable[[str], tuple[Path, list[str]]],
    tmp_path: Path,
    path: str,
    kind: str,
) -> None:
    root, options = host("root")
    place(root / path.lstrip("/"), kind)
    for name, arguments in commands(options, tmp_path).items():
        status, text = run(capsys, *arguments)
        if name in ("plan", "apply"):
            assert status == 2, (name, text)
            assert f"{path} is a {WORDS[kind]}, not a regular file" in text, (name, text)
        else:
            assert status in (0, 1, 2), (name, text)
    assert not (root / "var/lib/kvm-wizard/journal").exists()


@pytest.mark.parametrize("kind", ["fifo", "char"])
@pytest.mark.parametrize("path", OTHERS)
def test_other_files_read_or_appended_to(
    capsys: pytest.CaptureFixture[str],
    host: Callable[[str], tuple[Path, list[str]]],
    tmp_path: Path,
    path: str,
    kind: str,
) -> None:
    root, options = host("root")
    place(root / path.lstrip("/"), kind)
    for arguments in commands(options, tmp_path).values():
        status, _ = run(capsys, *arguments)
        assert status in (0, 1, 2)
    run(capsys, "check", "--root", str(root))


@pytest.mark.parametrize("kind", ["fifo", "char", "directory"])
@pytest.mark.parametrize("path", STATE)
def test_the_wizards_own_state_files(
    capsys: pytest.CaptureFixture[str],
    host: Callable[[str], tuple[Path, list[str]]],
    path: str,
    kind: str,
) -> None:
    root, options = host("root")
    place(root / path.lstrip("/"), kind)
    for arguments in (
        ["apply", *options, "--yes", "--no-confirm"],
        ["snapshots", "--root", str(root), "list"],
        ["recover", "--root", str(root), "--yes"],
        ["confirm", "--root", str(root)],
    ):
        status, _ = run(capsys, *arguments)
        assert status in (0, 1, 2)


@pytest.mark.parametrize("kind", ["fifo", "char", "socket", "symlink"])
def test_outputs_are_never_replaced_unless_regular(
    capsys: pytest.CaptureFixture[str],
    host: Callable[[str], tuple[Path, list[str]]],
    tmp_path: Path,
    kind: str,
) -> None:
    _, options = host("root")
    host_options = options[: options.index("--answers")]
    answers = options[options.index("--answers") + 1]
    target = tmp_path / "out" / "site.yml"
    for arguments in (
        ["bundle", *host_options, "-o", str(target)],
        ["answers", "template", "-o", str(target), "--force"],
        ["export", "ansible", "--answers", answers, "-o", str(target.parent)],
        ["check", "--demo", SCENARIO, "--save-facts", str(target)],
    ):
        if kind == "symlink":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.symlink_to(tmp_path / "elsewhere")
        else:
            place(target, kind)
        before = os.lstat(target)
        status, text = run(capsys, *arguments)
        assert status == 2, (arguments, text)
        word = "symbolic link" if kind == "symlink" else WORDS[kind]
        assert f"it is a {word}, not a regular file; kvm-wizard replaces only regular files" in text
        after = os.lstat(target)
        assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode), "it was replaced"
        assert not (tmp_path / "elsewhere").exists()


def test_dev_stdout_is_refused_and_dash_means_standard_output(
    capsys: pytest.CaptureFixture[str], host: Callable[[str], tuple[Path, list[str]]]
) -> None:
    status, text = run(capsys, "answers", "template", "-o", "/dev/stdout", "--force")
    assert status == 2
    assert "-o /dev/stdout: it is a symbolic link" in text
    assert "or -o - for standard output" in text
    assert os.path.islink("/dev/stdout")
    status, text = run(capsys, "answers", "template", "-o", "-")
    assert status == 0
    assert text.startswith("# kvm-wizard answers")


def test_the_state_directory_leading_out_of_the_root(
    capsys: pytest.CaptureFixture[str], host: Callable[[str], tuple[Path, list[str]]], tmp_path: Path
) -> None:
    root, options = host("root")
    outside = tmp_path / "outside"
    outside.mkdir()
    state = root / "var/lib/kvm-wizard"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.symlink_to("../" * 12 + str(outside).lstrip("/"))
    for arguments in (
        ["apply", *options, "--yes", "--no-confirm"],
        ["snapshots", "--root", str(root), "list"],
        ["confirm", "--root", str(root)],
        ["recover", "--root", str(root)],
        ["rescue", "--apply-fixes", *options[: options.index("--answers")], "--yes", "--no-confirm"],
    ):
        status, text = run(capsys, *arguments)
        assert status == 2, (arguments, text)
        assert "the state directory /var/lib/kvm-wizard" in text
        assert "leads outside that root" in text
    assert list(outside.iterdir()) == []
