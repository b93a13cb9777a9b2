"""wizard.stack_rules' judgements of what else nova-compute needs of the stack: libvirt and QEMU new enough for
the installed nova, a domain for the virt type, nested guests the host can have, POWER8's SMT, the vTPM libvirt
can give and its swtpm account, the rbd secret and the Ceph client pieces."""

from __future__ import annotations

from wizard.stack_model import (
    CPU_MODE,
    VIRT_TYPE,
    Judgement,
    Settings,
    Severity,
    StackHost,
    domain_of,
)
from wizard.virsh import Triple, version_text

# nova's minimum libvirt and QEMU (nova/virt/libvirt/driver.py MIN_LIBVIRT_VERSION, MIN_QEMU_VERSION), by
# nova's major version; the wizard writes nova 34's options. Between two known releases the minimum is known
# only to lie between theirs.
NOVA_MINIMUMS: dict[int, tuple[Triple, Triple]] = {
    26: ((6, 0, 0), (4, 2, 0)),  # Zed
    34: ((8, 0, 0), (6, 2, 0)),
}
SCHEMA_NOVA = 34


def judge_versions(settings: Settings, host: StackHost) -> list[Judgement]:
    """Whether libvirt can run this virt type's guests at all, and new enough for nova."""
    return _versions(settings, host) + _virt_type(settings, host)


def judge_needs(settings: Settings, host: StackHost) -> list[Judgement]:
    """Nested guests, SMT, vTPM and Ceph."""
    found: list[Judgement] = []
    for check in (_nested, _smt, _vtpm, _ceph):
        found += check(settings, host)
    return found


def _minimums(nova: Triple | None) -> tuple[Triple, Triple, Severity, str]:
    """(libvirt, QEMU) minimums to judge against, how sure they are, and whose they are."""
    if nova is None:
        libvirt, qemu = NOVA_MINIMUMS[SCHEMA_NOVA]
        return (
            libvirt,
            qemu,
            "warning",
            f"nova {SCHEMA_NOVA} (whose options this wizard writes; no nova found here)",
        )
    major = nova[0]
    known = sorted(NOVA_MINIMUMS)
    if major in NOVA_MINIMUMS or major > known[-1] or major < known[0]:
        nearest = major if major in NOVA_MINIMUMS else (known[-1] if major > known[-1] else known[0])
        libvirt, qemu = NOVA_MINIMUMS[nearest]
        return libvirt, qemu, "error", f"nova {version_text(nova)}"
    below = max(release for release in known if release < major)
    libvirt, qemu = NOVA_MINIMUMS[below]
    return libvirt, qemu, "error", f"nova {version_text(nova)} (at least nova {below}'s minimum)"


def _versions(settings: Settings, host: StackHost) -> list[Judgement]:
    versions = host.libvirt.versions if host.libvirt is not None else None
    if versions is None:
        return []
    libvirt, qemu, severity, whose = _minimums(host.nova_version)
    found = []
    if versions.library is not None and versions.library < libvirt:
        found.append(
            Judgement(
                "libvirt-too-old",
                severity,
                (VIRT_TYPE,),
                f"libvirt here is {version_text(versions.library)} (`virsh version`) and {whose} requires "
                f"{version_text(libvirt)} or later: nova-compute refuses to start ('Nova requires libvirt "
                f"version {version_text(libvirt)} or greater.')",
                "install the distribution's newer libvirt (or an older nova that supports this libvirt)",
                "libvirt",
            )
        )
    uses_qemu = settings.virt_type in ("kvm", "qemu")
    if uses_qemu and versions.hypervisor is not None and versions.hypervisor < qemu:
        found.append(
            Judgement(
                "qemu-too-old",
                severity,
                (VIRT_TYPE,),
                f"QEMU here is {version_text(versions.hypervisor)} (`virsh version`) and {whose} requires "
                f"{version_text(qemu)} or later: nova-compute refuses to start ('Nova requires QEMU version "
                f"{version_text(qemu)} or greater.')",
                "install the distribution's newer QEMU",
                "libvirt",
            )
        )
    return found


