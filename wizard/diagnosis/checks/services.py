"""Checks of the distribution and OpenStack: family and module files, LVM, nova and glance, nova's log."""

from __future__ import annotations

import dataclasses
import re

from wizard.diagnosis.checks.common import Assessment, Impact, assess, shorten, shorten_middle, stat_evidence
from wizard.diagnosis.checks.config_log import EXPLAINED_BY, config_error_remedy, log_detail
from wizard.diagnosis.checks.context import Context, VtState
from wizard.diagnosis.checks.kvm_device import permissions_remedy
from wizard.diagnosis.checks.modules import load_remedy
from wizard.diagnosis.checks.tpm import install_command
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.patterns import KNOWN_ERRORS
from wizard.host.system import DistroFamily, LogError, LogView

_NOVA_PACKAGE = {DistroFamily.DEBIAN: "nova-compute"}
_LOCATION = re.compile(r" from LocationInfo\(location=<[^>]*>, detail='([^']*)'\)")


def check_distribution(ctx: Context) -> list[Assessment]:
    distro = ctx.profile.distribution
    if distro.os_release_error:
        return [
            assess(
                "distro",
                Status.UNKNOWN,
                "The distribution is unknown: /etc/os-release was not readable",
                [Evidence("/etc/os-release", distro.os_release_error)],
            )
        ]
    like = f", like {' '.join(distro.id_like)}" if distro.id_like else ""
    manager = distro.package_manager or "no known package manager"
    return [
        assess(
            "distro",
            Status.INFO,
            f"{distro.name}: {distro.family} family, modules load from {distro.modules_file}",
            [Evidence("/etc/os-release", f"ID={distro.id}{like}, VERSION_ID={distro.version_id or '?'}")],
            detail=f"Module options go in /etc/modprobe.d/*.conf; packages are installed with {manager}.",
        )
    ]


