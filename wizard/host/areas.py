"""What the probe reads, area by area: kernel, devices, accounts, distribution, firmware, TPM, nova, logs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from wizard.commands import CommandRunner
from wizard.host.collect import Collector
from wizard.host.facts import CommandRun, FileRead, PathStat
from wizard.host.firmware import FIRMWARE_DIRECTORIES, MAX_DESCRIPTORS, FirmwareDescriptor, parse_descriptor
from wizard.host.identify import DMI_FILES as HYPERVISOR_DMI_FILES
from wizard.host.ini_record import RECORDED_CONFIGS, record_ini
from wizard.host.live import bound_lines, read_kmsg
from wizard.host.observed import KERNEL_TREE_MARKERS
from wizard.host.parsing import parse_group, parse_passwd, parse_qemu_conf_user, split_cpuinfo
from wizard.host.patterns import LOG_MAX_KEPT, LOG_TAIL_LINES, clip_log_line, keep_kernel_line, keep_log_line
from wizard.host.secure_boot import (
    EFI_DIRECTORY,
    LOCKDOWN,
    MOKUTIL,
    SECURE_BOOT_VARIABLE,
    SETUP_MODE_VARIABLE,
)
from wizard.secrets import mask_text

MODULES = ("kvm", "kvm_intel", "kvm_amd", "kvm_hv", "kvm_pr", "kvm_pvm", "vhost_net", "tun")
NESTED_MODULES = ("kvm", "kvm_intel", "kvm_amd", "kvm_hv")  # the modules with a `nested` parameter
DEVICES = ("/dev/kvm", "/dev/vhost-net", "/dev/net/tun", "/dev/tpm0", "/dev/tpmrm0", "/run/udev/control")
ACCOUNTS = ("root", "kvm", "libvirt", "libvirt-qemu", "qemu", "nova", "tss")
EXECUTABLES = (
    "tpm2",
    "tpm2_getrandom",
    "tpm2_selftest",
    "tpm2_getcap",
    "tpm2_pcrread",
    "tpm2_startup",
    "mokutil",
    "swtpm",
    "swtpm_setup",
    "vgs",
    "udevadm",
    "modprobe",
    "qemu-system-x86_64",
    "qemu-system-aarch64",
    "qemu-system-ppc64",
    "qemu-system-s390x",
    "qemu-kvm",
    "virsh",
    "rbd",
    "nova-compute",
    "glance-api",
    "systemctl",
    "docker",
    "podman",
    "apt-get",
    "dnf",
    "yum",
    "zypper",
    "pacman",
)
PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/libexec")
# The only programs the probe runs (found on the root's PATH), each of them read-only.
READ_ONLY_COMMANDS: dict[str, tuple[str, ...]] = {
    "vgs": ("vgs", "--noheadings", "-o", "vg_name"),
    "tpm2 --version": ("tpm2", "--version"),
    "tpm2_getrandom --version": ("tpm2_getrandom", "--version"),
    MOKUTIL: ("mokutil", "--sb-state"),
    # Whether kolla-ansible's containers run: only where /etc/kolla exists (wizard.host.service_probe).
    "docker ps": ("docker", "ps", "--format", "{{.Names}}"),
    "podman ps": ("podman", "ps", "--format", "{{.Names}}"),
}
COMMAND_TIMEOUT = 3.0
MODULE_LOAD_DIRS = (
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
)
# kmod's directories, in its order of precedence (libkmod.c default_config_paths).
MODPROBE_DIRS = (
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
)
UDEV_RULES_DIRS = ("/etc/udev/rules.d", "/run/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d")
NOVA_LOGS = ("/var/log/nova/nova-compute.log", "/var/log/libvirt/libvirtd.log")
KERNEL_LOG_FILES = ("/var/log/kern.log", "/var/log/messages")
SYSFS_TPM = "/sys/class/tpm"
SYSFS_TPMRM = "/sys/class/tpmrm"

Keep = Callable[[str], tuple[str, bool]]

# Kernel configuration options diagnosis reads (a prefix test: the configuration has thousands of lines).
_CONFIG_NAMES = (
    "MODULES=", "MODULES ", "KVM", "VHOST", "TUN=", "TUN ", "TCG_TPM", "TCG_TIS", "TCG_CRB", "IOMMU_SUPPORT",
    "INTEL_IOMMU=", "INTEL_IOMMU ", "AMD_IOMMU=", "AMD_IOMMU ", "VFIO=", "VFIO ", "PVM", "HYPERVISOR_GUEST",
)  # fmt: skip
_CONFIG_PREFIXES = tuple(f"CONFIG_{name}" for name in _CONFIG_NAMES) + tuple(
    f"# CONFIG_{name}" for name in _CONFIG_NAMES
)
_MODPROBE_KEEP = re.compile(r"kvm|vhost|\btun\b|tpm", re.IGNORECASE)
_UDEV_KVM = re.compile(r'KERNEL\s*==\s*"kvm"')
_QEMU_CONF_KEEP = re.compile(r"^\s*#?\s*(user|group|swtpm_user|swtpm_group)\s*=")


def keep_matching(pattern: re.Pattern[str]) -> Keep:
    def keep(text: str) -> tuple[str, bool]:
        lines = text.splitlines()
        kept = [line for line in lines if pattern.search(line)]
        return _joined(kept), len(kept) != len(lines)

    return keep


def _joined(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _keep_config(text: str) -> tuple[str, bool]:
    lines = text.splitlines()
    kept = [line for line in lines if line.startswith(_CONFIG_PREFIXES)]
    return _joined(kept), len(kept) != len(lines)


def _keep_module_lines(text: str) -> tuple[str, bool]:
    lines = text.splitlines()
    kept = [line for line in lines if line.split(" ", 1)[0].replace("-", "_") in MODULES]
    return _joined(kept), len(kept) != len(lines)


def _keep_builtin(text: str) -> tuple[str, bool]:
    lines = text.splitlines()
    kept = [line for line in lines if Path(line).name.split(".ko")[0].replace("-", "_") in MODULES]
    return _joined(kept), len(kept) != len(lines)


def _keep_log(text: str) -> tuple[str, bool]:
    # A log line can quote a connection URL or a password: masked before it is recorded.
    kept = [clip_log_line(mask_text(line)) for line in text.splitlines() if keep_log_line(line)]
    return _joined(kept[-LOG_MAX_KEPT:]), True


def read_cpuinfo(collector: Collector) -> str:
    return collector.read("/proc/cpuinfo", split_cpuinfo) or ""


def read_kernel(collector: Collector, release: str) -> None:
    """Modules, kernel configuration, command line and the misc devices the kernel registered."""
    collector.read("/proc/modules", _keep_module_lines)
    collector.read("/proc/cmdline")
    collector.read("/proc/misc")
    collector.read("/proc/1/comm")
    collector.read("/proc/sys/kernel/dmesg_restrict")
    collector.read("/proc/sysinfo")
    for name in MODULES:
        if collector.stat(f"/sys/module/{name}").exists:
            collector.read(f"/sys/module/{name}/initstate")
            if name in NESTED_MODULES:
                collector.read(f"/sys/module/{name}/parameters/nested")
    keep_config = _keep_config
    if collector.read_gzip("/proc/config.gz", keep_config) is None and release:
        collector.read(f"/boot/config-{release}", keep_config)
    if release and collector.stat(f"/lib/modules/{release}").exists:
        collector.read(f"/lib/modules/{release}/modules.builtin", _keep_builtin)


def read_devices(collector: Collector) -> list[PathStat]:
    found = [collector.stat(path) for path in DEVICES]
    for name in collector.listdir("/dev", record=False):
        if name.startswith("tpm") and f"/dev/{name}" not in collector.stats:
            found.append(collector.stat(f"/dev/{name}"))
    collector.stat("/sys/class/misc/kvm")
    return found


def read_libvirt(collector: Collector) -> tuple[str | None, str | None]:
    """The user and group libvirt runs QEMU as, when /etc/libvirt/qemu.conf sets them."""
    text = collector.read("/etc/libvirt/qemu.conf", keep_matching(_QEMU_CONF_KEEP))
    return parse_qemu_conf_user(text) if text is not None else (None, None)


def read_accounts(collector: Collector, device_stats: list[PathStat], qemu: tuple[str | None, ...]) -> None:
    """/etc/passwd and /etc/group: all parsed (for owner names), only the accounts that matter recorded."""
    users_text = collector.read("/etc/passwd", record=False)
    groups_text = collector.read("/etc/group", record=False)
    users = parse_passwd(users_text or "")
    groups = parse_group(groups_text or "")
    collector.user_names = {entry.uid: name for name, entry in reversed(users.items())}
    collector.group_names = {entry.gid: name for name, entry in reversed(groups.items())}
    names = set(ACCOUNTS) | {name for name in qemu if name}
    uids = {item.uid for item in device_stats if item.exists}
    gids = {item.gid for item in device_stats if item.exists}
    gids |= {entry.gid for name, entry in users.items() if name in names}
    for path, text, wanted in (("/etc/passwd", users_text, uids), ("/etc/group", groups_text, gids)):
        if text is None:
            continue  # the failure is recorded
        lines = text.splitlines()
        kept = [line for line in lines if line.split(":", 1)[0] in names or _third_field(line) in wanted]
        collector.files[path] = FileRead(content=_joined(kept), truncated=len(kept) != len(lines))


def restat_devices(collector: Collector) -> None:
    """Fill in owner and group names once the account files are parsed."""
    for path, found in list(collector.stats.items()):
        if found.exists and (found.uid >= 0 or found.gid >= 0):
            collector.stats[path] = replace(
                found,
                owner=collector.user_names.get(found.uid, ""),
                group=collector.group_names.get(found.gid, ""),
            )


def _third_field(line: str) -> int:
    fields = line.split(":")
    try:
        return int(fields[2])
    except (IndexError, ValueError):
        return -1


def read_os_release(collector: Collector) -> None:
    if collector.read("/etc/os-release") is None:
        collector.read("/usr/lib/os-release")


def read_distribution(collector: Collector) -> None:
    """os-release and where modules and their options are configured."""
    read_os_release(collector)
    collector.read("/etc/modules")
    seen: set[tuple[int, int]] = set()
    for directory in MODULE_LOAD_DIRS:
        if _duplicate(collector, directory, seen):
            continue
        for name in collector.listdir(directory):
            if name.endswith(".conf"):
                collector.read(f"{directory}/{name}")
    seen = set()
    keep = keep_matching(_MODPROBE_KEEP)
    for directory in MODPROBE_DIRS:
        if _duplicate(collector, directory, seen):
            continue
        for name in collector.listdir(directory):
            if name.endswith(".conf"):
                collector.read(f"{directory}/{name}", keep)
    seen = set()
    for directory in UDEV_RULES_DIRS:
        if _duplicate(collector, directory, seen):
            continue
        for name in collector.listdir(directory):
            if not name.endswith(".rules"):
                continue
            path = f"{directory}/{name}"
            text = collector.read(path, record=False)
            if text is not None and _UDEV_KVM.search(text):
                collector.files[path] = FileRead(content=keep_matching(_UDEV_KVM)(text)[0], truncated=True)


def _duplicate(collector: Collector, directory: str, seen: set[tuple[int, int]]) -> bool:
    """Whether ``directory`` is one already read (merged /usr); records it as seen otherwise."""
    identity = collector.identity(directory)
    if identity is None:
        return False
    if identity in seen:
        return True
    seen.add(identity)
    return False


def read_firmware(collector: Collector) -> None:
    """Machine identity (DMI, POWER OPAL, Xen), IOMMU tables and groups, the host's Secure Boot state."""
    collector.read("/sys/hypervisor/type")
    for path in ("/sys/firmware/opal", "/sys/firmware/acpi/tables/DMAR", "/sys/firmware/acpi/tables/IVRS"):
        collector.stat(path)
    collector.listdir("/sys/kernel/iommu_groups")
    read_secure_boot(collector)


