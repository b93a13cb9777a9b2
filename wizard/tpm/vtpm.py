"""Whether Nova can give guests an emulated TPM (vTPM through swtpm) on this host; the planner writes it."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.host.areas import ACCOUNTS
from wizard.host.facts import HostFacts
from wizard.tpm.tools import PackageInstall, swtpm_install

DEFAULT_USER = "tss"  # nova's defaults for [libvirt] swtpm_user / swtpm_group
DEFAULT_GROUP = "tss"
BARBICAN_WARNING = (
    "A key manager is needed: Nova keeps each guest's vTPM secret in the key manager (Barbican, through "
    "Castellan); without one, servers with a vTPM fail to build."
)


@dataclass(frozen=True)
class VtpmAssessment:
    """What stands between this host and `[libvirt] swtpm_enabled = True`."""

    available: bool  # nothing on the host prevents it (the key manager is the deployment's business)
    problems: tuple[str, ...]  # each one prevents it
    warnings: tuple[str, ...]  # true even when available
    swtpm: str = ""  # path, "" when absent
    swtpm_setup: str = ""
    user: str = DEFAULT_USER
    group: str = DEFAULT_GROUP
    user_exists: bool | None = None  # None: the record has no /etc/passwd
    group_exists: bool | None = None
    options: tuple[tuple[str, str, str], ...] = ()  # (section, key, value) the planner may offer
    install: PackageInstall | None = None  # installs swtpm and swtpm_setup when missing


def _account_exists(facts: HostFacts, path: str, name: str) -> bool | None:
    """Whether ``name`` is in /etc/passwd or /etc/group; None when the record cannot tell."""
    read = facts.files.get(path)
    if read is None or read.content is None:
        return None
    names = {line.split(":", 1)[0] for line in read.content.splitlines() if line and not line.startswith("#")}
    if name in names:
        return True
    # The probe keeps only the accounts it cares about (tss among them): a line missing from a trimmed copy
    # proves nothing about any other name.
    return None if read.truncated and name not in ACCOUNTS else False


def assess_vtpm(
    facts: HostFacts,
    *,
    user: str = DEFAULT_USER,
    group: str = DEFAULT_GROUP,
    virt_type: str | None = None,
    installing: bool = False,
) -> VtpmAssessment:
    """Assess the vTPM rules of nova.conf: swtpm and swtpm_setup, swtpm_user/group, virt_type, key manager.

    ``installing``: a plan installs swtpm where it is missing, so its absence is no problem, and the account
    its packages create is not one either (yet)."""
    problems: list[str] = []
    warnings: list[str] = [BARBICAN_WARNING]
    swtpm = facts.executables.get("swtpm")
    swtpm_setup = facts.executables.get("swtpm_setup")
    install = swtpm_install(facts) if swtpm == "" or swtpm_setup == "" else None
    planned = installing and install is not None
    for name, path in (("swtpm", swtpm), ("swtpm_setup", swtpm_setup)):
        if path == "" and planned:
            continue  # the plan installs it
        if path is None:
            problems.append(
                f"The host record does not say whether {name} is installed; record the host again."
            )
        elif not path:
            problems.append(
                f"{name} is not installed: each guest's vTPM is a swtpm process that libvirt sets up with "
                "swtpm_setup (Debian, Ubuntu, Fedora: packages swtpm and swtpm-tools; openSUSE: swtpm)."
            )
    user_exists = _account_exists(facts, "/etc/passwd", user)
    group_exists = _account_exists(facts, "/etc/group", group)
    for kind, name, exists, option in (
        ("user", user, user_exists, "swtpm_user"),
        ("group", group, group_exists, "swtpm_group"),
    ):
        if exists is None:
            warnings.append(
                f"Could not check that the {kind} {name} exists (the host record does not list it)."
            )
        elif not exists and planned:
            warnings.append(
                f"The {kind} {name} does not exist yet: the swtpm packages the plan installs create it on Debian "
                "and Ubuntu (tpm-udev); elsewhere, check it after the install."
            )
        elif not exists:
            problems.append(
                f"The {kind} {name} does not exist; nova's [libvirt] {option} = {name} must name the {kind} libvirt "
                f"runs swtpm as ({option} in /etc/libvirt/qemu.conf, tss by default). Install the package that "
                "creates it (Debian: tpm-udev, pulled in by swtpm-tools; openSUSE: system-user-tss), or, where "
                f"qemu.conf names another {kind}, set tpm.{option} to it."
            )
    if virt_type is not None and virt_type not in ("kvm", "qemu"):
        problems.append(f"swtpm_enabled needs [libvirt] virt_type kvm or qemu, not {virt_type}.")
    available = not problems
    options: list[tuple[str, str, str]] = []
    if available:
        options.append(("libvirt", "swtpm_enabled", "True"))
        if user != DEFAULT_USER:
            options.append(("libvirt", "swtpm_user", user))
        if group != DEFAULT_GROUP:
            options.append(("libvirt", "swtpm_group", group))
    return VtpmAssessment(
        available=available,
        problems=tuple(problems),
        warnings=tuple(warnings),
        swtpm=swtpm or "",
        swtpm_setup=swtpm_setup or "",
        user=user,
        group=group,
        user_exists=user_exists,
        group_exists=group_exists,
        options=tuple(options),
        install=install,
    )
