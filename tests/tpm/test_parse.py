"""Readers of tpm2-tools output: identity of other vendors, PCR banks, lockout state, version lines."""

from __future__ import annotations

from wizard.tpm.parse import (
    parse_capabilities,
    parse_dictionary_attack,
    parse_identity,
    parse_pcr_banks,
    parse_tools_version,
)

# The shape tpm2-tools prints, with hand-made values in the style of an Infineon chip (strings padded with NULs).
INFINEON = """\
TPM2_PT_FAMILY_INDICATOR:
  raw: 0x322E3000
  value: "2.0"
TPM2_PT_LEVEL:
  raw: 0
TPM2_PT_REVISION:
  raw: 0x8A
  value: 1.38
TPM2_PT_MANUFACTURER:
  raw: 0x49465800
  value: "IFX"
TPM2_PT_VENDOR_STRING_1:
  raw: 0x534C4239
  value: "SLB9"
TPM2_PT_VENDOR_STRING_2:
  raw: 0x36373000
  value: "670"
TPM2_PT_VENDOR_STRING_3:
  raw: 0x0
  value: ""
TPM2_PT_VENDOR_STRING_4:
  raw: 0x0
  value: ""
TPM2_PT_FIRMWARE_VERSION_1:
  raw: 0x70055
TPM2_PT_FIRMWARE_VERSION_2:
  raw: 0x11CB00
"""


def test_identity_of_another_vendor() -> None:
    identity = parse_identity(INFINEON)
    assert identity.family == "2.0"
    assert (identity.manufacturer, identity.manufacturer_name) == ("IFX", "Infineon")
    assert identity.vendor_string == "SLB9670"
    assert identity.revision == "1.38"
    assert identity.firmware_version == "7.85.17.51968"
    assert identity.firmware_raw == "0x00070055 0x0011CB00"


def test_identity_from_raw_values_only_and_unknown_vendor() -> None:
    text = "TPM2_PT_FAMILY_INDICATOR:\n  raw: 0x322E3000\nTPM2_PT_MANUFACTURER:\n  raw: 0x58595A5A\nTPM2_PT_REVISION:\n  raw: 0xA4\n"
    identity = parse_identity(text)
    assert identity.family == "2.0"
    assert identity.manufacturer_name == "XYZZ"  # not in the registry: the code itself
    assert identity.revision == "1.64"
    assert identity.firmware_version == ""


def test_pcr_banks_with_only_sha1_and_an_empty_bank() -> None:
    text = "  sha1:\n    0 : 0x00\n    1 : 0x00\n    7 : 0xFF\n  sha256:\n"
    banks = parse_pcr_banks(text)
    assert [(bank.algorithm, bank.pcrs) for bank in banks] == [("sha1", (0, 1, 7)), ("sha256", ())]


def test_dictionary_attack_state() -> None:
    text = """\
TPM2_PT_PERMANENT:
  ownerAuthSet:              0
  inLockout:                 1
TPM2_PT_LOCKOUT_COUNTER: 0x3
TPM2_PT_MAX_AUTH_FAIL: 0x3
TPM2_PT_LOCKOUT_INTERVAL: 0x3E8
TPM2_PT_LOCKOUT_RECOVERY: 0x3E8
"""
    state = parse_dictionary_attack(text)
    assert state is not None
    assert state.in_lockout
    assert (state.failures, state.max_failures, state.interval_seconds, state.recovery_seconds) == (
        3,
        3,
        1000,
        1000,
    )
    assert parse_dictionary_attack("TPM2_PT_LOCKOUT_COUNTER: 0x0\n") is None


def test_capabilities_keep_inline_values_and_fields() -> None:
    entries = parse_capabilities('A:\n  raw: 0x1\n  value: "x y"\nB: 0x2\n')
    assert entries["A"].fields == {"raw": "0x1", "value": "x y"}
    assert entries["B"].value == "0x2"


def test_tools_version_lines() -> None:
    current = parse_tools_version(
        'tool="tpm2" version="5.4" tctis="libtss2-tctildr" tcti-default=tcti-device\n'
    )
    assert current is not None
    assert (current.tool, current.version, current.tcti_default) == ("tpm2", "5.4", "tcti-device")
    older = parse_tools_version(
        'tool="tpm2_getrandom" version="4.1.1" tctis="dynamic" tcti-default=tcti-abrmd'
    )
    assert older is not None
    assert older.version == "4.1.1"
    assert parse_tools_version("tpm2: command not found") is None
