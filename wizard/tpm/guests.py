"""Guests that require TPM 2.0 and UEFI Secure Boot (Windows 11, Windows Server 2025, hardened Linux images):
what nova needs of this node for them, judged from the host's facts, and the image properties that ask for them.

nova gives such a guest `<os firmware='efi'>` with the secure-boot firmware feature, the machine type of the
image (q35 on x86: nova refuses Secure Boot on any other there), and an emulated TPM (swtpm). libvirt picks the
firmware from QEMU's descriptors at the guest's start. Where libvirt answered, its domain capabilities of that
machine type decide whether Secure Boot firmware exists (nova reads the same `<loader><enum name='secure'>`);
the descriptors say which firmware that is and whether it has keys enrolled (without keys a guest boots in
setup mode and Secure Boot checks nothing). vTPM itself (swtpm, its accounts) is wizard.tpm.vtpm's.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.host.facts import HostFacts
from wizard.host.firmware import FirmwareDescriptor
from wizard.host.observed import Seen
from wizard.host.profile import HostProfile
from wizard.tpm.tools import PackageInstall, firmware_install
from wizard.virsh import secure_boot_machine, version_text

# Architectures whose QEMU has UEFI firmware with Secure Boot, and the machine type such guests need.
UEFI_ARCHITECTURES = ("x86_64", "aarch64")
SMM = "KVM_CAP_X86_SMM"


@dataclass(frozen=True)
class SecureGuests:
    """What stands between this node and guests that require TPM 2.0 and Secure Boot."""

    available: bool  # nothing seen prevents it (the smoke guest after an apply is the proof)
    problems: tuple[str, ...]  # each one prevents it
    warnings: tuple[str, ...]  # true, and worth knowing
    checked: tuple[str, ...]  # what was checked and found right, each with where it was seen
    architecture: str
    machine: str  # the image's hw_machine_type ("q35"), "" where nova's default machine suits
    tpm_model: str  # the emulated TPM model to ask for: tpm-crb on x86 (what Windows expects), else tpm-tis
    firmware: FirmwareDescriptor | None  # the firmware libvirt gives such a guest, when the descriptors say
    install: PackageInstall | None  # the distribution's UEFI firmware package, when it is missing


def _machine_pattern(architecture: str, libvirt_machine: str) -> str:
    """A machine name to match descriptors against: libvirt's own ("pc-q35-7.2") when it answered, else one
    of the family (descriptors list patterns such as "pc-q35-*" and "virt-*")."""
    if libvirt_machine:
        return libvirt_machine
    return "pc-q35-0" if architecture == "x86_64" else "virt-0"


def assess_secure_guests(
    facts: HostFacts,
    profile: HostProfile | None = None,
    *,
    virt_type: str = "kvm",
    installing: bool = False,
) -> SecureGuests:
    """``installing``: the plan installs the firmware package where it is missing, so its absence is no
    problem (the smoke guest asks libvirt again once it is there)."""
    host = profile or HostProfile.from_facts(facts)
    architecture = host.platform.arch_name
    machine_type = secure_boot_machine(architecture) or ""
    tpm_model = "tpm-crb" if architecture == "x86_64" else "tpm-tis"
    if architecture not in UEFI_ARCHITECTURES:
        problem = (
            f"Guests with UEFI Secure Boot need UEFI firmware, which QEMU has for x86_64 and aarch64 guests, "
            f"not for {architecture} (nova raises UEFINotSupported)."
        )
        return SecureGuests(False, (problem,), (), (), architecture, "", tpm_model, None, None)
    problems: list[str] = []
    warnings: list[str] = []
    checked: list[str] = []
    if virt_type not in ("kvm", "qemu"):
        problems.append(f"Secure Boot and vTPM need virt_type kvm or qemu, not {virt_type}.")
    libvirt = _ask_libvirt(host, virt_type, machine_type)
    firmware = host.guest_firmware
    pick = firmware.secure_boot_pick(architecture, _machine_pattern(architecture, libvirt.machine))
    # The package is offered where the descriptors were seen and none has Secure Boot, unless libvirt says it
    # has such firmware anyway (from a path of its own).
    missing = pick is None and firmware.seen is not Seen.UNKNOWN and libvirt.secure is not True
    install = firmware_install(facts, architecture) if missing else None
    planned = installing and install is not None
    packages = (
        " ".join(install.packages)
        if install is not None
        else "Debian: ovmf, qemu-efi-aarch64; Fedora: edk2-ovmf, edk2-aarch64; openSUSE: qemu-ovmf-x86_64, "
        "qemu-uefi-aarch64"
    )
    checked += libvirt.checked
    problems += libvirt.problems
    if libvirt.refusal:
        if planned:
            warnings.append(
                f"{libvirt.refusal}; the plan installs the firmware, and the smoke guest asks again."
            )
        else:
            problems.append(
                f"{libvirt.refusal}. Install the distribution's UEFI firmware with Secure Boot ({packages}) and "
                "restart libvirtd."
            )
    # The descriptors say which firmware libvirt picks, and whether it has keys enrolled.
    if pick is not None:
        problems += _judge_pick(pick, facts, host, virt_type=virt_type, checked=checked, warnings=warnings)
    elif firmware.seen is Seen.UNKNOWN and libvirt.secure is None:
        warnings.append(
            "Not checked: QEMU's firmware descriptors (/usr/share/qemu/firmware) were not observed; the smoke "
            "guest after the apply shows whether libvirt finds Secure Boot firmware."
        )
    elif missing and not planned and libvirt.secure is None:
        problems.append(
            f"No UEFI firmware with Secure Boot for {architecture} {libvirt.machine or machine_type or 'virt'} "
            "guests: none of QEMU's firmware descriptors (/usr/share/qemu/firmware, /etc/qemu/firmware) has the "
            f"secure-boot feature. Install the distribution's UEFI firmware ({packages})."
        )
    if planned and install is not None:
        warnings.append(
            f"The plan installs {' and '.join(install.packages)} (UEFI firmware with Secure Boot for guests); a "
            "rollback cannot undo a package install."
        )
    warnings += [f"A firmware descriptor libvirt cannot use: {problem}" for problem in firmware.problems]
    return SecureGuests(
        available=not problems,
        problems=tuple(problems),
        warnings=tuple(warnings),
        checked=tuple(checked),
        architecture=architecture,
        machine=machine_type,
        tpm_model=tpm_model,
        firmware=pick,
        install=install,
    )


@dataclass(frozen=True)
class _LibvirtSaid:
    """What libvirt's domain capabilities of the machine type say of Secure Boot guests (where it answered)."""

    secure: bool | None = None  # Secure Boot firmware offered; None: libvirt did not say
    machine: str = ""  # libvirt's name of the machine type ("pc-q35-7.2")
    refusal: str = ""  # no Secure Boot firmware for it, in words (the remedy is added by the caller)
    problems: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()


