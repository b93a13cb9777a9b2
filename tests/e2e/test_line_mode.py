"""The line mode in a real pty with TERM=dumb: every demo host from start to Done (apply, then keep or revert
the change), the rescue flow, the demo picker and a slow line. Only lines are read; no escape sequence is ever
written (asserted on the raw bytes), nothing but ASCII, and never more than a screenful between questions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.lines import COLUMNS, KVM_WIZARD, ROWS, LineTerminal, Walk, all_text, answer
from tests.screens.harness import demo_facts
from wizard.apply.generations import generations_under
from wizard.demo import scenario_names
from wizard.diagnosis.diagnose import diagnose
from wizard.plan.validate import KVM_CAN_WORK

CONFIGURED = (
    "lvm-custom-cpu",
    "debian-qemu-override",
    "rdo-nova-conf-d",
    "kolla-compute",
)  # nothing to change
HOSTS = scenario_names()


def check_lines(terminal: LineTerminal, chunks: list[str]) -> str:
    """Pure ASCII without an escape sequence, rows that fit, a screenful at most between two questions."""
    raw = bytes(terminal.raw)
    assert b"\x1b" not in raw, "an escape sequence was written"
    assert all(byte < 128 for byte in raw), "a byte outside ASCII was written"
    text = all_text(raw)
    assert all(len(row) < COLUMNS for row in text.split("\n")), "a row longer than the terminal"
    for chunk in chunks:
        assert chunk.count("\n") <= ROWS, f"more than a screenful between two questions:\n{chunk}"
    return " ".join(text.split())  # rows joined again: a sentence may be wrapped anywhere


def walked(terminal: LineTerminal, walk: Walk) -> list[str]:
    """Answer every question by the walk's policy; the output between answers, each piece."""
    chunks: list[str] = []

    def respond(prompt: str, printed: str) -> str:
        chunks.append(printed)
        return answer(walk, prompt, printed)

    terminal.walk(respond)
    chunks.append(terminal.printed())
    return chunks


@pytest.mark.parametrize("scenario", HOSTS)
def test_every_demo_host_from_start_to_done(scenario: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    kvm_works = diagnose(demo_facts(scenario)).verdict.code in KVM_CAN_WORK
    keep = HOSTS.index(scenario) % 2 == 0  # every other host reverts at Confirm
    walk = Walk(qemu=not kvm_works, decision="k" if keep else "r")
    argv = [KVM_WIZARD, "--demo", scenario, "--root", str(root), "--confirm-timeout", "60"]
    terminal = LineTerminal(argv, cwd=tmp_path)
    chunks = walked(terminal, walk)
    status = terminal.wait_exit()
    text = check_lines(terminal, chunks)
    assert "== Review - Step 9 of 12 - DEMO" in text
    entries = generations_under(root)
    if scenario in CONFIGURED:
        assert "Nothing had to change" in text
        assert status == 0
        return
    assert any("Apply it now?" in prompt for prompt in walk.seen)
    assert "== Confirm - Step 11 of 12" in text
    assert "== Done - Step 12 of 12" in text
    assert [entry.number for entry in entries][:1] == [1]
    if keep:
        assert "[PASS] Kept: the apply of generation 1 stays" in text
        # The line mode's s only lists generations: Done says to roll back from a shell, not with s.
        assert "Roll back to it from any shell (s (snapshots) lists the generations):" in " ".join(
            text.split()
        )
        assert status == 0
        assert (root / "var/lib/kvm-wizard/answers.toml").is_file()
        saved = (root / "var/lib/kvm-wizard/answers.toml").read_text()
        assert f'virt_type = "{"kvm" if kvm_works else "qemu"}"' in saved
    else:
        assert "as you asked: the files are as they were before the apply of generation 1" in text
        assert status == 1


def test_the_rescue_flow(tmp_path: Path) -> None:
    root = tmp_path / "root"
    argv = [
        KVM_WIZARD,
        "rescue",
        "--demo",
        "broken-nova-conf",
        "--root",
        str(root),
        "--confirm-timeout",
        "60",
    ]
    terminal = LineTerminal(argv, cwd=tmp_path)
    walk = Walk()
    chunks = walked(terminal, walk)
    status = terminal.wait_exit()
    text = check_lines(terminal, chunks)
    assert "== Troubleshoot - DEMO broken-nova-conf ==" in text
    assert "3 fix(es) as one transaction: 1 file(s) change" in text
    assert "[PASS] Kept: the apply of generation 1 stays" in text
    assert "b goes back to Troubleshoot" in text  # Done in rescue says how to check again
    assert status == 0
    generation = generations_under(root)[0].generation
    assert generation is not None
    assert generation.summary.startswith("rescue: ")


def test_the_demo_picker_and_quitting(tmp_path: Path) -> None:
    terminal = LineTerminal([KVM_WIZARD, "--demo", "--root", str(tmp_path / "root")], cwd=tmp_path)
    asked: list[str] = []

    def respond(prompt: str, printed: str) -> str:
        asked.append(prompt)
        if "Demo hosts:" in printed:
            return str(HOSTS.index("tpm2-host") + 1)
        if "== Welcome" in printed:
            return "q"
        if "Quit?" in printed:
            return "2"  # the answer that quits
        return ""

    terminal.walk(respond)
    status = terminal.wait_exit()
    text = check_lines(terminal, [])
    assert all(name in text for name in HOSTS), "every demo host is listed"
    assert "DEMO tpm2-host" in text
    assert "Nothing has been changed on this host" in text
    assert status == 0


def test_a_slow_line_stays_usable(tmp_path: Path) -> None:
    """Read at about 9600 baud (960 bytes a second): the wizard waits for the reader, and what it prints
    before each question is never more than a screenful."""
    root = tmp_path / "root"
    argv = [KVM_WIZARD, "--demo", "intel-ready", "--root", str(root), "--no-confirm"]
    terminal = LineTerminal(argv, cwd=tmp_path, read_size=96, pace=0.1, timeout=120)
    walk = Walk()
    chunks = walked(terminal, walk)
    assert terminal.wait_exit() == 0
    text = check_lines(terminal, chunks)
    assert "== Done - Step 12 of 12" in text
    assert max(chunk.count("\n") for chunk in chunks) <= ROWS


def test_an_input_that_ends_at_once_ends_the_session_in_words(tmp_path: Path) -> None:
    """Standard input at its end (< /dev/null, a closed pipe): the session ends saying so, with no question left
    waiting and no internal error, even where the text asks for more."""
    done = subprocess.run(
        [KVM_WIZARD, "--line", "--demo", "intel-ready", "--root", str(tmp_path / "root")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TERM": "dumb", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)},
        check=False,
    )
    assert "internal error" not in done.stdout + done.stderr
    assert "The input ended: quitting" in done.stdout
    assert done.returncode == 0
