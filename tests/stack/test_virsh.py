"""libvirt's answers read as virsh prints them (texts recorded from libvirt 9.0), and when the probe asks nothing."""

from __future__ import annotations

import tomllib
from pathlib import Path

from wizard.commands import CommandRunner
from wizard.host.stack_probe import ask_libvirt, libvirt_sockets, libvirt_uri
from wizard.virsh import (
    Answer,
    classify_comparison,
    guest_cpu_xml,
    parse_cpu_models,
    parse_secrets,
    parse_version,
    read_answers,
)
from wizard.virsh_domcaps import parse_domain_capabilities, trim_domain_capabilities

RECORDED = tomllib.loads(
    (Path(__file__).parents[2] / "tools/libvirt_answers/debian12-x86_64.toml").read_text()
)["answers"]


def test_version_and_secrets_as_virsh_prints_them() -> None:
    versions = parse_version(RECORDED["version"]["stdout"])
    assert versions.library == (9, 0, 0)
    assert versions.hypervisor == (7, 2, 22)
    assert versions.hypervisor_name == "QEMU"
    secrets = parse_secrets(RECORDED["secret-list"]["stdout"])
    assert [(secret.uuid, secret.usage) for secret in secrets] == [
        ("457eb676-33da-42ec-9a8c-9293d545c337", "ceph client.nova secret")
    ]
    assert parse_secrets(" UUID   Usage\n---------------\n\n") == ()


def test_models_where_libvirt_keeps_no_list() -> None:
    assert parse_cpu_models("all CPU models are accepted\n\n") is None
    models = parse_cpu_models(RECORDED["cpu-models"]["stdout"])
    assert models is not None
    assert "IvyBridge" in models


def test_tcg_domain_capabilities_and_their_trimmed_copy_read_the_same() -> None:
    text = RECORDED["domcapabilities qemu"]["stdout"]
    domain = parse_domain_capabilities(text)
    assert domain is not None
    assert domain.virt_type == "qemu"
    assert domain.modes["host-passthrough"] is False
    assert domain.model_usable("pentium3") is True
    assert domain.model_usable("ivybridge") is False
    assert domain.model_usable("NoSuchModel") is None
    assert domain.tpm is True
    assert parse_domain_capabilities(trim_domain_capabilities(text)) == domain


def test_no_answer_at_all_when_version_failed() -> None:
    refused = Answer(1, "", "error: failed to connect to the hypervisor\nerror: Failed to connect socket\n")
    assert read_answers("qemu:///system", {"version": refused}) is None
    assert refused.reason == "Failed to connect socket"


def test_the_cpu_nova_compares_has_each_flag_once_lower_cased() -> None:
    xml = guest_cpu_xml("IvyBridge", ("+VMX", "pcid", "vmx", "-avx"))
    assert xml.count('name="vmx"') == 1
    assert '<feature name="pcid" policy="require"/>' in xml
    assert '<feature name="avx" policy="disable"/>' in xml
    assert "<model>IvyBridge</model>" in xml
    assert "&lt;x&gt;" in guest_cpu_xml("<x>", ())


def test_a_comparison_is_compatible_incompatible_or_an_error() -> None:
    superset = Answer(
        0, "The CPU provided by hypervisor on the host is a superset of CPU described in /dev/stdin\n"
    )
    assert classify_comparison(superset).compatible is True
    incompatible = Answer(
        1, "CPU described in /dev/stdin is incompatible with the CPU provided by hypervisor\n"
    )
    assert classify_comparison(incompatible).compatible is False
    error = Answer(
        1,
        "",
        "error: Failed to compare hypervisor CPU with /dev/stdin\nerror: internal error: Unknown CPU feature avx9\n",
    )
    judged = classify_comparison(error)
    assert judged.compatible is None
    assert judged.said == "internal error: Unknown CPU feature avx9"


def test_the_probe_asks_libvirt_only_where_it_can_answer(tmp_path: Path) -> None:
    runner = CommandRunner()
    assert ask_libvirt(runner, {"virsh": "/usr/bin/virsh"}, "x86_64", live=False).libvirt_error == (
        "not asked: not the live host"
    )
    assert "virsh is not installed" in (
        ask_libvirt(runner, {"virsh": ""}, "x86_64", live=True).libvirt_error or ""
    )
    uri = f"qemu:///system?socket={tmp_path}/libvirt-sock"
    missing = ask_libvirt(runner, {"virsh": "/usr/bin/virsh"}, "x86_64", True, {"LIBVIRT_DEFAULT_URI": uri})
    assert missing.libvirt_uri == uri
    assert missing.libvirt_error == f"not asked: libvirt is not running (no socket: {tmp_path}/libvirt-sock)"
    assert runner.history == []  # nothing was started to learn that


def test_only_nova_s_driver_is_asked() -> None:
    assert libvirt_uri({"LIBVIRT_DEFAULT_URI": "qemu:///session"}) == "qemu:///system"
    assert libvirt_uri({"LIBVIRT_DEFAULT_URI": "qemu:///system?socket=/x/s"}) == "qemu:///system?socket=/x/s"
    assert libvirt_sockets("qemu:///system?socket=/x/s") == ("/x/s",)
    assert "/run/libvirt/virtqemud-sock" in libvirt_sockets("qemu:///system")
