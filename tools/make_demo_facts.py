"""Write assets/demo/NAME/facts.toml for every demo scenario: the recording of a host that never existed.

The files a distribution ships (assets/demo/_common/root + assets/demo/NAME/root) are probed for real,
so the recording and the tree always agree. What only a live kernel could show (/proc, /sys, device nodes,
the KVM API probe, CPUID, MSRs, the kernel log, vgs and tpm2 output) is described in tools/demo_hardware.py: the
tool writes the /proc and /sys files (and the installed programs and Python packages) into a scratch copy of the
tree before probing it, and sets the rest on the facts afterwards. libvirt's answers come from a recording of a
real libvirt like the host's (tools/libvirt_answers/, written by tools/record_libvirt.py), where there is one.

    .venv/bin/python tools/make_demo_facts.py          # then review `git diff assets/demo`
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.demo_hardware import HARDWARE, Hardware  # noqa: E402
from wizard.demo import list_scenarios  # noqa: E402
from wizard.host.facts import CommandRun, HostFacts, PathStat, StackFacts, facts_to_toml  # noqa: E402
from wizard.host.firmware import FirmwareDescriptor, parse_descriptor  # noqa: E402
from wizard.host.observed import KERNEL_TREE_MARKERS  # noqa: E402
from wizard.host.patterns import keep_kernel_line  # noqa: E402
from wizard.host.probe import probe  # noqa: E402
from wizard.host.secure_boot import EFI_GLOBAL_VARIABLE  # noqa: E402


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_kernel(tree: Path, hardware: Hardware) -> None:
    """The /proc, /sys, /boot and /lib/modules files of the demo host, into a scratch tree."""
    _write(tree / "proc/sys/kernel/arch", hardware.machine + "\n")
    _write(tree / "proc/sys/kernel/osrelease", hardware.release + "\n")
    _write(tree / "proc/cpuinfo", hardware.cpuinfo)
    _write(tree / "proc/cmdline", hardware.cmdline + "\n")
    _write(tree / "proc/1/comm", "systemd\n")
    _write(tree / "proc/sys/kernel/dmesg_restrict", "1\n")
    vendor = next((name for name in ("kvm_intel", "kvm_amd", "kvm_hv") if name in hardware.modules), "")
    lines = [
        f"{name} {size.format(vendor=vendor)}{'' if size.endswith(',') else ' -'} Live 0x0000000000000000"
        for name, size in hardware.modules.items()
    ]
    _write(tree / "proc/modules", "".join(line + "\n" for line in lines))
    misc = [
        "235 autofs",
        "236 device-mapper",
        "183 hw_random",
        "200 tun",
        "237 loop-control",
        "238 vhost-net",
    ]
    if hardware.kvm.opened:
        misc.insert(0, "232 kvm")
    _write(tree / "proc/misc", "".join(line + "\n" for line in misc))
    for name in hardware.modules:
        _write(tree / f"sys/module/{name}/initstate", "live\n")
    for name in hardware.builtin:
        (tree / f"sys/module/{name}/parameters").mkdir(parents=True, exist_ok=True)
    for name, value in hardware.nested.items():
        _write(tree / f"sys/module/{name}/parameters/nested", value + "\n")
    config = "".join(line + "\n" for line in hardware.config)
    _write(tree / f"boot/config-{hardware.release}", config)
    (tree / f"lib/modules/{hardware.release}").mkdir(parents=True, exist_ok=True)
    if hardware.dmi:
        _write(tree / "sys/class/dmi/id/sys_vendor", hardware.dmi[0] + "\n")
        _write(tree / "sys/class/dmi/id/product_name", hardware.dmi[1] + "\n")
    if hardware.opal:
        (tree / "sys/firmware/opal").mkdir(parents=True, exist_ok=True)
    for table in hardware.acpi:
        _write(tree / f"sys/firmware/acpi/tables/{table}", "")
    write_firmware(tree, hardware)
    (tree / "sys/kernel/iommu_groups").mkdir(parents=True, exist_ok=True)
    for number in range(hardware.iommu_groups):
        (tree / f"sys/kernel/iommu_groups/{number}").mkdir()
    (tree / "sys/class/tpm").mkdir(parents=True, exist_ok=True)
    for name in hardware.tpm:
        _write(tree / f"sys/class/tpm/{name}/tpm_version_major", "2\n")
        _write(tree / f"sys/class/tpm/{name}/device/description", "TPM 2.0 Device\n")
        (tree / f"sys/class/tpm/{name}/device/driver").symlink_to("../../../bus/platform/drivers/tpm_crb")
        (tree / f"sys/class/tpmrm/{name.replace('tpm', 'tpmrm')}").mkdir(parents=True)
    for pid, argv, cgroup in hardware.processes:
        (tree / f"proc/{pid}").mkdir(parents=True, exist_ok=True)
        (tree / f"proc/{pid}/cmdline").write_bytes(b"".join(part.encode() + b"\0" for part in argv))
        _write(tree / f"proc/{pid}/cgroup", cgroup + "\n")
    for name in hardware.executables:
        directory = "usr/libexec" if name == "qemu-kvm" else "usr/bin"
        _write(tree / directory / name, "")
        (tree / directory / name).chmod(0o755)
    for path in hardware.python_packages:
        if path.endswith("/"):
            (tree / path.strip("/")).mkdir(parents=True, exist_ok=True)
        else:
            _write(tree / path.lstrip("/"), "")


def write_firmware(tree: Path, hardware: Hardware) -> None:
    """UEFI and its Secure Boot variables, the kernel's lockdown, and QEMU's firmware descriptors for guests
    (with an empty file where each firmware image is: only its existence is recorded)."""
    if hardware.efi is not None:
        variables = tree / "sys/firmware/efi/efivars"
        variables.mkdir(parents=True, exist_ok=True)
        attributes = bytes((6, 0, 0, 0))  # EFI_VARIABLE_BOOTSERVICE_ACCESS | RUNTIME_ACCESS
        for name, value in zip(("SecureBoot", "SetupMode"), hardware.efi, strict=True):
            (variables / f"{name}-{EFI_GLOBAL_VARIABLE}").write_bytes(attributes + bytes((value,)))
    if hardware.lockdown:
        modes = ("none", "integrity", "confidentiality")
        shown = " ".join(f"[{mode}]" if mode == hardware.lockdown else mode for mode in modes)
        _write(tree / "sys/kernel/security/lockdown", shown + "\n")
    if hardware.guest_firmware is not None:
        for descriptor in sorted((ROOT / "tools" / "firmware" / hardware.guest_firmware).glob("*.json")):
            text = descriptor.read_text(encoding="utf-8")
            _write(tree / "usr/share/qemu/firmware" / descriptor.name, text)
            parsed = parse_descriptor(str(descriptor), text)
            if isinstance(parsed, FirmwareDescriptor):
                for image in (parsed.executable, parsed.nvram_template):
                    _write(tree / image.lstrip("/"), "")


def libvirt_answers(hardware: Hardware) -> StackFacts:
    """The recorded answers of a libvirt like this host's (tools/record_libvirt.py), or why there are none."""
    if hardware.libvirt_answers is None:
        return StackFacts(
            libvirt_error="not recorded: no libvirt like this demo host's was at hand to ask (tools/record_libvirt.py)"
        )
    data = tomllib.loads((ROOT / "tools" / "libvirt_answers" / hardware.libvirt_answers).read_text())
    answers = {
        key: CommandRun(
            argv=tuple(entry["argv"]),
            returncode=entry["returncode"],
            stdout=entry["stdout"],
            stderr=entry["stderr"],
        )
        for key, entry in data["answers"].items()
    }
    return StackFacts(libvirt_uri=answers["version"].argv[2], libvirt=dict(sorted(answers.items())))


