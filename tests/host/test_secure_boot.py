"""The host's Secure Boot state from real efivarfs files (probed under a root), mokutil's words, and the
finding that says what it means; and QEMU's firmware descriptors, read in libvirt's order."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from tests.host.helpers import demo, with_file
from wizard.diagnosis.checks.secure_boot import secure_boot_finding
from wizard.diagnosis.findings import Status
from wizard.host.facts import CommandRun, DirList, FileRead, HostFacts, PathStat
from wizard.host.firmware import read_guest_firmware
from wizard.host.observed import Seen
from wizard.host.probe import probe
from wizard.host.secure_boot import (
    EFI_GLOBAL_VARIABLE,
    MOKUTIL,
    SECURE_BOOT_VARIABLE,
    SETUP_MODE_VARIABLE,
    SecureBootState,
    efi_variable_value,
    read_secure_boot,
)

DEBIAN_OVMF = Path(__file__).resolve().parents[2] / "tools" / "firmware" / "debian12-ovmf"


def _tree(root: Path, *, secure: int | None, setup: int | None, lockdown: str = "") -> Path:
    """A root whose /sys is a running kernel's (its marker exists), booted through UEFI when a value is given."""
    (root / "sys/kernel").mkdir(parents=True)
    (root / "proc/self").mkdir(parents=True)
    (root / "dev").mkdir()
    (root / "dev/null").touch()
    variables = root / "sys/firmware/efi/efivars"
    if secure is not None or setup is not None:
        variables.mkdir(parents=True)
    for name, value in (("SecureBoot", secure), ("SetupMode", setup)):
        if value is not None:
            (variables / f"{name}-{EFI_GLOBAL_VARIABLE}").write_bytes(bytes((6, 0, 0, 0, value)))
    if lockdown:
        (root / "sys/kernel/security").mkdir(parents=True)
        (root / "sys/kernel/security/lockdown").write_text(lockdown)
    return root


@pytest.mark.parametrize(
    ("secure", "setup", "state", "status"),
    [
        (1, 0, SecureBootState.ENABLED, Status.PASS),
        (0, 0, SecureBootState.DISABLED, Status.INFO),
        (0, 1, SecureBootState.SETUP_MODE, Status.WARN),
        (None, None, SecureBootState.NOT_UEFI, Status.INFO),
    ],
)
def test_the_state_from_efivars(
    tmp_path: Path, secure: int | None, setup: int | None, state: SecureBootState, status: Status
) -> None:
    facts = probe(_tree(tmp_path, secure=secure, setup=setup), live_device_probe=False)
    found = read_secure_boot(facts)
    assert found.state is state
    finding = secure_boot_finding(found)
    assert finding.status is status
    assert "Guests' Secure Boot does not depend on it" in finding.detail
    if state is SecureBootState.SETUP_MODE:
        assert finding.remedy is not None
        assert "Enroll the platform's Secure Boot keys" in finding.remedy.summary


def test_uefi_without_the_variable_has_no_secure_boot(tmp_path: Path) -> None:
    root = _tree(tmp_path, secure=None, setup=0)
    facts = probe(root, live_device_probe=False)
    found = read_secure_boot(facts)
    assert found.state is SecureBootState.DISABLED
    assert any("this UEFI firmware has no Secure Boot" in observed for _, observed in found.evidence)


def test_lockdown_is_named_with_what_it_refuses(tmp_path: Path) -> None:
    facts = probe(
        _tree(tmp_path, secure=1, setup=0, lockdown="none [integrity] confidentiality\n"),
        live_device_probe=False,
    )
    found = read_secure_boot(facts)
    assert found.lockdown == "integrity"
    assert "lockdown (integrity)" in secure_boot_finding(found).detail


