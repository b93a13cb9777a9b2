"""The play's variables: what each node decides from its own facts, each overridable with -e."""

from __future__ import annotations

from wizard.answers import Answers
from wizard.export.ansible_files import default_valued, set_pattern, wanted_modules
from wizard.export.yaml_text import Node, Unsafe

# The same decisions as wizard.host.profile (vendor_modules, nested_module) and wizard.host.platform (vt_flag),
# made from Ansible facts on each node; tests/export checks them against the profile of every demo host.
X86 = "kvm_wizard_node_arch in ['x86_64', 'i386', 'i686']"
POWER = "kvm_wizard_node_arch.startswith('ppc64')"
VENDOR_MODULE = "('kvm_amd' if kvm_wizard_node_cpu_vendor == 'amd' else 'kvm_intel')"
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


def set_patterns(answers: Answers) -> dict[str, Node]:
    """SECTION.OPTION -> a regular expression finding it set (for the options at nova's own value)."""
    return {
        f"{desired.section}.{desired.key}": Unsafe(set_pattern(desired.section, desired.key))
        for desired in default_valued(answers)
    }


def play_vars(answers: Answers) -> dict[str, Node]:
    modules = ", ".join(
        "kvm_wizard_kvm_module" if name.startswith("{{") else repr(name)
        for name, _ in wanted_modules(answers)
    )
    processor = "ansible_facts['processor']"
    return {
        # Each kvm_wizard_node_* is the knob without "node_" when the inventory or -e sets it, else the facts.
        "kvm_wizard_node_arch": "{{ kvm_wizard_arch | default(ansible_facts['architecture']) }}",
        "kvm_wizard_node_cpu_vendor": (
            f"{{{{ kvm_wizard_cpu_vendor | default('intel' if 'GenuineIntel' in {processor} else 'amd' if "
            f"('AuthenticAMD' in {processor} or 'HygonGenuine' in {processor}) else 'other') }}}}"
        ),
        "kvm_wizard_node_os_family": "{{ kvm_wizard_os_family | default(ansible_facts['os_family']) }}",
        "kvm_wizard_node_pkg_mgr": "{{ kvm_wizard_pkg_mgr | default(ansible_facts['pkg_mgr']) }}",
        "kvm_wizard_node_builtin_modules": (
            "{{ kvm_wizard_builtin_modules | default((kvm_wizard_builtin.content | b64decode).split('\\n') "
            "| map('regex_replace', '^.*/|[.]ko.*$', '') | map('replace', '-', '_') | list "
            "if kvm_wizard_builtin.content is defined else []) }}"
        ),
        "kvm_wizard_prefix": "{{ kvm_wizard_root | default('/') | regex_replace('/+$', '') }}",
        "kvm_wizard_live": "{{ kvm_wizard_prefix == '' }}",
        "kvm_wizard_vt_flag": f"{{{{ ('svm' if kvm_wizard_node_cpu_vendor == 'amd' else 'vmx') if {X86} else '' }}}}",
        "kvm_wizard_kvm_module": f"{{{{ {VENDOR_MODULE} if {X86} else 'kvm_hv' if {POWER} else 'kvm' }}}}",
        "kvm_wizard_nested_module": (
            f"{{{{ {VENDOR_MODULE} if {X86} else 'kvm_hv' if {POWER} else 'kvm' if kvm_wizard_node_arch == 's390x' "
            "else '' }}"
        ),
        "kvm_wizard_modules_file": (
            "{{ '/etc/modules' if (kvm_wizard_node_os_family == 'Debian' or kvm_wizard_etc_modules.stat.exists) "
            "else '/etc/modules-load.d/kvm.conf' }}"
        ),
        # On arm64 KVM is a bool in the kernel's configuration: built in (or absent), never a module to load.
        "kvm_wizard_boot_modules": (
            f"{{{{ [{modules}] | reject('in', kvm_wizard_node_builtin_modules + "
            "(['kvm'] if kvm_wizard_node_arch == 'aarch64' else [])) | list }}"
        ),
        "kvm_wizard_packages": {name: f"{{{{ {value} }}}}" for name, value in PACKAGES.items()},
        "kvm_wizard_nova_unit": (
            "{{ 'openstack-nova-compute' if kvm_wizard_node_os_family == 'RedHat' else 'nova-compute' }}"
        ),
        "kvm_wizard_glance_unit": "{{ 'openstack-glance-api' if kvm_wizard_node_os_family == 'RedHat' else 'glance-api' }}",
        "kvm_wizard_nova_text": "{{ kvm_wizard_nova_conf.content | default('') | b64decode }}",
        "kvm_wizard_glance_text": "{{ kvm_wizard_glance_conf.content | default('') | b64decode }}",
        "kvm_wizard_set": set_patterns(answers),
    }
