"""kvm-wizard check end to end: exit statuses, JSON, recordings, colour, width, and no Textual."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from rich.cells import cell_len

from tests.diagnosis.forget import CORPUS
from tests.host.helpers import FIXTURES, demo
from wizard.cli.render import render_diagnosis
from wizard.demo import list_scenarios
from wizard.diagnosis.diagnose import diagnose

PROJECT = Path(__file__).resolve().parent.parent.parent
ENTRY = "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))"


def kvm_wizard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=environment,
        timeout=60,
        check=False,
    )


def test_ready_host_exits_0_and_says_so() -> None:
    result = kvm_wizard("check", "--demo", "intel-ready")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Verdict: READY")
    for word in ("PASS", "INFO", "What to do"):
        assert word in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_problems_exit_1() -> None:
    result = kvm_wizard("check", "--demo", "kvm-permissions")
    assert result.returncode == 1
    assert "Verdict: FIXABLE" in result.stdout
    assert "FAIL" in result.stdout
    assert "$ udevadm trigger --sysname-match=kvm" in result.stdout


def test_json_shape() -> None:
    result = kvm_wizard("check", "--demo", "amd-modules-missing", "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert set(document) == {"schema", "verdict", "findings", "facts_source"}
    assert document["schema"] == 1
    assert document["verdict"]["code"] == "fixable"
    assert document["facts_source"] == "demo: amd-modules-missing"
    for finding in document["findings"]:
        assert set(finding) == {"id", "status", "title", "detail", "evidence", "remedy"}
        assert finding["status"] in {"pass", "warn", "fail", "info", "unknown"}
        assert all(set(item) == {"source", "observed"} for item in finding["evidence"])
        if finding["remedy"] is not None:
            assert set(finding["remedy"]) == {"summary", "commands", "settings", "why", "plan_fix"}
    modules = next(item for item in document["findings"] if item["id"] == "kvm-modules")
    assert modules["remedy"]["commands"] == ["modprobe kvm", "modprobe kvm_amd"]


def test_save_facts_then_diagnose_the_recording(tmp_path: Path) -> None:
    saved = tmp_path / "host.toml"
    first = kvm_wizard("check", "--demo", "tpm2-host", "--json", "--save-facts", str(saved))
    assert first.returncode == 0
    second = kvm_wizard("check", "--facts", str(saved), "--json")
    assert second.returncode == 0
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert two["facts_source"] == f"recording: {saved}"
    assert one["verdict"] == two["verdict"]
    assert one["findings"] == two["findings"]


def test_live_check_saves_what_it_saw(tmp_path: Path) -> None:
    saved = tmp_path / "live.toml"
    result = kvm_wizard("check", "--json", "--save-facts", str(saved))
    assert result.returncode in {0, 1}
    assert json.loads(result.stdout)["facts_source"] == "live"
    again = kvm_wizard("check", "--facts", str(saved), "--json")
    assert json.loads(again.stdout)["findings"] == json.loads(result.stdout)["findings"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("schema = 99\n", "facts schema 99 is not supported"),
        ("this is [not toml\n", "not a TOML facts recording"),
        ("schema = 1\nunexpected = 3\n", "unknown key(s) unexpected"),
        ("schema = 1\nkernel_log = 5\n", "kernel_log: expected an array, found integer 5"),
        ("schema = 1\nmachine = 64\n", "machine: expected a string, found integer 64"),
        ('schema = 1\n[stats."/dev/kvm"]\nmode = "abc"\n', "stats./dev/kvm.mode: expected a whole number"),
        (
            'schema = 1\n[files."/proc/cpuinfo"]\ncontent = 3\n',
            "files./proc/cpuinfo.content: expected a string",
        ),
    ],
)
def test_bad_recordings_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    result = kvm_wizard("check", "--facts", str(path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    unknown = kvm_wizard("check", "--demo", "no-such-host")
    assert unknown.returncode == 2
    assert "intel-ready" in unknown.stderr
    assert kvm_wizard("check", "--facts", str(tmp_path / "missing.toml")).returncode == 2
    assert kvm_wizard("check", "--root", str(tmp_path / "nowhere")).returncode == 2
    assert kvm_wizard("check", "--demo", "aarch64", "--root", str(tmp_path)).returncode == 2
    assert kvm_wizard("check", "--bogus").returncode == 2


def test_demo_list() -> None:
    result = kvm_wizard("check", "--demo", "list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == [scenario.name for scenario in list_scenarios()]


def test_check_of_a_staging_root(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/cpuinfo").write_text((FIXTURES / "real-hosts/armv7/proc/cpuinfo").read_text())
    result = kvm_wizard("check", "--root", str(tmp_path), "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["verdict"]["code"] == "unsupported"
    assert document["facts_source"] == f"root: {tmp_path}"


def test_check_does_not_import_textual() -> None:
    code = (
        "import sys, io, contextlib\nfrom wizard.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['check', '--demo', 'intel-ready', '--json'])\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=False
    )
    assert result.returncode == 0, result.stderr


def _in_terminal(*args: str, env: dict[str, str]) -> str:
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    environment.update(env)
    child = pexpect.spawn(
        sys.executable,
        ["-c", ENTRY, *args],
        cwd=str(PROJECT),
        env=environment,
        dimensions=(24, 80),
        encoding="utf-8",
    )
    output = child.read()
    child.close()
    return str(output)


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    coloured = _in_terminal("check", "--demo", "intel-ready", env={"TERM": "xterm-256color"})
    assert "\x1b[" in coloured
    assert "READY" in coloured
    plain = _in_terminal("check", "--demo", "intel-ready", env={"TERM": "xterm-256color", "NO_COLOR": "1"})
    assert "\x1b[" not in plain
    assert "READY" in plain
    flag = _in_terminal("check", "--demo", "intel-ready", "--no-color", env={"TERM": "xterm-256color"})
    assert "\x1b[" not in flag


@pytest.mark.parametrize("scenario", [item.name for item in list_scenarios()])
def test_readable_at_80_columns(scenario: str) -> None:
    stream = io.StringIO()
    render_diagnosis(diagnose(demo(scenario)), f"demo: {scenario}", stream, color=False, width=80)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("Verdict: ")
    too_long = [line for line in lines if cell_len(line) > 80]
    assert not too_long
    assert not [line for line in lines if line != line.rstrip()]  # no trailing blanks


def test_recorded_firecracker_guest_renders_its_remedies() -> None:
    stream = io.StringIO()
    from wizard.host.facts import load_facts

    facts = load_facts(FIXTURES / "facts/firecracker-pvm-guest.toml")
    render_diagnosis(diagnose(facts), facts.source, stream, color=False, width=80)
    text = stream.getvalue()
    assert "$ chgrp kvm /dev/kvm" in text
    assert "$ chmod 0660 /dev/kvm" in text
    assert "modprobe" not in text


def test_a_wizard_level_host_option_a_command_cannot_use_is_refused() -> None:
    """`kvm-wizard --demo X confirm` would act on this host, not on X: a usage error, not silence."""
    result = kvm_wizard("--demo", "tpm2-host", "confirm")
    assert result.returncode == 2
    assert "--demo does not apply to `kvm-wizard confirm`" in result.stderr


def test_tpm_status_takes_a_demo_host_before_or_after_the_command() -> None:
    for arguments in (("tpm", "status", "--demo", "tpm2-host"), ("--demo", "tpm2-host", "tpm", "status")):
        result = kvm_wizard(*arguments)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("TPM status: OK, NOT VERIFIED\nTPM 2.0 found: tpm0")


def test_a_tree_without_a_kernel_gets_the_unknown_verdict(tmp_path: Path) -> None:
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    result = kvm_wizard("check", "--root", str(root), "--json")
    assert result.returncode == 1
    verdict = json.loads(result.stdout)["verdict"]
    assert verdict["code"] == "unknown"
    assert "kvm-wizard check --save-facts FILE" in verdict["summary"]
    text = kvm_wizard("check", "--root", str(root), "--no-color")
    assert text.stdout.startswith("Verdict: UNKNOWN")
    assert all(cell_len(line) <= 80 for line in text.stdout.splitlines())


def test_a_virtualbox_guest_is_told_to_ask_virtualbox(tmp_path: Path) -> None:
    root = tmp_path / "vbox"
    shutil.copytree(CORPUS / "x86_64-virtualbox-win-host-no-hypervisor-flag", root)
    document = json.loads(kvm_wizard("check", "--root", str(root), "--json").stdout)
    assert document["verdict"]["code"] == "unsupported"
    guest = next(item for item in document["findings"] if item["id"] == "guest")
    assert guest["title"] == "A virtual machine on VirtualBox, without nested virtualization"
    assert guest["remedy"]["commands"] == ["VBoxManage modifyvm NAME --nested-hw-virt on"]
    assert {"source": "/proc/bus/pci/devices", "observed": "device 80ee:beef: VirtualBox"} in guest[
        "evidence"
    ]
