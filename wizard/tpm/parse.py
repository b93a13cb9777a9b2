"""Readers for the YAML-like output of tpm2-tools (getcap, pcrread, --version), without a YAML library."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# PyYAML is not a dependency of the wizard, and the tools' output is a small, regular subset of YAML:
# top-level keys, optionally with an inline value, and one level of indented "key: value" fields.


@dataclass(frozen=True)
class CapabilityEntry:
    """One top-level key of `tpm2 getcap` output: its inline value and its indented fields."""

    value: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def parse_capabilities(text: str) -> dict[str, CapabilityEntry]:
    """`tpm2 getcap properties-fixed` / `properties-variable` as {property: entry}."""
    entries: dict[str, CapabilityEntry] = {}
    current: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, separator, rest = line.strip().partition(":")
        if not separator:
            continue
        if not line[0].isspace():
            current = key.strip()
            entries[current] = CapabilityEntry(_unquote(rest))
        elif current is not None:
            entries[current].fields[key.strip()] = _unquote(rest)
    return entries


def _integer(text: str) -> int | None:
    text = text.strip()
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None


def _four_chars(raw: int) -> str:
    """A 32-bit property that holds four ASCII characters, big-endian; NUL bytes are padding."""
    characters = raw.to_bytes(4, "big").replace(b"\0", b"").decode("ascii", "replace")
    return "".join(character if character.isprintable() else " " for character in characters)


# The TCG Vendor ID Registry (version 1.01): the four-character codes in TPM2_PT_MANUFACTURER.
MANUFACTURERS: dict[str, str] = {
    "AMD": "AMD",
    "ATML": "Atmel",
    "BRCM": "Broadcom",
    "CSCO": "Cisco",
    "FLYS": "Flyslice Technologies",
    "GOOG": "Google",
    "HISI": "Huawei",
    "HPE": "Hewlett Packard Enterprise",
    "IBM": "IBM",
    "IFX": "Infineon",
    "INTC": "Intel",
    "LEN": "Lenovo",
    "MSFT": "Microsoft",
    "NSM": "National Semiconductor",
    "NTC": "Nuvoton Technology",
    "NTZ": "Nationz",
    "QCOM": "Qualcomm",
    "ROCC": "Fuzhou Rockchip",
    "SMSC": "SMSC",
    "SMSN": "Samsung",
    "SNS": "Sinosun",
    "STM": "STMicroelectronics",
    "TXN": "Texas Instruments",
    "WEC": "Winbond",
}


@dataclass(frozen=True)
class TpmIdentity:
    """Who made the TPM and what it runs, from `tpm2 getcap properties-fixed`."""

    family: str  # "2.0"
    manufacturer: str  # the four-character vendor code: "IBM", "IFX", "INTC"
    manufacturer_name: str  # "IBM", "Infineon", "Intel"; the code itself when not in the registry
    vendor_string: str  # TPM2_PT_VENDOR_STRING_1..4 concatenated: "SW   TPM", "SLB9670"
    revision: str  # specification revision: "1.64"
    firmware_version: str  # four 16-bit parts, as fwupd shows them: "8217.4131.22.13878"
    firmware_raw: str  # "0x20191023 0x00163636"


def parse_identity(text: str) -> TpmIdentity:
    entries = parse_capabilities(text)

    def raw(name: str) -> int | None:
        entry = entries.get(name)
        return _integer(entry.fields.get("raw", entry.value)) if entry is not None else None

    def value(name: str) -> str:
        entry = entries.get(name)
        return entry.fields.get("value", "") if entry is not None else ""

    family_raw = raw("TPM2_PT_FAMILY_INDICATOR")
    family = value("TPM2_PT_FAMILY_INDICATOR") or (
        _four_chars(family_raw).strip() if family_raw is not None else ""
    )
    manufacturer_raw = raw("TPM2_PT_MANUFACTURER")
    manufacturer = _four_chars(manufacturer_raw).strip() if manufacturer_raw is not None else ""
    vendor_parts = [raw(f"TPM2_PT_VENDOR_STRING_{index}") for index in range(1, 5)]
    vendor_string = "".join(_four_chars(part) for part in vendor_parts if part is not None).strip()
    revision_raw = raw("TPM2_PT_REVISION")
    revision = value("TPM2_PT_REVISION") or (
        f"{revision_raw // 100}.{revision_raw % 100:02d}" if revision_raw is not None else ""
    )
    first, second = raw("TPM2_PT_FIRMWARE_VERSION_1"), raw("TPM2_PT_FIRMWARE_VERSION_2")
    firmware_version = ""
    firmware_raw = ""
    if first is not None:
        firmware_version = f"{first >> 16}.{first & 0xFFFF}"
        firmware_raw = f"0x{first:08X}"
        if second is not None:
            firmware_version += f".{second >> 16}.{second & 0xFFFF}"
            firmware_raw += f" 0x{second:08X}"
    return TpmIdentity(
        family=family,
        manufacturer=manufacturer,
        manufacturer_name=MANUFACTURERS.get(manufacturer, manufacturer),
        vendor_string=vendor_string,
        revision=revision,
        firmware_version=firmware_version,
        firmware_raw=firmware_raw,
    )


@dataclass(frozen=True)
class PcrBank:
    """One hash algorithm's bank of PCRs, and which PCRs are allocated in it."""

    algorithm: str  # "sha256"
    pcrs: tuple[int, ...]


