"""kvm-wizard bundle: what the tar.gz holds, its mode, its exit statuses, and that no planted secret leaks."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import tarfile
import urllib.parse
from pathlib import Path

import pytest

from wizard.apply.transaction import apply_plan
from wizard.cli import main
from wizard.commands import CommandRunner
from wizard.demo import load_scenario, make_root
from wizard.plan.model import FileEdit, FileKind, Plan

PROJECT = Path(__file__).resolve().parent.parent.parent


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as archive:
        found = {}
        for member in archive.getmembers():
            assert member.isfile()
            assert member.mode == 0o600
            handle = archive.extractfile(member)
            assert handle is not None
            found[member.name.split("/", 1)[1]] = handle.read()
        return found


def test_demo_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "support.tar.gz"
    assert main(["bundle", "--demo", "broken-nova-conf", "-o", str(out)]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    found = members(out)
    for name in (
        "README.txt",
        "facts.toml",
        "findings.json",
        "config/etc/nova/nova.conf",
        "config/etc/glance/glance-api.conf",
        "logs/var/log/nova/nova-compute.log",
    ):
        assert name in found, sorted(found)
    findings = json.loads(found["findings.json"])
    assert findings["verdict"]["code"] == "fixable"
    assert any(item["id"] == "nova-conf-invalid-value:libvirt.images_type" for item in findings["findings"])
    assert b"password = ****" in found["config/etc/nova/nova.conf"]


def test_output_to_a_directory_and_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bundle", "--demo", "intel-ready", "-o", str(tmp_path)]) == 0
    written = list(tmp_path.glob("kvm-wizard-bundle-*.tar.gz"))
    assert len(written) == 1
    assert main(["bundle", "--demo", "intel-ready", "-o", str(tmp_path / "missing/dir/x.tar.gz")]) == 2
    assert main(["bundle", "--facts", str(tmp_path / "nothing.toml")]) == 2
    assert main(["bundle", "--demo", "no-such-host"]) == 2
    assert main(["bundle", "--root", str(tmp_path / "nowhere")]) == 2
    assert not list(tmp_path.glob("*.tmp*"))
    capsys.readouterr()


SECRETS = {
    "transport_url": "Rabbit-Bndl-7x!",
    "nova database": "NovaDb-Bndl-7x!",
    "keystone": "Ks-Bndl-7x!",
    "fixed key": "FixedKey-Bndl-7x",
    "misspelt": "Typo-Bndl-7x!",
    "glance database": "GlDb-Bndl-7x!",
    "glance keystone": "GlKs-Bndl-7x!",
    "log url": "LogRabbit-Bndl-7x!",
    "log password": "LogPw-Bndl-7x!",
    "log db": "LogDb-Bndl-7x!",
    "answers": "Answers-Bndl-7x!",
    "generation": "Gen-Bndl-7x!",
    "generation answers": "GenAnswers-Bndl-7x!",
    "ceph key": "AQBrdm0td2l6YXJkIGJ1bmRsZSB0ZXN0IGtleQ==",  # the shape of a real one: 28 bytes
}
S = SECRETS


def plant(root: Path) -> None:
    nova = root / "etc/nova/nova.conf"
    text = nova.read_text()
    text = text.replace(
        "transport_url = rabbit://openstack:Rabb1t-Pass-2024@",
        f"transport_url = rabbit://openstack:{S['transport_url']}@",
    )
    text = text.replace("nova:N0va-DB-Pass-2024@", f"nova:{S['nova database']}@")
    text = text.replace(
        "password = N0va-Keystone-Pass-2024", f"password = {S['keystone']}\npasword = {S['misspelt']}"
    )
    text = text.replace("[key_manager]\n", f"[key_manager]\nfixed_key = {S['fixed key']}\n")
    nova.write_text(text + f"\n[libvirt]\n# ceph key {S['ceph key']}\n")
    glance = root / "etc/glance/glance-api.conf"
    text = glance.read_text().replace("glance:Gl4nce-DB-Pass-2024@", f"glance:{S['glance database']}@")
    glance.write_text(
        text.replace("password = Gl4nce-Keystone-Pass-2024", f"password = {S['glance keystone']}")
    )
    log = root / "var/log/nova/nova-compute.log"
    log.write_text(log.read_text() + (
        f"2024-11-05 10:00:00.000 2894 ERROR oslo.messaging [-] AMQP server on rabbit://openstack:{S['log url']}@controller:5672 is unreachable\n"
        f"2024-11-05 10:00:01.000 2894 DEBUG nova.virt [-] Running cmd: mysql --password={S['log password']} nova\n"
        f"2024-11-05 10:00:02.000 2894 ERROR oslo_db [-] connection = mysql+pymysql://nova:{S['log db']}@controller/nova failed\n"
    ))  # fmt: skip
    state = root / "var/lib/kvm-wizard"
    state.mkdir(parents=True, exist_ok=True)
    (state / "answers.toml").write_text(
        f'version = 1\n[storage]\nbackend = "rbd"\npassword = "{S["answers"]}"\n'
    )


def make_generation(root: Path) -> None:
    nova = root / "etc/nova/nova.conf"
    before = nova.read_bytes()
    after = before + f"\n[placement]\npassword = {S['generation']}\n".encode()
    edit = FileEdit("/etc/nova/nova.conf", FileKind.NOVA_CONF, before, after, ())
    answers = f'version = 1\n[hypervisor]\nvirt_type = "kvm"\n# admin_password = {S["generation answers"]}\n'
    result = apply_plan(Plan(edits=(edit,), answers_toml=answers), root, runner=CommandRunner())
    assert result.ok, result.error
    nova.write_bytes(after.replace(b"[placement]", b"[placement]\n# edited by hand"))  # drift


def forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [
        raw,
        base64.b64encode(raw),
        urllib.parse.quote(secret).encode(),
        urllib.parse.quote_plus(secret).encode(),
    ]


def test_no_planted_secret_reaches_the_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_root(load_scenario("broken-nova-conf"), parent=tmp_path)
    (root / "etc/nova/nova.conf").write_text(_common_nova())  # the install guide's secrets, to replace
    plant(root)
    make_generation(root)
    out = tmp_path / "bundle.tar.gz"
    assert main(["bundle", "--root", str(root), "-o", str(out)]) == 0
    capsys.readouterr()
    found = members(out)
    assert {"answers.toml", "generations/1/manifest.txt", "generations/1/changes.diff", "generations/drift.txt",
            "logs/var/log/kvm-wizard.log"} <= set(found)  # fmt: skip
    assert b"password = ****" in found["generations/1/changes.diff"]
    assert b"edited by hand since generation 1" in found["generations/drift.txt"]
    assert b"AMQP server on rabbit://openstack:****@controller" in found["logs/var/log/nova/nova-compute.log"]
    for name, secret in SECRETS.items():
        for form in forms(secret):
            leaks = [member for member, data in found.items() if form in data]
            assert not leaks, f"{name} ({form!r}) in {leaks}"


def _common_nova() -> str:
    from assets import asset_path

    return asset_path("demo", "_common", "root", "etc", "nova", "nova.conf").read_text()


def test_bundle_does_not_import_textual(tmp_path: Path) -> None:
    arguments = ["bundle", "-o", str(tmp_path), "--demo", "kvm-permissions"]
    code = (
        "import sys, io, contextlib\nfrom wizard.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    main({arguments!r})\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_bundle_reads_host_files_only_inside_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.conf"
    outside.write_text("[DEFAULT]\ndebug = OUTSIDE-THE-ROOT\n")
    root = make_root(load_scenario("intel-ready"), parent=tmp_path)
    nova = root / "etc/nova/nova.conf"
    nova.unlink()
    nova.symlink_to(outside)  # absolute: taken inside the root, where nothing is
    log = root / "var/log/nova/nova-compute.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    os.mkfifo(log)  # a FIFO where the log should be must not stall the bundle
    out = tmp_path / "bundle.tar.gz"
    assert main(["bundle", "--root", str(root), "-o", str(out)]) == 0
    capsys.readouterr()
    found = members(out)
    assert not [name for name, data in found.items() if b"OUTSIDE-THE-ROOT" in data]
    assert "config/etc/nova/nova.conf" not in found
    unreadable = found["logs/var/log/nova/nova-compute.log.unreadable"]
    assert unreadable == b"/var/log/nova/nova-compute.log is a named pipe (FIFO), not a regular file\n"
