"""A fleet of staging roots for the exported playbooks, and what `kvm-wizard apply` makes of each of them.

Each node is a demo host's tree with a real configuration file as its nova.conf (and, on a Glance API node, as
its glance-api.conf): for every file, every backend x CPU mode x vendor of the wizard's own matrix
(tests/plan/matrix.py); Glance API nodes; nodes whose facts differ from the matrix's (an AMD Rocky node with
modules-load.d, a POWER9 RHEL node); the configured demo hosts, whose nova-compute reads more than nova.conf
(Debian's nova-compute.conf, RDO's nova.conf.d) or runs in kolla-ansible's container, with answers that say
what to change; and this machine with its facts gathered by Ansible. Nodes with the same answers share one
export and one inventory group; a top playbook imports every export for its group.

What the wizard's facts say of the running kernel and processes (/proc/cmdline, the nested parameters, the
nova-compute process) is written into both copies of a node, where the probe would read it under the root and
where the module reads it: the staging tree is then the image of the node the wizard planned for.
"""

from __future__ import annotations

import dataclasses
import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.plan.matrix import MATRIX, VENDORS, matrix_answers, nested_answers
from wizard.answers import Answers, CephDownloadAnswers, NestedAnswers, StorageAnswers, parse_answers
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.export.ansible import export_ansible
from wizard.host.facts import HostFacts
from wizard.plan.explain import explain_edit, plain_text
from wizard.plan.planner import make_plan

FIXTURES = Path(__file__).parent.parent / "fixtures" / "configs"
NOVA_FILES = {
    "nova34": "nova-34.0.0.conf.sample.full.gz",  # the generated sample nova's schema is made from
    "nova26": "nova-26.2.2.conf.sample.full.gz",  # the same for Debian 12's nova
    "debian": "nova-common.usr-share.nova.conf.gz",  # what Debian 12 installs as /etc/nova/nova.conf
    "crlf": "nova-common.usr-share.nova.conf.crlf.gz",
    "devstack": "devstack-nova-cpu.conf",
    "kolla": "kolla-nova-compute-nova.conf",
    "repeated": "kolla-nova-compute-nova.conf.repeated",
}
GLANCE_FILES = {
    "glance33": ("glance-api-33.0.0.conf.sample.gz", "nova34"),
    "glancedeb": ("glance-common.usr-share.glance-api.conf.gz", "debian"),
}
NOVA_CONF = "etc/nova/nova.conf"
GLANCE_API_CONF = "etc/glance/glance-api.conf"
STATE = ("var/lib/kvm-wizard", "var/log/kvm-wizard.log")
# What the inventory says of each kind of node, were it that host (the play reads them instead of facts).
X86_DEBIAN = {"kvm_wizard_arch": "x86_64", "kvm_wizard_os_family": "Debian"}
CONFIGURED = {
    "debian-qemu-override": {"kvm_wizard_cpu_vendor": "amd", **X86_DEBIAN},
    "rdo-nova-conf-d": {
        "kvm_wizard_cpu_vendor": "amd",
        "kvm_wizard_arch": "x86_64",
        "kvm_wizard_os_family": "RedHat",
    },
    "lvm-custom-cpu": {"kvm_wizard_cpu_vendor": "intel", **X86_DEBIAN},
    "kolla-compute": {"kvm_wizard_cpu_vendor": "intel", **X86_DEBIAN},
}
CHANGES = """\
version = 2
[hypervisor]
virt_type = "kvm"
[nested]
enabled = true
cpu_mode = "host-model"
cpu_models = []
extra_flags = []
"""
NESTED_OFF = """\
version = 2
[nested]
enabled = false
cpu_mode = "host-passthrough"
cpu_models = []
extra_flags = []
"""


@dataclass(frozen=True)
class NodeSpec:
    name: str
    scenario: str
    answers: Answers
    files: dict[str, str]  # path under the root -> fixture
    host_vars: dict[str, str]
    x86: bool = True


@dataclass
class Node:
    spec: NodeSpec
    wizard_root: Path  # what `kvm-wizard apply` made of it
    ansible_root: Path  # what the playbook makes of it
    before: dict[str, bytes]  # every file of the node, before anything ran
    explained: str = ""  # the wizard's plan of the node's files, as `kvm-wizard plan` shows them
    after: dict[str, bytes] = field(default_factory=dict)  # the wizard's files after its apply


def vendor_vars(vendor: str) -> dict[str, str]:
    return {"kvm_wizard_cpu_vendor": vendor, **X86_DEBIAN}


