"""Raw CPUID from user space, for a probe that cannot read /dev/cpu/0/cpuid (not root, or no cpuid driver).

CPUID is an unprivileged x86 instruction: a 34-byte function (CPUID and four stores) is placed in an executable
anonymous mapping and called through ctypes. It returns what the kernel's cpuid driver would (both execute the
instruction; in a VM the hypervisor answers both alike). Where the mapping cannot be made executable (an
SELinux or PaX policy against it) the refusal is recorded and nothing else is tried. x86-64 only.
"""

from __future__ import annotations

import platform

# void cpuid(uint32 leaf /* edi */, uint32 subleaf /* esi */, uint32 out[4] /* rdx */), System V AMD64 ABI:
# push rbx; mov r8, rdx; mov eax, edi; mov ecx, esi; cpuid; mov [r8], eax; mov [r8+4], ebx;
# mov [r8+8], ecx; mov [r8+12], edx; pop rbx; ret
CODE = bytes.fromhex("534989d089f889f10fa241890041895804418948084189500c5bc3")
WHERE = "instruction, run in user space"


def read_cpuid_instruction(leaves: tuple[int, ...]) -> tuple[dict[str, str], str | None]:
    """CPUID registers of the CPU this runs on ("0x1.ecx" -> "0x..."), or why they could not be read."""
    if platform.machine() != "x86_64":
        return {}, f"not read: the CPUID instruction needs x86-64 (this is {platform.machine() or 'unknown'})"
    # Imported here: only a probe without /dev/cpu/0/cpuid pays for ctypes.
    import ctypes
    import mmap

    try:
        memory = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    except (OSError, ValueError) as error:
        return {}, f"not read: no executable memory for the CPUID instruction ({error})"
    registers: dict[str, str] = {}
    try:
        memory.write(CODE)
        start = ctypes.c_char.from_buffer(memory)
        function = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p)(
            ctypes.addressof(start)
        )
        out = (ctypes.c_uint32 * 4)()
        for leaf in leaves:
            function(leaf, 0, ctypes.addressof(out))
            for name, value in zip(("eax", "ebx", "ecx", "edx"), out, strict=True):
                registers[f"{leaf:#x}.{name}"] = f"{value:#010x}"
        del function, start  # the mapping cannot close while ctypes holds a pointer into it
    finally:
        memory.close()
    return registers, None