def check_volume_groups(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    groups = profile.volume_groups
    if groups is None:
        status = (
            Status.INFO
            if "not installed" in profile.volume_groups_source or "not run" in profile.volume_groups_source
            else Status.UNKNOWN
        )
        return [
            assess(
                "volume-groups",
                status,
                "LVM volume groups unknown" if status is Status.UNKNOWN else "No LVM information",
                [Evidence("vgs", profile.volume_groups_source)],
                detail="Only the lvm storage backend (images_type = lvm) needs a volume group.",
            )
        ]
    title = f"LVM volume groups: {', '.join(groups)}" if groups else "No LVM volume group"
    return [
        assess(
            "volume-groups",
            Status.INFO,
            title,
            [Evidence("vgs --noheadings -o vg_name", ", ".join(groups) or "(none)")],
        )
    ]


# A configuration path that is a regular file, or a symbolic link (its target is judged where it is read).
_READABLE_KINDS = {"file", "symlink"}
_KIND_WORDS = {
    "fifo": "a named pipe (FIFO)",
    "char": "a character device",
    "block": "a block device",
    "socket": "a socket",
    "dir": "a directory",
}


def check_openstack(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    found: list[Assessment] = []
    nova = profile.nova_conf
    if nova.exists and nova.kind not in _READABLE_KINDS:
        found.append(
            assess(
                "nova-config",
                Status.FAIL,
                f"/etc/nova/nova.conf is {_KIND_WORDS.get(nova.kind, nova.kind)}, not a regular file",
                [stat_evidence("/etc/nova/nova.conf", nova)],
                detail="nova-compute reads its configuration from a regular file: this one it cannot read "
                "(a named pipe blocks the reader, a device gives no configuration).",
                remedy=Remedy(
                    summary="Move it away and put the real nova.conf in its place",
                    commands=("mv /etc/nova/nova.conf /root/nova.conf.not-a-file",),
                ),
            )
        )
    elif nova.exists:
        found.append(
            assess(
                "nova-config",
                Status.PASS,
                "/etc/nova/nova.conf exists",
                [stat_evidence("/etc/nova/nova.conf", nova)],
            )
        )
    elif nova.error:
        found.append(
            assess(
                "nova-config",
                Status.UNKNOWN,
                "/etc/nova/nova.conf could not be examined",
                [stat_evidence("/etc/nova/nova.conf", nova)],
            )
        )
    else:
        package = _NOVA_PACKAGE.get(profile.distribution.family, "openstack-nova-compute")
        found.append(
            assess(
                "nova-config",
                Status.INFO,
                "nova-compute is not installed (no /etc/nova/nova.conf)",
                [stat_evidence("/etc/nova/nova.conf", nova)],
                remedy=Remedy(
                    summary=f"Install {package} before configuring it",
                    commands=install_command(profile, (package,)),
                ),
            )
        )
    glance = profile.glance_api_conf
    found.append(
        assess(
            "glance-api-config",
            Status.INFO,
            "This host is also a Glance API node (glance-api.conf exists)"
            if glance.exists
            else "Not a Glance API node (no glance-api.conf)",
            [stat_evidence("/etc/glance/glance-api.conf", glance)],
        )
    )
    return found


def _error_remedy(ctx: Context, error: LogError) -> Remedy | None:
    if error.error_id in EXPLAINED_BY:
        return config_error_remedy(ctx, error)
    profile = ctx.profile
    restart = "systemctl restart libvirtd nova-compute"
    if error.error_id == "kvm-unavailable":
        if ctx.kvm_works:
            return Remedy(
                summary="KVM works now: restart libvirt and nova-compute so that they see it",
                commands=(restart,),
                why="libvirt caches the host's capabilities when it starts.",
            )
        vendor = profile.vendor_modules[0] if profile.vendor_modules else None
        remedy = load_remedy(profile, ("kvm", vendor) if vendor else ("kvm",))
        # Loading the modules is the fix only when nothing deeper (firmware, no VT) stops them.
        modules_fix = profile.module_loading.possible is not False and ctx.vt in {
            VtState.PRESENT,
            VtState.UNKNOWN,
        }
        return Remedy(
            summary="Make KVM available (the findings above say how), then restart libvirt and nova-compute",
            commands=(*remedy.commands, restart) if modules_fix else (restart,),
            why="The seed document: this message means the KVM kernel modules were not loaded.",
            plan_fix=remedy.plan_fix if modules_fix else None,
        )
    if error.error_id == "kvm-permission-denied":
        again = "Instances that failed to start need a hard reboot (openstack server reboot --hard SERVER)."
        access = profile.access.get(profile.qemu_user)
        if access is not None and access.can_open:
            return Remedy(
                summary=f"{profile.qemu_user} can open /dev/kvm now: start the failed instances again",
                why=again,
            )
        remedy = permissions_remedy(profile)
        return dataclasses.replace(remedy, why=f"{remedy.why} {again}")
    return None


def excerpt(error: LogError) -> str:
    """The time stamp and the error message of a log line, without the request ids between them."""
    # oslo.config names the file in a long LocationInfo(...): the file name alone says it.
    line = _LOCATION.sub(r" (\1)", error.line)
    match = next((known.pattern.search(line) for known in KNOWN_ERRORS if known.id == error.error_id), None)
    stamp = line[:23] if re.match(r"\d{4}-\d\d-\d\d", line) else ""
    if match is None or match.start() < 80:
        return shorten_middle(line, 200)
    start = max(line.rfind(": ", 0, match.start()) + 2, match.start() - 60)
    return shorten_middle(f"{stamp} ... {line[start:]}", 200)


def _log_findings(ctx: Context, log: LogView) -> list[Assessment]:
    name = log.path.rsplit("/", 1)[-1]
    latest: dict[str, LogError] = {}
    for error in log.errors:
        latest[error.error_id] = error  # the last occurrence of each
    found: list[Assessment] = []
    for error_id, error in latest.items():
        current = any(item.after_last_start for item in log.errors if item.error_id == error_id)
        evidence = [Evidence(log.path, excerpt(error))]
        if log.last_start:
            evidence.append(Evidence(f"{log.path} (last start)", shorten(log.last_start, 120)))
        if not current:
            found.append(
                assess(
                    f"nova-log-{error_id}",
                    Status.INFO,
                    f"{name} logged this before the service's last start: {error.meaning}",
                    evidence,
                )
            )
            continue
        status = Status.WARN if ctx.kvm_works and error_id == "kvm-unavailable" else Status.FAIL
        when = "since its last start" if log.start_found else "(no start marker in its last lines)"
        # A configuration error stops nova-compute: setup is missing even where KVM itself works.
        stops = error_id in EXPLAINED_BY
        detail = log_detail(error) if stops else ""
        found.append(
            assess(
                f"nova-log-{error_id}",
                status,
                f"{name} {when}: {error.meaning}" + (f" ({detail})" if detail else ""),
                evidence,
                remedy=_error_remedy(ctx, error),
                impact=Impact.FIXABLE if stops else None,
                reason=f"{name} shows that {error.meaning}" if stops else "",
            )
        )
    return found


def check_logs(ctx: Context) -> list[Assessment]:
    logs = [log for log in ctx.profile.logs if log.present or log.error]
    found: list[Assessment] = []
    for log in logs:
        if log.error:
            found.append(
                assess(
                    "nova-log",
                    Status.UNKNOWN,
                    f"{log.path} was not readable",
                    [Evidence(log.path, log.error)],
                )
            )
            continue
        found.extend(_log_findings(ctx, log))
    by_id: dict[str, Assessment] = {}
    for item in found:
        by_id.setdefault(item.finding.id, item)  # nova-compute.log sorts after libvirtd.log: prefer the first
    if not any(item.finding.id.startswith("nova-log-") for item in by_id.values()):
        nova_log = next((log for log in logs if log.path.endswith("nova-compute.log")), None)
        if nova_log is not None and nova_log.present:
            by_id["nova-log"] = assess(
                "nova-log",
                Status.PASS,
                "No known errors in nova-compute.log"
                + (" since its last start" if nova_log.start_found else ""),
                [
                    Evidence(
                        nova_log.path,
                        shorten(nova_log.last_start or "no start marker in its last lines", 120),
                    )
                ],
            )
        elif "nova-log" not in by_id:
            by_id["nova-log"] = assess(
                "nova-log",
                Status.INFO,
                "No nova-compute log yet",
                [Evidence("/var/log/nova/nova-compute.log", "does not exist")],
            )
    return list(by_id.values())
