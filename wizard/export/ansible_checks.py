"""The playbook's assertions: the wizard's checks of the answers against each node before any change, and its
verification after (modules loaded, nested on, /dev/kvm, and what the play installed: tpm2-tools answer with
their version, swtpm and swtpm_setup are there and libvirt's swtpm account exists)."""

from __future__ import annotations

from wizard.answers import Answers
from wizard.cpu_names import cpu_flag_vendor, cpu_model_vendor
from wizard.export.ansible_files import path, task, wanted_modules
from wizard.export.yaml_text import Node
from wizard.lint.volume_groups import absent_volume_group
from wizard.plan.actions import wants_kvm

# The target's volume groups as the assertion lists them, the way wizard.lint.volume_groups.listed() does.
ON_TARGET_VOLUME_GROUPS = "{{ kvm_wizard_vgs.stdout.split() | join(', ') or 'none' }}"


def assertion(name: str, that: str, message: str, success: str = "", **more: Node) -> Node:
    """An assert task; quiet unless ``success`` says what it found."""
    arguments: dict[str, Node] = {"that": [that], "fail_msg": message}
    if success:
        arguments["success_msg"] = success
    else:
        arguments["quiet"] = True
    return task((), name, "ansible.builtin.assert", arguments, **more)


def checks(answers: Answers) -> list[Node]:
    """The wizard's checks of the answers against the host, as assertions before the first change."""
    checks: list[Node] = []
    nested = answers.nested
    if nested.enabled:
        checks.append(
            assertion(
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
                assertion(
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
                assertion(
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
            assertion(
                f"{conf} exists",
                f"kvm_wizard_ceph_conf_{number}.stat.exists",
                f"{key}: {conf} does not exist on this host{advice}",
            )
        )
    return checks


def running_checks(answers: Answers) -> list[Node]:
    """The checks that ask the running node (its LVM volume groups), in tasks/read_the_running_node.yml."""
    checks: list[Node] = []
    storage = answers.storage
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
            )
        )
        checks.append(
            assertion(
                f"The volume group {storage.volume_group} exists",
                f"{storage.volume_group!r} in kvm_wizard_vgs.stdout.split()",
                "storage.volume_group: "
                + absent_volume_group(storage.volume_group, ON_TARGET_VOLUME_GROUPS).sentence(),
            )
        )
    return checks


def verify(answers: Answers) -> list[Node]:
    """The wizard's verification after an apply, as assertions on the running node (in
    tasks/on_the_running_node.yml)."""
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
            )
        )
        checks.append(
            assertion(
                "The modules are loaded",
                "kvm_wizard_loaded.results | rejectattr('stat.exists') | list | length == 0",
                "not loaded: {{ kvm_wizard_loaded.results | rejectattr('stat.exists') | map(attribute='item') "
                "| join(', ') }}",
            )
        )
    if answers.nested.enabled and answers.is_given("nested.enabled"):
        parameter = "/sys/module/{{ kvm_wizard_nested_module }}/parameters/nested"
        live_nested = "kvm_wizard_nested_module != ''"
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
            assertion(
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
            )
        )
        checks.append(
            assertion(
                "/dev/kvm is there",
                "kvm_wizard_dev_kvm.stat.exists and kvm_wizard_dev_kvm.stat.ischr",
                "/dev/kvm is missing: KVM does not work on this node (kvm-wizard check says why)",
            )
        )
    return checks


# The version field of `tpm2_getrandom --version` (tool="tpm2" version="5.4" ...), as wizard.tpm.parse reads it.
TOOLS_VERSION = '(^|\\s)version=("[^"]*"|\\S+)'
TOOLS_RESULT = "kvm_wizard_tpm2_version"
SWTPM_RESULT = "kvm_wizard_swtpm_there"
ACCOUNT_RESULT = "kvm_wizard_swtpm_account"


def installs(answers: Answers, key: str) -> bool:
    """The answers give this key true: the play installs its package (tpm.install_tools, tpm.vtpm)."""
    return answers.value(key) is True and answers.is_given(key)


