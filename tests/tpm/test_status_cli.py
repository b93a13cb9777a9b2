"""`kvm-wizard tpm status`: from recordings in-process, and end to end against swtpm in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.tpm.conftest import Swtpm, free_port_pair
from tests.tpm.test_detect import tpm2_facts
from wizard.cli import main
from wizard.cli.tpm import WIDTH, render_text
from wizard.host.facts import DirList, FileRead, HostFacts, save_facts
from wizard.tpm import build_status

MAIN = "import sys; from wizard.cli import main; sys.exit(main())"


def _record(tmp_path: Path, facts: HostFacts) -> str:
    path = tmp_path / "facts.toml"
    save_facts(facts, path)
    return str(path)


def _json_of_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["tpm", "status", "--json", *args])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, data


def test_recorded_tpm2_is_not_verified_without_a_tcti(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TPM2TOOLS_TCTI", raising=False)
    facts = tpm2_facts()
    code, data = _json_of_main(capsys, "--facts", _record(tmp_path, facts))
    assert code == 0
    assert data["schema"] == 1
    assert data["ok"] is True
    assert data["tpm"]["kind"] == "2.0"
    assert data["tpm"]["devices"][0]["nodes"][1] == {
        "path": "/dev/tpmrm0",
        "role": "resource-manager",
        "exists": True,
        "mode": "0660",
        "owner": "tss",
        "group": "tss",
    }
    assert data["verification"]["ran"] is False
    assert "another host or root" in data["verification"]["skipped_reason"]
    assert data["tcti"] == {
        "value": None,
        "source": "default",
        "description": "the tools' default: /dev/tpmrm0, then /dev/tpm0 (TPM2TOOLS_TCTI is not set)",
    }


def test_recorded_host_without_tpm_or_tools(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TPM2TOOLS_TCTI", raising=False)
    facts = HostFacts(
        dirs={"/sys/class/tpm": DirList(error="ENOENT: No such file or directory")},
        files={"/etc/os-release": FileRead("ID=fedora\n")},
        executables={"tpm2": "", "tpm2_getrandom": "", "dnf": "/usr/bin/dnf"},
    )
    code, data = _json_of_main(capsys, "--facts", _record(tmp_path, facts))
    assert code == 1
    assert data["ok"] is False
    assert data["tpm"]["kind"] == "none"
    assert "tpm2-tools is not installed." in data["problems"]
    assert data["tools"]["install"] == {
        "id": "install:tpm2-tools",
        "argv": ["dnf", "install", "-y", "tpm2-tools"],
        "reversible": False,
    }
    assert any("Intel PTT" in remedy for remedy in data["remedies"])
    assert any("does not need one" in note for note in data["notes"])


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    assert main(["tpm", "status", "--facts", str(bad)]) == 2
    assert main(["tpm"]) == 2
    assert main(["tpm", "status", "--root", str(tmp_path / "missing")]) == 2
    capsys.readouterr()


@pytest.mark.parametrize("kind", ["tpm2", "none", "tpm12"])
def test_text_fits_80_columns_and_says_it_in_words(kind: str) -> None:
    facts = {
        "tpm2": tpm2_facts(),
        "none": HostFacts(dirs={"/sys/class/tpm": DirList(())}),
        "tpm12": tpm2_facts(files={"/sys/class/tpm/tpm0/tpm_version_major": FileRead("1\n")}),
    }[kind]
    status = build_status(facts, environment={}, live=False)
    lines = [line for line, _ in render_text(status)]
    assert all(len(line) <= WIDTH for line in lines), [line for line in lines if len(line) > WIDTH]
    assert lines[0] == ("TPM status: OK, NOT VERIFIED" if kind == "tpm2" else "TPM status: PROBLEMS")


def _run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, "tpm", "status", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_end_to_end_json_against_swtpm(swtpm: Swtpm, tmp_path: Path) -> None:
    # Another root: the live TPM is left alone, but the TCTI named explicitly is verified.
    result = _run_cli("--json", "--root", str(tmp_path), env={**os.environ, "TPM2TOOLS_TCTI": swtpm.tcti})
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["tcti"]["value"] == swtpm.tcti
    verification = data["verification"]
    assert verification["passed"] is True
    assert [step["status"] for step in verification["steps"]] == ["passed"] * 6
    assert verification["identity"]["manufacturer"] == "IBM"
    assert verification["identity"]["vendor_string"] == "SW   TPM"
    assert verification["identity"]["family"] == "2.0"
    assert verification["random_bytes"] == 8
    assert "sha256" in verification["pcr_banks"]
    assert verification["steps"][2]["command"] == "tpm2 getrandom 8 --hex"
    assert len(verification["steps"][2]["evidence"][0]) == 16


def test_end_to_end_text_against_swtpm(swtpm: Swtpm) -> None:
    result = _run_cli(env={**os.environ, "TPM2TOOLS_TCTI": swtpm.tcti, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("TPM status: OK\nTPM 2.0 verified through")
    assert "PASS  Random numbers: The TPM returned 8 random bytes." in result.stdout
    assert "\x1b[" not in result.stdout
    assert all(len(line) <= WIDTH for line in result.stdout.splitlines())


def test_end_to_end_closed_port_exits_1_with_the_meaning() -> None:
    port, _ = free_port_pair()
    tcti = f"swtpm:host=127.0.0.1,port={port}"
    result = _run_cli("--json", env={**os.environ, "TPM2TOOLS_TCTI": tcti})
    assert result.returncode == 1
    data = json.loads(result.stdout)
    failed = [step for step in data["verification"]["steps"] if step["status"] == "failed"]
    assert failed[0]["failure"] == "not-answering"
    assert f"port {port}" in data["summary"]
    assert any(f"port {port}" in problem for problem in data["problems"])


def test_end_to_end_tools_missing_exits_1(swtpm: Swtpm, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "TPM2TOOLS_TCTI": swtpm.tcti, "PATH": str(empty)}
    result = _run_cli("--json", env=env)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["tools"]["installed"] is False
    assert "tpm2-tools is not installed." in data["problems"]
    assert data["verification"]["steps"][0]["failure"] == "tools-missing"


def test_no_verify_never_runs_the_tools(swtpm: Swtpm) -> None:
    result = _run_cli("--json", "--no-verify", env={**os.environ, "TPM2TOOLS_TCTI": swtpm.tcti})
    data = json.loads(result.stdout)
    assert data["verification"]["ran"] is False
    assert data["verification"]["skipped_reason"] == "Not verified: verification was not asked for."


def test_importing_the_command_loads_neither_rich_nor_pyudev() -> None:
    code = "import sys, wizard.cli.tpm; print(sorted(m for m in ('rich', 'pyudev', 'textual') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "[]"


def test_the_hosts_secure_boot_is_said(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TPM2TOOLS_TCTI", raising=False)
    _, data = _json_of_main(capsys, "--demo", "tpm2-host")
    assert data["secure_boot"]["state"] == "enabled"
    assert data["secure_boot"]["lockdown"] == "integrity"
    assert data["secure_boot"]["status"] == "pass"
    assert any("SecureBoot-" in item["source"] for item in data["secure_boot"]["evidence"])
    _, data = _json_of_main(capsys, "--demo", "power9")
    assert data["secure_boot"]["state"] == "not-uefi"
    assert main(["tpm", "status", "--demo", "intel-ready", "--no-verify"]) == 1  # no TPM there
    text = capsys.readouterr().out
    assert "The host's Secure Boot\n  Secure Boot is off on this host (UEFI)\n" in text
