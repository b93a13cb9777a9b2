"""TPM detection from hand-made host facts: 2.0, 1.2, none, no resource manager, unreadable sysfs."""

from __future__ import annotations

from pathlib import Path

from wizard.host.facts import (
    DirList,
    FileRead,
    HostFacts,
    PathStat,
    UdevDevice,
    facts_from_toml,
    facts_to_toml,
)
from wizard.host.probe import probe_tpm
from wizard.tpm import TpmKind, detect_tpm
from wizard.tpm.detect import FIRMWARE_HINT

ENOENT = "ENOENT: No such file or directory"
EACCES = "EACCES: Permission denied"
NODE = PathStat(
    exists=True, kind="char", mode=0o660, uid=0, gid=109, owner="tss", group="tss", major=10, minor=224
)


def tpm2_facts(
    dirs: dict[str, DirList] | None = None,
    files: dict[str, FileRead] | None = None,
    stats: dict[str, PathStat] | None = None,
) -> HostFacts:
    """A host with a firmware TPM 2.0 as a 6.1 kernel shows it; each argument replaces one part."""
    return HostFacts(
        dirs=dirs
        if dirs is not None
        else {"/sys/class/tpm": DirList(("tpm0",)), "/sys/class/tpmrm": DirList(("tpmrm0",))},
        files=files
        if files is not None
        else {
            "/sys/class/tpm/tpm0/tpm_version_major": FileRead("2\n"),
            "/sys/class/tpm/tpm0/device/description": FileRead("TPM 2.0 Device\n"),
        },
        stats=stats
        if stats is not None
        else {
            "/dev/tpm0": NODE,
            "/dev/tpmrm0": NODE,
            "/sys/class/tpm/tpm0/device/driver": PathStat(
                exists=True, kind="symlink", target="../../../../bus/platform/drivers/tpm_crb"
            ),
        },
    )


def test_tpm2_with_resource_manager() -> None:
    detection = detect_tpm(tpm2_facts())
    assert detection.kind is TpmKind.TPM2
    device = detection.tpm2
    assert device is not None
    assert (device.name, device.version, device.driver) == ("tpm0", "2.0", "tpm_crb")
    assert device.description == "TPM 2.0 Device"
    assert device.resource_manager.path == "/dev/tpmrm0"
    assert device.resource_manager.access == "mode 0660, owner tss, group tss"
    assert detection.summary == "TPM 2.0 found: tpm0 (/dev/tpm0, /dev/tpmrm0)."
    assert not detection.problems
    assert not detection.warnings


def test_tpm2_survives_a_facts_recording_round_trip() -> None:
    recorded = facts_from_toml(facts_to_toml(tpm2_facts()), "recording: test")
    assert detect_tpm(recorded) == detect_tpm(tpm2_facts())


def test_tpm12_from_version_major_and_from_caps() -> None:
    by_major = tpm2_facts(
        dirs={"/sys/class/tpm": DirList(("tpm0",))},
        files={"/sys/class/tpm/tpm0/tpm_version_major": FileRead("1\n")},
        stats={"/dev/tpm0": NODE},
    )
    by_caps = tpm2_facts(
        dirs={"/sys/class/tpm": DirList(("tpm0",))},
        files={
            "/sys/class/tpm/tpm0/tpm_version_major": FileRead(error=ENOENT),
            "/sys/class/tpm/tpm0/device/caps": FileRead("Manufacturer: 0x49465800\nTCG version: 1.2\n"),
        },
        stats={"/dev/tpm0": NODE},
    )
    for facts in (by_major, by_caps):
        detection = detect_tpm(facts)
        assert detection.kind is TpmKind.TPM12
        assert "tpm2-tools cannot use" in detection.problems[0]
        assert any("TPM 2.0" in hint for hint in detection.hints)


def test_no_tpm_gives_the_firmware_hint() -> None:
    facts = HostFacts(
        dirs={"/sys/class/tpm": DirList(error=ENOENT)},
        files={"/proc/cpuinfo": FileRead("processor\t: 0\nflags\t\t: fpu vme de\n")},
    )
    detection = detect_tpm(facts)
    assert detection.kind is TpmKind.NONE
    assert detection.summary == "No TPM found: the kernel shows no TPM device."
    assert detection.hints[0] == FIRMWARE_HINT
    assert "Intel PTT" in FIRMWARE_HINT
    assert "AMD fTPM" in FIRMWARE_HINT
    assert any("tpm_crb" in hint for hint in detection.hints)  # the class is missing: maybe no driver
    assert not any("virtual machine" in hint for hint in detection.hints)
    assert detection.evidence[0] == "/sys/class/tpm: does not exist"


