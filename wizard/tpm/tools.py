"""tpm2-tools on the host: which commands exist, their version, and the plan to install them when missing."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.host.facts import HostFacts
from wizard.tpm.parse import parse_tools_version

# The names tpm2-tools installs; since 5.0 every tpm2_* is a link to the multi-call `tpm2`.
SPLIT_TOOLS = ("tpm2_selftest", "tpm2_getrandom", "tpm2_getcap", "tpm2_pcrread", "tpm2_startup")
PACKAGE_MANAGERS = ("apt-get", "dnf", "zypper")


@dataclass(frozen=True)
class Tpm2Tools:
    """tpm2-tools as the host record shows them."""

    multi_call: str  # path of `tpm2`, "" when absent
    split_tools: tuple[str, ...]  # the tpm2_* names found on PATH
    version: str = ""  # "5.4", "" when no version was recorded
    tcti_default: str = ""  # "tcti-device", from `tpm2 --version`
    recorded: bool = True  # False: the record did not look for them (an older or partial recording)

    @property
    def installed(self) -> bool:
        return bool(self.multi_call or self.split_tools)

    @property
    def description(self) -> str:
        if not self.recorded:
            return "not recorded"
        if not self.installed:
            return "not installed"
        form = "multi-call tpm2" if self.multi_call else "tpm2_* commands"
        return f"tpm2-tools {self.version or '(version unknown)'} ({form})"


def detect_tools(facts: HostFacts) -> Tpm2Tools:
    names = ("tpm2", *SPLIT_TOOLS)
    recorded = any(name in facts.executables for name in names)
    version_text = ""
    for key in ("tpm2 --version", "tpm2_getrandom --version"):
        run = facts.commands.get(key)
        if run is not None and run.returncode == 0:
            version_text = run.stdout
            break
    version = parse_tools_version(version_text)
    return Tpm2Tools(
        multi_call=facts.executables.get("tpm2", ""),
        split_tools=tuple(name for name in SPLIT_TOOLS if facts.executables.get(name)),
        version=version.version if version else "",
        tcti_default=version.tcti_default if version else "",
        recorded=recorded,
    )


def _os_release(facts: HostFacts) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in (facts.text("/etc/os-release") or facts.text("/usr/lib/os-release") or "").splitlines():
        key, separator, value = line.partition("=")
        if separator:
            fields[key.strip()] = value.strip().strip("\"'")
    return fields


_FAMILIES: dict[str, str] = {
    "debian": "apt-get",
    "ubuntu": "apt-get",
    "fedora": "dnf",
    "rhel": "dnf",
    "centos": "dnf",
    "rocky": "dnf",
    "almalinux": "dnf",
    "ol": "dnf",
    "suse": "zypper",
    "opensuse": "zypper",
    "sles": "zypper",
}


def package_manager(facts: HostFacts) -> str | None:
    """The package manager to use: the distribution's (os-release ID, then ID_LIKE), checked against PATH."""
    release = _os_release(facts)
    words = [release.get("ID", ""), *release.get("ID_LIKE", "").split()]
    by_release = next(
        (
            _FAMILIES[family]
            for word in words
            for family in (word.lower(), word.lower().split("-")[0])
            if family in _FAMILIES
        ),
        None,
    )
    present = [name for name in PACKAGE_MANAGERS if facts.executables.get(name)]
    # PATH decides only when it shows another manager than the distribution's (a mixed container image).
    if by_release is not None and (by_release in present or not present):
        return by_release
    return present[0] if present else None


# Package names differ: openSUSE calls tpm2-tools "tpm2.0-tools" and ships swtpm_setup in "swtpm".
_PACKAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "tpm2-tools": {"apt-get": ("tpm2-tools",), "dnf": ("tpm2-tools",), "zypper": ("tpm2.0-tools",)},
    "swtpm": {"apt-get": ("swtpm", "swtpm-tools"), "dnf": ("swtpm", "swtpm-tools"), "zypper": ("swtpm",)},
    # UEFI firmware for guests, with Secure Boot, keys enrolled and QEMU's descriptors (/usr/share/qemu/firmware).
    "uefi-firmware-x86_64": {"apt-get": ("ovmf",), "dnf": ("edk2-ovmf",), "zypper": ("qemu-ovmf-x86_64",)},
    "uefi-firmware-aarch64": {
        "apt-get": ("qemu-efi-aarch64",),
        "dnf": ("edk2-aarch64",),
        "zypper": ("qemu-uefi-aarch64",),
    },
}


def install_command(manager: str, packages: tuple[str, ...]) -> tuple[str, ...]:
    if manager == "apt-get":
        return ("apt-get", "install", "-y", *packages)
    if manager == "dnf":
        return ("dnf", "install", "-y", *packages)
    if manager == "zypper":
        return ("zypper", "--non-interactive", "install", *packages)
    raise ValueError(f"unknown package manager {manager!r}")


@dataclass(frozen=True)
class PackageInstall:
    """Software the host lacks and the packages that bring it; the planner turns it into an action."""

    software: str  # "tpm2-tools", "swtpm"
    manager: str  # "apt-get", "dnf", "zypper"
    packages: tuple[str, ...]
    why: str  # what the software is for
    evidence: str  # what of the host says it is missing

    @property
    def id(self) -> str:
        return f"install:{self.software}"

    @property
    def title(self) -> str:
        return f"Install {' and '.join(self.packages)} with {self.manager}"

    @property
    def argv(self) -> tuple[str, ...]:
        return install_command(self.manager, self.packages)


def _install(facts: HostFacts, software: str, why: str, evidence: str) -> PackageInstall | None:
    manager = package_manager(facts)
    if manager is None:
        return None
    return PackageInstall(software, manager, _PACKAGES[software][manager], why, evidence)


def tools_install(facts: HostFacts, tools: Tpm2Tools | None = None) -> PackageInstall | None:
    """How to install tpm2-tools, or None when they are there or no package manager is known."""
    current = tools or detect_tools(facts)
    if current.installed or not current.recorded:
        return None
    return _install(
        facts,
        "tpm2-tools",
        "tpm2-tools verify the TPM (self test, random numbers, PCR banks) and are what tools that use "
        "the TPM call",
        "host: no tpm2 or tpm2_* command on PATH",
    )


def swtpm_install(facts: HostFacts) -> PackageInstall | None:
    """How to install swtpm and swtpm_setup (guests' virtual TPM), or None when present."""
    if facts.executables.get("swtpm") and facts.executables.get("swtpm_setup"):
        return None
    return _install(
        facts,
        "swtpm",
        "Nova's virtual TPM for guests runs one swtpm per guest, set up by swtpm_setup",
        "host: swtpm or swtpm_setup not on PATH",
    )


def firmware_install(facts: HostFacts, architecture: str) -> PackageInstall | None:
    """How to install UEFI firmware with Secure Boot for guests of ``architecture``, or None (no package
    manager known, or an architecture without one)."""
    software = f"uefi-firmware-{architecture}"
    if software not in _PACKAGES:
        return None
    return _install(
        facts,
        software,
        "guests that require Secure Boot get their UEFI firmware (with Secure Boot and keys enrolled) from it; "
        "libvirt finds it through QEMU's firmware descriptors",
        "host: no firmware descriptor with the secure-boot feature in /usr/share/qemu/firmware",
    )
