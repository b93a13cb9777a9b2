"""kvm-wizard export ansible: the answers as a playbook and an example inventory that make the same changes.

The playbook is a view of the engine: every setting and reason comes from wizard.plan, and its files are
planned and written on each node by the wizard's own code, carried verbatim by the module it ships
(library/kvm_wizard_files.py, see wizard.export.ansible_module). What depends on the node (its CPU vendor and
architecture, its distribution, its module files, qemu.conf, its groups) is read on each node, never frozen from
the machine the answers were written on. What acts on the running node (loading modules, installing packages,
restarts, verification) is not done under a staging root (the play ends there for the node).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard import __version__
from wizard.answers import KEYS, Answers
from wizard.export.ansible_checks import checks, install_checks, installs, running_checks, verify
from wizard.export.ansible_files import (
    FILES_RESULT,
    file_task,
    missing_keys,
    nested_given,
    only_when,
    task,
    wanted_modules,
    why,
)
from wizard.export.ansible_module import MODULE_PATH, module_text
from wizard.export.ansible_vars import NODE_FACTS, play_vars
from wizard.export.yaml_text import Document, Node, Unsafe
from wizard.plan.actions import restart_reason
from wizard.plan.settings import glance_settings

PLAYBOOK = "site.yml"
INVENTORY = "inventory.ini"
READ_NODE = "tasks/read_the_running_node.yml"
VERIFY_INSTALLS = "tasks/verify_installs.yml"
LIVE = "kvm_wizard_live"
FACTS_GIVEN = " and ".join(f"{name} is defined" for name in NODE_FACTS)

HEADER = """\
kvm-wizard {version}: the changes of an answers file, for every node of the inventory group "compute"
(or of the group or pattern -e kvm_wizard_hosts=... names).
Answers: {summary}

What it does, on each node, in the wizard's order:
  1. checks the answers against the node (the checks that need the node, as assertions);
  2. plans and writes nova.conf (and glance-api.conf on a Glance API node), the modules to load at boot
     and the nested option with kvm-wizard's own code (library/kvm_wizard_files.py carries it): each
     change goes into the file of the node that takes effect (Debian's nova-compute.conf after nova.conf,
     nova.conf.d), a new option in the place of its commented default line, never in help text, and the
     files come out byte for byte as `kvm-wizard apply` writes them on that node; a node whose
     nova-compute runs in kolla-ansible's container or the snap is refused, with where to change it;
  3. on the running node (not under a staging root): loads the modules, installs packages and
     verifies them, reloads the nested module and restarts nova-compute when their files changed;
  4. verifies as the wizard does: modules loaded, nested on, /dev/kvm a character device.
Every setting and every reason ("why") comes from kvm-wizard's planner. A second run changes nothing.
--check --diff shows kvm-wizard's explained diff of each file (the text of `kvm-wizard plan`).

Run it:
  ansible-playbook -i inventory.ini site.yml --check --diff     # what would change
  ansible-playbook -i inventory.ini site.yml                    # change it
Needs Python 3.11 or later on the nodes (as kvm-wizard), the community.general collection on the
controller (the `ansible` package bundles it) and root on the nodes.

Variables (set them per node in the inventory, or for all with -e NAME=VALUE):
  kvm_wizard_root        "/" (default): the node itself. Another directory: a staging tree; every path
                         is taken under it and, as with the wizard's --root, nothing acts on the running
                         system (no modprobe, package install, restart or /dev/kvm check).
  kvm_wizard_cpu_vendor  intel | amd | other; default from ansible_processor.
  kvm_wizard_arch        default ansible_architecture (x86_64, ppc64le, aarch64, s390x).
  kvm_wizard_os_family   default ansible_os_family (Debian: /etc/modules; others: modules-load.d,
                         or /etc/modules where the node has one).
  kvm_wizard_pkg_mgr     default ansible_pkg_mgr.
  kvm_wizard_builtin_modules  modules built into the kernel (never loaded or listed); read from
                         /lib/modules/<kernel>/modules.builtin on the node, [] under a staging root.
