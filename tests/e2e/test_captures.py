"""Every screen of the installed kvm-wizard at 80x24 under TERM=linux, as a pyte terminal shows it: each is
scanned for glyphs drawn in their own background's colour (on a black and on a white console) and for glyphs
the console fonts lack, and kept as a capture (tests/e2e/captures/: text, the style of every cell, its legend)
that a change must be reviewed against. See captures.py for the format and how to update them."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.captures import SVG, capture, compare, draw_svg, invisible, portable
from tests.e2e.terminal import Terminal
from tests.e2e.test_terminal import KVM_WIZARD, REPOSITORY
from wizard.apply.pending import watcher_alive

FIXED = Path("/tmp/kvm-wizard-captures")  # roots at fixed paths: some screens show them


class Camera:
    """One program's screens, captured and checked one after the other."""

    def __init__(self, terminal: Terminal, flow: str, root: Path | None) -> None:
        self.terminal = terminal
        self.flow = flow
        self.replace = {str(root): f"/tmp/kvm-wizard-captures/{flow}"} if root else {}
        self.taken: list[str] = []

    def shot(self, name: str, needle: str) -> None:
        terminal = self.terminal
        terminal.wait_for(needle)
        title = f"{self.flow}: {name}"
        # Drawn in steps (the footer last, a list filled in the background): taken when two looks half a
        # second apart agree.
        taken = ""
        for _ in range(20):
            terminal.settle(quiet=0.5)
            again = capture(terminal.screen, title, self.replace)
            if again == taken and terminal.screen.display[-1].strip():
                break
            taken = again
        screen = terminal.screen
        problems = invisible(screen)
        assert problems == [], f"{name}: glyphs in their background's colour: {problems[:8]}"
        assert portable(screen) == set(), f"{name}: glyphs outside the console fonts: {portable(screen)}"
        compare(f"{self.flow}-{len(self.taken) + 1:02d}-{name}", taken)
        self.taken.append(name)
        folder = os.environ.get(SVG)
        if folder:
            for background in ("black", "white"):
                draw_svg(screen, Path(folder) / f"{self.flow}-{name}-{background}.svg", background)