def test_a_tree_without_a_kernels_sys_is_unknown_never_not_uefi(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    found = read_secure_boot(probe(tmp_path, live_device_probe=False))
    assert found.state is SecureBootState.UNKNOWN
    assert "/sys/firmware/efi was not observed" in found.why_unknown
    assert secure_boot_finding(found).status is Status.UNKNOWN


@pytest.mark.parametrize(
    ("said", "state"),
    [
        ("SecureBoot enabled\n", SecureBootState.ENABLED),
        ("SecureBoot disabled\n", SecureBootState.DISABLED),
        ("SecureBoot disabled\nPlatform is in Setup Mode\n", SecureBootState.SETUP_MODE),
        ("This system doesn't support Secure Boot\n", SecureBootState.NOT_UEFI),
    ],
)
def test_mokutil_decides_when_the_variables_were_not_read(said: str, state: SecureBootState) -> None:
    facts = HostFacts(commands={MOKUTIL: CommandRun(("mokutil", "--sb-state"), 0, said)})
    assert read_secure_boot(facts).state is state


def test_damaged_variables_are_not_guessed() -> None:
    assert efi_variable_value("0600") is None  # too short: no value byte
    assert efi_variable_value("zz") is None
    assert efi_variable_value("0600000001") == 1
    facts = HostFacts(
        stats={"/sys/firmware/efi": PathStat(exists=True, kind="dir")},
        files={
            SECURE_BOOT_VARIABLE: FileRead(error="EACCES: Permission denied"),
            SETUP_MODE_VARIABLE: FileRead(error="EACCES: Permission denied"),
        },
    )
    found = read_secure_boot(facts)
    assert found.state is SecureBootState.UNKNOWN
    assert (SECURE_BOOT_VARIABLE, "EACCES: Permission denied") in found.evidence


def test_the_demo_hosts_say_it() -> None:
    assert read_secure_boot(demo("tpm2-host")).state is SecureBootState.ENABLED
    assert read_secure_boot(demo("intel-ready")).state is SecureBootState.DISABLED
    assert read_secure_boot(demo("power9")).state is SecureBootState.NOT_UEFI


def _firmware_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(DEBIAN_OVMF, root / "usr/share/qemu/firmware")
    (root / "usr/share/OVMF").mkdir(parents=True)
    for name in ("OVMF_CODE_4M.ms.fd", "OVMF_CODE_4M.secboot.fd", "OVMF_CODE_4M.fd"):
        (root / "usr/share/OVMF" / name).touch()
    return root


def test_descriptors_in_libvirts_order_with_etc_overriding(tmp_path: Path) -> None:
    root = _firmware_root(tmp_path)
    firmware = read_guest_firmware(probe(root, live_device_probe=False))
    assert firmware.seen is Seen.PRESENT
    names = [descriptor.name for descriptor in firmware.matching("x86_64", "pc-q35-7.2")]
    assert names == [
        "40-edk2-x86_64-secure-enrolled.json",
        "50-edk2-x86_64-secure.json",
        "60-edk2-x86_64.json",
    ]
    assert [item.name for item in firmware.matching("x86_64", "pc-i440fx-7.2")] == ["60-edk2-x86_64.json"]
    picked = firmware.secure_boot_pick("x86_64", "pc-q35-7.2")
    assert picked is not None
    assert picked.enrolled_keys
    assert "requires-smm" in picked.features
    assert picked.executable_exists is True
    assert firmware.secure_boot_pick("aarch64", "virt-7.2") is None
    # An empty file of the same name in /etc hides the distribution's descriptor: libvirt picks the next one.
    (root / "etc/qemu/firmware").mkdir(parents=True)
    (root / "etc/qemu/firmware/40-edk2-x86_64-secure-enrolled.json").write_text("")
    hidden = read_guest_firmware(probe(root, live_device_probe=False)).secure_boot_pick(
        "x86_64", "pc-q35-7.2"
    )
    assert hidden is not None
    assert hidden.name == "50-edk2-x86_64-secure.json"
    assert not hidden.enrolled_keys
    (root / "etc/qemu/firmware/10-broken.json").write_text("{not json")
    broken = read_guest_firmware(probe(root, live_device_probe=False))
    assert any("10-broken.json: not JSON" in problem for problem in broken.problems)


def test_no_firmware_directory_is_absent_and_none_observed_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    assert read_guest_firmware(probe(tmp_path, live_device_probe=False)).seen is Seen.ABSENT
    assert read_guest_firmware(HostFacts()).seen is Seen.UNKNOWN
    facts = dataclasses.replace(
        HostFacts(), dirs={"/usr/share/qemu/firmware": DirList(error="EACCES: Permission denied")}
    )
    assert read_guest_firmware(with_file(facts, "/x", "")).seen is Seen.UNKNOWN
