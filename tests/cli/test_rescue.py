"""kvm-wizard rescue as the operator runs it: report, JSON, exit statuses, the TUI hook, a real run in a pty."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from wizard.cli import main
from wizard.files.ini import IniDocument

PROJECT = Path(__file__).resolve().parent.parent.parent
KVM_WIZARD = str(Path(sys.executable).parent / "kvm-wizard")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["rescue", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _root(out: str) -> Path:
    match = re.search(r"its files are in (\S+) \(a throwaway copy\)", out)
    assert match, out
    return Path(match.group(1))


def test_report_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--report", "--demo", "intel-ready")
    assert code == 0
    assert out.startswith("Verdict: READY")
    code, out, _ = run(capsys, "--report", "--demo", "broken-nova-conf")
    assert code == 1
    assert "FAIL      nova.conf line 30: [libvirt] images_type = qcow" in out
    assert "--fix nova-conf-invalid-value:libvirt.images_type" in out
    assert "(optional)" in out


def test_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--demo", "lvm-missing-vg")
    assert code == 1
    document = json.loads(out)
    assert document["verdict"]["code"] == "fixable"
    fix = next(item for item in document["fixes"] if item["urgent"])
    assert fix["findings"] == [
        "nova-conf-volume-group-missing:libvirt.images_volume_group",
        "nova-log-lvm-volume-group",
    ]
    assert "+images_volume_group = nova-vg" in fix["diff"]


def test_without_a_terminal_rescue_points_at_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--demo", "kvm-permissions")
    assert code == 2
    assert "needs a terminal; without one use kvm-wizard rescue --report" in err


def test_rescue_opens_its_troubleshooting_view(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def fake_run(args: object) -> int:
        seen.append(str(getattr(args, "mode", "")))
        return 0

    monkeypatch.setattr("wizard.cli.tui.run", fake_run)
    assert main(["rescue", "--demo", "intel-ready"]) == 0
    assert seen == ["rescue"]


def test_apply_fixes_then_the_file_lints_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--apply-fixes", "--demo", "broken-nova-conf", "--yes", "--no-confirm")
    assert code == 0, out
    assert "Preview" in out
    assert "+images_type = qcow2" in out
    assert "Rabb1t-Pass-2024" not in out
    assert "Still in nova.conf line 7: [DEFAULT] logdir is the old name" in out
    assert "Needs the operator" not in out
    nova = IniDocument((_root(out) / "etc/nova/nova.conf").read_text())
    assert (nova.get("libvirt", "images_type"), nova.get("libvirt", "virt_type")) == ("qcow2", "kvm")
    assert nova.get_list("libvirt", "cpu_model_extra_flags") == ["vmx"]


def test_apply_chosen_fixes_and_all(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--apply-fixes", "--demo", "broken-nova-conf", "--fix", "nova-conf-renamed-option:DEFAULT.logdir",
        "--yes", "--no-confirm",
    )  # fmt: skip
    assert code == 0, out
    nova = IniDocument((_root(out) / "etc/nova/nova.conf").read_text())
    assert (nova.get("DEFAULT", "logdir"), nova.get("DEFAULT", "log_dir")) == (None, "/var/log/nova")
    assert nova.get("libvirt", "images_type") == "qcow"  # not chosen
    code, out, _ = run(
        capsys, "--apply-fixes", "--demo", "broken-nova-conf", "--fix", "all", "--yes", "--no-confirm"
    )
    assert code == 0, out
    assert "nova.conf now follows the option rules" not in out  # [api] auth_strategy needs the operator
    assert "Still in nova.conf line 12: [api] auth_strategy" in out


def test_nothing_to_fix_and_failures_nobody_can_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--apply-fixes", "--demo", "intel-ready", "--yes", "--no-confirm")
    assert code == 0
    assert "kvm-wizard has no fix to apply here." in out
    code, out, _ = run(capsys, "--apply-fixes", "--demo", "intel-vt-disabled", "--yes", "--no-confirm")
    assert code == 1
    assert "Needs the operator: Enable 'Intel Virtualization Technology'" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "--apply-fixes", "--json", "--demo", "intel-ready")[0] == 2
    assert run(capsys, "--report", "--fix", "kvm-modules", "--demo", "intel-ready")[0] == 2
    code, _, err = run(capsys, "--apply-fixes", "--fix", "no-such-fix", "--demo", "broken-nova-conf", "--yes")
    assert code == 2
    assert "no fix no-such-fix on offer here" in err
    assert run(capsys, "--report", "--demo", "no-such-host")[0] == 2
    assert run(capsys, "--report", "--root", str(tmp_path / "nowhere"))[0] == 2
    # No console to confirm on, and no --no-confirm or --confirm-timeout: nothing can be asked.
    code, _, err = run(capsys, "--apply-fixes", "--demo", "broken-nova-conf", "--yes")
    assert code == 2
    assert "no console to confirm" in err


def test_a_real_rescue_in_a_terminal(tmp_path: Path) -> None:
    """The operator's rescue: preview, apply, confirm, in a pseudo-terminal (and TMPDIR keeps it here)."""
    environment = {**os.environ, "TMPDIR": str(tmp_path), "NO_COLOR": "1", "TERM": "linux"}
    child = pexpect.spawn(
        KVM_WIZARD,
        ["rescue", "--apply-fixes", "--demo", "broken-nova-conf", "--confirm-timeout", "60"],
        cwd=str(PROJECT),
        env=environment,
        dimensions=(25, 80),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(r"Apply 1 file change\(s\) and 1 action\(s\)\? \[y/N\] ")
    preview = str(child.before)
    assert "+images_type = qcow2" in preview
    assert "oslo has no inline comments" in preview
    child.sendline("y")
    child.expect("Keep\\? ")
    child.sendline("yes")
    child.expect(pexpect.EOF)
    output = str(child.before)
    child.close()
    assert child.exitstatus == 0, output
    assert "nova.conf" in output
    roots = list(tmp_path.glob("kvm-wizard-demo-broken-nova-conf-*"))
    assert len(roots) == 1
    nova = IniDocument((roots[0] / "etc/nova/nova.conf").read_text())
    assert nova.get("libvirt", "images_type") == "qcow2"
    log = (roots[0] / "var/log/kvm-wizard.log").read_text()
    assert "apply done: generation 1" in log
    assert "confirm" in log


def test_no_secret_in_the_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secrets = ("Rabb1t-Cli-S3cret", "Ks-Cli-S3cret")
    root = tmp_path / "root"
    (root / "etc/nova").mkdir(parents=True)
    (root / "etc/nova/nova.conf").write_text(
        f"[DEFAULT]\ntransport_url = rabbit://openstack:{secrets[0]}@controller # broker\n"
        f"[keystone_authtoken]\npasword = {secrets[1]}\n[libvirt]\nimages_type = qcow\npassword {secrets[1]}\n"
    )
    code, out, _ = run(capsys, "--report", "--root", str(root))
    assert code == 1
    assert "nova.conf line 6: [libvirt] images_type = qcow" in out
    for secret in secrets:
        assert secret not in out


@pytest.mark.parametrize("command", [["rescue", "--report"], ["rescue", "--json"]])
def test_headless_rescue_does_not_import_textual(command: list[str]) -> None:
    code = (
        "import sys, io, contextlib\nfrom wizard.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    main({[*command, '--demo', 'kvm-permissions']!r})\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=False
    )
    assert result.returncode == 0, result.stderr