@pytest.fixture
def cameras() -> Iterator[list[Camera]]:
    """The cameras of one test, which holds the fixed roots alone: a second run of the suite on this machine
    (another checkout) waits for it instead of removing its root mid-flow."""
    FIXED.mkdir(exist_ok=True)
    with (FIXED.parent / "kvm-wizard-captures.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        taken: list[Camera] = []
        try:
            yield taken
        finally:
            for camera in taken:
                camera.terminal.close()


def start(cameras: list[Camera], flow: str, *arguments: str, root: bool = True) -> Camera:
    place = FIXED / flow
    shutil.rmtree(place, ignore_errors=True)
    place.parent.mkdir(exist_ok=True)
    extra = ("--root", str(place)) if root else ()
    camera = Camera(Terminal([KVM_WIZARD, *arguments, *extra], cwd=REPOSITORY), flow, place if root else None)
    cameras.append(camera)
    return camera


def stop_watcher(root: Path) -> None:
    """A detached watcher this flow left (a change left waiting): it must not outlive the test."""
    pending = root / "var/lib/kvm-wizard/pending-confirm.toml"
    if pending.exists():
        pid = int(tomllib.loads(pending.read_text())["watcher_pid"])
        if watcher_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_the_setup_wizard_screen_by_screen(cameras: list[Camera]) -> None:
    camera = start(cameras, "setup", "--demo", "intel-ready")
    wizard = camera.terminal
    try:
        camera.shot("welcome", "Nothing unfinished was found.")
        wizard.press("f1")
        camera.shot("help", "Help: Welcome")
        wizard.press("escape")
        wizard.press("f10")
        camera.shot("host-check", "Verdict: ready.")
        wizard.press("f10")
        camera.shot("hypervisor", "KVM can work on this host")
        wizard.press("down", "space")
        camera.shot("hypervisor-qemu", "I accept software emulation")
        wizard.press("up", "space", "f10")
        camera.shot("storage", "Disk space: thin")
        wizard.press("down", "down", "space")
        camera.shot("storage-lvm", "Volume group:")
        wizard.press("tab", "end", "backspace", "backspace", "backspace")
        camera.shot("storage-lvm-typing", "does not exist on this host")
        wizard.press("right")  # the completion
        camera.shot("storage-lvm-completed", "on this host: nova-vg")
        wizard.press("f10")
        camera.shot("nested", "controls nested guests here")
        wizard.press("f10")
        camera.shot("ceph-download", "Download images directly from Ceph")
        wizard.press("space")
        camera.shot("ceph-download-on", "Image pool")
        wizard.press("space", "f10")
        camera.shot("tpm", "Device: ")
        wizard.press("f10")
        camera.shot("performance", "vhost_net")
        wizard.press("f9")
        camera.shot("palette", "Go to step")
        wizard.press("escape", "f10")
        camera.shot("review", "[PASS] The answers are valid here.")
        wizard.press("ctrl+q")
        camera.shot("quit-nothing-changed", "Nothing has been changed on this host")
        wizard.press("escape", "f10")
        camera.shot("apply-question", "to this host?")
        wizard.press("y")
        camera.shot("apply", "or it is reverted")  # the log's last line: the apply has ended
        wizard.press("escape")
        camera.shot("apply-esc", "Not now: the change waits for")
        wizard.wait_gone("Not now: the change waits for")  # toasts time out: none in the next captures
        wizard.press("ctrl+q")
        camera.shot("quit-waiting", "Quit, leave it waiting")
        wizard.press("escape", "f10")
        camera.shot("confirm", "Reverting in")
        wizard.press("y")
        camera.shot("confirm-kept", "Kept: the apply of generation 1 stays")
        wizard.press("f10")
        camera.shot("done", "How to undo it")
        wizard.press("f2")
        camera.shot("snapshots", "apply (applied, confirmed)")
        wizard.press("enter")
        camera.shot("snapshots-compare", "Generation 1 against the files now:")
        wizard.press("r")
        camera.shot("rollback-question", "Undo generation 1 and every change after it?")
        wizard.press("f10")
        camera.shot("rollback-confirm", "The rollback is done and waits for your confirmation")
        wizard.press("r")
        camera.shot("rollback-reverted", "as you asked")
        wizard.press("f10", "escape")
        camera.shot("done-again", "How to undo it")
        wizard.press("ctrl+q")
        camera.shot("quit-kept", "Quit kvm-wizard? Kept: the apply of generation 1 stays")
        wizard.press("ctrl+q")
        assert wizard.wait_exit() == 0
    finally:
        stop_watcher(FIXED / "setup")


def test_a_change_reverted_at_its_deadline(cameras: list[Camera]) -> None:
    camera = start(cameras, "deadline", "--demo", "intel-ready", "--confirm-timeout", "4")
    wizard = camera.terminal
    try:
        wizard.wait_for("Nothing unfinished was found.")
        wizard.step("f10", "Verdict: ready.")
        wizard.step("f9", "Go to step")
        wizard.press(*"Review", "enter")
        wizard.wait_for("[PASS] The answers are valid here.")
        wizard.press("f10")
        wizard.wait_for("to this host?")
        wizard.press("y")
        camera.shot("apply-counting-down", "or it is reverted")
        wizard.press("f10")
        camera.shot("confirm-reverted-at-deadline", "Nothing of the apply of generation 1 stays")
        wizard.press("f10")
        camera.shot("done-reverted-at-deadline", "restored as it was")
        wizard.press("ctrl+q")
        camera.shot("quit-reverted", "Quit kvm-wizard? Reverted at")
        wizard.press("ctrl+q")
        assert wizard.wait_exit() == 1
    finally:
        stop_watcher(FIXED / "deadline")


def test_the_demo_picker_and_hosts_that_stop_or_warn(cameras: list[Camera]) -> None:
    camera = start(cameras, "picker", "--demo", root=False)
    camera.shot("demo-picker", "tpm2-host")
    camera.terminal.press("ctrl+c", "ctrl+c")
    assert camera.terminal.wait_exit() == 0

    camera = start(cameras, "no-kvm", "--demo", "vm-guest-no-nested")
    wizard = camera.terminal
    wizard.wait_for("Nothing unfinished was found.")
    wizard.press("f10")
    camera.shot("host-check-limited", "Verdict:")
    wizard.press("f10")
    camera.shot("hypervisor-kvm-cannot-work", "The wizard stops here")
    wizard.press("ctrl+q", "ctrl+q")
    assert wizard.wait_exit() == 0

    camera = start(cameras, "tpm", "--demo", "tpm2-host")
    wizard = camera.terminal
    wizard.wait_for("Nothing unfinished was found.")
    wizard.step("f10", "Verdict:")
    wizard.step("f9", "Go to step")
    wizard.press(*"TPM", "enter")
    camera.shot("tpm-host", "Device: ")
    wizard.press("ctrl+q", "ctrl+q")
    assert wizard.wait_exit() == 0


def test_the_rescue_view(cameras: list[Camera]) -> None:
    camera = start(cameras, "rescue", "rescue", "--demo", "broken-nova-conf")
    wizard = camera.terminal
    camera.shot("troubleshoot", "Fixes: 3 of 6 ticked")
    wizard.press("f10")
    camera.shot("fixes-preview", "as one transaction")
    wizard.press("escape", "ctrl+q", "ctrl+q")
    assert wizard.wait_exit() == 0