The vendor's module (kvm_intel, kvm_amd, kvm_hv, kvm) and flag (vmx, svm) follow from them. Under a
staging root whose nodes all have the first three set, no facts are gathered.

Differences from the wizard, by design: the wizard's snapshot, rollback and confirm-or-revert are its own
(use --check --diff and your fleet's staging); the wizard fixes /dev/kvm's group when QEMU cannot open it,
the playbook only verifies the device; the module runs no command (a refusal on a kolla-ansible node does not
say whether its container runs).
"""

INVENTORY_TEXT = """\
# Example inventory for site.yml (written by kvm-wizard export ansible): the play targets group "compute".
[compute]
compute-01.example.org
compute-02.example.org
# This machine itself, without SSH:
# localhost ansible_connection=local
"""


@dataclass(frozen=True)
class Export:
    """The files of an export: path relative to the output directory -> text."""

    playbook: str
    inventory: str
    tasks: dict[str, str]  # tasks/NAME.yml
    module: str  # library/kvm_wizard_files.py

    def files(self) -> dict[str, str]:
        """Every file the export replaces each time (the inventory, the operator's, is written only once)."""
        return {PLAYBOOK: self.playbook, **self.tasks, MODULE_PATH: self.module}


def _yaml(nodes: list[Node], *comments: str) -> str:
    document = Document()
    for line in comments:
        document.comment(line)
    if nodes:
        document.node(nodes)
    else:
        document.lines.append("[]")  # an empty list of tasks
    return document.text()


class ExportError(Exception):
    """Answers a playbook cannot carry: the keys it would need from each node."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        listing = "\n".join(f"  - {key}" for key in keys)
        super().__init__(
            "the playbook needs these keys in the answers file: kvm-wizard takes a left-out key's value from each "
            f"node, a playbook cannot (add them, with the value every node should have):\n{listing}"
        )


def export_ansible(answers: Answers) -> Export:
    """The playbook, its task files, its module and the inventory for valid answers (parse_answers has checked
    them); ExportError when a setting would need a node's own value of a key the answers leave out."""
    missing = missing_keys(answers)
    if missing:
        raise ExportError(missing)
    document = Document()
    for line in HEADER.format(version=__version__, summary=_given(answers)).splitlines():
        document.comment(line)
    verifying = install_checks(answers)
    play: dict[str, Node] = {
        "name": "KVM compute nodes for Nova, as kvm-wizard makes them",
        "hosts": "{{ kvm_wizard_hosts | default('compute') }}",
        "become": True,
        "gather_facts": False,
        "vars": play_vars(answers),
        "tasks": [
            task(
                (),
                "Read the node (its facts; on the running node its kernel's modules, services, volume groups)",
                "ansible.builtin.include_tasks",
                {"file": READ_NODE},
                when=f"{LIVE} or not ({FACTS_GIVEN})",
            ),
            *checks(answers),
            file_task(answers),
            # The controller decides this one (no task runs on the node): the rest acts on a running system.
            {
                "name": "Under a staging root the play ends here for the node (as `kvm-wizard apply --root`)",
                "ansible.builtin.meta": "end_host",
                "when": f"not {LIVE}",
            },
            *_actions(answers, verifying=bool(verifying)),
            *verify(answers),
        ],
    }
    document.node([play])
    tasks = {
        READ_NODE: _yaml(
            _read_node(answers),
            f"Included by {PLAYBOOK} (kvm-wizard {__version__}) first: the node's facts and, on the running "
            "node, what only it can tell.",
        ),
        VERIFY_INSTALLS: _yaml(
            verifying,
            f"Included by {PLAYBOOK} (kvm-wizard {__version__}) after the installs, unless in check mode"
            + ("." if verifying else ": these answers install nothing."),
        ),
    }
    return Export(document.text(), INVENTORY_TEXT, tasks, module_text())


def _given(answers: Answers) -> str:
    """The keys the answers give, as the header names them (the others keep each node's value)."""
    given = [
        f"{spec.path} = {_shown(answers.value(spec.path))}" for spec in KEYS if answers.is_given(spec.path)
    ]
    return "; ".join(given) + " (every other key: each node keeps its own value)" if given else "none given"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)


def _read_node(answers: Answers) -> list[Node]:
    """What the play reads of the node before it checks and changes anything: its facts (unless the inventory
    gives them under a staging root), and on the running node what only it can tell."""
    live: list[Node] = [
        task(
            (),
            "Read the modules built into the running kernel",
            "ansible.builtin.slurp",
            {"src": "/lib/modules/{{ ansible_facts['kernel'] }}/modules.builtin"},
            register="kvm_wizard_builtin",
            failed_when=False,
        ),
        task((), "Read the services of the node (for the restarts)", "ansible.builtin.service_facts", {}),
        *running_checks(answers),
    ]
    gather = task(
        (),
        "Gather the node's facts",
        "ansible.builtin.setup",
        {"gather_subset": ["min", "hardware"]},
        when=f"{LIVE} or not ({FACTS_GIVEN})",
    )
    return [gather, *(only_when(item, LIVE) for item in live)]


def _actions(answers: Answers, *, verifying: bool) -> list[Node]:
    actions: list[Node] = []
    if wanted_modules(answers):
        actions.append(
            task(
                (),
                "Load the modules now",
                "community.general.modprobe",
                {"name": "{{ item }}", "state": "present"},
                loop="{{ kvm_wizard_boot_modules }}",
            )
        )
    for key, package in (
        ("tpm.install_tools", "tpm2-tools"),
        ("tpm.vtpm", "swtpm"),
        ("tpm.secure_boot", "uefi-firmware"),  # guests that require Secure Boot
    ):
        if installs(answers, key):
            actions.append(
                task(
                    (),
                    f"Install {package}",
                    "ansible.builtin.package",
                    {"name": f"{{{{ kvm_wizard_packages[{package!r}] }}}}", "state": "present"},
                )
            )
    if verifying:
        actions.append(
            task(
                (),
                "Verify what was installed",
                "ansible.builtin.include_tasks",
                {"file": VERIFY_INSTALLS},
                when="not ansible_check_mode",
            )
        )
    return actions + _reload_and_restart(answers)


def _reload_and_restart(answers: Answers) -> list[Node]:
    """What the wizard does after writing: the nested module reloaded when its option's file changed (it reads
    the option only when it loads), the services restarted whose configuration changed. (Tasks of the running
    node's file rather than handlers, so that a staging run has nothing to skip.)"""
    changed = f"{FILES_RESULT}.kinds"
    tasks: list[Node] = []
    if nested_given(answers):
        reload_when = (
            f"'modprobe' in {changed} and kvm_wizard_nested_module not in kvm_wizard_node_builtin_modules"
        )
        tasks += [
            task(
                (),
                "Unload the nested module (it reads its nested parameter only when it loads)",
                "community.general.modprobe",
                {"name": "{{ kvm_wizard_nested_module }}", "state": "absent"},
                when=reload_when,
            ),
            task(
                (),
                "Load the nested module again",
                "community.general.modprobe",
                {"name": "{{ kvm_wizard_nested_module }}", "state": "present"},
                when=reload_when,
            ),
        ]
    units = [("nova-compute", "kvm_wizard_nova_unit", "nova.conf")]
    if glance_settings(answers):
        units.append(("glance-api", "kvm_wizard_glance_unit", "glance-api.conf"))
    for unit, variable, kind in units:
        tasks.append(
            task(
                why(restart_reason(unit, "its configuration")),
                f"Restart {unit}",
                "ansible.builtin.service",
                {"name": f"{{{{ {variable} }}}}", "state": "restarted"},
                when=f"{kind!r} in {changed} and ({variable} + '.service') in ansible_facts['services']",
            )
        )
    return tasks


__all__ = ["INVENTORY", "PLAYBOOK", "Export", "Unsafe", "export_ansible"]
