"""The installed kvm-wizard in a real terminal (80x24, TERM=linux), driven only with keystrokes.

Every screen it draws is scanned: only characters every Linux console font has. Afterwards the files in the
demo's root and `kvm-wizard snapshots list` are checked, as an operator would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import termios
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from screens.console import PORTABLE
from tests.e2e.terminal import Terminal

REPOSITORY = Path(__file__).resolve().parents[2]
KVM_WIZARD = str(Path(sys.executable).parent / "kvm-wizard")


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for terminal in started:
        terminal.close()


def start(terminals: list[Terminal], *arguments: str, prompt: str = "") -> Terminal:
    terminal = Terminal([KVM_WIZARD, *arguments], cwd=REPOSITORY, prompt=prompt)
    terminals.append(terminal)
    return terminal


def snapshots_list(root: Path) -> str:
    done = subprocess.run(
        [KVM_WIZARD, "snapshots", "list", "--root", str(root)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def unportable(seen: set[str]) -> list[str]:
    return sorted(f"U+{ord(c):04X} {c} {unicodedata.name(c, '?')}" for c in seen - PORTABLE)


def test_every_step_to_apply_and_confirm_then_a_rollback_from_the_snapshots(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    root = tmp_path / "root"
    wizard = start(terminals, "--demo", "intel-ready", "--root", str(root))
    wizard.wait_for("Nothing unfinished was found.")
    wizard.wait_for("DEMO intel-ready")
    wizard.step("f1", "Help: Welcome")
    wizard.step("escape", "f10 Start")
    wizard.step("f10", "Verdict: ready.")
    wizard.step("ctrl+c", "Quit kvm-wizard? Nothing has been changed")
    wizard.step("n", "Verdict: ready.")
    wizard.step("f10", "[PASS] KVM can work on this host")
    wizard.step("f10", "Disk space: thin")
    wizard.step("f10", "controls nested guests here")
    wizard.step("f10", "Download images directly from Ceph")
    wizard.step("f10", "Device: ")
    wizard.step("f10", "vhost_net")
    wizard.step("f9", "Go to step: Welcome")
    wizard.step("escape", "Load vhost_net now")
    wizard.step("f10", "[PASS] The answers are valid here.")
    wizard.wait_for("What changes (before -> after)")
    wizard.wait_for("-#compute_driver = <None>")
    wizard.step("f10", "to this host?")  # a deliberate apply: the question, keyboard only, at 80x24
    wizard.step("y", "[PASS] Apply done")
    wizard.step("f10", "Reverting in")
    wizard.step("y", "[PASS] Confirmed: the changes of generation 1 stay.")
    wizard.step("f10", "How to undo it")

    nova = (root / "etc/nova/nova.conf").read_text()
    assert "\ncompute_driver = libvirt.LibvirtDriver\n" in nova
    assert (root / "var/lib/kvm-wizard/answers.toml").is_file()
    listing = snapshots_list(root)
    assert "  1  " in listing
    assert "apply (applied, confirmed)" in listing

    wizard.step("f2", "Generations in /var/lib/kvm-wizard")
    wizard.wait_for("apply (applied, confirmed)")
    wizard.step("enter", "Generation 1 against the files now:")
    wizard.step("r", "Roll back to generation 1")
    wizard.step("y", "The rollback is done and waits for your confirmation")
    wizard.step("y", "[PASS] Confirmed: the changes of generation 2 stay.")
    wizard.step("f10", "rollback (applied, confirmed)")
    wizard.step("escape", "[PASS] The answers are valid here.")  # the plan is made again after a rollback
    wizard.step("ctrl+q", "Quit kvm-wizard?")
    wizard.press("y")
    assert wizard.wait_exit() == 0
    assert unportable(wizard.seen) == []
    assert f"the demo's files are in {root}" in wizard.raw.decode("utf-8", "replace")

    assert "\ncompute_driver = libvirt.LibvirtDriver\n" not in (root / "etc/nova/nova.conf").read_text()
    listing = snapshots_list(root)
    assert "  2  " in listing
    assert "rollback (applied, confirmed)  rollback to generation 1" in listing


def test_ctrl_c_twice_quits_and_gives_the_terminal_back(tmp_path: Path, terminals: list[Terminal]) -> None:
    wizard = start(terminals, "--demo", prompt="$ kvm-wizard --demo\r\n")
    wizard.wait_for("Pick a demo host")
    wizard.wait_for("tpm2-host")
    settings = termios.tcgetattr(wizard.child.child_fd)
    assert not settings[3] & termios.ICANON  # the application owns the terminal now
    wizard.step("ctrl+c", "Quit kvm-wizard?")
    wizard.press("ctrl+c")
    assert wizard.wait_exit() == 0
    assert "$ kvm-wizard --demo" in wizard.text()  # the shell's screen is back
    assert "Pick a demo host" not in wizard.text()
    assert not wizard.screen.in_alternate
    assert b"\x1b[?25h" in wizard.raw  # the cursor is shown again
    assert unportable(wizard.seen) == []


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_real_signal_ends_the_wizard_through_its_safe_quit(
    tmp_path: Path, terminals: list[Terminal], name: str
) -> None:
    """kill -TERM, -HUP or -INT of the running wizard: its own safe quit (nothing is being applied, so it
    ends at once), the terminal given back, 128 + the signal's number."""
    wizard = start(terminals, "--demo", "intel-ready", "--root", str(tmp_path / "root"))
    wizard.wait_for("Nothing unfinished was found.")
    assert wizard.child.pid is not None
    os.kill(wizard.child.pid, signal.Signals[name])
    assert wizard.wait_exit() == 128 + signal.Signals[name]
    assert not wizard.screen.in_alternate
    assert b"\x1b[?25h" in wizard.raw  # the cursor is shown again