def _virt_type(settings: Settings, host: StackHost) -> list[Judgement]:
    virt = settings.virt_type
    if host.libvirt is None or virt not in ("kvm", "qemu") or domain_of(host, virt) is not None:
        return []
    said = host.libvirt.refusals.get(f"domcapabilities {virt}")
    if said is None:
        return []
    if virt == "kvm":
        # KVM may be missing only until the plan's fixes load it: the health check asks libvirt again then.
        return [
            Judgement(
                "libvirt-no-kvm",
                "warning",
                (VIRT_TYPE,),
                f"libvirt cannot run kvm guests now (`virsh domcapabilities --virttype kvm`: {said}); "
                "instances fail to start until KVM works for libvirt",
                "make KVM work first (kvm-wizard check); after an apply the wizard asks libvirt again",
                "libvirt",
            )
        ]
    return [
        Judgement(
            "libvirt-no-qemu",
            "error",
            (VIRT_TYPE,),
            f"libvirt cannot run qemu guests here (`virsh domcapabilities --virttype qemu`: {said})",
            "install QEMU for this architecture (Debian: qemu-system-x86, qemu-system-arm, qemu-system-ppc)",
            "libvirt",
        )
    ]


# --- nested guests, SMT -------------------------------------------------------------------------------------


def _nested(settings: Settings, host: StackHost) -> list[Judgement]:
    if not settings.nested_guests:
        return []
    if host.nested_blocker is not None:
        return [
            Judgement(
                "nested-impossible",
                "error",
                (CPU_MODE,),
                f"nested guests cannot work on this host: {host.nested_blocker}",
                "leave nested guests off here",
                "rule",
            )
        ]
    if host.nested_cmdline is not None:
        return [
            Judgement(
                "nested-off-on-command-line",
                "error",
                (CPU_MODE,),
                f"the kernel command line has {host.nested_cmdline}, which wins over modprobe.d: nested guests "
                "stay off after the module reload the plan makes",
                f"remove {host.nested_cmdline} from the kernel command line (GRUB_CMDLINE_LINUX in "
                "/etc/default/grub, then update-grub or grub2-mkconfig) and reboot",
                "rule",
            )
        ]
    return []


def _smt(settings: Settings, host: StackHost) -> list[Judgement]:
    if settings.virt_type != "kvm" or host.smt_blocker is None:
        return []
    return [
        Judgement(
            "power8-smt",
            "error",
            (VIRT_TYPE,),
            host.smt_blocker,
            "turn SMT off: ppc64_cpu --smt=off (at every boot too, e.g. from a systemd unit), then plan again",
            "rule",
        )
    ]


# --- vTPM, Ceph ---------------------------------------------------------------------------------------------


def _vtpm(settings: Settings, host: StackHost) -> list[Judgement]:
    if not settings.swtpm_enabled:
        return []
    found = []
    domain = domain_of(host, settings.virt_type)
    if domain is not None and domain.tpm is False:
        found.append(
            Judgement(
                "libvirt-no-vtpm",
                "error",
                (("libvirt", "swtpm_enabled"),),
                f"libvirt cannot give {settings.virt_type} guests an emulated TPM here (`virsh domcapabilities`: "
                "no <tpm> with backend model emulator): nova-compute refuses to start ('vTPM support is "
                "configured but it's not supported by libvirt.')",
                "install swtpm and restart libvirtd, or leave vTPM off",
                "libvirt",
            )
        )
    for kind, nova, libvirt in (
        ("user", settings.swtpm_user or "tss", host.swtpm_user),
        ("group", settings.swtpm_group or "tss", host.swtpm_group),
    ):
        if libvirt is not None and nova != libvirt:
            found.append(
                Judgement(
                    "swtpm-account-mirror",
                    "error",
                    (("libvirt", f"swtpm_{kind}"), ("libvirt", "swtpm_enabled")),
                    f"libvirt runs swtpm as the {kind} {libvirt} ({host.swtpm_source}: swtpm_{kind}), and nova's "
                    f"[libvirt] swtpm_{kind} says {nova}: nova gives the vTPM state files to its own setting "
                    "after a migration or a resize, so swtpm could no longer read them",
                    f"set [libvirt] swtpm_{kind} = {libvirt} (it must mirror libvirt's qemu.conf)",
                    "rule",
                )
            )
    return found


