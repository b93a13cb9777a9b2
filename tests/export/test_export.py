"""The Ansible export without running Ansible: a view of the planner, refusing what the wizard refuses."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest

from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.answers import Answers, TpmAnswers, parse_answers
from wizard.demo import load_demo_facts, load_scenario, scenario_names
from wizard.export.ansible import export_ansible
from wizard.export.ansible_module import MODULE_NAME
from wizard.export.ansible_vars import PACKAGES, play_vars
from wizard.host.facts import FileRead
from wizard.host.profile import HostProfile
from wizard.plan.desired import Desired
from wizard.plan.model import Reason
from wizard.plan.settings import nova_settings, vendor_flag
from wizard.tpm.tools import firmware_install

# PyYAML (which ansible brings) ships no type information and its stubs are not a test dependency.
yaml: Any = importlib.import_module("yaml")
ENTRY = "import sys; from wizard.cli import main; sys.exit(main(sys.argv[1:]))"
SWTPM = ("swtpm_user", "swtpm_group")


class PlaybookLoader(yaml.SafeLoader):  # type: ignore[misc]
    """Reads what Ansible reads; !unsafe values come back as plain strings."""


PlaybookLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def play(text: str) -> dict[str, Any]:
    loaded = yaml.load(text, Loader=PlaybookLoader)
    assert isinstance(loaded, list)
    assert len(loaded) == 1
    result: dict[str, Any] = loaded[0]
    return result


def settings(text: str) -> list[dict[str, Any]]:
    """The settings the playbook gives its module, as Ansible reads them."""
    [task] = [task for task in play(text)["tasks"] if MODULE_NAME in task]
    found: list[dict[str, Any]] = task[MODULE_NAME]["settings"]
    return found


def as_desired(item: dict[str, Any]) -> Desired:
    value = item.get("value")
    return Desired(
        item["file"],
        item["section"],
        item["option"],
        tuple(value) if isinstance(value, list) else value,
        tuple(Reason(reason["text"], reason["source"]) for reason in item["why"]),
        tuple(item.get("also_unset", ())),
    )


def test_the_play_targets_group_compute_and_gives_every_setting_of_the_planner() -> None:
    answers = parse_answers(PRODUCT_ANSWERS).answers
    text = export_ansible(answers).playbook
    assert play(text)["hosts"] == "{{ kvm_wizard_hosts | default('compute') }}"
    for flag, value in (("vmx", "vmx"), ("svm", "svm"), ("none", None)):
        given = [as_desired(item) for item in settings(text) if item.get("vendor_flag", flag) == flag]
        # the answers keys a value is made of stay with the export (ExportError), not in the playbook
        assert given == [dataclasses.replace(item, keys=()) for item in nova_settings(answers, value)]


def test_the_vendor_flag_is_chosen_on_each_node() -> None:
    text = export_ansible(
        parse_answers(
            PRODUCT_ANSWERS.replace("host-passthrough", "host-model").replace(
                "extra_flags = []", 'extra_flags = ["pcid"]'
            )
        ).answers
    ).playbook
    flags = {
        item.get("vendor_flag"): item["value"]
        for item in settings(text)
        if item["option"] == "cpu_model_extra_flags"
    }
    assert flags == {"vmx": ["pcid", "vmx"], "svm": ["pcid", "svm"], "none": ["pcid"]}


def test_swtpm_accounts_left_to_libvirt_are_each_nodes_own() -> None:
    answers = parse_answers(
        PRODUCT_ANSWERS.replace("vtpm = false", 'vtpm = true\nswtpm_group = "swtpm"')
    ).answers
    items = settings(export_ansible(answers).playbook)
    user, group = (next(item for item in items if item["option"] == name) for name in SWTPM)
    assert user == {"file": "nova.conf", "section": "libvirt", "option": "swtpm_user", "mirror": "swtpm_user"}
    assert group["value"] == "swtpm"
    assert [item["option"] for item in items][-3:] == ["swtpm_enabled", *SWTPM]


def test_a_path_that_looks_like_a_template_is_never_expanded() -> None:
    answers = parse_answers(
        PRODUCT_ANSWERS.replace(
            "[ceph_download]\nenabled = false", "[ceph_download]\nenabled = true"
        ).replace(
            'ceph_conf = "/etc/ceph/ceph.conf"\nconnect_timeout',
            "ceph_conf = \"/etc/{{ lookup('pipe', 'id') }}.conf\"\nconnect_timeout",
        )
    ).answers
    text = export_ansible(answers).playbook
    assert "value: !unsafe \"/etc/{{ lookup('pipe', 'id') }}.conf\"" in text
    assert (
        "source: !unsafe \"answers: ceph_download.ceph_conf = /etc/{{ lookup('pipe', 'id') }}.conf\"" in text
    )


def resolve(name: str, facts: dict[str, Any]) -> str:
    """A play variable as Ansible would template it for a node with these facts (plain Jinja suffices)."""
    variables = play_vars(parse_answers(PRODUCT_ANSWERS).answers)
    environment = jinja2.Environment(autoescape=False)  # noqa: S701 - not HTML

    def value(key: str) -> Any:
        raw = variables[key]
        assert isinstance(raw, str)
        context = {"ansible_facts": facts}
        for other in ("kvm_wizard_node_arch", "kvm_wizard_node_cpu_vendor"):
            if other != key and other in raw:
                context[other] = value(other)
        return environment.from_string(raw).render(context)

    return str(value(name))


@pytest.mark.parametrize("name", scenario_names())
def test_the_nodes_choices_match_the_wizards_for_every_demo_host(name: str) -> None:
    facts = load_demo_facts(load_scenario(name))
    profile = HostProfile.from_facts(facts)
    ansible_facts = {
        "architecture": profile.platform.machine,
        "processor": ["0", profile.platform.vendor_id, "CPU"],
    }
    assert resolve("kvm_wizard_vt_flag", ansible_facts) == (vendor_flag(profile) or "")
    assert resolve("kvm_wizard_nested_module", ansible_facts) == (profile.nested_module or "")
    assert resolve("kvm_wizard_kvm_module", ansible_facts) == (profile.vendor_modules or ("kvm",))[0]


def export(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    answers = tmp_path / "answers.toml"
    answers.write_text(text)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            ENTRY,
            "export",
            "ansible",
            "--answers",
            str(answers),
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_command_writes_the_playbook_and_keeps_an_edited_inventory(tmp_path: Path) -> None:
    first = export(tmp_path, PRODUCT_ANSWERS)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "out/site.yml").read_text().startswith("# kvm-wizard ")
    inventory = tmp_path / "out/inventory.ini"
    assert "[compute]" in inventory.read_text()
    assert "# localhost ansible_connection=local" in inventory.read_text()
    inventory.write_text("[compute]\nnode-7\n")
    again = export(tmp_path, PRODUCT_ANSWERS)
    assert again.returncode == 0
    assert "kept your" in again.stdout
    assert inventory.read_text() == "[compute]\nnode-7\n"


def test_bad_answers_are_refused_with_the_wizards_messages(tmp_path: Path) -> None:
    text = 'version = 1\n[storage]\nbackend = "qcow"\n[nested]\ncpu_mode = "custom"\n'
    result = export(tmp_path, text)
    assert result.returncode == 1
    plan = subprocess.run(
        [
            sys.executable,
            "-c",
            ENTRY,
            "plan",
            "--demo",
            "intel-ready",
            "--answers",
            str(tmp_path / "answers.toml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert plan.returncode == 1
    assert result.stderr == plan.stderr
    assert "storage.backend: 'qcow' is not allowed" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_newer_answers_version_is_unusable_input(tmp_path: Path) -> None:
    result = export(tmp_path, "version = 9\n")
    assert result.returncode == 2
    assert "written by a newer kvm-wizard" in result.stderr


@pytest.mark.parametrize(
    ("manager", "ansible_manager"), [("apt-get", "apt"), ("dnf", "dnf"), ("zypper", "zypper")]
)
@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_guests_firmware_is_the_package_the_wizard_installs(
    manager: str, ansible_manager: str, arch: str
) -> None:
    """Each node installs its distribution's UEFI firmware for guests that require Secure Boot, by name as the
    wizard's own plan does (wizard.tpm.tools)."""
    facts = dataclasses.replace(
        load_demo_facts(load_scenario("intel-ready")),
        executables={manager: f"/usr/bin/{manager}"},
        files={"/etc/os-release": FileRead(content="ID=unknown\n")},
    )
    install = firmware_install(facts, arch)
    assert install is not None
    rendered = jinja2.Environment(autoescape=False).from_string("{{ " + PACKAGES["uefi-firmware"] + " }}")  # noqa: S701 - not HTML
    shown = rendered.render(kvm_wizard_node_pkg_mgr=ansible_manager, kvm_wizard_node_arch=arch)
    assert shown == str(list(install.packages))
    answers = Answers(tpm=TpmAnswers(vtpm=True, secure_boot=True))
    assert "kvm_wizard_packages['uefi-firmware']" in export_ansible(answers).playbook
