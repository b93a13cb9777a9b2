"""diagnose(facts): findings in the order an operator should act on them, and the verdict.

Finding ids are part of the JSON contract (``kvm-wizard check --json``); a host produces only the ids that
apply to it (``vt-flags`` on x86, ``power-platform`` on POWER, ...).

| id | what it checks |
| --- | --- |
| arch | the architecture: x86_64, aarch64, ppc64le, s390x supported; anything else (sparc64, mips, riscv64, loongarch64, i686, ...) named as itself, with why not |
| cpu-vendor | the CPU vendor and model (/proc/cpuinfo) |
| guest | bare metal, a virtual machine (which hypervisor, from CPUID, DMI, PCI ids, /sys/hypervisor, /proc/xen, the device tree, s390 sysinfo levels, POWER lparcfg; a nesting chain whole; does it pass VT through, and that hypervisor's own way to), or unknown (what was not seen) |
| vt-flags | x86: vmx (Intel) or svm (AMD) in /proc/cpuinfo, and what its absence means (or that it cannot be told) |
| power-platform | POWER: PowerNV (bare metal, kvm_hv) or a pSeries partition |
| s390-sie | s390x: the SIE facility in /proc/cpuinfo features |
| arm-hyp-mode | aarch64: KVM's VHE/nVHE start message, or "HYP mode not available" |
| cpuid | x86: raw CPUID (VMX/SVM bits, hypervisor signature): "CPU lacks it" vs "kernel hid it" |
| firmware | virtualization disabled in firmware: kernel log wordings and the control MSR |
| module-loading | whether this kernel can load modules at all (never suggest modprobe where not) |
| kvm-modules | kvm and the vendor module (kvm_intel, kvm_amd, kvm_hv, kvm_pr, kvm_pvm): loaded, built in, absent |
| module-persistence | the KVM modules are listed where the distribution loads modules at boot |
| kvm-device | /dev/kvm exists as character device 10:232 |
| kvm-api | the authoritative KVM API probe: open /dev/kvm, API version 12, create a VM |
| kvm-device-permissions | owner, group and mode of /dev/kvm (root:kvm 0660 expected) |
| kvm-udev-rule | a udev rule gives /dev/kvm its group |
| udevd | udevd is running (else `udevadm trigger` does nothing) |
| kvm-access-qemu | the user QEMU runs as (qemu.conf, else libvirt-qemu or qemu) can open /dev/kvm |
| kvm-access-nova | the nova user can open /dev/kvm |
| nested | the nested parameter of the vendor module, and the configured modprobe option |
| vhost-net | /dev/vhost-net and the vhost_net module |
| tun | /dev/net/tun |
| iommu | DMAR/IVRS tables and IOMMU groups (PCI passthrough) |
| secure-boot | the host's UEFI Secure Boot: enabled, off, setup mode (warn), not UEFI, or unknown (efivars SecureBoot and SetupMode, `mokutil --sb-state`, the kernel's lockdown), and what it means here |
| tpm | TPM devices and their version |
| tpm2-tools | tpm2-tools installed (multi-call tpm2 or tpm2_*) |
| swtpm | swtpm and swtpm_setup installed (Nova's emulated TPM) |
| distro | the distribution family, where it loads modules from, its package manager |
| volume-groups | LVM volume groups (for images_type = lvm) |
| nova-config | /etc/nova/nova.conf exists (nova-compute installed); fail when it is a named pipe, a device, a socket or a directory |
| config-files | the files nova-compute reads, in oslo's order, from its command line (process, unit, init script); warn where kolla-ansible or the snap owns them (with where to change them), fail on a missing --config-file |
| config-shadowed:SECTION.OPTION | an option a later file of the chain sets to another value than an earlier one: the later wins |
| glance-api-config | /etc/glance/glance-api.conf exists (this host is a Glance API node) |
| nova-conf-lint[:PATH] | the settings of a file nova-compute reads (recorded with line numbers, secrets masked) follow the option rules (pass), or could not be checked (unknown); absent when a problem below is reported. PATH only for a file other than /etc/nova/nova.conf (nova-compute.conf, nova-dist.conf, a nova.conf.d file, kolla-ansible's) |
| nova-conf-RULE[:PATH]:WHERE | one problem in a file nova-compute reads, its file and line number in title and evidence; PATH as for nova-conf-lint; WHERE is SECTION.OPTION (line-N for unparsable). Names, syntax and repeated options are judged in each file; the rules between options judge what nova-compute reads over all its files, at the line its value comes from. RULE: unparsable (oslo refuses the file), unknown-section, unknown-option, renamed-option, repeated-option, deprecated-for-removal (one finding, info), volume-group-missing, and wizard.rules' rules: invalid-value, two-options-on-one-line, inline-comment, deprecated-name, deprecated-value, compute-driver (info when merely unset), lvm-needs-volume-group, rbd-needs-raw-images, rbd-download-with-rbd-images, rbd-download-needs-direct-url, custom-needs-cpu-models, cpu-models-without-custom, cpu-mode-needs-kvm-or-qemu, cpu-model-vendor, cpu-flag-vendor, nested-needs-kvm-module, nested-needs-cpu-flag, swtpm-* . Errors fail (nova-compute stops), warnings warn; remedy.plan_fix is the finding's own id when kvm-wizard rescue can repair it |
| glance-api-conf-lint[:PATH], glance-api-conf-RULE[:PATH]:WHERE | the same for the files glance-api reads (PATH when other than /etc/glance/glance-api.conf) |
| nova-log | nova-compute's log: present, no known error since its last start |
| nova-log-kvm-unavailable | "no supported architecture for os type 'hvm'" and its kin, tied to their fix |
| nova-log-kvm-permission-denied | QEMU denied /dev/kvm, tied to the permissions fix |
| nova-log-compute-driver-missing | "Compute driver option required, but not specified" |
| nova-log-invalid-option-value | oslo.config's "Value for option X ... is not valid" (invalid images_type, cpu_mode, ...) |
| nova-log-cpu-models-without-custom | "The cpu_models option is not required when cpu_mode!=custom" |
| nova-log-custom-needs-cpu-models | "The cpu_models option is required when cpu_mode=custom" |
| nova-log-rbd-needs-raw-images | "'[DEFAULT]/force_raw_images = False' is not allowed with '[libvirt]/images_type = rbd'" |
| nova-log-lvm-volume-group | 'Volume group "X" not found', "You should specify images_volume_group flag" |

A nova-log-* configuration error since the last start fails and names the nova.conf finding that explains it
in remedy.plan_fix (or restart-nova-compute when the file is right already). "Since the last start": after the
last "Starting compute node", or after a new process's failed start (one that stops before that line).

The verdict (wizard.diagnosis.verdict): the KVM API probe decides usability; every other finding explains;
``unknown`` when what it rests on was not observed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from wizard.diagnosis.checks.common import Assessment
from wizard.diagnosis.checks.config import check_config, review_recorded
from wizard.diagnosis.checks.config_chain import check_config_chain
from wizard.diagnosis.checks.context import Context, build_context
from wizard.diagnosis.checks.cpu import check_arch, check_guest, check_vendor
from wizard.diagnosis.checks.features import check_iommu, check_nested, check_tun, check_vhost_net
from wizard.diagnosis.checks.kvm_access import check_kvm_access
from wizard.diagnosis.checks.kvm_device import (
    check_kvm_api,
    check_kvm_device,
    check_kvm_permissions,
    check_udev,
)
from wizard.diagnosis.checks.modules import check_kvm_modules, check_module_loading, check_module_persistence
from wizard.diagnosis.checks.secure_boot import check_secure_boot
from wizard.diagnosis.checks.services import (
    check_distribution,
    check_logs,
    check_openstack,
    check_volume_groups,
)
from wizard.diagnosis.checks.tpm import check_swtpm, check_tpm, check_tpm2_tools
from wizard.diagnosis.checks.virtualization import check_cpuid, check_extensions, check_firmware
from wizard.diagnosis.findings import Diagnosis
from wizard.diagnosis.verdict import verdict
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile

# The lint's types only: loading the lint costs `check` ~30 ms on a host without nova.conf.
if TYPE_CHECKING:
    from wizard.lint.issues import ConfigReview

Check = Callable[[Context], list[Assessment]]

# The order an operator acts in: the machine, the firmware, the kernel, the device, who may use it,
# then the extras, then OpenStack itself.
CHECKS: tuple[Check, ...] = (
    check_arch,
    check_vendor,
    check_guest,
    check_extensions,
    check_cpuid,
    check_firmware,
    check_module_loading,
    check_kvm_modules,
    check_module_persistence,
    check_kvm_device,
    check_kvm_api,
    check_kvm_permissions,
    check_udev,
    check_kvm_access,
    check_nested,
    check_vhost_net,
    check_tun,
    check_iommu,
    check_secure_boot,
    check_tpm,
    check_tpm2_tools,
    check_swtpm,
    check_distribution,
    check_volume_groups,
    check_openstack,
    check_config_chain,
    check_config,
    check_logs,
)


def diagnose(facts: HostFacts) -> Diagnosis:
    """What the facts say about this host as a Nova compute node on KVM (pure: reads only ``facts``)."""
    profile = HostProfile.from_facts(facts)
    return diagnose_profile(profile, config=review_recorded(facts, profile))


def diagnose_profile(profile: HostProfile, *, config: ConfigReview | None = None) -> Diagnosis:
    """The diagnosis of a profile; nova.conf and glance-api.conf are checked only when ``config`` is given
    (the profile does not carry their settings: diagnose() lints them from the facts)."""
    context = build_context(profile, config)
    assessments = [item for check in CHECKS for item in check(context)]
    return Diagnosis(verdict(context, assessments), tuple(item.finding for item in assessments))