def record(name: str, hardware: Hardware, layers: tuple[Path, ...]) -> HostFacts:
    with tempfile.TemporaryDirectory(prefix=f"demo-{name}-") as scratch:
        tree = Path(scratch)
        for layer in layers:
            shutil.copytree(layer, tree, symlinks=True, dirs_exist_ok=True)
        write_kernel(tree, hardware)
        facts = probe(tree, live_device_probe=False)
    stats = dict(facts.stats)
    # A live probe asks /proc, /sys and /dev of the running kernel (HostFacts.kernel_trees), and stats no marker:
    # the scratch tree's markers say nothing of the host recorded.
    for marker in KERNEL_TREE_MARKERS.values():
        stats.pop(marker, None)
    for path, device in hardware.devices.items():
        stats[path] = device
    for path in (
        "/dev/kvm",
        "/dev/vhost-net",
        "/dev/net/tun",
        "/dev/tpm0",
        "/dev/tpmrm0",
        "/run/udev/control",
    ):
        stats.setdefault(path, PathStat(exists=False))
        if path not in hardware.devices:
            stats[path] = PathStat(exists=False)
    stats["/sys/class/misc/kvm"] = (
        PathStat(
            exists=True,
            kind="symlink",
            mode=0o777,
            uid=0,
            gid=0,
            owner="root",
            group="root",
            target="../../devices/virtual/misc/kvm",
        )
        if hardware.kvm.opened
        else PathStat(exists=False)
    )
    nova_group = (
        112 if "/etc/modules" in facts.files and facts.files["/etc/modules"].content is not None else 162
    )
    stats["/etc/nova/nova.conf"] = PathStat(
        exists=True, kind="file", mode=0o640, uid=0, gid=nova_group, owner="root", group="nova"
    )
    for path, entry in list(stats.items()):
        if entry.exists and entry.kind in {"file", "dir"} and path != "/etc/nova/nova.conf":
            stats[path] = dataclasses.replace(entry, uid=0, gid=0, owner="root", group="root")
    commands = {
        "vgs": CommandRun(
            argv=("vgs", "--noheadings", "-o", "vg_name"), returncode=0, stdout="  nova-vg\n  system-vg\n"
        ),
    }
    commands.update(hardware.commands)
    if hardware.tpm2_version:
        commands["tpm2 --version"] = CommandRun(
            argv=("tpm2", "--version"),
            returncode=0,
            stdout=f'tool="tpm2" version="{hardware.tpm2_version}" tctis="libtss2-tctildr" tcti-default=tcti-device\n',
        )
    kernel_log = tuple(line for line in hardware.kernel_log if keep_kernel_line(line))
    return dataclasses.replace(
        facts,
        source=f"demo: {name}",
        root="/",
        machine=hardware.machine,
        kernel_release=hardware.release,
        euid=0,
        stats=dict(sorted(stats.items())),
        commands=commands,
        kvm=hardware.kvm,
        kernel_log=kernel_log,
        kernel_log_source="/dev/kmsg",
        kernel_log_error=None,
        cpuid=hardware.cpuid,
        cpuid_error=hardware.cpuid_error,
        msr=hardware.msr,
        msr_error=hardware.msr_error,
        udev=hardware.udev,
        udev_error=None,
        environment={},
        probe_errors=(),
        probe_seconds=0.0,
        # A recording of a live host: its /proc, /sys and /dev were a running kernel's.
        kernel_trees=tuple(KERNEL_TREE_MARKERS),
        stack=dataclasses.replace(
            libvirt_answers(hardware),
            python_packages=facts.stack.python_packages,
            packages_searched=facts.stack.packages_searched,
        ),
    )


def main() -> int:
    for scenario in list_scenarios():
        hardware = HARDWARE[scenario.name]
        facts = record(scenario.name, hardware, scenario.layers)
        text = facts_to_toml(facts)
        scenario.facts_path.write_text(text, encoding="utf-8")
        print(f"{scenario.facts_path.relative_to(ROOT)}: {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
