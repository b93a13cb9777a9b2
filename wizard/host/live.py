"""Observations only the running kernel can give: the KVM API, CPUID, MSRs, /dev/kmsg and udev.

Every function here only opens, reads and ioctls; none loads a module, writes a file or applies a rule.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

from wizard.host.facts import KvmApiProbe, UdevDevice
from wizard.host.patterns import KERNEL_LOG_MAX_LINES, keep_kernel_line

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_CHECK_EXTENSION = 0xAE03
KVM_API_VERSION = 12

# KVM_CHECK_EXTENSION capabilities worth recording (numbers from <linux/kvm.h>).
KVM_CAPABILITIES: dict[str, int] = {
    "KVM_CAP_USER_MEMORY": 3,
    "KVM_CAP_NR_VCPUS": 9,  # recommended maximum vCPUs per VM
    "KVM_CAP_NR_MEMSLOTS": 10,
    "KVM_CAP_MAX_VCPUS": 66,
    "KVM_CAP_MAX_VCPU_ID": 128,
    "KVM_CAP_NESTED_STATE": 157,  # non-zero: nested guests' state can be saved (needed to migrate them)
    # x86: guests can have System Management Mode, which UEFI Secure Boot firmware (OVMF with SMM) needs; QEMU
    # asks the same and refuses such firmware without it ("System Management Mode not supported by this
    # hypervisor"). 0 under PVM.
    "KVM_CAP_X86_SMM": 117,
}

# CPUID leaves read from /dev/cpu/0/cpuid: vendor, feature bits (VMX, hypervisor), the hypervisor's
# signature, and the extended feature bits (SVM).
CPUID_LEAVES = (0x0, 0x1, 0x40000000, 0x80000000, 0x80000001)
MSR_INTEL_FEATURE_CONTROL = 0x3A
MSR_AMD_VM_CR = 0xC0010114


def describe_error(error: OSError) -> str:
    """An OSError as facts record it: "ENOENT: No such file or directory"."""
    name = errno.errorcode.get(error.errno or 0, "EUNKNOWN")
    return f"{name}: {error.strerror or error}"


def probe_kvm_api(device: str = "/dev/kvm") -> KvmApiProbe:
    """The authoritative test: open read-write, API version 12, create (and at once close) a VM."""
    try:
        fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
    except OSError as error:
        return KvmApiProbe(attempted=True, open_error=describe_error(error))
    try:
        try:
            version = fcntl.ioctl(fd, KVM_GET_API_VERSION, 0)
        except OSError as error:
            return KvmApiProbe(attempted=True, opened=True, create_vm_error=describe_error(error))
        capabilities: dict[str, int] = {}
        for name, number in KVM_CAPABILITIES.items():
            try:
                capabilities[name] = fcntl.ioctl(fd, KVM_CHECK_EXTENSION, number)
            except OSError:
                continue
        if version != KVM_API_VERSION:
            return KvmApiProbe(
                attempted=True,
                opened=True,
                api_version=version,
                create_vm_error=f"not attempted: API version {version} is not {KVM_API_VERSION}",
                capabilities=capabilities,
            )
        try:
            vm_fd = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
        except OSError as error:
            return KvmApiProbe(
                attempted=True,
                opened=True,
                api_version=version,
                create_vm_error=describe_error(error),
                capabilities=capabilities,
            )
        os.close(vm_fd)
        return KvmApiProbe(
            attempted=True, opened=True, api_version=version, create_vm=True, capabilities=capabilities
        )
    finally:
        os.close(fd)


def read_cpuid(device: str = "/dev/cpu/0/cpuid") -> tuple[dict[str, str], str | None]:
    """Raw CPUID registers of CPU 0 ("0x1.ecx" -> "0x..."), or why they could not be read."""
    try:
        fd = os.open(device, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        return {}, describe_error(error)
    registers: dict[str, str] = {}
    try:
        for leaf in CPUID_LEAVES:
            try:
                data = os.pread(fd, 16, leaf)  # the file offset selects the leaf (sub-leaf 0)
            except OSError:
                continue  # a leaf the CPU (or the outer hypervisor) does not implement
            if len(data) != 16:
                continue
            for name, value in zip(("eax", "ebx", "ecx", "edx"), struct.unpack("<4I", data), strict=True):
                registers[f"{leaf:#x}.{name}"] = f"{value:#010x}"
    finally:
        os.close(fd)
    return registers, None


def read_msrs(
    addresses: tuple[int, ...], device: str = "/dev/cpu/0/msr"
) -> tuple[dict[str, str], str | None]:
    """Model-specific registers of CPU 0 ("0x3a" -> "0x..."), or why they could not be read."""
    try:
        fd = os.open(device, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        return {}, describe_error(error)
    values: dict[str, str] = {}
    problems: list[str] = []
    try:
        for address in addresses:
            try:
                data = os.pread(fd, 8, address)
            except OSError as error:
                problems.append(f"{address:#x}: {describe_error(error)}")
                continue
            if len(data) == 8:
                values[f"{address:#x}"] = f"{struct.unpack('<Q', data)[0]:#x}"
    finally:
        os.close(fd)
    return values, ("; ".join(problems) or None)


def read_kmsg(device: str = "/dev/kmsg") -> tuple[tuple[str, ...], str | None]:
    """The kernel log lines that matter, read without blocking from /dev/kmsg (dmesg's source)."""
    try:
        fd = os.open(device, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        return (), describe_error(error)
    kept: list[str] = []
    try:
        while True:
            try:
                record = os.read(fd, 8192)  # one record per read
            except BlockingIOError:
                break  # EAGAIN: the end of the buffer
            except BrokenPipeError:
                continue  # EPIPE: the record was overwritten while we read; the next one follows
            except OSError as error:
                if not kept:
                    return (), describe_error(error)  # EPERM with kernel.dmesg_restrict=1 for non-root
                break
            if not record:
                break
            header, _, rest = record.decode("utf-8", "replace").partition(";")
            message = rest.split("\n", 1)[0]
            if not keep_kernel_line(message):
                continue
            fields = header.split(",")
            try:
                stamp = f"[{int(fields[2]) / 1_000_000:12.6f}] "
            except (IndexError, ValueError):
                stamp = ""
            kept.append(stamp + message)
    finally:
        os.close(fd)
    return bound_lines(kept), None


def bound_lines(lines: list[str]) -> tuple[str, ...]:
    """At most KERNEL_LOG_MAX_LINES: the first half (boot messages) and the last half (recent ones)."""
    if len(lines) <= KERNEL_LOG_MAX_LINES:
        return tuple(lines)
    half = KERNEL_LOG_MAX_LINES // 2
    return (*lines[:half], *lines[-half:])


def enumerate_udev() -> tuple[tuple[UdevDevice, ...], str | None]:
    """/dev/kvm and the TPMs as udev knows them (properties exist only where udevd has processed them)."""
    try:
        import pyudev  # imported here: it costs tens of milliseconds and is only useful with udevd
    except ImportError as error:
        return (), f"pyudev is not available: {error}"
    devices: list[UdevDevice] = []
    try:
        context = pyudev.Context()
        for subsystem in ("misc", "tpm", "tpmrm"):
            for device in context.list_devices(subsystem=subsystem):
                if subsystem == "misc" and device.sys_name != "kvm":
                    continue
                properties = {
                    key: str(device.properties.get(key, ""))
                    for key in ("DEVNAME", "TAGS", "CURRENT_TAGS", "ID_PATH")
                    if device.properties.get(key)
                }
                devices.append(
                    UdevDevice(
                        subsystem=subsystem,
                        sys_name=str(device.sys_name),
                        device_node=str(device.device_node or ""),
                        initialized=bool(device.is_initialized),
                        properties=properties,
                    )
                )
    except Exception as error:  # noqa: BLE001 - pyudev raises many kinds; the probe records, never raises
        return tuple(devices), f"pyudev enumeration failed: {type(error).__name__}: {error}"
    return tuple(devices), None