def read_secure_boot(collector: Collector) -> None:
    """UEFI or not, and the SecureBoot and SetupMode variables (binary: recorded as hexadecimal); lockdown."""
    if collector.stat(EFI_DIRECTORY).exists:
        for path in (SECURE_BOOT_VARIABLE, SETUP_MODE_VARIABLE):
            collector.read_hex(path)
    collector.read(LOCKDOWN)


def read_guest_firmware(collector: Collector) -> None:
    """QEMU's firmware descriptors (a few small JSON files, kept whole) and whether each firmware file exists."""
    for directory in FIRMWARE_DIRECTORIES:
        collector.stat(directory)
        names = [name for name in collector.listdir(directory) if name.endswith(".json")]
        for name in names[:MAX_DESCRIPTORS]:
            path = f"{directory}/{name}"
            text = collector.read(path)
            parsed = parse_descriptor(path, text) if text else None
            if isinstance(parsed, FirmwareDescriptor) and parsed.executable.startswith("/"):
                collector.stat(parsed.executable)


# Where hypervisors show themselves (wizard.host.hypervisor reads them); PCI from sysfs only when /proc has none.
IDENTITY_FILES = (
    "/proc/xen/capabilities",
    "/proc/device-tree/hypervisor/compatible",
    "/proc/device-tree/compatible",
    "/proc/device-tree/ibm,partition-name",
)
PCI_SYSFS = "/sys/bus/pci/devices"
PCI_SYSFS_MAX = 256
_LPARCFG_KEEP = re.compile(r"^(lparcfg|serial_number|system_type|partition_id|shared_processor_mode)\b")