def _ceph(settings: Settings, host: StackHost) -> list[Judgement]:
    found: list[Judgement] = []
    rbd_images = settings.images_type == "rbd"
    download = settings.rbd_download and not rbd_images
    if rbd_images:
        found += _secret(settings, host)
    ceph = host.ceph
    uses = []
    if rbd_images:
        uses.append((("libvirt", "images_type"), settings.rbd_user or "", "images_type = rbd"))
    if download:
        uses.append((("glance", "enable_rbd_download"), settings.download_user or "", "enable_rbd_download"))
    for option, user, what in uses:
        missing = [
            package
            for package, present in (("python3-rbd", ceph.python_rbd), ("python3-rados", ceph.python_rados))
            if present is False
        ]
        if missing:
            found.append(
                Judgement(
                    "ceph-python",
                    "error",
                    (option,),
                    f"{what}: nova imports Ceph's rbd and rados Python modules, and {' and '.join(missing)} "
                    "are not installed for nova's Python here ('rbd python libraries not found')",
                    f"install {' '.join(missing)}",
                    "rule",
                )
            )
        if option[0] == "glance" and ceph.rbd_command is False:
            found.append(
                Judgement(
                    "ceph-rbd-command",
                    "error",
                    (option,),
                    "enable_rbd_download: nova downloads images with the `rbd` command, which is not installed",
                    "install ceph-common (it has rbd)",
                    "rule",
                )
            )
        expected = (f"ceph.client.{user}.keyring", "ceph.keyring", "keyring", "keyring.bin")
        if (
            user
            and ceph.keyrings is not None
            and not ceph.keyring_set
            and not set(expected) & set(ceph.keyrings)
        ):
            found.append(
                Judgement(
                    "ceph-keyring",
                    "error",
                    (option,),
                    f"{what}: Ceph finds client.{user}'s key in /etc/ceph/ceph.client.{user}.keyring (or "
                    "ceph.keyring, keyring, keyring.bin), and none of them is there",
                    f"copy it from the cluster: ceph auth get client.{user} -o /etc/ceph/ceph.client.{user}.keyring",
                    "rule",
                )
            )
    return found


def _secret(settings: Settings, host: StackHost) -> list[Judgement]:
    secrets = host.libvirt.secrets if host.libvirt is not None else None
    uuid = (settings.rbd_secret_uuid or "").strip().lower()
    if secrets is None or not uuid:
        return []
    match = next((secret for secret in secrets if secret.uuid == uuid), None)
    option = ("libvirt", "rbd_secret_uuid")
    if match is None:
        known = ", ".join(f"{secret.uuid} ({secret.usage})" for secret in secrets) or "none"
        user = settings.rbd_user or "nova"
        return [
            Judgement(
                "libvirt-secret-missing",
                "error",
                (option,),
                f"libvirt has no secret {uuid} (`virsh secret-list`: {known}): it cannot give QEMU client.{user}'s "
                "key, so instances with disks on rbd fail to start",
                f"define it: virsh secret-define a secret of usage type ceph with that UUID, then virsh "
                f'secret-set-value {uuid} --base64 "$(ceph auth get-key client.{user})"',
                "libvirt",
            )
        ]
    user = settings.rbd_user or ""
    if user and f"client.{user}" not in match.usage:
        return [
            Judgement(
                "libvirt-secret-usage",
                "warning",
                (option,),
                f"libvirt's secret {uuid} is for {match.usage!r}, not client.{user} (`virsh secret-list`)",
                f"check that it holds client.{user}'s key",
                "libvirt",
            )
        ]
    return []
