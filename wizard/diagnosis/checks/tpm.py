"""Checks of TPM 2.0: the device, tpm2-tools, and swtpm for Nova's emulated TPM."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, assess
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.profile import HostProfile
from wizard.host.system import DistroFamily

_TPM2_TOOLS_PACKAGE = {DistroFamily.SUSE: "tpm2.0-tools"}


def install_command(profile: HostProfile, packages: tuple[str, ...]) -> tuple[str, ...]:
    manager = profile.distribution.package_manager
    if manager == "apt-get":
        return (f"apt-get install -y {' '.join(packages)}",)
    if manager in {"dnf", "yum", "zypper"}:
        return (f"{manager} install -y {' '.join(packages)}",)
    if manager == "pacman":
        return (f"pacman -S --noconfirm {' '.join(packages)}",)
    return ()


def check_tpm(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    devices = profile.tpm_devices
    evidence = [
        Evidence(
            f"/sys/class/tpm/{item.name}/tpm_version_major",
            str(item.version_major) if item.version_major else item.error or "?",
        )
        for item in devices
    ]
    evidence += [
        Evidence("udev", f"{item.subsystem} {item.sys_name} {item.device_node}")
        for item in profile.udev.devices
        if item.subsystem.startswith("tpm")
    ]
    if not devices:
        config = profile.kernel_config.get("CONFIG_TCG_TPM")
        why = " (this kernel has no TPM support: CONFIG_TCG_TPM is not set)" if config == "n" else ""
        return [
            assess(
                "tpm",
                Status.INFO,
                f"No TPM device{why}",
                [Evidence("/sys/class/tpm", "empty or missing")],
                detail="A hardware TPM is optional; Nova's emulated TPM for guests (swtpm) does not need one.",
            )
        ]
    nodes = ", ".join(node for item in devices for node in item.nodes) or "no /dev/tpm* node"
    evidence.append(Evidence("/dev", nodes))
    versions = {item.version_major for item in devices}
    if 2 in versions:
        return [assess("tpm", Status.PASS, f"TPM 2.0 present ({nodes})", evidence)]
    if versions == {None}:
        return [assess("tpm", Status.UNKNOWN, f"TPM present ({nodes}), version unknown", evidence)]
    return [
        assess(
            "tpm",
            Status.WARN,
            "TPM 1.2 present: tpm2-tools needs TPM 2.0",
            evidence,
            detail="Some firmware can switch the TPM to 2.0 mode (look for 'TPM Device Selection' in the setup).",
        )
    ]


def check_tpm2_tools(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    tools = profile.tpm2_tools
    has_tpm2 = any(item.version_major == 2 for item in profile.tpm_devices)
    if tools is not None:
        version = f" {tools.version}" if tools.version else ""
        return [
            assess(
                "tpm2-tools",
                Status.PASS,
                f"tpm2-tools{version} installed",
                [Evidence("PATH", tools.path)],
            )
        ]
    package = _TPM2_TOOLS_PACKAGE.get(profile.distribution.family, "tpm2-tools")
    remedy = Remedy(
        summary=f"Install {package}",
        commands=install_command(profile, (package,)),
        why="tpm2-tools verifies the TPM (self test, random numbers, manufacturer, PCR banks).",
        plan_fix="install-tpm2-tools",
    )
    if has_tpm2:
        return [
            assess(
                "tpm2-tools",
                Status.WARN,
                "tpm2-tools is not installed",
                [Evidence("PATH", "no tpm2 or tpm2_getrandom")],
                remedy=remedy,
            )
        ]
    return [
        assess(
            "tpm2-tools",
            Status.INFO,
            "tpm2-tools is not installed (there is no TPM 2.0 to use it with)",
            [Evidence("PATH", "no tpm2 or tpm2_getrandom")],
        )
    ]


def check_swtpm(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    if profile.swtpm is not None and profile.swtpm_setup is not None:
        return [
            assess(
                "swtpm",
                Status.PASS,
                "swtpm is installed: Nova's emulated TPM for guests (swtpm_enabled) is possible",
                [Evidence("PATH", f"{profile.swtpm.path}, {profile.swtpm_setup.path}")],
            )
        ]
    missing = [
        name
        for name, tool in (("swtpm", profile.swtpm), ("swtpm_setup", profile.swtpm_setup))
        if tool is None
    ]
    return [
        assess(
            "swtpm",
            Status.INFO,
            f"{' and '.join(missing)} not installed: needed only for Nova's emulated TPM (swtpm_enabled)",
            [Evidence("PATH", f"no {', '.join(missing)}")],
            remedy=Remedy(
                summary="Install swtpm if guests should get an emulated TPM",
                commands=install_command(profile, ("swtpm", "swtpm-tools")),
            ),
        )
    ]
