"""The CPUID instruction run in user space answers as the kernel's cpuid driver does (this machine, for real)."""

from __future__ import annotations

import os
import platform
import struct
from pathlib import Path

from wizard.host.cpuid_instruction import read_cpuid_instruction
from wizard.host.live import CPUID_LEAVES, read_cpuid
from wizard.host.parsing import parse_cpuinfo


def test_the_instruction_agrees_with_the_cpuid_driver_or_cpuinfo() -> None:
    if platform.machine() != "x86_64":
        registers, error = read_cpuid_instruction(CPUID_LEAVES)
        assert registers == {}
        assert error is not None
        assert "needs x86-64" in error
        return
    mask = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})  # leaf 1 EBX carries the APIC id of the CPU it ran on: compare on CPU 0
    try:
        registers, error = read_cpuid_instruction(CPUID_LEAVES)
        driver, driver_error = read_cpuid()
    finally:
        os.sched_setaffinity(0, mask)
    assert error is None
    vendor = struct.pack("<3I", *(int(registers[f"0x0.{name}"], 16) for name in ("ebx", "edx", "ecx")))
    assert vendor.decode("ascii") == parse_cpuinfo(Path("/proc/cpuinfo").read_text())["vendor_id"]
    if driver_error is None:  # root, with the cpuid driver
        assert registers == driver
