"""nova's swtpm_user and swtpm_group in the answers that say what to change: the node's own values are read from
nova's files ("" where none is set: libvirt's account is mirrored), and the accounts are written only with a
given vTPM choice or a given account."""

from __future__ import annotations

from pathlib import Path

from tests.plan.conftest import DemoHost
from wizard.answers import parse_answers
from wizard.host.profile import HostProfile
from wizard.plan.node import node_answers, resolve, root_reader
from wizard.plan.settings import nova_settings

LIBVIRT = ("swtpm", "swtpm")  # the accounts libvirt runs swtpm as (qemu.conf)


def accounts(root: Path, demo_host: DemoHost, text: str) -> dict[str, tuple[str, str]]:
    """The swtpm settings the answers call for on tpm2-host: option -> (value, reason's source)."""
    facts, _ = demo_host("tpm2-host")
    node = node_answers(HostProfile.from_facts(facts), root_reader(root))
    answers = resolve(parse_answers("version = 2\n" + text).answers, node)
    return {
        item.key: (str(item.value), item.reasons[0].source)
        for item in nova_settings(answers, "vmx", LIBVIRT)
        if item.key in ("swtpm_user", "swtpm_group")
    }


def test_the_node_has_no_account_of_its_own_until_nova_conf_names_one(demo_host: DemoHost) -> None:
    facts, root = demo_host("tpm2-host")
    node = node_answers(HostProfile.from_facts(facts), root_reader(root))
    assert (node.answers.tpm.swtpm_user, node.answers.tpm.swtpm_group) == ("", "")
    assert "tpm.swtpm_user" not in node.configured
    nova = root / "etc/nova/nova.conf"
    nova.write_text(nova.read_text() + "\n[libvirt]\nswtpm_user = swtpm\n")
    node = node_answers(HostProfile.from_facts(facts), root_reader(root))
    assert node.answers.tpm.swtpm_user == "swtpm"
    assert "tpm.swtpm_user" in node.configured
    assert node.origins["tpm.swtpm_user"].startswith("/etc/nova/nova.conf line ")


def test_a_given_vtpm_mirrors_libvirts_accounts_and_nothing_else_writes_them(demo_host: DemoHost) -> None:
    _, root = demo_host("tpm2-host")
    on = accounts(root, demo_host, "[tpm]\nvtpm = true\n")
    assert on == {
        "swtpm_user": ("swtpm", "host: libvirt runs swtpm as user swtpm"),
        "swtpm_group": ("swtpm", "host: libvirt runs swtpm as group swtpm"),
    }
    assert accounts(root, demo_host, '[hypervisor]\nvirt_type = "kvm"\n') == {}
    assert accounts(root, demo_host, "[tpm]\nvtpm = false\n") == {}
    named = accounts(root, demo_host, '[tpm]\nvtpm = true\nswtpm_user = "nova-tpm"\n')
    assert named["swtpm_user"] == ("nova-tpm", "answers: tpm.swtpm_user = nova-tpm")
    assert named["swtpm_group"][0] == "swtpm"
