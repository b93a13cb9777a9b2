"""kvm-wizard export ansible: the answers as a playbook and an example inventory that make the same changes.

The playbook is a view of the engine: every value, reason and new-file header comes from wizard.plan; what
depends on the node (its CPU vendor and architecture, its distribution's module file and package manager) is
decided on each node from its Ansible facts, never frozen from the machine the answers were written on.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard import __version__
from wizard.answers import KEYS, Answers
from wizard.cpu_names import cpu_flag_vendor, cpu_model_vendor
from wizard.export.ansible_files import (
    RELOAD_NESTED,
    RESTART_GLANCE,
    RESTART_NOVA,
    boot_module_tasks,
    config_tasks,
    missing_keys,
    nested_tasks,
    path,
    task,
    wanted_modules,
    why,
)
from wizard.export.ansible_vars import play_vars
from wizard.export.yaml_text import Document, Node, Unsafe
from wizard.lint.volume_groups import absent_volume_group
from wizard.plan.actions import restart_reason, wants_kvm

PLAYBOOK = "site.yml"
INVENTORY = "inventory.ini"
LIVE = "kvm_wizard_live"
# The target's volume groups as the assertion lists them, the way wizard.lint.volume_groups.listed() does.
ON_TARGET_VOLUME_GROUPS = "{{ kvm_wizard_vgs.stdout.split() | join(', ') or 'none' }}"

HEADER = """\
kvm-wizard {version}: the changes of an answers file, for every node of the inventory group "compute".
Answers: {summary}

What it does, on each node, in the wizard's order:
  1. checks the answers against the node (the checks that need the node, as assertions);
  2. writes nova.conf (and glance-api.conf on a Glance API node) with community.general.ini_file,
     the modules to load at boot, and options <module> nested=1 in /etc/modprobe.d/kvm.conf;
  3. on the running system: loads the modules, installs packages, reloads the nested module and
     restarts nova-compute when their files changed (handlers);
  4. verifies as the wizard does: modules loaded, nested on, /dev/kvm a character device.
Every value and every reason (the "why:" comments) comes from kvm-wizard's planner; the files come out
byte for byte as `kvm-wizard apply` writes them. A second run changes nothing.

Run it:
  ansible-playbook -i inventory.ini site.yml --check --diff     # what would change
  ansible-playbook -i inventory.ini site.yml                    # change it
Needs the community.general collection (the `ansible` package bundles it) and root on the nodes.

Variables (set them per node in the inventory, or for all with -e NAME=VALUE):
  kvm_wizard_root        "/" (default): the node itself. Another directory: a staging tree; every path
                         is taken under it and, as with the wizard's --root, nothing acts on the running
                         system (no modprobe, package install, restart or /dev/kvm check).
  kvm_wizard_cpu_vendor  intel | amd | other; default from ansible_processor.
  kvm_wizard_arch        default ansible_architecture (x86_64, ppc64le, aarch64, s390x).
  kvm_wizard_os_family   default ansible_os_family (Debian: /etc/modules; others: modules-load.d).
  kvm_wizard_pkg_mgr     default ansible_pkg_mgr.
  kvm_wizard_builtin_modules  modules built into the kernel (never loaded or listed); read from
                         /lib/modules/<kernel>/modules.builtin on the node, [] under a staging root.
The vendor's module (kvm_intel, kvm_amd, kvm_hv, kvm) and flag (vmx, svm) follow from them.

