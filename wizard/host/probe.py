"""The probe: reads what a host exposes under a root into HostFacts, and never changes the host.

It opens, reads, stats, lists and ioctls; it runs only the read-only commands in
wizard.host.areas.READ_ONLY_COMMANDS, and only on the live host. It loads no module, writes no file and
applies no udev rule (`udevadm test` would). Every failure is recorded in the facts (an errno name and
message), never raised.

Conventions of the record it makes:
- A file in ``files`` with ``truncated = True`` holds only the lines diagnosis needs (the first CPU of
  /proc/cpuinfo, the relevant CONFIG_ lines, the kvm-related lines of modprobe.d files, the accounts that
  matter in /etc/passwd and /etc/group, ...).
- udev rules files are recorded only when they mention ``KERNEL=="kvm"``; ``dirs`` shows which directories
  were searched and what they held.
- Logs keep only known errors and service start markers from their last lines.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from threading import Thread

from wizard.commands import CommandRunner
from wizard.host import areas
from wizard.host.collect import Collector
from wizard.host.cpuid_instruction import WHERE as CPUID_INSTRUCTION
from wizard.host.cpuid_instruction import read_cpuid_instruction
from wizard.host.facts import CommandRun, DirList, HostFacts, KvmApiProbe, PathStat, StackFacts, UdevDevice
from wizard.host.live import (
    CPUID_LEAVES,
    MSR_AMD_VM_CR,
    MSR_INTEL_FEATURE_CONTROL,
    enumerate_udev,
    probe_kvm_api,
    read_cpuid,
    read_msrs,
)
from wizard.host.observed import KERNEL_TREE_MARKERS
from wizard.host.parsing import parse_cpuinfo
from wizard.host.service_probe import read_services
from wizard.host.stack_probe import ask_libvirt, read_stack_files

X86_MACHINES = frozenset({"x86_64", "i686", "i586", "i386"})
ENVIRONMENT = ("TPM2TOOLS_TCTI",)  # the variables recorded: where tpm2-tools look for the TPM


def probe(
    root: Path = Path("/"),
    *,
    live_device_probe: bool | None = None,
    runner: CommandRunner | None = None,
) -> HostFacts:
    """Observe the host whose files are under ``root``.

    ``live_device_probe`` (default: whether ``root`` is /) also asks the running kernel: the KVM API
    probe, CPUID and MSRs, /dev/kmsg, udev, and the read-only commands. Under another root those would
    describe this machine rather than the tree, so they are skipped (``kvm.attempted`` is then False).
    ``runner`` runs the read-only commands (tests pass one to inspect its history).
    """
    started = time.perf_counter()
    live = (root == Path("/")) if live_device_probe is None else live_device_probe
    collector = Collector(root)
    runner = runner or CommandRunner(default_timeout=areas.COMMAND_TIMEOUT)

    machine, release = _identity(collector, live)
    executables = areas.read_executables(collector)
    commands: dict[str, CommandRun] = {}
    worker = Thread(target=areas.run_commands, args=(runner, executables, commands, live), daemon=True)
    worker.start()  # the commands run while the files are read
    stack: list[StackFacts] = []
    libvirt = Thread(
        target=lambda: stack.append(ask_libvirt(runner, executables, machine, live)), daemon=True
    )
    libvirt.start()  # so does libvirt

    device_stats = areas.read_devices(collector)
    qemu_account = areas.read_libvirt(collector)
    areas.read_accounts(collector, device_stats, qemu_account)
    areas.restat_devices(collector)
    cpuinfo = areas.read_cpuinfo(collector)
    areas.read_kernel(collector, release)
    areas.read_distribution(collector)
    areas.read_firmware(collector)
    areas.read_hypervisor_signs(collector)
    areas.read_tpm(collector)
    areas.read_guest_firmware(collector)
    areas.read_nova(collector)
    processes, container_runs = read_services(
        collector, runner, executables, live=live, timeout=areas.COMMAND_TIMEOUT
    )
    kernel_log, kernel_log_source, kernel_log_error = areas.read_kernel_log(collector, live)
    packages = read_stack_files(collector, machine, executables)

    kvm = probe_kvm_api() if live else KvmApiProbe(attempted=False)
    cpuid, cpuid_error, msr, msr_error, cpuid_source = _registers(live, machine, cpuinfo)
    udev, udev_error = _udev(live, collector.stats.get("/run/udev/control", PathStat(exists=False)))

    worker.join()
    commands.update(container_runs)
    libvirt.join()
    return HostFacts(
        source="live" if root == Path("/") else f"root: {root}",
        root=str(root),
        machine=machine,
        kernel_release=release,
        euid=os.geteuid(),
        files=collector.files,
        stats=collector.stats,
        dirs=collector.dirs,
        commands=dict(sorted(commands.items())),
        executables=executables,
        kvm=kvm,
        kernel_log=kernel_log,
        kernel_log_source=kernel_log_source,
        kernel_log_error=kernel_log_error,
        cpuid=cpuid,
        cpuid_error=cpuid_error,
        msr=msr,
        msr_error=msr_error,
        udev=udev,
        udev_error=udev_error,
        environment={key: os.environ[key] for key in ENVIRONMENT if key in os.environ},
        processes=processes,
        probe_errors=tuple(collector.errors),
        probe_seconds=round(time.perf_counter() - started, 4),
        kernel_trees=_kernel_trees(collector),
        cpuid_source=cpuid_source,
        stack=replace(stack[0] if stack else StackFacts(), python_packages=packages, packages_searched=True),
    )


def _kernel_trees(collector: Collector) -> tuple[str, ...]:
    """/proc, /sys and /dev as far as they are a running kernel's: all of them on the live host; under another
    root those whose marker (areas.read_hypervisor_signs stats it) is there, i.e. mounted in a chroot."""
    if collector.live_root:
        return tuple(KERNEL_TREE_MARKERS)
    return tuple(
        tree
        for tree, marker in KERNEL_TREE_MARKERS.items()
        if collector.stats.get(marker, PathStat(exists=False)).exists
    )


def probe_tpm(root: Path = Path("/"), environment: Mapping[str, str] | None = None) -> HostFacts:
    """Observe, under ``root``, only what TPM detection, tpm2-tools and the vTPM assessment read
    (`kvm-wizard tpm status`): the same reader and the same keys as probe(), without the kernel's API,
    registers, logs or commands. ``environment`` (default: this process's) supplies TPM2TOOLS_TCTI.
    """
    started = time.perf_counter()
    live = root == Path("/")
    collector = Collector(root)
    machine, release = _identity(collector, live)
    # On this host, a program is found where the verification will run it from: on this process's PATH.
    executables = (
        {name: shutil.which(name) or "" for name in areas.EXECUTABLES}
        if live
        else areas.read_executables(collector)
    )
    device_stats = areas.read_devices(collector)
    areas.read_accounts(collector, device_stats, ())
    areas.restat_devices(collector)
    areas.read_os_release(collector)
    areas.read_cpuinfo(collector)  # the first CPU's flags tell a virtual machine
    areas.read_tpm(collector)
    areas.read_secure_boot(collector)
    udev: tuple[UdevDevice, ...] = ()
    udev_error: str | None = None
    if live and collector.dirs.get(areas.SYSFS_TPM, DirList()).names:
        # pyudev costs tens of milliseconds to import: only asked when sysfs shows a TPM it could describe.
        udev, udev_error = _udev(live, collector.stats.get("/run/udev/control", PathStat(exists=False)))
    source_environment = os.environ if environment is None else environment
    return HostFacts(
        source="live" if live else f"live: {root}",
        root=str(root),
        machine=machine,
        kernel_release=release,
        euid=os.geteuid(),
        files=collector.files,
        stats=collector.stats,
        dirs=collector.dirs,
        executables=executables,
        udev=udev,
        udev_error=udev_error,
        environment={key: source_environment[key] for key in ENVIRONMENT if key in source_environment},
        probe_errors=tuple(collector.errors),
        probe_seconds=round(time.perf_counter() - started, 4),
    )


def _identity(collector: Collector, live: bool) -> tuple[str, str]:
    """Architecture and kernel release: of the running kernel when live, else as the tree records them."""
    if live:
        uname = os.uname()
        return uname.machine, uname.release
    machine = (collector.read("/proc/sys/kernel/arch", record=False) or "").strip()
    release = (collector.read("/proc/sys/kernel/osrelease", record=False) or "").strip()
    # A tree often has no /proc/sys: diagnosis then infers the architecture from /proc/cpuinfo.
    collector.files.pop("/proc/sys/kernel/arch", None)
    collector.files.pop("/proc/sys/kernel/osrelease", None)
    return machine, release


def _registers(
    live: bool, machine: str, cpuinfo: str
) -> tuple[dict[str, str], str | None, dict[str, str], str | None, str]:
    """Raw CPUID and the firmware's VT-x/AMD-V control MSR of CPU 0 (x86, live host only), and where CPUID
    was read ("" for /dev/cpu/0/cpuid)."""
    if not live:
        return {}, "not read: not the live host", {}, "not read: not the live host", ""
    if machine not in X86_MACHINES:
        reason = f"not read: {machine or 'this architecture'} has no x86 CPUID or MSRs"
        return {}, reason, {}, reason, ""
    cpuid, cpuid_error = read_cpuid()
    source = ""
    if cpuid_error is not None:
        # Not root, or no cpuid driver: the instruction itself answers the same (it is unprivileged).
        cpuid, instruction_error = read_cpuid_instruction(CPUID_LEAVES)
        if instruction_error is None:
            cpuid_error, source = None, CPUID_INSTRUCTION
        else:
            cpuid_error = f"/dev/cpu/0/cpuid: {cpuid_error}; {instruction_error}"
    vendor = parse_cpuinfo(cpuinfo).get("vendor_id", "")
    address = MSR_AMD_VM_CR if vendor in {"AuthenticAMD", "HygonGenuine"} else MSR_INTEL_FEATURE_CONTROL
    msr, msr_error = read_msrs((address,))
    return cpuid, cpuid_error, msr, msr_error, source


def _udev(live: bool, control: PathStat) -> tuple[tuple[UdevDevice, ...], str | None]:
    if not live:
        return (), "not enumerated: not the live host"
    if control.kind != "socket":
        # Without udevd, pyudev only re-reads sysfs (no properties, no tags), which the probe read already.
        return (), "not enumerated: udevd is not running (/run/udev/control is not a socket)"
    return enumerate_udev()