def test_rescue_fixes_a_broken_nova_conf_with_keystrokes_only(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    """`kvm-wizard rescue`: the fixes ticked, previewed, applied and confirmed; the files linted again."""
    root = tmp_path / "root"
    wizard = start(terminals, "rescue", "--demo", "broken-nova-conf", "--root", str(root))
    wizard.wait_for("DEMO broken-nova-conf")
    wizard.wait_for("Fixes: 3 of 6 ticked")  # the three that stop nova-compute, ticked at first
    wizard.wait_for("[FAIL] [fix: X] nova.conf line 29")
    wizard.step("f1", "Help: Troubleshoot")
    wizard.step("escape", "space Tick")
    # The urgent fixes come first; after them the optional ones: the KVM modules, then the renamed logdir.
    wizard.press("down", "down", "down", "down")
    wizard.step("space", "Fixes: 4 of 6 ticked")
    wizard.wait_for("[X] nova.conf line 7: logdir becomes [DEFAULT] log_dir")
    wizard.step("space", "Fixes: 3 of 6 ticked")  # and unticked again
    wizard.step("space", "Fixes: 4 of 6 ticked")
    wizard.step("f10", "4 fix(es) as one transaction: 1 file(s) change")
    wizard.wait_for("-logdir = /var/log/nova")
    wizard.step("f10", "[PASS] Apply done")
    wizard.step("f10", "Reverting in")
    wizard.step("y", "Confirmed: the changes of generation 1 stay.")
    wizard.step("f10", "How to undo it")
    wizard.step("escape", "Checked again after generation 1:")
    wizard.wait_for("[PASS] nova.conf: no error left;")
    wizard.step("ctrl+q", "What was applied stays")
    wizard.press("y")
    assert wizard.wait_exit() == 0
    assert unportable(wizard.seen) == []

    nova = (root / "etc/nova/nova.conf").read_text()
    for line in (
        "virt_type = kvm",
        "images_type = qcow2",
        "cpu_mode = host-model",
        "cpu_model_extra_flags = vmx",
    ):
        assert f"\n{line}\n" in nova
    assert "\nlog_dir = /var/log/nova\n" in nova
    assert "\nimages_type = qcow\n" not in nova
    listing = snapshots_list(root)
    assert "  1  " in listing
    assert "apply (applied, confirmed)" in listing
