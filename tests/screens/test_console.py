"""The console profile: detected from TERM, the tty and the locale; switches set before Textual is imported."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from screens import console


@pytest.mark.parametrize(
    ("environment", "tty", "expected"),
    [
        ({"TERM": "linux", "LANG": "C.UTF-8"}, "/dev/tty1", "console"),
        ({"TERM": "linux"}, "/dev/tty1", "console"),  # a rescue shell without a locale
        ({"TERM": "linux", "LANG": "en_US.ISO-8859-1"}, "/dev/tty1", "ascii"),
        ({"TERM": "linux", "LANG": "en_US"}, "/dev/tty1", "ascii"),
        ({"TERM": "vt220", "LANG": "C.UTF-8"}, "/dev/ttyS0", "ascii"),
        ({"TERM": "vt100"}, "/dev/pts/0", "ascii"),
        ({"TERM": "dumb"}, "/dev/pts/0", "ascii"),
        ({}, "/dev/pts/0", "ascii"),
        ({"TERM": "xterm-256color", "LANG": "en_US.UTF-8"}, "/dev/ttyS0", "ascii"),  # a serial line wins
        ({"TERM": "xterm-256color", "LANG": "en_US.UTF-8"}, "/dev/pts/3", "full"),
        ({"TERM": "screen.linux", "LANG": "en_US.UTF-8"}, "/dev/pts/3", "console"),  # tmux on tty1
        ({"TERM": "xterm-256color", "KVM_WIZARD_GLYPHS": "console"}, "/dev/pts/3", "console"),
    ],
)
def test_the_profile_of_a_terminal(environment: dict[str, str], tty: str, expected: str) -> None:
    assert console.detect_profile(environment, tty) == expected


def test_a_limited_terminal_gets_no_animations_and_fewer_frames_unless_the_operator_chose() -> None:
    environment: dict[str, str] = {"TEXTUAL_FPS": "10"}
    console.prepare_environment("ascii", environment)
    assert environment == {"TEXTUAL_FPS": "10", "TEXTUAL_ANIMATIONS": "none", "TEXTUAL_SMOOTH_SCROLL": "0"}
    full: dict[str, str] = {}
    console.prepare_environment("full", full)
    assert full == {}


def test_borders_are_box_drawing_on_the_console_and_ascii_on_a_serial_line() -> None:
    assert console.stylesheet("full") == ""
    assert "border: solid" in console.stylesheet("console")
    assert "{B}" not in console.stylesheet("console")
    assert "border: ascii" in console.stylesheet("ascii")
    assert console.outside_portable("[PASS] ─│┌┐ █░▒·", "console") == set()
    assert console.outside_portable("▁⭘…", "console") == {"▁", "⭘", "…"}
    assert console.outside_portable("─", "ascii") == {"─"}


def test_the_launcher_decides_before_textual_is_imported() -> None:
    """The headless commands never import Textual; the launcher sets the switches before it does."""
    code = (
        "import sys\n"
        "from screens import console\n"
        "assert 'textual' not in sys.modules\n"
        "profile = console.setup()\n"
        "assert profile == 'console', profile\n"
        "from textual import constants\n"
        "assert constants.TEXTUAL_ANIMATIONS == 'none', constants.TEXTUAL_ANIMATIONS\n"
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("TEXTUAL")}
    environment["KVM_WIZARD_GLYPHS"] = "console"
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