Differences from the wizard, by design: the wizard's snapshot, rollback and confirm-or-revert are its own
(use --check --diff and your fleet's staging); the wizard fixes /dev/kvm's group when QEMU cannot open it,
the playbook only verifies the device; a file that already sets an option the wizard would leave as it is
(e.g. "virt_type = KVM") is rewritten by ini_file in the wizard's spelling. The playbook writes
/etc/nova/nova.conf only: where nova-compute reads another file after it (Debian's nova-compute.conf,
nova.conf.d), `kvm-wizard apply` changes that file, where the value takes effect, and the playbook does not.
nested.enabled = false is not carried (the wizard writes nested=0 and reloads the module); a key the answers
leave out keeps each node's value in the wizard, and the export refuses a setting that would need it.
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
    playbook: str
    inventory: str


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
    """The playbook and inventory for valid answers (parse_answers has checked them); ExportError when a setting
    would need a node's own value of a key the answers leave out."""
    missing = missing_keys(answers)
    if missing:
        raise ExportError(missing)
    document = Document()
    for line in HEADER.format(version=__version__, summary=_given(answers)).splitlines():
        document.comment(line)
    play: dict[str, Node] = {
        "name": "KVM compute nodes for Nova, as kvm-wizard makes them",
        "hosts": "compute",
        "become": True,
        "gather_facts": True,
        "vars": play_vars(answers),
        "tasks": [
            *_prepare(answers),
            *_checks(answers),
            *config_tasks(answers),
            *boot_module_tasks(answers),
            *nested_tasks(answers),
            *_actions(answers),
            *_verify(answers),
        ],
        "handlers": _handlers(answers),
    }
    document.node([play])
    return Export(document.text(), INVENTORY_TEXT)


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


def _prepare(answers: Answers) -> list[Node]:
    return [
        task(
            (),
            "Read the groups of the node (for the owner of a config file the play creates)",
            "ansible.builtin.getent",
            {"database": "group"},
        ),
        task(
            (),
            "Is there an /etc/modules?",
            "ansible.builtin.stat",
            {"path": path("/etc/modules")},
            register="kvm_wizard_etc_modules",
        ),
        task(
            (),
            "Read the modules built into the running kernel",
            "ansible.builtin.slurp",
            {"src": "/lib/modules/{{ ansible_facts['kernel'] }}/modules.builtin"},
            register="kvm_wizard_builtin",
            failed_when=False,
            when=LIVE,
        ),
        task(
            (),
            "Read the services of the node (for the restarts)",
            "ansible.builtin.service_facts",
            {},
            when=LIVE,
        ),
    ]


def _assertion(name: str, that: str, message: str, **more: Node) -> Node:
    return task(
        (), name, "ansible.builtin.assert", {"that": [that], "fail_msg": message, "quiet": True}, **more
    )


def _checks(answers: Answers) -> list[Node]:
    """The wizard's checks of the answers against the host, as assertions before the first change."""
    checks: list[Node] = []
    nested = answers.nested
    if nested.enabled:
        checks.append(
            _assertion(
                "Nested guests are supported on this architecture",
                "kvm_wizard_nested_module != '' or kvm_wizard_node_arch == 'aarch64'",
                "nested.enabled: nested guests are not supported by this wizard on {{ kvm_wizard_node_arch }}; "
                "set it to false",
            )
        )
    for flag in nested.extra_flags:
        owner = cpu_flag_vendor(flag)
        if owner is not None:
            checks.append(
                _assertion(
                    f"The CPU flag {flag} exists on this CPU",
                    f"kvm_wizard_node_cpu_vendor == {owner!r}",
                    f"nested.extra_flags: {flag!r} exists only on {owner} CPUs and this node's CPU is "
                    "{{ kvm_wizard_node_cpu_vendor }}: guests would fail to start",
                )
            )
    for model in nested.cpu_models:
        owner = cpu_model_vendor(model)
        if owner is not None:
            checks.append(
                _assertion(
                    f"The CPU model {model} is of this CPU's vendor",
                    f"kvm_wizard_node_cpu_vendor not in ['intel', 'amd'] or kvm_wizard_node_cpu_vendor == {owner!r}",
                    f"nested.cpu_models: {model!r} is a CPU model of {owner} and this node's CPU is "
                    "{{ kvm_wizard_node_cpu_vendor }}: nova-compute refuses to start",
                )
            )
    storage, download = answers.storage, answers.ceph_download
    conf_checks = []
    if storage.backend == "rbd":
        conf_checks.append(
            ("storage.ceph_conf", storage.ceph_conf, "; install ceph-common and the cluster's ceph.conf")
        )
    if download.enabled and storage.backend != "rbd":
        conf_checks.append(("ceph_download.ceph_conf", download.ceph_conf, ""))
    for number, (key, conf, advice) in enumerate(conf_checks):
        checks.append(
            task(
                (),
                f"Look for {conf}",
                "ansible.builtin.stat",
                {"path": path(conf)},
                register=f"kvm_wizard_ceph_conf_{number}",
            )
        )
        checks.append(
            _assertion(
                f"{conf} exists",
                f"kvm_wizard_ceph_conf_{number}.stat.exists",
                f"{key}: {conf} does not exist on this host{advice}",
            )
        )
    if storage.backend == "lvm":
        checks.append(
            task(
                (),
                "List the LVM volume groups",
                "ansible.builtin.command",
                {"argv": ["vgs", "--noheadings", "-o", "vg_name"]},
                register="kvm_wizard_vgs",
                changed_when=False,
                check_mode=False,
                when=LIVE,
            )
        )
        checks.append(
            _assertion(
                f"The volume group {storage.volume_group} exists",
                f"{storage.volume_group!r} in kvm_wizard_vgs.stdout.split()",
                "storage.volume_group: "
                + absent_volume_group(storage.volume_group, ON_TARGET_VOLUME_GROUPS).sentence(),
                when=LIVE,
            )
        )
    return checks


def _actions(answers: Answers) -> list[Node]:
    actions: list[Node] = []
    if wanted_modules(answers):
        actions.append(
            task(
                (),
                "Load the modules now",
                "community.general.modprobe",
                {"name": "{{ item }}", "state": "present"},
                loop="{{ kvm_wizard_boot_modules }}",
                when=LIVE,
            )
        )
    for key, package in (
        ("tpm.install_tools", "tpm2-tools"),
        ("tpm.vtpm", "swtpm"),
        ("tpm.secure_boot", "uefi-firmware"),  # guests that require Secure Boot
    ):
        if answers.value(key) is True and answers.is_given(key):
            actions.append(
                task(
                    (),
                    f"Install {package}",
                    "ansible.builtin.package",
                    {"name": f"{{{{ kvm_wizard_packages[{package!r}] }}}}", "state": "present"},
                    when=LIVE,
                )
            )
    actions.append({"name": "Reload and restart what changed", "ansible.builtin.meta": "flush_handlers"})
    return actions


def _verify(answers: Answers) -> list[Node]:
    """The wizard's verification after an apply, as assertions on the running system."""
    checks: list[Node] = []
    if wanted_modules(answers):
        checks.append(
            task(
                (),
                "Look for the loaded modules",
                "ansible.builtin.stat",
                {"path": "/sys/module/{{ item }}"},
                loop="{{ kvm_wizard_boot_modules }}",
                register="kvm_wizard_loaded",
                when=LIVE,
            )
        )
        checks.append(
            _assertion(
                "The modules are loaded",
                "kvm_wizard_loaded.results | rejectattr('stat.exists') | list | length == 0",
                "not loaded: {{ kvm_wizard_loaded.results | rejectattr('stat.exists') | map(attribute='item') "
                "| join(', ') }}",
                when=LIVE,
            )
        )
    if answers.nested.enabled and answers.is_given("nested.enabled"):
        parameter = "/sys/module/{{ kvm_wizard_nested_module }}/parameters/nested"
        live_nested = f"{LIVE} and kvm_wizard_nested_module != ''"
        checks.append(
            task(
                (),
                "Read the nested parameter",
                "ansible.builtin.slurp",
                {"src": parameter},
                register="kvm_wizard_nested_now",
                when=live_nested,
            )
        )
        checks.append(
            _assertion(
                "{{ kvm_wizard_nested_module }} nested is on",
                "(kvm_wizard_nested_now.content | b64decode | trim) in ['Y', '1']",
                f"{parameter} is not Y or 1: the module was not reloaded (do guests still run?)",
                when=live_nested,
            )
        )
    if wants_kvm(answers):
        checks.append(
            task(
                (),
                "Look at /dev/kvm",
                "ansible.builtin.stat",
                {"path": "/dev/kvm"},
                register="kvm_wizard_dev_kvm",
                when=LIVE,
            )
        )
        checks.append(
            _assertion(
                "/dev/kvm is there",
                "kvm_wizard_dev_kvm.stat.exists and kvm_wizard_dev_kvm.stat.ischr",
                "/dev/kvm is missing: KVM does not work on this node (kvm-wizard check says why)",
                when=LIVE,
            )
        )
    return checks


def _handlers(answers: Answers) -> list[Node]:
    reload_when = f"{LIVE} and kvm_wizard_nested_module not in kvm_wizard_node_builtin_modules"
    handlers: list[Node] = []
    if answers.nested.enabled and answers.is_given("nested.enabled"):
        handlers += [
            task(
                (),
                "Unload the nested module (it reads nested=1 only when it loads)",
                "community.general.modprobe",
                {"name": "{{ kvm_wizard_nested_module }}", "state": "absent"},
                listen=RELOAD_NESTED,
                when=reload_when,
            ),
            task(
                (),
                "Load the nested module again",
                "community.general.modprobe",
                {"name": "{{ kvm_wizard_nested_module }}", "state": "present"},
                listen=RELOAD_NESTED,
                when=reload_when,
            ),
        ]
    for topic, unit, variable in (
        (RESTART_NOVA, "nova-compute", "kvm_wizard_nova_unit"),
        (RESTART_GLANCE, "glance-api", "kvm_wizard_glance_unit"),
    ):
        handlers.append(
            task(
                why(restart_reason(unit, "its configuration")),
                f"Restart {unit}",
                "ansible.builtin.service",
                {"name": f"{{{{ {variable} }}}}", "state": "restarted"},
                listen=topic,
                when=f"{LIVE} and ({variable} + '.service') in ansible_facts['services']",
            )
        )
    return handlers


__all__ = ["INVENTORY", "PLAYBOOK", "Export", "Unsafe", "export_ansible"]
