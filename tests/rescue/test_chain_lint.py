"""The config lint over every file a service reads: nova-compute.conf, nova.conf.d, kolla-ansible's file.

Each case runs the real commands (check on the recorded facts, rescue --apply-fixes on the files under a root,
bundle) on a demo host whose chain has more than nova.conf, with problems planted in the other files.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from wizard.cli import main
from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.files.ini import IniDocument
from wizard.host.facts import FileRead, facts_to_toml
from wizard.host.ini_record import record_ini
from wizard.host.profile import HostProfile
from wizard.rescue.report import review_files

PROJECT = Path(__file__).resolve().parent.parent.parent
COMPUTE_CONF = "/etc/nova/nova-compute.conf"
CPU_CONF = "/etc/nova/nova.conf.d/50-cpu.conf"
NOVA_CONF = "/etc/nova/nova.conf"
KOLLA_CONF = "/etc/kolla/nova-compute/nova.conf"

# Debian's nova-compute.conf with what such files carry after a few upgrades: an old name, a misspelt option,
# and a value nova refuses (which wins over nova.conf's, so it is the one judged).
PLANTED_COMPUTE = """[DEFAULT]
compute_driver=libvirt.LibvirtDriver
logdir = /var/log/nova
[libvirt]
virt_type=qemu
disk_cache_modes = file=directsync
images_type = qcow
"""
# RDO's nova.conf.d/50-cpu.conf (its 4 lines), then the same kind of leftovers.
PLANTED_CPU = """# CPU model of the AMD compute nodes (host-model: live migration to newer EPYC generations works).
[libvirt]
cpu_mode = host-model
cpu_model_extra_flags = pcid
disk_cache_modes = file=directsync
[DEFAULT]
logdir = /var/log/nova
"""


def planted(tmp_path: Path, scenario: str, files: dict[str, str]) -> tuple[Path, Path]:
    """(facts file, root) of a demo host whose ``files`` (path -> text) are replaced, on disk and in the facts."""
    root = make_root(load_scenario(scenario), parent=tmp_path)
    facts = load_demo_facts(load_scenario(scenario))
    recorded = dict(facts.files)
    for path, text in files.items():
        (root / path.lstrip("/")).write_text(text, encoding="utf-8")
        recorded[path] = FileRead(content=record_ini("nova.conf", text), truncated=True)
    saved = tmp_path / f"{scenario}.toml"
    saved.write_text(facts_to_toml(dataclasses.replace(facts, files=recorded, root=str(root))))
    return saved, root


def check(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, Any]]:
    main(["check", *args, "--json"])
    return {finding["id"]: finding for finding in json.loads(capsys.readouterr().out)["findings"]}


def bundle(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> dict[str, str]:
    out = tmp_path / "bundle.tar.gz"
    assert main(["bundle", *args, "-o", str(out)]) == 0
    capsys.readouterr()
    found = {}
    with tarfile.open(fileobj=io.BytesIO(out.read_bytes()), mode="r:gz") as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member)
            assert handle is not None
            found[member.name.split("/", 1)[1]] = handle.read().decode()
    return found


@pytest.mark.parametrize(
    ("scenario", "files"),
    [
        ("debian-qemu-override", [NOVA_CONF, COMPUTE_CONF]),
        ("rdo-nova-conf-d", [NOVA_CONF, "/etc/nova/nova.conf.d/10-compute.conf", CPU_CONF]),
    ],
)
def test_every_file_of_the_chain_is_linted_and_bundled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, scenario: str, files: list[str]
) -> None:
    findings = check(capsys, "--demo", scenario)
    for path in files[1:]:
        summary = findings[f"nova-conf-lint:{path}"]
        assert summary["status"] == "pass"
        assert summary["title"].startswith(f"{path}: its ")
    assert findings["nova-conf-lint"]["status"] == "pass"  # nova.conf's id is unchanged
    found = bundle(capsys, tmp_path, "--demo", scenario)
    for path in files:
        assert f"config{path}" in found, sorted(found)
        assert "password = ****" in found[f"config{NOVA_CONF}"]
    order = found["config/chains.txt"]
    numbered = [f"{number}. {path}:" for number, path in enumerate(files, start=1)]
    assert all(line in order for line in numbered), order
    assert "Plac3ment-Keystone-Pass-2024" not in "".join(found.values())


def test_kolla_ansibles_file_is_linted_where_it_is_and_never_repaired(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    findings = check(capsys, "--demo", "kolla-compute")
    mine = {key: value for key, value in findings.items() if key.startswith("nova-conf-")}
    assert mine, sorted(findings)
    assert all(f":{KOLLA_CONF}" in key for key in mine), sorted(mine)
    unknown = mine[f"nova-conf-unknown-section:{KOLLA_CONF}:privsep_entrypoint"]
    assert unknown["title"].startswith(f"{KOLLA_CONF} line 68: ")
    assert unknown["evidence"][0]["source"] == f"{KOLLA_CONF} line 68"
    assert unknown["remedy"]["plan_fix"] is None
    assert "kolla-ansible reconfigure" in unknown["remedy"]["summary"]
    found = bundle(capsys, tmp_path, "--demo", "kolla-compute")
    kolla = found[f"config{KOLLA_CONF}"]
    assert "password = ****" in kolla
    assert "npT525zz7zjAuz4AtlSp1aZnpneHMGgK3g7bqXiw" not in "".join(found.values())
    assert "E6JhAOb54UmJEwhprks366XX7X2AGECjfRRWXDNn" not in "".join(found.values())
    assert f"1. {KOLLA_CONF}: copied to /etc/nova/nova.conf" in found["config/chains.txt"]


# The planted file's text, and the line of each planted option.
PLANTS = {
    COMPUTE_CONF: (PLANTED_COMPUTE, {"logdir": 3, "disk_cache_modes": 6}),
    CPU_CONF: (PLANTED_CPU, {"logdir": 7, "disk_cache_modes": 5}),
}


@pytest.mark.parametrize(
    ("scenario", "path"), [("debian-qemu-override", COMPUTE_CONF), ("rdo-nova-conf-d", CPU_CONF)]
)
def test_problems_in_another_file_are_found_there_and_repaired_there(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, scenario: str, path: str
) -> None:
    text, lines = PLANTS[path]
    facts, root = planted(tmp_path, scenario, {path: text})
    renamed = f"nova-conf-renamed-option:{path}:DEFAULT.logdir"
    unknown = f"nova-conf-unknown-option:{path}:libvirt.disk_cache_modes"
    findings = check(capsys, "--facts", str(facts))
    for finding_id, option in ((renamed, "logdir"), (unknown, "disk_cache_modes")):
        where = f"{path} line {lines[option]}"
        assert findings[finding_id]["title"].startswith(f"{where}: "), findings[finding_id]
        assert findings[finding_id]["evidence"][0]["source"] == where
        assert findings[finding_id]["remedy"]["plan_fix"] == finding_id
    assert f"nova-conf-lint:{path}" not in findings  # its problems say it
    nova_before = (root / NOVA_CONF.lstrip("/")).read_bytes()
    fixes = ["--fix", renamed, "--fix", unknown, "--yes", "--no-confirm"]
    code = main(["rescue", "--apply-fixes", "--facts", str(facts), "--root", str(root), *fixes])
    out = capsys.readouterr().out
    assert code == 0, out
    fixed = IniDocument((root / path.lstrip("/")).read_text())
    assert fixed.get("DEFAULT", "log_dir") == "/var/log/nova"
    assert fixed.get("DEFAULT", "logdir") is None
    assert fixed.get("libvirt", "disk_cachemodes") == "file=directsync"
    assert (root / NOVA_CONF.lstrip("/")).read_bytes() == nova_before
    review = review_files(root, HostProfile.from_facts(load_demo_facts(load_scenario(scenario))))
    assert [issue.id for issue in review.issues_in(path)] == (
        [f"nova-conf-invalid-value:{path}:libvirt.images_type"] if path == COMPUTE_CONF else []
    )


def test_rules_between_options_judge_what_nova_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # nova-compute.conf's images_type = qcow wins over nova.conf's: judged once, at its line, repaired there.
    facts, root = planted(tmp_path, "debian-qemu-override", {COMPUTE_CONF: PLANTED_COMPUTE})
    invalid = f"nova-conf-invalid-value:{COMPUTE_CONF}:libvirt.images_type"
    findings = check(capsys, "--facts", str(facts))
    assert findings[invalid]["status"] == "fail"
    assert findings[invalid]["title"].startswith(f"{COMPUTE_CONF} line 7: ")
    assert [key for key in findings if "invalid-value" in key] == [invalid]
    assert (
        main(["rescue", "--apply-fixes", "--facts", str(facts), "--root", str(root), "--yes", "--no-confirm"])
        == 0
    )
    capsys.readouterr()
    assert IniDocument((root / COMPUTE_CONF.lstrip("/")).read_text()).get("libvirt", "images_type") == "qcow2"
    # A refused value nova.conf.d hides is no problem of nova-compute's: nova reads 10-compute.conf's qcow2.
    rdo = PROJECT / "assets/demo/rdo-nova-conf-d/root/etc/nova/nova.conf"
    hidden = rdo.read_text() + "\n[libvirt]\nimages_type = qcow\n"
    (tmp_path / "rdo").mkdir()
    facts, root = planted(tmp_path / "rdo", "rdo-nova-conf-d", {NOVA_CONF: hidden})
    findings = check(capsys, "--facts", str(facts))
    assert not [key for key in findings if "invalid-value" in key]