def install_checks(answers: Answers) -> list[Node]:
    """What the play installed, verified as the wizard finds it (tasks/verify_installs.yml): tpm2-tools answer
    with their version (`tpm2_getrandom --version`, which the multi-call tpm2 of 5.x and the separate tools of
    4.x both have); swtpm and swtpm_setup run, and the account and group libvirt runs swtpm as (the node's
    qemu.conf or the answers; tss by default, created with swtpm's packages) exist."""
    checks: list[Node] = []
    if installs(answers, "tpm.install_tools"):
        checks.append(
            task(
                (),
                "Ask tpm2-tools their version",
                "ansible.builtin.command",
                {"argv": ["tpm2_getrandom", "--version"]},
                register=TOOLS_RESULT,
                changed_when=False,
                failed_when=False,
                check_mode=False,
            )
        )
        checks.append(
            assertion(
                "tpm2-tools are installed and answer with their version",
                f"{TOOLS_RESULT}.rc | default(1) == 0 and {TOOLS_RESULT}.stdout is regex('{TOOLS_VERSION}')",
                "tpm2-tools were installed, but `tpm2_getrandom --version` answered: "
                f"{{{{ {TOOLS_RESULT}.msg | default({TOOLS_RESULT}.stderr | default('') + {TOOLS_RESULT}.stdout "
                "| default('')) }}",
                success=f"tpm2-tools {{{{ {TOOLS_RESULT}.stdout | regex_search('{TOOLS_VERSION}', '\\2') | first "
                "| replace('\"', '') }}",
            )
        )
    if installs(answers, "tpm.vtpm"):
        checks.append(
            task(
                (),
                "Ask swtpm and swtpm_setup their version",
                "ansible.builtin.command",
                {"argv": ["{{ item }}", "--version"]},
                loop=["swtpm", "swtpm_setup"],
                register=SWTPM_RESULT,
                changed_when=False,
                failed_when=False,
                check_mode=False,
            )
        )
        checks.append(
            assertion(
                "swtpm and swtpm_setup are installed",
                # swtpm_setup 0.7 answers --version with status 1: that it ran and named its version suffices.
                f"{SWTPM_RESULT}.results | selectattr('stdout', 'defined') | selectattr('stdout', 'search', "
                "'version') | list | length == 2",
                "swtpm was installed, but these do not answer with their version: {{ "
                f"{SWTPM_RESULT}.results | rejectattr('stdout', 'search', 'version') | map(attribute='item') "
                "| join(', ') }}",
            )
        )
        checks.append(
            task(
                (),
                "Look up the account and group libvirt runs swtpm as",
                "ansible.builtin.command",
                {"argv": ["getent", "{{ item.database }}", "{{ item.name }}"]},
                loop=[
                    {"database": "passwd", "name": "{{ kvm_wizard_files.swtpm_user }}"},
                    {"database": "group", "name": "{{ kvm_wizard_files.swtpm_group }}"},
                ],
                register=ACCOUNT_RESULT,
                changed_when=False,
                failed_when=False,
                check_mode=False,
            )
        )
        checks.append(
            assertion(
                "The account and group libvirt runs swtpm as exist",
                f"{ACCOUNT_RESULT}.results | map(attribute='rc') | select('!=', 0) | list | length == 0",
                "libvirt runs swtpm as user {{ kvm_wizard_files.swtpm_user }} and group "
                "{{ kvm_wizard_files.swtpm_group }} (qemu.conf, or libvirt's default tss), and this node has no "
                f"{{{{ {ACCOUNT_RESULT}.results | rejectattr('rc', 'equalto', 0) | map(attribute='item.database') "
                "| map('replace', 'passwd', 'user') | join(' or ') }}: guests with a vTPM would not start "
                "(on Debian and Ubuntu the tpm-udev package creates tss; set tpm.swtpm_user and tpm.swtpm_group "
                "to an existing account otherwise)",
            )
        )
    return checks
