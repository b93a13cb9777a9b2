"""The text patterns that matter in logs: the probe keeps matching lines, diagnosis interprets them."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kernel log lines worth keeping: virtualization, firmware, hypervisor, IOMMU and TPM messages.
KERNEL_LOG_KEEP = re.compile(
    r"kvm|vmx|svm|\bVT-[xd]\b|virtuali[sz]|by bios|\(by BIOS\)|no hardware support|not supported by CPU"
    r"|\bHYP\b|\bVHE\b|\bnVHE\b|hypervisor|\btpm|DMAR|AMD-Vi|iommu|\bSEV\b|\bTXT\b",
    re.IGNORECASE,
)
# Lines that match the above but say nothing diagnosis needs; dropped so that facts stay small.
KERNEL_LOG_NOISE = re.compile(r"kvm-clock|clocksource|BIOS-e820|BIOS-provided|kvm-guest: (APIC|setup)")
KERNEL_LOG_MAX_LINES = 200

# Firmware (or, in a guest, the outer hypervisor) keeps hardware virtualization from Linux. The wordings
# changed across kernel versions; "no hardware support" and "not supported by CPU" also appear when the CPU
# lacks VT, so diagnosis weighs them against CPUID before blaming the firmware.
FIRMWARE_DISABLED = re.compile(
    r"disabled by bios|disabled \(by BIOS\)|not enabled \(by BIOS\)|no hardware support|not supported by CPU"
    r"|HYP mode not available",
    re.IGNORECASE,
)
# The unambiguous subset: only firmware says these.
FIRMWARE_DISABLED_CERTAIN = re.compile(
    r"disabled by bios|disabled \(by BIOS\)|not enabled \(by BIOS\)", re.IGNORECASE
)
# Another hypervisor (VirtualBox, VMware Workstation) holds VT-x/AMD-V, so KVM cannot enable it.
VIRTUALIZATION_BUSY = re.compile(
    r"enabling virtualization on CPU\d* failed|kvm: enabling virtualization", re.I
)
ARM_HYP = re.compile(r"(?P<mode>VHE|nVHE|hVHE|protected) mode initiali[sz]ed successfully", re.IGNORECASE)
ARM_HYP_UNAVAILABLE = re.compile(r"HYP mode not available", re.IGNORECASE)
HYPERVISOR_DETECTED = re.compile(r"Hypervisor detected: (?P<name>.+)$")


@dataclass(frozen=True)
class KnownError:
    """An error nova-compute or libvirt logs, and what it means."""

    id: str  # also the suffix of its finding id: nova-log-<id>
    pattern: re.Pattern[str]
    meaning: str
    # The service stops before "Starting compute node": a new process logging it marks a (failed) restart.
    stops_start: bool = False


# nova-compute.log and libvirtd.log: errors the seed document (and its troubleshooting section) explains.
KNOWN_ERRORS: tuple[KnownError, ...] = (
    KnownError(
        "kvm-unavailable",
        re.compile(
            r"no supported architecture for os type 'hvm'|Domain requires KVM, but it is not available"
            r"|Could not access KVM kernel module: No such file or directory",
            re.IGNORECASE,
        ),
        "libvirt found no usable KVM: the KVM kernel modules were not loaded (or /dev/kvm was missing)",
    ),
    KnownError(
        "kvm-permission-denied",
        re.compile(
            r"(Could not access KVM kernel module|failed to initiali[sz]e kvm|/dev/kvm)[^\n]*Permission denied",
            re.IGNORECASE,
        ),
        "QEMU could not open /dev/kvm: its user is not allowed to (group or mode of /dev/kvm)",
    ),
    # The configuration errors that stop nova-compute, in the wording nova 34 and oslo.config 10 log them
    # (older wordings where they differ). Named groups carry what the finding names: the option, the group.
    KnownError(
        "compute-driver-missing",
        re.compile(r"Compute driver option required, but not specified"),
        "nova-compute exits at start: no [DEFAULT] compute_driver is set",
        stops_start=True,
    ),
    KnownError(
        "invalid-option-value",
        re.compile(
            r"Value for option (?P<option>[\w.-]+)(?: from LocationInfo\(.*?detail='(?P<file>[^']*)'\))?"
            r" is not valid: (?P<why>.*)"
        ),
        "nova-compute stopped: an option has a value oslo.config does not accept",
        stops_start=True,
    ),
    KnownError(
        "cpu-models-without-custom",
        re.compile(
            r"The cpu_models option is not required when cpu_mode!=custom"
            r"|A CPU model name should not be set when a host CPU model is requested"
        ),
        "nova-compute refuses to start: cpu_models is set but cpu_mode is not custom",
        stops_start=True,
    ),
    KnownError(
        "custom-needs-cpu-models",
        re.compile(
            r"The cpu_models option is required when cpu_mode=custom"
            r"|Config requested a custom CPU model, but no model name was provided"
        ),
        "nova-compute refuses to start: cpu_mode = custom without cpu_models",
        stops_start=True,
    ),
    KnownError(
        "rbd-needs-raw-images",
        re.compile(
            r"'\[DEFAULT\]/force_raw_images = False' is not allowed with '\[libvirt\]/images_type = rbd'"
        ),
        "nova-compute refuses to start: images_type = rbd needs force_raw_images = True",
        stops_start=True,
    ),
    KnownError(
        "lvm-volume-group",
        re.compile(
            r"You should specify images_volume_group flag to use LVM images"
            r"|Volume group \"(?P<group>[^\"]+)\" not found|vg (?P<vg>\S+) must be LVM volume group"
        ),
        "the LVM image backend has no volume group: images_volume_group is unset or names none that exists",
    ),
)

# nova logs "Starting compute node (version X)" when the service starts; errors before the last start are
# history, not the present state.
SERVICE_START = re.compile(r"Starting compute node|libvirt version: |Starting libvirtd|libvirtd.*starting up")
# The process id oslo.log writes after the time stamp ("2024-11-04 10:22:12.317 3102 ERROR ..."), or the one
# journald and syslog write ("nova-compute[3102]:"). A start that fails early (no compute driver) never logs
# "Starting compute node": a process not seen before that logs such an error is the other sign of a restart.
_LOG_PROCESS = re.compile(
    r"^\d{4}-\d\d-\d\d[ T][\d:.,]+(?:[+-]\d\d:?\d\d|Z)? (?P<pid>\d+) [A-Z]+ |^\S.{0,60}?\w\[(?P<bracket>\d+)\]: "
)
LOG_TAIL_LINES = 2000
LOG_MAX_KEPT = 100
LOG_LINE_MAX = 400


def clip_log_line(line: str) -> str:
    """A log line short enough for the facts, keeping its head (time stamp, level) and the matched message."""
    if len(line) <= LOG_LINE_MAX:
        return line
    match = SERVICE_START.search(line) or next(
        (found for error in KNOWN_ERRORS if (found := error.pattern.search(line))), None
    )
    head = line[:60]
    if match is None:
        return line[: LOG_LINE_MAX - 3] + "..."
    start = max(60, match.start() - 80)
    return head + " ... " + line[start : start + LOG_LINE_MAX - 65]


def log_process(line: str) -> str | None:
    """The id of the process that wrote a log line, when the line's format shows it."""
    match = _LOG_PROCESS.match(line)
    if match is None:
        return None
    return match["pid"] or match["bracket"]


def keep_log_line(line: str) -> bool:
    """A nova-compute or libvirtd log line worth recording: a known error or a service start."""
    return bool(SERVICE_START.search(line)) or any(error.pattern.search(line) for error in KNOWN_ERRORS)


# Cheap substrings that every line KERNEL_LOG_KEEP matches contains (lower-cased): most lines of a kernel
# log fail this test, so the regular expressions run on few lines (the probe reads thousands).
_KERNEL_LOG_WORDS = (
    "kvm", "vmx", "svm", "vt-", "virtuali", "bios", "hyp", "vhe", "tpm", "dmar", "amd-vi", "iommu",
    "sev", "txt", "cpu",
)  # fmt: skip


def keep_kernel_line(line: str) -> bool:
    lowered = line.lower()
    if not any(word in lowered for word in _KERNEL_LOG_WORDS):
        return False
    return bool(KERNEL_LOG_KEEP.search(line)) and not KERNEL_LOG_NOISE.search(line)