def test_no_tpm_in_a_virtual_machine_says_to_add_one_in_the_hypervisor() -> None:
    facts = HostFacts(
        dirs={"/sys/class/tpm": DirList(())},
        files={"/proc/cpuinfo": FileRead("flags\t\t: fpu vme hypervisor lahf_lm\n")},
    )
    detection = detect_tpm(facts)
    assert detection.kind is TpmKind.NONE
    assert any("virtual machine" in hint for hint in detection.hints)
    assert not any("tpm_crb" in hint for hint in detection.hints)  # the class exists: the driver is there


def test_no_resource_manager_but_tpm0_present() -> None:
    facts = tpm2_facts(
        dirs={"/sys/class/tpm": DirList(("tpm0",)), "/sys/class/tpmrm": DirList(error=ENOENT)},
        stats={"/dev/tpm0": NODE},
    )
    detection = detect_tpm(facts)
    assert detection.kind is TpmKind.TPM2
    assert detection.summary == "TPM 2.0 found: tpm0 (/dev/tpm0)."
    assert "/dev/tpmrm0 is missing" in detection.warnings[0]
    assert "one program at a time" in detection.warnings[0]


def test_unreadable_sysfs_is_unknown_not_absent() -> None:
    detection = detect_tpm(HostFacts(dirs={"/sys/class/tpm": DirList(error=EACCES)}))
    assert detection.kind is TpmKind.UNKNOWN
    assert EACCES in detection.summary
    assert "run the check as root" in detection.problems[0].lower()


def test_unreadable_version_falls_back_to_the_resource_manager_or_stays_unknown() -> None:
    unreadable = {"/sys/class/tpm/tpm0/tpm_version_major": FileRead(error=EACCES)}
    with_rm = detect_tpm(tpm2_facts(files=unreadable))
    assert with_rm.kind is TpmKind.TPM2  # only TPM 2.0 gets /dev/tpmrm0
    without_rm = detect_tpm(
        tpm2_facts(files=unreadable, dirs={"/sys/class/tpm": DirList(("tpm0",))}, stats={"/dev/tpm0": NODE})
    )
    assert without_rm.kind is TpmKind.UNKNOWN
    assert f"/sys/class/tpm/tpm0/tpm_version_major: {EACCES}" in without_rm.evidence


def test_udev_devices_name_the_nodes() -> None:
    facts = HostFacts(
        udev=(
            UdevDevice("tpm", "tpm0", "/dev/tpm0", True, {"MAJOR": "10", "MINOR": "224"}),
            UdevDevice("tpmrm", "tpmrm0", "/dev/tpmrm0", True, {"MAJOR": "253", "MINOR": "65536"}),
        ),
        stats={"/dev/tpm0": NODE, "/dev/tpmrm0": NODE},
    )
    detection = detect_tpm(facts)
    assert detection.kind is TpmKind.TPM2
    assert detection.devices[0].source == "udev"


def test_nothing_recorded_is_unknown() -> None:
    detection = detect_tpm(HostFacts())
    assert detection.kind is TpmKind.UNKNOWN
    assert "record the host again" in detection.problems[0]


def test_probe_tpm_reads_a_fake_root(tmp_path: Path) -> None:
    tpm0 = tmp_path / "sys/class/tpm/tpm0"
    (tpm0 / "device").mkdir(parents=True)
    (tpm0 / "tpm_version_major").write_text("2\n")
    (tmp_path / "sys/class/tpmrm/tpmrm0").mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text(
        "root:x:0:0::/root:/bin/sh\ntss:x:102:109::/var/lib/tpm:/bin/false\n"
    )
    (tmp_path / "etc/group").write_text("root:x:0:\ntss:x:109:\n")
    (tmp_path / "usr/bin").mkdir(parents=True)
    tool = tmp_path / "usr/bin/tpm2"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)

    facts = probe_tpm(tmp_path, environment={"TPM2TOOLS_TCTI": "swtpm:port=1"})
    assert facts.root == str(tmp_path)
    assert facts.executables["tpm2"] == "/usr/bin/tpm2"
    assert facts.executables["swtpm"] == ""
    assert facts.environment == {"TPM2TOOLS_TCTI": "swtpm:port=1"}
    assert facts.files["/sys/class/tpm/tpm0/tpm_version_major"].content == "2\n"
    assert facts.stats["/dev/tpmrm0"].exists is False
    assert facts.udev == ()  # udev describes the machine, not a root
    detection = detect_tpm(facts)
    assert detection.kind is TpmKind.TPM2
    assert "Neither /dev/tpmrm0 nor /dev/tpm0 exists" in detection.warnings[0]


ESCAPED = "ESCAPED-7f3a"  # in every file outside the root: it must never show up in what the probe records