def _ask_libvirt(host: HostProfile, virt_type: str, machine_type: str) -> _LibvirtSaid:
    libvirt = host.stack.libvirt
    if libvirt is None:
        return _LibvirtSaid()
    domain = libvirt.secure_boot_domain(virt_type)
    command = f"`virsh domcapabilities --virttype {virt_type}" + (
        f" --machine {machine_type}`" if machine_type else "`"
    )
    checked = []
    versions = libvirt.versions
    if versions is not None and versions.library is not None and versions.hypervisor is not None:
        checked.append(
            f"libvirt {version_text(versions.library)} and QEMU {version_text(versions.hypervisor)} (`virsh "
            "version`): vTPM and Secure Boot need nothing newer than nova's own minimum, which is checked with "
            "the hypervisor"
        )
    if domain is None:
        said = libvirt.refusals.get(
            f"domcapabilities {virt_type}" + (f" {machine_type}" if machine_type else "")
        )
        if said is None:
            return _LibvirtSaid(checked=tuple(checked))
        problem = (
            f"libvirt cannot run {virt_type} guests of machine type {machine_type or 'default'} here ({command}: "
            f"{said}); Secure Boot guests need it."
        )
        return _LibvirtSaid(problems=(problem,), checked=tuple(checked))
    problems = []
    if domain.tpm_versions and "2.0" not in domain.tpm_versions:
        problems.append(
            f"libvirt's emulated TPM here offers versions {', '.join(domain.tpm_versions)}, not 2.0 ({command}: "
            "<tpm> backendVersion)."
        )
    loader = domain.loader
    if loader is not None and loader.secure_boot:
        checked.insert(
            0, f"libvirt offers Secure Boot firmware for {virt_type} guests of {domain.machine} ({command})"
        )
        return _LibvirtSaid(True, domain.machine, problems=tuple(problems), checked=tuple(checked))
    refusal = (
        f"libvirt offers no Secure Boot firmware for {virt_type} guests of machine type {domain.machine} ({command}: "
        f"<loader> secure = {', '.join(loader.secure) if loader is not None else 'not said'}): nova reports no "
        "Secure Boot support, and servers whose image says os_secure_boot=required fail to build "
        "(SecureBootNotSupported)"
    )
    return _LibvirtSaid(False, domain.machine, refusal, tuple(problems), tuple(checked))


