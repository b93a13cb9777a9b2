"""The host's own UEFI Secure Boot state, typed from what the probe read: the EFI variables SecureBoot and
SetupMode (efivarfs), `mokutil --sb-state` where it is installed, and the kernel's lockdown mode. It judges
nothing; diagnosis says what the state means for a compute node.

An EFI variable file is 4 bytes of attributes (little-endian) followed by the value: one byte, 1 or 0, for
these two. The probe records the whole file as hexadecimal, since it is binary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wizard.host.facts import HostFacts
from wizard.host.observed import Seen, file_seen, path_seen

EFI_DIRECTORY = "/sys/firmware/efi"
EFIVARS = "/sys/firmware/efi/efivars"
EFI_GLOBAL_VARIABLE = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
SECURE_BOOT_VARIABLE = f"{EFIVARS}/SecureBoot-{EFI_GLOBAL_VARIABLE}"
SETUP_MODE_VARIABLE = f"{EFIVARS}/SetupMode-{EFI_GLOBAL_VARIABLE}"
LOCKDOWN = "/sys/kernel/security/lockdown"
MOKUTIL = "mokutil --sb-state"


class SecureBootState(StrEnum):
    ENABLED = "enabled"  # the firmware checks every boot component's signature
    DISABLED = "disabled"  # UEFI, Secure Boot off
    SETUP_MODE = (
        "setup-mode"  # no Platform Key: keys can be enrolled without authentication, nothing enforced
    )
    NOT_UEFI = "not-uefi"  # booted through legacy BIOS (or a firmware without UEFI): no Secure Boot at all
    UNKNOWN = "unknown"  # not observed (a tree without /sys, variables not readable, not recorded)


@dataclass(frozen=True)
class HostSecureBoot:
    state: SecureBootState
    evidence: tuple[tuple[str, str], ...]  # (where, what was seen)
    lockdown: str = ""  # the kernel's lockdown mode ("none", "integrity", "confidentiality"), "" unknown
    why_unknown: str = ""  # what was not seen, when the state is unknown


def efi_variable_value(hex_text: str | None) -> int | None:
    """The one-byte value of an EFI variable recorded as hexadecimal (4 bytes of attributes first)."""
    if hex_text is None:
        return None
    digits = hex_text.strip()
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        return None
    return data[4] if len(data) >= 5 else None


def _lockdown(facts: HostFacts) -> str:
    text = facts.text(LOCKDOWN) or ""
    start, end = text.find("["), text.find("]")
    return text[start + 1 : end] if 0 <= start < end else ""


def _mokutil(facts: HostFacts) -> tuple[SecureBootState | None, str]:
    run = facts.commands.get(MOKUTIL)
    if run is None:
        return None, ""
    said = (run.stdout + run.stderr).strip()
    text = said.lower()
    if "setup mode" in text:
        return SecureBootState.SETUP_MODE, said
    if "secureboot enabled" in text:
        return SecureBootState.ENABLED, said
    if "secureboot disabled" in text:
        return SecureBootState.DISABLED, said
    if "doesn't support secure boot" in text or "efi variables are not supported" in text:
        return SecureBootState.NOT_UEFI, said
    return None, said or (run.error or "")


def read_secure_boot(facts: HostFacts) -> HostSecureBoot:
    """The state from the EFI variables (the firmware's own words), else from mokutil; unknown when neither
    was seen. An EFI directory that is absent where /sys showed a running kernel means no UEFI."""
    evidence: list[tuple[str, str]] = []
    lockdown = _lockdown(facts)
    if lockdown:
        evidence.append((LOCKDOWN, lockdown))
    from_mokutil, said = _mokutil(facts)
    if said:
        evidence.append((MOKUTIL, said.replace("\n", "; ")))
    efi = path_seen(facts, EFI_DIRECTORY)
    if efi is Seen.ABSENT:
        evidence.insert(0, (EFI_DIRECTORY, "does not exist: the host did not boot through UEFI"))
        return HostSecureBoot(SecureBootState.NOT_UEFI, tuple(evidence), lockdown)
    secure = efi_variable_value(facts.text(SECURE_BOOT_VARIABLE))
    setup = efi_variable_value(facts.text(SETUP_MODE_VARIABLE))
    for path, value in ((SECURE_BOOT_VARIABLE, secure), (SETUP_MODE_VARIABLE, setup)):
        if value is not None:
            evidence.insert(0, (path, f"value {value}"))
        elif (read := facts.files.get(path)) is not None and read.error:
            evidence.insert(0, (path, read.error))
    if setup == 1:
        return HostSecureBoot(SecureBootState.SETUP_MODE, tuple(evidence), lockdown)
    if secure is not None:
        state = SecureBootState.ENABLED if secure == 1 else SecureBootState.DISABLED
        return HostSecureBoot(state, tuple(evidence), lockdown)
    if efi is Seen.PRESENT and file_seen(facts, SECURE_BOOT_VARIABLE) is Seen.ABSENT:
        # UEFI without the SecureBoot variable: a firmware that does not implement Secure Boot.
        evidence.insert(0, (SECURE_BOOT_VARIABLE, "does not exist: this UEFI firmware has no Secure Boot"))
        return HostSecureBoot(SecureBootState.DISABLED, tuple(evidence), lockdown)
    if from_mokutil is not None:
        return HostSecureBoot(from_mokutil, tuple(evidence), lockdown)
    why = (
        f"{EFI_DIRECTORY} was not observed (a tree without the running kernel's /sys, or not recorded)"
        if efi is Seen.UNKNOWN
        else f"{SECURE_BOOT_VARIABLE} could not be read"
    )
    return HostSecureBoot(SecureBootState.UNKNOWN, tuple(evidence), lockdown, why)
