"""A small live probe of what TPM detection needs, for `kvm-wizard tpm status` without a full host probe."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

from wizard.host.facts import DirList, FileRead, HostFacts, PathStat, UdevDevice
from wizard.rootfs import under
from wizard.tpm.detect import SYSFS_TPM, SYSFS_TPMRM
from wizard.tpm.tools import PACKAGE_MANAGERS, SPLIT_TOOLS

# The keys are those of the full probe (wizard.host), so that detection reads both records alike.
EXECUTABLES = ("tpm2", *SPLIT_TOOLS, "swtpm", "swtpm_setup", *PACKAGE_MANAGERS)
SEARCH_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
ENVIRONMENT = ("TPM2TOOLS_TCTI",)
_KINDS = {
    stat.S_IFREG: "file",
    stat.S_IFDIR: "dir",
    stat.S_IFCHR: "char",
    stat.S_IFBLK: "block",
    stat.S_IFLNK: "symlink",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
}


def _error(error: OSError) -> str:
    name = errno.errorcode.get(error.errno or 0, "EIO")
    return f"{name}: {error.strerror}"


def _read(root: Path, path: str, limit: int = 65536) -> FileRead:
    try:
        with under(root, path).open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        return FileRead(error=_error(error))
    return FileRead(content=data[:limit].decode("utf-8", "replace"), truncated=len(data) > limit)


def _names(text: str | None) -> dict[int, str]:
    names: dict[int, str] = {}
    for line in (text or "").splitlines():
        parts = line.split(":")
        if len(parts) > 2 and parts[2].isdigit():
            names.setdefault(int(parts[2]), parts[0])
    return names


def _stat(root: Path, path: str, users: dict[int, str], groups: dict[int, str]) -> PathStat:
    on_disk = under(root, path)
    try:
        info = on_disk.lstat()
    except FileNotFoundError:
        return PathStat(exists=False)
    except OSError as error:
        return PathStat(exists=False, error=_error(error))
    kind = _KINDS.get(stat.S_IFMT(info.st_mode), "")
    device = kind in ("char", "block")
    return PathStat(
        exists=True,
        kind=kind,
        mode=stat.S_IMODE(info.st_mode),
        uid=info.st_uid,
        gid=info.st_gid,
        owner=users.get(info.st_uid, ""),
        group=groups.get(info.st_gid, ""),
        major=os.major(info.st_rdev) if device else -1,
        minor=os.minor(info.st_rdev) if device else -1,
        target=os.readlink(on_disk) if kind == "symlink" else "",
    )


def _listing(root: Path, path: str) -> DirList:
    try:
        return DirList(tuple(sorted(entry.name for entry in os.scandir(under(root, path)))))
    except OSError as error:
        return DirList(error=_error(error))


def _which(root: Path, name: str) -> str:
    if root == Path("/"):
        return shutil.which(name) or ""
    for directory in SEARCH_PATH:
        candidate = under(root, f"{directory}/{name}")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return f"{directory}/{name}"
    return ""


def _udev(names: Iterable[str]) -> tuple[tuple[UdevDevice, ...], str | None]:
    # pyudev costs about 45 ms to import: only pay when sysfs shows a TPM it could describe.
    try:
        import pyudev
    except ImportError as error:
        return (), f"pyudev: {error}"
    wanted = set(names)
    devices: list[UdevDevice] = []
    try:
        context = pyudev.Context()
        for subsystem in ("tpm", "tpmrm"):
            for device in context.list_devices(subsystem=subsystem):
                if device.sys_name not in wanted:
                    continue
                devices.append(
                    UdevDevice(
                        subsystem=subsystem,
                        sys_name=str(device.sys_name),
                        device_node=str(device.device_node or ""),
                        initialized=bool(device.is_initialized),
                        properties={str(key): str(device.properties[key]) for key in device.properties},
                    )
                )
    except (OSError, ValueError) as error:  # no udev database (containers) or an unreadable /sys
        return tuple(devices), f"pyudev: {error}"
    return tuple(devices), None


def detect_live(root: Path = Path("/"), environment: dict[str, str] | None = None) -> HostFacts:
    """Observe, under ``root``, only what TPM detection, tools and vTPM assessment read."""
    source_environment = os.environ if environment is None else environment
    files: dict[str, FileRead] = {}
    for path in ("/etc/os-release", "/etc/passwd", "/etc/group"):
        files[path] = _read(root, path)
    cpuinfo = _read(root, "/proc/cpuinfo", limit=8192)  # the first CPU is enough for the hypervisor flag
    files["/proc/cpuinfo"] = cpuinfo
    users, groups = _names(files["/etc/passwd"].content), _names(files["/etc/group"].content)
    dirs = {path: _listing(root, path) for path in (SYSFS_TPM, SYSFS_TPMRM)}
    numbers = {name.removeprefix("tpm") for name in dirs[SYSFS_TPM].names if name.startswith("tpm")}
    numbers |= {name.removeprefix("tpmrm") for name in dirs[SYSFS_TPMRM].names}
    stats: dict[str, PathStat] = {}
    for number in sorted(numbers | {"0"}):
        for node in (f"/dev/tpm{number}", f"/dev/tpmrm{number}"):
            stats[node] = _stat(root, node, users, groups)
    for name in dirs[SYSFS_TPM].names:
        base = f"{SYSFS_TPM}/{name}"
        for attribute in ("tpm_version_major", "device/description", "device/caps", "dev"):
            files[f"{base}/{attribute}"] = _read(root, f"{base}/{attribute}", limit=4096)
        stats[f"{base}/device/driver"] = _stat(root, f"{base}/device/driver", users, groups)
    udev: tuple[UdevDevice, ...] = ()
    udev_error: str | None = None
    if root == Path("/") and dirs[SYSFS_TPM].names:
        udev, udev_error = _udev([*dirs[SYSFS_TPM].names, *dirs[SYSFS_TPMRM].names])
    uname = os.uname()
    return HostFacts(
        source="live" if root == Path("/") else f"live: {root}",
        root=str(root),
        machine=uname.machine,
        kernel_release=uname.release if root == Path("/") else "",
        files=files,
        stats=stats,
        dirs=dirs,
        executables={name: _which(root, name) for name in EXECUTABLES},
        udev=udev,
        udev_error=udev_error,
        environment={name: source_environment[name] for name in ENVIRONMENT if name in source_environment},
    )
