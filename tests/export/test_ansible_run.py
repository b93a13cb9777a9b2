"""The exported playbook run by the real ansible-playbook against demo hosts' trees gives the wizard's files.

One inventory holds two demo nodes with connection local, each with its own staging root and the facts of
its demo host (an Intel Debian host with /etc/modules, a POWER9 RHEL-family host with modules-load.d), so
three runs (apply, again, --check --diff) cover both. Each run takes a few seconds: they are shared by the
tests of this module.
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

from tests.plan.conftest import PRODUCT_ANSWERS
from wizard.answers import parse_answers
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.export.ansible import export_ansible
from wizard.plan.planner import make_plan

pytestmark = pytest.mark.slow

# One answers file valid on every node of the fleet: host-model with nested guests (vmx on Intel, svm on AMD,
# no flag on POWER, whose libvirt has no CPU features; aarch64 KVM has no host-model, so it is not in this fleet).
ANSWERS = PRODUCT_ANSWERS.replace('cpu_mode = "host-passthrough"', 'cpu_mode = "host-model"')
# What the play would read from each node's facts, were it that host: its demo host's vendor and system.
NODES = {
    "intel-ready": {
        "kvm_wizard_cpu_vendor": "intel",
        "kvm_wizard_arch": "x86_64",
        "kvm_wizard_os_family": "Debian",
    },
    "power9": {
        "kvm_wizard_cpu_vendor": "other",
        "kvm_wizard_arch": "ppc64le",
        "kvm_wizard_os_family": "RedHat",
    },
    "amd-nested-off": {
        "kvm_wizard_cpu_vendor": "amd",
        "kvm_wizard_arch": "x86_64",
        "kvm_wizard_os_family": "Debian",
    },
}
PLAYBOOK = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent))
STATE = ("var/lib/kvm-wizard", "var/log/kvm-wizard.log")


@dataclass(frozen=True)
class Runs:
    wizard: dict[str, Path]  # node -> tree the wizard applied to
    ansible: dict[str, Path]  # node -> tree the playbook applied to
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    check: subprocess.CompletedProcess[str]


def ansible_playbook(directory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert PLAYBOOK is not None, (
        "ansible-playbook is not installed in the project venv (the test extra has it)"
    )
    environment = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
    environment["ANSIBLE_LOCAL_TEMP"] = str(directory / "tmp")
    return subprocess.run(
        [
            PLAYBOOK,
            "-i",
            "inventory.ini",
            "site.yml",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            *extra,
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def files(root: Path) -> dict[str, bytes]:
    found = {}
    for item in root.rglob("*"):
        relative = item.relative_to(root).as_posix()
        if item.is_file() and not relative.startswith(STATE):
            found[relative] = item.read_bytes()
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("ansible")
    answers = parse_answers(ANSWERS).answers
    wizard_roots: dict[str, Path] = {}
    ansible_roots: dict[str, Path] = {}
    lines = ["[compute]"]
    for name, facts_vars in NODES.items():
        scenario = load_scenario(name)
        wizard_root = make_root(scenario, parent=base)
        facts = dataclasses.replace(load_demo_facts(scenario), root=str(wizard_root))
        outcome = make_plan(facts, answers, wizard_root)
        assert outcome.plan is not None, outcome.problems
        result = apply_plan(outcome.plan, wizard_root, runner=CommandRunner())
        assert result.ok, result.describe()
        wizard_roots[name] = wizard_root
        ansible_roots[name] = make_root(scenario, parent=base)
        host_vars = {"ansible_connection": "local", "kvm_wizard_root": str(ansible_roots[name]), **facts_vars}
        lines.append(name + "".join(f" {key}={value}" for key, value in host_vars.items()))
    export = export_ansible(answers)
    (base / "site.yml").write_text(export.playbook)
    (base / "inventory.ini").write_text("\n".join(lines) + "\n")
    first = ansible_playbook(base)
    second = ansible_playbook(base)
    check = ansible_playbook(base, "--check", "--diff")
    return Runs(wizard_roots, ansible_roots, first, second, check)


def recap(run: subprocess.CompletedProcess[str], node: str) -> dict[str, int]:
    match = re.search(rf"^{re.escape(node)}\s*:\s*(.*)$", run.stdout, re.MULTILINE)
    assert match, run.stdout + run.stderr
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


@pytest.mark.parametrize("node", NODES)
def test_the_playbook_writes_exactly_the_wizards_files(runs: Runs, node: str) -> None:
    assert runs.first.returncode == 0, runs.first.stdout[-4000:] + runs.first.stderr
    assert recap(runs.first, node)["failed"] == 0
    wizard, ansible = files(runs.wizard[node]), files(runs.ansible[node])
    assert sorted(ansible) == sorted(wizard)
    different = [path for path in wizard if wizard[path] != ansible[path]]
    assert different == [], different


def test_the_vendor_decisions_follow_each_node(runs: Runs) -> None:
    intel = (runs.ansible["intel-ready"] / "etc/nova/nova.conf").read_text()
    assert "\ncpu_model_extra_flags = vmx\n" in intel
    amd = (runs.ansible["amd-nested-off"] / "etc/nova/nova.conf").read_text()
    assert "\ncpu_model_extra_flags = svm\n" in amd
    power = (runs.ansible["power9"] / "etc/nova/nova.conf").read_text()
    assert "\ncpu_model_extra_flags =" not in power  # only the commented sample line
    assert (
        runs.ansible["intel-ready"] / "etc/modprobe.d/kvm.conf"
    ).read_text() == "options kvm_intel nested=1\n"
    assert (
        "options kvm_amd nested=1\n"
        in (runs.ansible["amd-nested-off"] / "etc/modprobe.d/kvm.conf").read_text()
    )
    assert "options kvm_hv nested=1\n" in (runs.ansible["power9"] / "etc/modprobe.d/kvm.conf").read_text()
    assert (runs.ansible["power9"] / "etc/modules-load.d/kvm.conf").read_text().endswith("\nvhost_net\n")


@pytest.mark.parametrize("node", NODES)
def test_a_second_run_changes_nothing(runs: Runs, node: str) -> None:
    assert runs.second.returncode == 0, runs.second.stdout[-4000:] + runs.second.stderr
    assert recap(runs.second, node)["changed"] == 0


@pytest.mark.parametrize("node", NODES)
def test_check_and_diff_after_it_show_nothing(runs: Runs, node: str) -> None:
    assert runs.check.returncode == 0, runs.check.stdout[-4000:] + runs.check.stderr
    assert recap(runs.check, node)["changed"] == 0
    assert "--- before" not in runs.check.stdout
    assert "+++ after" not in runs.check.stdout


def test_nothing_acts_on_the_running_system_under_a_staging_root(runs: Runs) -> None:
    for task in ("Load the modules now", "Install tpm2-tools", "Look at /dev/kvm"):
        section = runs.first.stdout.split(f"TASK [{task}]", 1)[1].split("TASK [", 1)[0]
        assert "skipping" in section, section
        assert "ok:" not in section, section
        assert "changed:" not in section, section
