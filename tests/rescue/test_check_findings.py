"""Config lint in `kvm-wizard check`: text and JSON, from a demo host, a staging root and its recording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.cli import main


def test_json_has_the_lint_findings_with_their_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--demo", "broken-nova-conf", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    by_id = {item["id"]: item for item in document["findings"]}
    images = by_id["nova-conf-invalid-value:libvirt.images_type"]
    assert images["status"] == "fail"
    assert images["title"].startswith("nova.conf line 30: ")
    assert images["evidence"] == [
        {"source": "/etc/nova/nova.conf line 30", "observed": "[libvirt] images_type = qcow"}
    ]
    assert images["remedy"]["plan_fix"] == "nova-conf-invalid-value:libvirt.images_type"
    assert (
        by_id["nova-log-invalid-option-value"]["remedy"]["plan_fix"]
        == "nova-conf-inline-comment:libvirt.virt_type"
    )
    assert by_id["glance-api-conf-lint"]["status"] == "pass"


def test_text_shows_them_at_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--demo", "broken-nova-conf"]) == 1
    text = capsys.readouterr().out
    assert "nova.conf line 31: [libvirt] cpu_mode and cpu_model_extra_flags share" in text
    assert "setting: [libvirt] images_type = qcow2 in /etc/nova/nova.conf" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_staging_root_its_recording_and_no_secret_in_either(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nova = tmp_path / "root/etc/nova/nova.conf"
    nova.parent.mkdir(parents=True)
    nova.write_text(
        "[DEFAULT]\ntransport_url = rabbit://nova:Stage-S3cret@mq\n\n[libvirt]\nimages_type = rbd\n"
        "[DEFAULT]\nforce_raw_images = False\n"
    )
    saved = tmp_path / "facts.toml"
    assert main(["check", "--root", str(nova.parents[2]), "--json", "--save-facts", str(saved)]) == 1
    live = json.loads(capsys.readouterr().out)
    assert main(["check", "--facts", str(saved), "--json"]) == 1
    recorded = json.loads(capsys.readouterr().out)
    linted = [
        [item for item in document["findings"] if item["id"].startswith("nova-conf")]
        for document in (live, recorded)
    ]
    assert linted[0] == linted[1]
    assert len(linted[0]) >= 2
    rbd = next(
        item for item in recorded["findings"] if item["id"].startswith("nova-conf-rbd-needs-raw-images")
    )
    assert [item["source"] for item in rbd["evidence"]] == [
        "/etc/nova/nova.conf line 5",
        "/etc/nova/nova.conf line 7",
    ]
    assert "Stage-S3cret" not in saved.read_text()
    assert "Stage-S3cret" not in json.dumps(live)
