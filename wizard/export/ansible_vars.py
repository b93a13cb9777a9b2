"""The play's variables: what each node decides from its own facts, each overridable with -e."""

from __future__ import annotations

from wizard.answers import Answers
from wizard.export.ansible_files import boot_modules_node
from wizard.export.yaml_text import Node

# The same decisions as wizard.host.profile (vendor_modules, nested_module) and wizard.host.platform (vt_flag),
# made from Ansible facts on each node; tests/export checks them against the profile of every demo host.
X86 = "kvm_wizard_node_arch in ['x86_64', 'i386', 'i686']"
POWER = "kvm_wizard_node_arch.startswith('ppc64')"
VENDOR_MODULE = "('kvm_amd' if kvm_wizard_node_cpu_vendor == 'amd' else 'kvm_intel')"
# The node's facts the inventory may give; under a staging root where it gives them all, no facts are gathered.
NODE_FACTS = ("kvm_wizard_cpu_vendor", "kvm_wizard_arch", "kvm_wizard_os_family")
# tpm2-tools, swtpm and the guests' UEFI firmware by package manager (and architecture), as wizard.tpm.tools
# installs them.
_APT, _ZYPPER = "kvm_wizard_node_pkg_mgr == 'apt'", "kvm_wizard_node_pkg_mgr == 'zypper'"
PACKAGES = {
    "tpm2-tools": f"['tpm2.0-tools'] if {_ZYPPER} else ['tpm2-tools']",
    "swtpm": f"['swtpm'] if {_ZYPPER} else ['swtpm', 'swtpm-tools']",
    "uefi-firmware": (
        f"(['qemu-efi-aarch64'] if {_APT} else ['qemu-uefi-aarch64'] if {_ZYPPER} else ['edk2-aarch64']) "
        f"if kvm_wizard_node_arch == 'aarch64' else (['ovmf'] if {_APT} else ['qemu-ovmf-x86_64'] if {_ZYPPER} "
        "else ['edk2-ovmf'])"
    ),
}


def _given_or(name: str, facts: str) -> str:
    """The variable when the inventory or -e gives it, else the expression of the facts (Jinja's ternary
    evaluates only the branch taken; default() would evaluate the facts even when they were not gathered)."""
    return f"{{{{ {name} if {name} is defined else ({facts}) }}}}"


def play_vars(answers: Answers) -> dict[str, Node]:
    processor = "ansible_facts['processor']"
    return {
        # Each kvm_wizard_node_* is the knob without "node_" when the inventory or -e sets it, else the facts
        # (asked only then: the facts are not gathered under a staging root whose inventory gives them).
        "kvm_wizard_node_arch": _given_or("kvm_wizard_arch", "ansible_facts['architecture']"),
        "kvm_wizard_node_cpu_vendor": _given_or(
            "kvm_wizard_cpu_vendor",
            f"'intel' if 'GenuineIntel' in {processor} else 'amd' if ('AuthenticAMD' in {processor} or "
            f"'HygonGenuine' in {processor}) else 'other'",
        ),
        "kvm_wizard_node_os_family": _given_or("kvm_wizard_os_family", "ansible_facts['os_family']"),
        "kvm_wizard_node_pkg_mgr": _given_or("kvm_wizard_pkg_mgr", "ansible_facts['pkg_mgr']"),
        "kvm_wizard_node_builtin_modules": _given_or(
            "kvm_wizard_builtin_modules",
            "(kvm_wizard_builtin.content | b64decode).split('\\n') | map('regex_replace', '^.*/|[.]ko.*$', '') "
            "| map('replace', '-', '_') | list if kvm_wizard_builtin.content is defined else []",
        ),
        "kvm_wizard_prefix": "{{ kvm_wizard_root | default('/') | regex_replace('/+$', '') }}",
        "kvm_wizard_live": "{{ kvm_wizard_prefix == '' }}",
        "kvm_wizard_vt_flag": f"{{{{ ('svm' if kvm_wizard_node_cpu_vendor == 'amd' else 'vmx') if {X86} else '' }}}}",
        "kvm_wizard_kvm_module": f"{{{{ {VENDOR_MODULE} if {X86} else 'kvm_hv' if {POWER} else 'kvm' }}}}",
        "kvm_wizard_nested_module": (
            f"{{{{ {VENDOR_MODULE} if {X86} else 'kvm_hv' if {POWER} else 'kvm' if kvm_wizard_node_arch == 's390x' "
            "else '' }}"
        ),
        # The modules the answers need, each with why (wizard.plan.actions.modules_to_load).
        "kvm_wizard_modules_wanted": boot_modules_node(answers),
        # Those to load and list at boot: not one built into the kernel; on arm64 KVM is a bool in the kernel's
        # configuration, built in (or absent), never a module to load.
        "kvm_wizard_boot_wanted": (
            "{{ kvm_wizard_modules_wanted | rejectattr('name', 'in', kvm_wizard_node_builtin_modules + "
            "(['kvm'] if kvm_wizard_node_arch == 'aarch64' else [])) | list }}"
        ),
        "kvm_wizard_boot_modules": "{{ kvm_wizard_boot_wanted | map(attribute='name') | list }}",
        "kvm_wizard_packages": {name: f"{{{{ {value} }}}}" for name, value in PACKAGES.items()},
        "kvm_wizard_nova_unit": (
            "{{ 'openstack-nova-compute' if kvm_wizard_node_os_family == 'RedHat' else 'nova-compute' }}"
        ),
        "kvm_wizard_glance_unit": "{{ 'openstack-glance-api' if kvm_wizard_node_os_family == 'RedHat' else 'glance-api' }}",
    }