def _keep_device_tree(text: str) -> tuple[str, bool]:
    # Device-tree strings are NUL-separated lists: one per line in the record.
    return "\n".join(part for part in text.split("\0") if part) + "\n", False


def _keep_pci_ids(text: str) -> tuple[str, bool]:
    """/proc/bus/pci/devices: each device's bus/devfn and vendor+device id (what identifies a hypervisor)."""
    kept = [" ".join(line.split()[:2]) for line in text.splitlines() if len(line.split()) >= 2]
    return _joined(kept), True


def read_hypervisor_signs(collector: Collector) -> None:
    """DMI, PCI ids, Xen, the device tree and POWER's lparcfg: every place a hypervisor names itself."""
    for name in HYPERVISOR_DMI_FILES:
        collector.read(f"/sys/class/dmi/id/{name}")
    for path in IDENTITY_FILES:
        collector.read(path, _keep_device_tree if path.startswith("/proc/device-tree/") else None)
    collector.stat("/proc/device-tree/hmc-managed?")
    collector.read("/proc/ppc64/lparcfg", keep_matching(_LPARCFG_KEEP))
    if collector.read("/proc/bus/pci/devices", _keep_pci_ids) is None:
        for name in collector.listdir(PCI_SYSFS)[:PCI_SYSFS_MAX]:
            collector.read(f"{PCI_SYSFS}/{name}/vendor")
            collector.read(f"{PCI_SYSFS}/{name}/device")
    if not collector.live_root:
        # Whether /proc, /sys and /dev under the root are a running kernel's (mounted) or copies: a file
        # missing from a copy was not recorded, not absent (wizard.host.observed).
        for marker in KERNEL_TREE_MARKERS.values():
            collector.stat(marker)


