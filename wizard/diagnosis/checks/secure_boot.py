"""The host's UEFI Secure Boot state and what it means for a compute node (finding ``secure-boot``).

The host's Secure Boot protects the host's own boot chain; guests' Secure Boot is their emulated firmware's
(OVMF, AAVMF) and does not depend on it. On the host it matters for modules: with Secure Boot enforced the
kernel loads only signed ones.
"""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, assess
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Evidence, Finding, Remedy, Status
from wizard.host.secure_boot import HostSecureBoot, SecureBootState

GUESTS_APART = (
    "Guests' Secure Boot does not depend on it: their UEFI firmware (OVMF, AAVMF) is emulated by QEMU, "
    "with keys of its own."
)


def secure_boot_finding(secure_boot: HostSecureBoot) -> Finding:
    """The finding for a host's Secure Boot state: the Host check and the TPM status show the same one."""
    return _assessment(secure_boot).finding


def _lockdown(secure_boot: HostSecureBoot) -> str:
    if secure_boot.lockdown in ("integrity", "confidentiality"):
        return (
            f" The kernel is in lockdown ({secure_boot.lockdown}): it also refuses to let root change "
            "the running kernel (no unsigned kexec, no /dev/mem, no writes to MSRs)."
        )
    return ""


def _assessment(secure_boot: HostSecureBoot) -> Assessment:
    evidence = [Evidence(source, observed) for source, observed in secure_boot.evidence]
    state = secure_boot.state
    if state is SecureBootState.ENABLED:
        return assess(
            "secure-boot",
            Status.PASS,
            "Secure Boot is enabled on this host",
            evidence,
            detail="The firmware starts only signed boot loaders and kernels, and the kernel loads only signed "
            "modules: the distribution's kvm, kvm_intel, kvm_amd and vhost_net are signed; a module built here "
            "(DKMS) needs its key enrolled (mokutil --import KEY.der, then confirm at the next boot)."
            + _lockdown(secure_boot)
            + " "
            + GUESTS_APART,
        )
    if state is SecureBootState.SETUP_MODE:
        return assess(
            "secure-boot",
            Status.WARN,
            "The firmware is in Secure Boot setup mode: no Platform Key, nothing is enforced",
            evidence,
            detail="In setup mode the firmware accepts new Secure Boot keys from the running system without "
            "any authentication, and checks no signature. " + GUESTS_APART,
            remedy=Remedy(
                summary="Enroll the platform's Secure Boot keys in the firmware setup (often 'Restore factory "
                "keys' or 'Install default Secure Boot keys'), then enable Secure Boot",
                why="With a Platform Key enrolled, only signed boot code starts and keys change only when signed "
                "by it.",
            ),
        )
    if state is SecureBootState.DISABLED:
        return assess(
            "secure-boot",
            Status.INFO,
            "Secure Boot is off on this host (UEFI)",
            evidence,
            detail="The firmware starts unsigned boot code; nothing the wizard sets up needs Secure Boot on the "
            "host, and modules load whether signed or not. A measured boot still records the boot chain in "
            "the TPM's PCRs 0-7 (PCR 7 records that Secure Boot is off)."
            + _lockdown(secure_boot)
            + " "
            + GUESTS_APART,
        )
    if state is SecureBootState.NOT_UEFI:
        return assess(
            "secure-boot",
            Status.INFO,
            "No Secure Boot: this host booted through legacy BIOS, not UEFI",
            evidence,
            detail="Secure Boot is a UEFI feature; switching the boot mode to UEFI means reinstalling the boot "
            "loader. " + GUESTS_APART,
        )
    return assess(
        "secure-boot",
        Status.UNKNOWN,
        "Whether Secure Boot is on is not known",
        evidence,
        detail=f"Not seen: {secure_boot.why_unknown}. On the host itself, `mokutil --sb-state` or "
        "`kvm-wizard check` as root tells. " + GUESTS_APART,
    )


def check_secure_boot(ctx: Context) -> list[Assessment]:
    return [_assessment(ctx.profile.secure_boot)]
