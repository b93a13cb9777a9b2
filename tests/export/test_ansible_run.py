"""The exported playbooks, run by the real ansible-playbook on real nova.conf files, make the wizard's bytes.

The fleet (tests/export/fleet.py): every real file of tests/fixtures/configs as nova.conf, for every backend x
CPU mode x vendor of the wizard's matrix, Glance API nodes, and nodes whose facts differ. One inventory, and one
ansible-playbook run per phase over all of them (in parallel forks):
- --check --diff on untouched nodes (each file with each vendor, and every node outside the matrix): the
  wizard's plan of each node, and nothing written;
- the run, with --diff: every node shows the wizard's plan of it and gets the bytes of `kvm-wizard apply` on a
  copy (the module shows the same diff in check mode and out of it: it is made before anything is written);
- a second run: nothing changes.
The runs are shared by the tests of this module; the wizard's side is computed while the first one runs.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.export.fleet import (
    CHANGES,
    CONFIGURED,
    NOVA_CONF,
    NOVA_FILES,
    Node,
    NodeSpec,
    apply_wizard,
    files,
    fleet,
    make_node,
    write_plays,
)
from wizard.answers import Answers, TpmAnswers, parse_answers
from wizard.demo import load_demo_facts, load_scenario
from wizard.export.ansible import VERIFY_INSTALLS, export_ansible
from wizard.plan.planner import make_plan

pytestmark = pytest.mark.slow

PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
FILES_TASK = "The files say what the answers want"
SPECS = {spec.name: spec for spec in fleet()}
# Run in check mode too: every file with each vendor (in turn through the backends and modes), every other node.
CHECKED = [
    name
    for name, spec in SPECS.items()
    if not name.startswith(tuple(f"{file}-" for file in NOVA_FILES))
    or name.endswith(("-lvm-host-model-intel", "-qcow2-custom-amd"))
]
REASON = re.compile(r"^    #( why: |      )")  # the reasons under a change: prose, not the diff's hunks


@dataclass(frozen=True)
class Runs:
    nodes: dict[str, Node]
    check: subprocess.CompletedProcess[str]
    checked: dict[str, dict[str, bytes]]  # the files of the nodes in CHECKED after --check --diff
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]


def node_python() -> str:
    """The nodes' Python: this system's python3, as on a real node (the module needs nothing installed), when
    it is recent enough for kvm-wizard's code; else the one running the tests."""
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is not None:
        version = subprocess.run(
            [system, "-c", "import sys; print(sys.version_info >= (3, 11))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if version.stdout.strip() == "True":
            return system
    return sys.executable


def start_playbook(directory: Path, playbook: str, *extra: str) -> subprocess.Popen[str]:
    assert PLAYBOOK.exists(), "ansible-playbook is not installed in the project venv (the test extra has it)"
    environment = dict(
        os.environ,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCAL_TEMP=str(directory / "tmp"),
        ANSIBLE_HOME=str(directory / "home"),
    )
    return subprocess.Popen(
        [str(PLAYBOOK), "-i", "inventory.ini", playbook, "--forks", "8", *extra],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=900)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def ansible_playbook(directory: Path, playbook: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return finished(start_playbook(directory, playbook, *extra))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("fleet")
    nodes = {name: make_node(spec, base) for name, spec in SPECS.items()}
    write_plays(list(nodes.values()), base, node_python())
    checking = start_playbook(base, "site.yml", "--check", "--diff", "--limit", ",".join(CHECKED))
    try:
        for node in nodes.values():  # meanwhile, on the other copies
            apply_wizard(node)
    finally:
        check = finished(checking)
    checked = {name: files(nodes[name].ansible_root) for name in CHECKED}
    first = ansible_playbook(base, "site.yml", "--diff")
    second = ansible_playbook(base, "site.yml")
    return Runs(nodes, check, checked, first, second)


def recap(run: subprocess.CompletedProcess[str], node: str) -> dict[str, int]:
    match = re.search(rf"^{re.escape(node)}\s*:\s*(.*)$", run.stdout, re.MULTILINE)
    assert match, run.stdout[-4000:] + run.stderr[-4000:]
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def shown_diffs(run: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """What --diff showed of each node's files: the lines above its `changed: [NODE]` in the files task."""
    shown: dict[str, str] = {}
    for section in re.split(
        r"^(?=TASK \[|RUNNING HANDLER \[|PLAY \[|PLAY RECAP)", run.stdout, flags=re.MULTILINE
    ):
        if not section.startswith(f"TASK [{FILES_TASK}"):
            continue
        pending: list[str] = []
        for line in section.splitlines()[1:]:
            result = re.fullmatch(r"(changed|ok): \[([^\]]+)\]", line)
            if result:
                shown[result.group(2)] = "\n".join(pending).strip("\n")
                pending = []
            else:
                pending.append(line)
    return shown


def hunks(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not REASON.match(line)]


def assert_shows_the_plan(run: subprocess.CompletedProcess[str], node: Node) -> None:
    shown = shown_diffs(run)[node.spec.name]
    assert hunks(shown) == hunks(node.explained)
    if node.spec.x86:  # the reasons too (off x86 the modules' reason names the vendor in Ansible's words)
        assert shown == node.explained.strip("\n")


@pytest.mark.parametrize("name", CHECKED)
def test_check_and_diff_show_the_wizards_plan_of_the_node_and_write_nothing(runs: Runs, name: str) -> None:
    assert runs.check.returncode == 0, runs.check.stdout[-6000:] + runs.check.stderr[-3000:]
    node = runs.nodes[name]
    assert runs.checked[name] == node.before
    assert recap(runs.check, name)["changed"] == 1
    assert_shows_the_plan(runs.check, node)


@pytest.mark.parametrize("name", SPECS)
def test_the_playbook_shows_the_wizards_plan_and_writes_exactly_its_files(runs: Runs, name: str) -> None:
    assert runs.first.returncode == 0, runs.first.stdout[-6000:] + runs.first.stderr[-3000:]
    assert recap(runs.first, name)["failed"] == 0
    node = runs.nodes[name]
    assert_shows_the_plan(runs.first, node)
    written = files(node.ansible_root)
    assert sorted(written) == sorted(node.after)
    different = [path for path in node.after if node.after[path] != written[path]]
    assert different == [], different


@pytest.mark.parametrize("name", SPECS)
def test_a_second_run_changes_nothing(runs: Runs, name: str) -> None:
    assert runs.second.returncode == 0, runs.second.stdout[-6000:] + runs.second.stderr[-3000:]
    assert recap(runs.second, name)["changed"] == 0


def test_help_text_keeps_its_examples_and_values_go_to_their_sample_lines(runs: Runs) -> None:
    """The issue's case: nova's generated sample, whose help text has indented examples of the options."""
    text = (runs.nodes["nova34-lvm-host-model-intel"].ansible_root / NOVA_CONF).read_text()
    before = runs.nodes["nova34-lvm-host-model-intel"].before[NOVA_CONF].decode()
    for example in (
        "#     cpu_mode = custom\n",
        "#     cpu_model_extra_flags = -PDPE1GB, +VMX, pcid\n",
        "#     cpu_model_extra_flags = -hle, -rtm, +ssbd, mtrr\n",
        "# LVM Volume Group that is used for VM images, when you specify images_type=lvm\n",
    ):
        assert text.count(example) == before.count(example) > 0, example
    for option, value in (
        ("cpu_model_extra_flags", "pcid,vmx"),
        ("images_type", "lvm"),
        ("cpu_mode", "host-model"),
    ):
        sample = re.search(rf"^#{option} =.*$", before, re.MULTILINE)
        assert sample is not None
        assert text.splitlines().index(f"{option} = {value}") == before.splitlines().index(sample.group())


def test_each_node_gets_its_own_vendor_distribution_and_module_file(runs: Runs) -> None:
    def read(name: str, path: str) -> str:
        return (runs.nodes[name].ansible_root / path).read_text()

    assert "\ncpu_model_extra_flags = pcid,vmx\n" in read("kolla-qcow2-host-model-intel", NOVA_CONF)
    assert "\ncpu_model_extra_flags = pcid,svm\n" in read("kolla-qcow2-host-model-amd", NOVA_CONF)
    assert "options kvm_intel nested=1\n" in read("kolla-qcow2-host-model-intel", "etc/modprobe.d/kvm.conf")
    assert "options kvm_amd nested=1\n" in read("kolla-qcow2-host-model-amd", "etc/modprobe.d/kvm.conf")
    assert "\nkvm_amd\n" in read("kolla-qcow2-host-model-amd", "etc/modules")
    rocky = runs.nodes["rocky-amd-modules-load-d"].ansible_root
    assert "kvm_amd" not in (rocky / "etc/modules").read_text() if (rocky / "etc/modules").exists() else True
    assert read("rocky-amd-modules-load-d", "etc/modules-load.d/kvm.conf").endswith("kvm_amd\nvhost_net\n")
    assert "\ncpu_model_extra_flags = svm\n" in read("rocky-amd-modules-load-d", NOVA_CONF)
    power = read("rhel-power9", NOVA_CONF)
    assert "\ncpu_model_extra_flags =" not in power  # only the commented sample line
    assert "options kvm_hv nested=1\n" in read("rhel-power9", "etc/modprobe.d/kvm.conf")
    assert read("rhel-power9", "etc/modules-load.d/kvm.conf").endswith("\nvhost_net\n")


def test_nothing_acts_on_the_running_system_under_a_staging_root(runs: Runs) -> None:
    for run in (runs.check, runs.first, runs.second):
        assert "TASK [Under a staging root the play ends here for the node" in run.stdout
        for task in (
            "Load the modules now",
            "Install tpm2-tools",
            "Restart nova-compute",
            "Look at /dev/kvm",
        ):
            assert f"TASK [{task}]" not in run.stdout


def test_facts_are_gathered_only_where_the_inventory_does_not_give_them(runs: Runs) -> None:
    gathered = [
        name
        for section in runs.first.stdout.split("TASK [Gather the node's facts]")[1:]
        for name in re.findall(r"^ok: \[([^\]]+)\]", section.split("TASK [", 1)[0], re.MULTILINE)
    ]
    assert gathered == [name for name, spec in SPECS.items() if not spec.host_vars]


def verify_installs(tmp_path: Path, answers: Answers, account: str) -> subprocess.CompletedProcess[str]:
    """The exported verification of what the play installs, run for real on this machine (it only asks:
    `tpm2_getrandom --version`, `swtpm --version`, `getent`), as the play includes it after the installs."""
    export = export_ansible(answers)
    (tmp_path / "tasks").mkdir()
    (tmp_path / VERIFY_INSTALLS).write_text(export.tasks[VERIFY_INSTALLS])
    (tmp_path / "inventory.ini").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
    )
    (tmp_path / "verify.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    kvm_wizard_files:\n"
        f"      swtpm_user: {account}\n      swtpm_group: {account}\n"
        f"  tasks:\n    - ansible.builtin.include_tasks: {VERIFY_INSTALLS}\n"
    )
    return ansible_playbook(tmp_path, "verify.yml")


def test_what_the_play_installs_it_verifies(tmp_path: Path) -> None:
    """./check installs swtpm, swtpm-tools and tpm2-tools here, and with them the tss account."""
    answers = Answers(tpm=TpmAnswers(install_tools=True, vtpm=True))
    result = verify_installs(tmp_path, answers, "tss")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r'"msg": "tpm2-tools \d+\.\d+', result.stdout), result.stdout


def test_a_missing_swtpm_account_fails_the_verification_with_its_name(tmp_path: Path) -> None:
    answers = parse_answers("version = 1\n[tpm]\nvtpm = true\ninstall_tools = false\n").answers
    result = verify_installs(tmp_path, answers, "kvm-wizard-nobody")
    assert result.returncode != 0
    assert "libvirt runs swtpm as user kvm-wizard-nobody and group kvm-wizard-nobody" in result.stdout
    assert "this node has no user or group: guests with a vTPM would not start" in result.stdout
    assert "tpm2-tools" not in result.stdout


def test_a_node_whose_nova_compute_runs_in_kolla_ansibles_container_is_refused_as_the_wizard_refuses(
    tmp_path: Path,
) -> None:
    """kvm-wizard edits no file nothing reads (/etc/nova/nova.conf there) or that kolla-ansible writes again: the
    play fails on that node with the wizard's own words, and changes none of its files. (The module runs no
    command: under a staging root, as the wizard's probe there, it does not ask docker whether the container
    runs, so the wizard is given the same facts.)"""
    spec = NodeSpec(
        "kolla-container", "kolla-compute", parse_answers(CHANGES).answers, {}, CONFIGURED["kolla-compute"]
    )
    node = make_node(spec, tmp_path)
    facts = load_demo_facts(load_scenario(spec.scenario))
    asked = {key: run for key, run in facts.commands.items() if key not in ("docker ps", "podman ps")}
    facts = dataclasses.replace(facts, root=str(node.wizard_root), commands=asked)
    outcome = make_plan(facts, spec.answers, node.wizard_root)
    assert outcome.refused
    write_plays([node], tmp_path, node_python())
    result = ansible_playbook(tmp_path, "site.yml")
    assert recap(result, spec.name)["failed"] == 1
    shown = " ".join(result.stdout.split())
    for refusal in outcome.refused:
        assert " ".join(refusal.message.split()) in shown
    assert files(node.ansible_root) == node.before
