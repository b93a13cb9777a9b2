"""The exported module (library/kvm_wizard_files.py): the wizard's code verbatim, run as Ansible runs it.

Ansible runs a WANT_JSON module as `python MODULE ARGS.json` and reads one JSON object from its output; these
tests do the same, without Ansible (tests/export/test_ansible_run.py runs it through the real ansible-playbook).
"""

from __future__ import annotations

import ast
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import wizard
from wizard.answers import parse_answers
from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.export.ansible import export_ansible
from wizard.export.ansible_files import by_flag, setting_node
from wizard.export.ansible_module import ANSIBLE_MARKERS, ENTRY, MODULE_PATH, engine_sources, module_text
from wizard.export.on_node import NodeInputError, run
from wizard.export.yaml_text import Unsafe
from wizard.plan.explain import explain_edit, plain_text
from wizard.plan.planner import make_plan

FIXTURES = Path(__file__).parent.parent / "fixtures" / "configs"
ANSWERS = """\
version = 1
[storage]
backend = "lvm"
volume_group = "nova-vg"
[nested]
enabled = true
cpu_mode = "host-model"
extra_flags = ["pcid"]
"""


def test_the_module_carries_the_engine_verbatim() -> None:
    text = module_text()
    tree = ast.parse(text)
    [engine] = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and [ast.unparse(target) for target in node.targets] == ["ENGINE"]
    ]
    carried = ast.literal_eval(engine)
    package = Path(wizard.__file__).parent.parent
    assert carried == {path: (package / path).read_text(encoding="utf-8") for path in carried}
    assert carried == engine_sources()
    assert "wizard/export/on_node.py" in carried
    assert "wizard/files/ini_syntax.py" in carried  # sample_line_pattern: the placement rule itself
    # Only what the module needs: not the planner's answers, the host's probe or the transaction.
    assert not any(path.startswith(("wizard/answers", "wizard/cli", "wizard/screens")) for path in carried)
    assert "wizard/apply/transaction.py" not in carried
    assert "wizard/host/probe.py" not in carried


def test_nothing_in_the_module_makes_ansible_take_it_for_another_kind() -> None:
    text = module_text()
    assert "WANT_JSON" in text
    assert all(marker.search(text) is None for marker in ANSIBLE_MARKERS)
    assert text.startswith("#!/usr/bin/python\n")


def module_run(tmp_path: Path, arguments: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    module = tmp_path / "kvm_wizard_files.py"
    module.write_text(module_text())
    args = tmp_path / "args.json"
    args.write_text(json.dumps(arguments))
    result = subprocess.run(
        [sys.executable, str(module), str(args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    response: dict[str, Any] = json.loads(lines[0])
    return result.returncode, response


def plain(node: object) -> object:
    """A playbook node as Ansible hands it to the module (!unsafe strings are strings)."""
    if isinstance(node, Unsafe):
        return node.text
    if isinstance(node, dict):
        return {key: plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(value) for value in node]
    return node


def test_the_module_run_as_ansible_runs_it_writes_the_wizards_bytes(tmp_path: Path) -> None:
    answers = parse_answers(ANSWERS).answers
    scenario = load_scenario("intel-ready")
    sample = gzip.decompress((FIXTURES / "nova-34.0.0.conf.sample.full.gz").read_bytes())
    wizard_root, node_root = (make_root(scenario, parent=tmp_path) for _ in range(2))
    for root in (wizard_root, node_root):
        (root / "etc/nova/nova.conf").write_bytes(sample)
    facts = load_demo_facts(scenario)
    plan = make_plan(facts, answers, wizard_root).plan
    assert plan is not None
    arguments = {
        "root": str(node_root),
        "vendor_flag": "vmx",
        "settings": [plain(setting_node(desired, flag)) for desired, flag in by_flag(answers)],
        "debian": True,
        "boot_modules": [{"name": "kvm_intel", "why": []}, {"name": "vhost_net"}],
        "nested": {"module": "kvm_intel", "enabled": True, "why": []},
        "_ansible_check_mode": True,
        "_ansible_diff": True,
    }
    status, checked = module_run(tmp_path, arguments)
    assert status == 0, checked
    assert checked["changed"] is True
    assert (node_root / "etc/nova/nova.conf").read_bytes() == sample  # check mode writes nothing
    nova = next(edit for edit in plan.edits if edit.path == "/etc/nova/nova.conf")
    [nova_diff] = [item["prepared"] for item in checked["diff"] if item["prepared"].startswith("/etc/nova/")]
    assert nova_diff == plain_text(explain_edit(nova))
    status, written = module_run(tmp_path, {**arguments, "_ansible_check_mode": False})
    assert status == 0, written
    assert written["kinds"] == ["modprobe", "modules", "nova.conf"]
    assert written["swtpm_user"] == "tss"
    for edit in plan.edits:
        assert (node_root / edit.path.lstrip("/")).read_bytes() == edit.after, edit.path
    status, again = module_run(tmp_path, {**arguments, "_ansible_check_mode": False})
    assert (status, again["changed"], again["files"]) == (0, False, [])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"settings": [{"file": "nova.cfg"}]},
            "settings[0].file: 'nova.cfg' is not one of nova.conf, glance-api.conf",
        ),
        (
            {"settings": [{"file": "nova.conf", "section": "libvirt", "option": "virt_type"}]},
            "settings[0]: no value (give one, or state: absent)",
        ),
        (
            {
                "settings": [
                    {"file": "nova.conf", "section": "libvirt", "option": "virt_type", "value": {"a": 1}}
                ]
            },
            "settings[0].value: expected a string, a number, true or false, or a list of strings",
        ),
        ({"vendor_flag": "sie"}, "vendor_flag: 'sie' is not one of vmx, svm, none"),
        ({"root": "relative/dir"}, "root: relative/dir is not an absolute path"),
        ({"debian": "yes"}, "debian: expected true or false"),
        (
            {
                "settings": [
                    {"file": "nova.conf", "section": "libvirt", "option": "virt_type", "mirror": "virt_type"}
                ]
            },
            "settings[0].mirror: only swtpm_user and swtpm_group mirror the node's qemu.conf",
        ),
    ],
)
def test_arguments_the_playbook_cannot_have_meant_are_named(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"root": str(tmp_path), **change}
    with pytest.raises(NodeInputError) as raised:
        run(arguments, check_mode=True)
    assert str(raised.value) == message


def test_the_module_refuses_unknown_options_and_an_unknown_setting(tmp_path: Path) -> None:
    status, response = module_run(tmp_path, {"root": str(tmp_path), "sections": []})
    assert (status, response["failed"]) == (1, True)
    assert response["msg"] == (
        "unknown options sections; known: root, vendor_flag, debian, settings, boot_modules, nested"
    )
    unknown = [{"file": "nova.conf", "section": "libvirt", "option": "no_such_option", "value": "x"}]
    status, response = module_run(tmp_path, {"root": str(tmp_path), "settings": unknown})
    assert status == 1
    assert response["msg"] == "nova.conf [libvirt] no_such_option: not in the bundled option schema"


def test_the_export_writes_the_module_with_the_playbook(tmp_path: Path) -> None:
    export = export_ansible(parse_answers(ANSWERS).answers)
    assert export.files()[MODULE_PATH] == module_text()
    assert ENTRY == "wizard.export.on_node"
    assert shutil.which("python3") is not None