_BANK = re.compile(r"^\s*([A-Za-z0-9_]+):\s*$")
_PCR = re.compile(r"^\s*(\d+)\s*:\s*0x[0-9A-Fa-f]*\s*$")


def parse_pcr_banks(text: str) -> tuple[PcrBank, ...]:
    """`tpm2 pcrread` as the banks it listed, in its order."""
    banks: list[tuple[str, list[int]]] = []
    for line in text.splitlines():
        bank = _BANK.match(line)
        if bank:
            banks.append((bank.group(1).lower(), []))
            continue
        pcr = _PCR.match(line)
        if pcr and banks:
            banks[-1][1].append(int(pcr.group(1)))
    return tuple(PcrBank(algorithm, tuple(pcrs)) for algorithm, pcrs in banks)


@dataclass(frozen=True)
class DictionaryAttackState:
    """The TPM's protection against password guessing, from `tpm2 getcap properties-variable`."""

    in_lockout: bool
    failures: int  # TPM2_PT_LOCKOUT_COUNTER
    max_failures: int  # TPM2_PT_MAX_AUTH_FAIL
    interval_seconds: int  # one failure is forgotten every interval
    recovery_seconds: int  # wait after a wrong lockout password


def parse_dictionary_attack(text: str) -> DictionaryAttackState | None:
    entries = parse_capabilities(text)
    permanent = entries.get("TPM2_PT_PERMANENT")
    if permanent is None or "inLockout" not in permanent.fields:
        return None

    def number(name: str) -> int:
        entry = entries.get(name)
        parsed = _integer(entry.value) if entry is not None else None
        return parsed if parsed is not None else -1

    return DictionaryAttackState(
        in_lockout=permanent.fields["inLockout"].strip() == "1",
        failures=number("TPM2_PT_LOCKOUT_COUNTER"),
        max_failures=number("TPM2_PT_MAX_AUTH_FAIL"),
        interval_seconds=number("TPM2_PT_LOCKOUT_INTERVAL"),
        recovery_seconds=number("TPM2_PT_LOCKOUT_RECOVERY"),
    )


@dataclass(frozen=True)
class ToolsVersion:
    """`tpm2 --version`: tool="tpm2" version="5.4" tctis="libtss2-tctildr" tcti-default=tcti-device."""

    tool: str
    version: str
    tcti_default: str


_VERSION_FIELD = re.compile(r'([a-z-]+)=("[^"]*"|\S+)')


def parse_tools_version(text: str) -> ToolsVersion | None:
    fields = {key: _unquote(value) for key, value in _VERSION_FIELD.findall(text)}
    if "version" not in fields:
        return None
    return ToolsVersion(fields.get("tool", ""), fields["version"], fields.get("tcti-default", ""))