def _outside(base: Path) -> Path:
    """A host tree outside the root, with a TPM 2.0, its tools and accounts: what an escaping read would see."""
    files = {
        "class/tpm/tpm0/tpm_version_major": f"2\n{ESCAPED}\n",
        "class/tpm/tpm0/device/description": f"TPM 2.0 Device {ESCAPED}\n",
        "class/tpm/tpm0/device/caps": f"TCG version: 2.0 {ESCAPED}\n",
        "etc/passwd": f"root:x:0:0::/root:/bin/sh\ntss:x:102:109:{ESCAPED}:/var/lib/tpm:/bin/false\n",
        "etc/group": f"root:x:0:\ntss:x:109:{ESCAPED}\n",
        "etc/os-release": f"ID={ESCAPED}\n",
        "proc/cpuinfo": f"processor\t: 0\nflags\t\t: fpu hypervisor {ESCAPED}\n",
        "dev/tpm0": ESCAPED,
        "dev/tpmrm0": ESCAPED,
    }
    for relative, text in files.items():
        (base / relative).parent.mkdir(parents=True, exist_ok=True)
        (base / relative).write_text(text)
    (base / "class/tpmrm/tpmrm0").mkdir(parents=True)
    (base / "class/tpm/tpm0/device/driver").symlink_to(f"../../../../bus/{ESCAPED}")
    for tool in ("tpm2", "swtpm", "swtpm_setup"):
        (base / "bin" / tool).parent.mkdir(exist_ok=True)
        (base / "bin" / tool).write_text(f"#!/bin/sh\n# {ESCAPED}\n")
        (base / "bin" / tool).chmod(0o755)
    return base


def _link(root: Path, path: str, target: Path) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).symlink_to(target)  # absolute, to a real path outside the root


def _nothing_escaped(facts: HostFacts) -> None:
    assert ESCAPED not in facts_to_toml(facts)
    assert facts.executables["tpm2"] == facts.executables["swtpm"] == ""
    assert facts.text("/etc/passwd") is None
    assert facts.text("/etc/os-release") is None
    assert facts.text("/proc/cpuinfo") is None


def test_no_tpm_read_follows_an_entry_linked_out_of_the_root(tmp_path: Path) -> None:
    outside = _outside(tmp_path / "outside")
    root = tmp_path / "root"
    _link(root, "sys/class/tpm/tpm0", outside / "class/tpm/tpm0")
    _link(root, "sys/class/tpmrm/tpmrm0", outside / "class/tpmrm/tpmrm0")
    for path in ("etc/passwd", "etc/group", "etc/os-release", "proc/cpuinfo", "dev/tpmrm0"):
        _link(root, path, outside / path)
    for tool in ("tpm2", "swtpm", "swtpm_setup"):
        _link(root, f"usr/bin/{tool}", outside / "bin" / tool)

    facts = probe_tpm(root, environment={})
    _nothing_escaped(facts)
    # The entries are in the root; what they point at, taken inside the root as a chroot would, is not.
    assert facts.listing("/sys/class/tpm") == ("tpm0",)
    for attribute in ("tpm_version_major", "device/description", "device/caps"):
        assert (facts.files[f"/sys/class/tpm/tpm0/{attribute}"].error or "").startswith("ENOENT")
    assert facts.stats["/sys/class/tpm/tpm0/device/driver"].exists is False
    assert facts.stats["/dev/tpmrm0"].kind == "symlink"  # the link itself (lstat), never its target
    detection = detect_tpm(facts)
    assert detection.devices[0].driver == ""
    assert detection.devices[0].description == ""


def test_no_tpm_read_follows_a_directory_linked_out_of_the_root(tmp_path: Path) -> None:
    outside = _outside(tmp_path / "outside")
    root = tmp_path / "root"
    for path, target in (("sys/class", "class"), ("etc", "etc"), ("proc", "proc"), ("dev", "dev")):
        _link(root, path, outside / target)
    _link(root, "usr/bin", outside / "bin")

    facts = probe_tpm(root, environment={})
    _nothing_escaped(facts)
    assert (facts.dirs["/sys/class/tpm"].error or "").startswith("ENOENT")
    assert facts.stats["/dev/tpm0"].exists is False
    assert facts.stats["/dev/tpmrm0"].exists is False
    assert detect_tpm(facts).kind is TpmKind.NONE


def test_no_modprobe_is_suggested_on_a_kernel_that_cannot_load_modules() -> None:
    facts = HostFacts(
        dirs={"/sys/class/tpm": DirList(error=ENOENT)},
        files={
            "/proc/cpuinfo": FileRead("flags\t\t: fpu vme\n"),
            "/proc/config.gz": FileRead("# CONFIG_MODULES is not set\n"),
        },
    )
    detection = detect_tpm(facts)
    assert not any("modprobe" in hint for hint in detection.hints)
    assert any("CONFIG_TCG_TIS or CONFIG_TCG_CRB" in hint for hint in detection.hints)