def _judge_pick(
    pick: FirmwareDescriptor,
    facts: HostFacts,
    host: HostProfile,
    *,
    virt_type: str,
    checked: list[str],
    warnings: list[str],
) -> list[str]:
    """The problems of the firmware libvirt picks; what is right goes to ``checked``, doubts to ``warnings``."""
    problems = []
    if pick.executable_exists is False:
        problems.append(
            f"The Secure Boot firmware {pick.executable} named by {pick.path} does not exist: guests that ask for "
            "Secure Boot fail to start. Reinstall the firmware package."
        )
    elif not pick.enrolled_keys:
        warnings.append(
            f"libvirt gives Secure Boot guests {pick.name} ({pick.executable}), which has no keys enrolled: such "
            "guests start in setup mode, where Secure Boot checks nothing and Windows reports it off. Install the "
            "distribution's firmware with Microsoft's keys enrolled (Debian's ovmf and qemu-efi-aarch64 ship it), "
            "or put a descriptor with the enrolled-keys feature first in /etc/qemu/firmware."
        )
    else:
        checked.append(
            f"Secure Boot firmware with keys enrolled, the first libvirt picks ({pick.path}: {pick.executable})"
        )
    if virt_type == "kvm" and "requires-smm" in pick.features and facts.kvm.capabilities.get(SMM) == 0:
        under = ", under PVM" if host.pvm_active else ""
        problems.append(
            f"{pick.name} needs System Management Mode, which KVM here does not offer (KVM_CHECK_EXTENSION {SMM} "
            f"= 0{under}): QEMU refuses to start such guests with kvm ('System Management Mode not supported by "
            "this hypervisor'). Secure Boot guests can run here with virt_type qemu only."
        )
    return problems


def image_properties(guests: SecureGuests) -> tuple[tuple[str, str], ...]:
    """The image properties that make nova give a server TPM 2.0 and Secure Boot on such a node."""
    properties = [
        ("hw_firmware_type", "uefi"),
        ("os_secure_boot", "required"),
        ("hw_tpm_version", "2.0"),
        ("hw_tpm_model", guests.tpm_model),
    ]
    if guests.machine:
        properties.append(("hw_machine_type", guests.machine))
    return tuple(properties)


def image_property_commands(guests: SecureGuests) -> tuple[str, ...]:
    """Ready-to-copy commands: the image's properties, or the flavor's extra specs for the same (nova reads
    os:secure_boot and hw:tpm_* from either; the firmware and machine type only from the image)."""
    image = " ".join(f"--property {key}={value}" for key, value in image_properties(guests))
    flavor = f"--property os:secure_boot=required --property hw:tpm_version=2.0 --property hw:tpm_model={guests.tpm_model}"
    return (
        f"openstack image set {image} IMAGE",
        f"openstack flavor set {flavor} FLAVOR",
    )


def command_lines(command: str) -> tuple[str, ...]:
    """One command as shell lines that fit a console: a break (backslash) before each --property."""
    head, *properties = command.split(" --property ")
    if not properties:
        return (command,)
    *middle, last = properties
    last_property, _, target = last.partition(" ")
    parts = [
        f"{head} \\",
        *(f"  --property {item} \\" for item in middle),
        f"  --property {last_property} \\",
    ]
    return (*parts, f"  {target}") if target else (*parts[:-1], parts[-1].removesuffix(" \\"))