def this_machine() -> tuple[str, dict[str, str]] | None:
    """The demo host that is this machine as Ansible sees it (x86, Debian's family: /etc/modules), or None on
    another kind of machine; the play gathers its facts itself (nothing given in the inventory)."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        release = Path("/etc/os-release").read_text()
    except OSError:
        return None
    vendor = re.search(r"^vendor_id\s*:\s*(\S+)", cpuinfo, re.MULTILINE)
    family = re.search(r"^ID(?:_LIKE)?=\"?(?:[a-z ]* )?(debian|ubuntu)", release, re.MULTILINE)
    if vendor is None or family is None:
        return None
    kinds = {"GenuineIntel": "intel", "AuthenticAMD": "amd"}
    kind = kinds.get(vendor.group(1))
    return (VENDORS[kind], {}) if kind is not None else None


def fleet() -> list[NodeSpec]:
    specs: list[NodeSpec] = []
    for file, fixture in NOVA_FILES.items():
        for backend, cpu_mode, vendor in MATRIX:
            specs.append(
                NodeSpec(
                    f"{file}-{backend}-{cpu_mode}-{vendor}",
                    VENDORS[vendor],
                    matrix_answers(backend, cpu_mode, vendor),
                    {NOVA_CONF: fixture},
                    vendor_vars(vendor),
                )
            )
    glance_answers = Answers(
        nested=nested_answers("host-passthrough", "intel"),
        ceph_download=CephDownloadAnswers(enabled=True, glance_api_node=True),
    )
    for name, (fixture, nova) in GLANCE_FILES.items():
        specs.append(
            NodeSpec(
                f"{name}-glance-api-node",
                "intel-ready",
                glance_answers,
                {NOVA_CONF: NOVA_FILES[nova], GLANCE_API_CONF: fixture},
                vendor_vars("intel"),
            )
        )
    # Nodes unlike the exporting host: another distribution and module file, another architecture.
    other = Answers(
        storage=StorageAnswers(backend="flat"), nested=NestedAnswers(enabled=True, cpu_mode="host-model")
    )
    specs.append(
        NodeSpec(
            "rocky-amd-modules-load-d",
            "amd-modules-missing",
            other,
            {NOVA_CONF: NOVA_FILES["nova26"]},
            {"kvm_wizard_cpu_vendor": "amd", "kvm_wizard_arch": "x86_64", "kvm_wizard_os_family": "RedHat"},
        )
    )
    specs.append(
        NodeSpec(
            "rhel-power9",
            "power9",
            other,
            {NOVA_CONF: NOVA_FILES["nova34"]},
            {
                "kvm_wizard_cpu_vendor": "other",
                "kvm_wizard_arch": "ppc64le",
                "kvm_wizard_os_family": "RedHat",
            },
            x86=False,
        )
    )
    # Configured nodes, with answers that say what to change (every other key keeps each node's value).
    changes = parse_answers(CHANGES).answers
    for scenario in ("debian-qemu-override", "rdo-nova-conf-d", "lvm-custom-cpu"):
        specs.append(NodeSpec(f"configured-{scenario}", scenario, changes, {}, CONFIGURED[scenario]))
    specs.append(
        NodeSpec(
            "nested-off-intel",
            "intel-ready",
            parse_answers(NESTED_OFF).answers,
            {NOVA_CONF: NOVA_FILES["nova34"]},
            vendor_vars("intel"),
        )
    )
    machine = this_machine()
    if machine is not None:
        scenario, host_vars = machine
        specs.append(
            NodeSpec(
                "this-machine-facts-gathered", scenario, other, {NOVA_CONF: NOVA_FILES["debian"]}, host_vars
            )
        )
    return specs


def files(root: Path) -> dict[str, bytes]:
    """Every file under a node's root but the wizard's own state."""
    found = {}
    for item in root.rglob("*"):
        relative = item.relative_to(root).as_posix()
        if item.is_file() and not item.is_symlink() and not relative.startswith(STATE):
            found[relative] = item.read_bytes()
    return found


def fixture_bytes(name: str) -> bytes:
    data = (FIXTURES / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


def running_state(root: Path, facts: HostFacts) -> None:
    """What the facts say of the running kernel and processes, where the probe reads it under a root."""
    kept = [path for path in facts.files if path == "/proc/cmdline" or path.endswith("/parameters/nested")]
    for path in kept:
        text = facts.text(path)
        if text is not None:
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    for process in facts.processes or ():
        directory = root / "proc" / str(process.pid)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "cmdline").write_bytes(b"".join(part.encode() + b"\0" for part in process.argv))
        (directory / "cgroup").write_text(process.cgroup + "\n")


def make_node(spec: NodeSpec, base: Path) -> Node:
    """The node's two copies: one for the wizard, one for the playbook."""
    scenario = load_scenario(spec.scenario)
    facts = load_demo_facts(scenario)
    roots = []
    for _ in range(2):
        root = make_root(scenario, parent=base)
        for path, fixture in spec.files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(fixture_bytes(fixture))
        running_state(root, facts)
        roots.append(root)
    return Node(spec, roots[0], roots[1], files(roots[1]))


def apply_wizard(node: Node) -> None:
    """The wizard's plan of the node (explained, as `kvm-wizard plan` shows it) and its apply on its copy."""
    spec = node.spec
    facts = dataclasses.replace(load_demo_facts(load_scenario(spec.scenario)), root=str(node.wizard_root))
    outcome = make_plan(facts, spec.answers, node.wizard_root)
    assert outcome.ok, (spec.name, outcome.problems)
    assert outcome.plan is not None
    node.explained = "".join(plain_text(explain_edit(edit)) for edit in outcome.plan.edits)
    result = apply_plan(outcome.plan, node.wizard_root, runner=CommandRunner())
    assert result.ok, (spec.name, result.describe())
    node.after = files(node.wizard_root)


def write_plays(nodes: list[Node], base: Path, interpreter: str) -> None:
    """One export per answers under base/plays/GROUP, the inventory with a group per export, and site.yml
    importing every export for its group."""
    groups: dict[Answers, list[Node]] = {}
    for node in nodes:
        groups.setdefault(node.spec.answers, []).append(node)
    inventory = ["[all:vars]", "ansible_connection=local", f"ansible_python_interpreter={interpreter}"]
    top = []
    for number, (answers, members) in enumerate(groups.items()):
        group = f"answers{number}"
        for name, text in export_ansible(answers).files().items():
            path = base / "plays" / group / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        inventory.append(f"[{group}]")
        for node in members:
            host_vars = {"kvm_wizard_root": str(node.ansible_root), **node.spec.host_vars}
            inventory.append(node.spec.name + "".join(f" {key}={value}" for key, value in host_vars.items()))
        top += [f"- import_playbook: plays/{group}/site.yml", "  vars:", f"    kvm_wizard_hosts: {group}"]
    (base / "inventory.ini").write_text("\n".join(inventory) + "\n")
    (base / "site.yml").write_text("\n".join(top) + "\n")