def read_tpm(collector: Collector) -> None:
    """TPM devices in sysfs."""
    for name in collector.listdir(SYSFS_TPM):
        collector.read(f"{SYSFS_TPM}/{name}/tpm_version_major")
        collector.read(f"{SYSFS_TPM}/{name}/device/description")
        collector.read(f"{SYSFS_TPM}/{name}/device/caps")
        collector.stat(f"{SYSFS_TPM}/{name}/device/driver")
    collector.listdir(SYSFS_TPMRM)


def _keep_ini(file_kind: str) -> Keep:
    def keep(text: str) -> tuple[str, bool]:
        return record_ini(file_kind, text), True

    return keep


def read_nova(collector: Collector) -> None:
    """nova's and glance's settings (secrets masked, see wizard.host.ini_record), ceph.conf's presence, the logs."""
    for path in ("/etc/nova/nova.conf", "/etc/glance/glance-api.conf", "/etc/ceph/ceph.conf"):
        collector.stat(path)
    for path, file_kind in RECORDED_CONFIGS.items():
        collector.read(path, _keep_ini(file_kind))
    for path in NOVA_LOGS:
        collector.read_tail(path, LOG_TAIL_LINES, _keep_log)


def read_executables(collector: Collector) -> dict[str, str]:
    """Where each program of EXECUTABLES is on the root's PATH ("" when it is not installed)."""
    found = dict.fromkeys(EXECUTABLES, "")
    seen: set[tuple[int, int]] = set()
    for directory in PATH_DIRS:
        if _duplicate(collector, directory, seen):
            continue
        names = set(collector.listdir(directory, record=False))
        for name in EXECUTABLES:
            if not found[name] and name in names and collector.is_executable(f"{directory}/{name}"):
                found[name] = f"{directory}/{name}"
    return found


def read_kernel_log(collector: Collector, live: bool) -> tuple[tuple[str, ...], str, str | None]:
    """The kernel log lines that matter: /dev/kmsg on the live host (root needed), else the log files."""
    problems: list[str] = []
    if live:
        lines, error = read_kmsg()
        if error is None:
            return lines, "/dev/kmsg", None
        problems.append(f"/dev/kmsg: {error}")
    for path in KERNEL_LOG_FILES:
        data = collector.read_bytes(path, tail=1024 * 1024)
        collector.files.pop(path, None)  # only the kept lines below are recorded
        if data is None:
            problems.append(f"{path}: not readable")
            continue
        text = data.decode("utf-8", "replace").splitlines()[-LOG_TAIL_LINES * 5 :]
        kept = [line for line in text if "kernel:" in line and keep_kernel_line(line)]
        return bound_lines(kept), path, ("; ".join(problems) or None)
    return (), "", "; ".join(problems) or "no kernel log found"


def run_commands(
    runner: CommandRunner, executables: dict[str, str], results: dict[str, CommandRun], live: bool
) -> None:
    """The read-only commands whose program is installed (live host only: they describe this machine)."""
    if not live:
        return
    wanted = ["vgs", "tpm2 --version" if executables.get("tpm2") else "tpm2_getrandom --version", MOKUTIL]
    for key in wanted:
        argv = READ_ONLY_COMMANDS[key]
        path = executables.get(argv[0], "")
        if not path:
            continue
        # By name, with PATH set to its directory: the multi-call `tpm2` picks its tool from argv[0].
        result = runner.run(argv, timeout=COMMAND_TIMEOUT, env={"PATH": str(Path(path).parent)})
        results[key] = CommandRun(
            argv=argv,
            returncode=result.returncode,
            stdout=result.stdout[-4000:],
            stderr=result.stderr[-2000:],
            error=result.error,
        )
