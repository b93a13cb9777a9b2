"""The rescue report on the demo hosts: what it finds, which fixes it offers, its JSON, and no secret in it."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.rescue.conftest import BASE, Host
from wizard.demo import scenario_names
from wizard.diagnosis.findings import Status
from wizard.rescue.report import build_report, report_to_json

# scenario -> (verdict, the fixes offered first, the optional ones)
EXPECTED: dict[str, tuple[str, list[str], list[str]]] = {
    "intel-ready": ("ready", [], ["kvm-modules", "nova-conf-compute-driver:DEFAULT.compute_driver"]),
    "intel-vt-disabled": ("disabled-in-firmware", [], ["nova-conf-compute-driver:DEFAULT.compute_driver"]),
    "amd-modules-missing": ("fixable", ["kvm-modules"], ["nova-conf-compute-driver:DEFAULT.compute_driver"]),
    "kvm-permissions": ("fixable", ["kvm-device-access"],
                        ["kvm-modules", "nova-conf-compute-driver:DEFAULT.compute_driver"]),
    "broken-nova-conf": ("fixable", ["nova-conf-inline-comment:libvirt.virt_type",
                                     "nova-conf-invalid-value:libvirt.images_type",
                                     "nova-conf-two-options-on-one-line:libvirt.cpu_mode"],
                         ["kvm-modules", "nova-conf-renamed-option:DEFAULT.logdir",
                          "nova-conf-unknown-option:libvirt.disk_cache_modes"]),
    "lvm-missing-vg": ("fixable", ["nova-conf-volume-group-missing:libvirt.images_volume_group"], ["kvm-modules"]),
}  # fmt: skip


@pytest.mark.parametrize("name", list(EXPECTED))
def test_fixes_on_offer_per_demo_host(host: Host, name: str) -> None:
    verdict, urgent, optional = EXPECTED[name]
    facts, root = host(name)
    report = build_report(facts, root)
    assert report.verdict.code == verdict, report.verdict.summary
    assert [fix.id for fix in report.urgent_fixes] == urgent
    assert [fix.id for fix in report.fixes if not fix.urgent] == optional
    assert report.problems == ()
    for fix in report.fixes:
        assert not fix.plan.empty
        assert all(report.fix_for(finding_id) is not None for finding_id in fix.finding_ids)


@pytest.mark.parametrize("name", scenario_names())
def test_every_demo_host_gets_a_report_quickly(host: Host, name: str) -> None:
    facts, root = host(name)
    report = build_report(facts, root)
    assert report.seconds < 1.0
    failed = {finding.id for finding in report.findings if finding.status is Status.FAIL}
    for fix in report.urgent_fixes:
        assert failed & set(fix.finding_ids)


def test_findings_describe_the_files_under_the_root_not_the_recording(host: Host) -> None:
    facts, root = host("intel-ready")
    (root / "etc/nova/nova.conf").write_text(BASE + "images_type = qcow\n")
    report = build_report(facts, root)
    finding = report.diagnosis.finding("nova-conf-invalid-value:libvirt.images_type")
    assert finding is not None
    assert finding.title.startswith("nova.conf line 6: ")


def test_json_document(host: Host) -> None:
    facts, root = host("broken-nova-conf")
    document = report_to_json(build_report(facts, root), live=False)
    assert set(document) == {
        "schema",
        "verdict",
        "findings",
        "facts_source",
        "root",
        "fixes",
        "problems",
        "seconds",
    }
    fix = next(item for item in document["fixes"] if item["urgent"])
    assert set(fix) == {"id", "title", "findings", "urgent", "diff", "actions", "notes"}
    assert fix["id"] == "nova-conf-inline-comment:libvirt.virt_type"
    assert "+virt_type = kvm" in fix["diff"]
    assert "nova-log-invalid-option-value" in fix["findings"]
    linted = next(item for item in document["findings"] if item["id"] == fix["id"])
    assert linted["remedy"]["plan_fix"] == fix["id"]
    assert linted["evidence"][0]["source"] == "/etc/nova/nova.conf line 29"


SECRETS = ("Rabb1t-Report-S3cret", "Db-Report-S3cret", "Ks-Report-S3cret")


def test_no_secret_in_the_report(host: Host) -> None:
    nova = (
        f"[DEFAULT]\ntransport_url = rabbit://openstack:{SECRETS[0]}@controller # broker\n"
        f"[database]\nconnection = mysql+pymysql://nova:{SECRETS[1]}@controller/nova\n"
        f"[keystone_authtoken]\npassword = {SECRETS[2]}\npasword = {SECRETS[2]}\n"
        f"[libvirt]\nimages_type = qcow\npassword {SECRETS[2]}\n"
    )
    facts, root = host(nova=nova, log=(f"2025-03-10 ERROR x transport_url=rabbit://nova:{SECRETS[0]}@h",))
    report = build_report(facts, root)
    assert len([finding for finding in report.findings if finding.id.startswith("nova-conf-")]) >= 4
    text = json.dumps(report_to_json(report, live=False))
    for secret in SECRETS:
        assert secret not in text, secret


def test_a_line_that_is_not_utf8_is_a_problem_shown_with_escapes(host: Host) -> None:
    """oslo.config reads nova.conf as UTF-8 and stops nova at one latin-1 byte, even in a comment."""
    facts, root = host("intel-ready")
    (root / "etc/nova/nova.conf").write_bytes(BASE.encode() + b"# caf\xe9 au lait\n")
    report = build_report(facts, root)
    finding = report.diagnosis.finding("nova-conf-unparsable:line-6")
    assert finding is not None
    assert finding.status is Status.FAIL
    assert finding.title.startswith("nova.conf line 6: Not valid UTF-8: oslo.config refuses the whole file")
    assert finding.evidence[0].observed == "# caf\\xe9 au lait"
    text = json.dumps(report_to_json(report, live=False), ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogate: the JSON is valid UTF-8


def test_no_module_fix_when_the_cpu_shows_no_vt_and_nothing_says_why(host: Host) -> None:
    # intel-vt-disabled without the kernel log, CPUID and MSR that explain it: modprobe kvm_intel cannot
    # succeed (the flag is missing either way), so it is not offered; the verdict says it does not know.
    facts, root = host("intel-vt-disabled")
    unexplained = dataclasses.replace(
        facts,
        kernel_log=(),
        kernel_log_source="",
        cpuid={},
        cpuid_error="not recorded",
        msr={},
        msr_error="x",
    )
    report = build_report(unexplained, root)
    assert report.verdict.code == "unknown"
    assert "kvm-modules" not in [fix.id for fix in report.fixes]
    assert all(not command.startswith("modprobe kvm") for item in report.findings if item.remedy
               for command in item.remedy.commands)  # fmt: skip
