"""What a failed tpm2-tools command means: its TSS2 response code and TCTI messages in plain words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from wizard.commands import CommandResult
from wizard.host.facts import PathStat


class FailureKind(StrEnum):
    """Why a tpm2-tools command failed, as a stable word the JSON output and the UI can match."""

    TOOLS_MISSING = "tools-missing"
    NO_DEVICE = "no-device"
    PERMISSION_DENIED = "permission-denied"
    DEVICE_BUSY = "device-busy"
    NOT_ANSWERING = "not-answering"
    TCTI_UNUSABLE = "tcti-unusable"
    NOT_STARTED = "not-started"
    FAILURE_MODE = "failure-mode"
    LOCKOUT = "lockout"
    BUSY = "busy"
    AUTHORIZATION = "authorization"
    TIMED_OUT = "timed-out"
    TPM_ERROR = "tpm-error"
    UNEXPECTED_OUTPUT = "unexpected-output"
    NOT_TPM2 = "not-tpm2"


# After these, every further command would fail the same way: verification stops and says so once.
STOPPING_KINDS = frozenset(
    {
        FailureKind.TOOLS_MISSING,
        FailureKind.NO_DEVICE,
        FailureKind.PERMISSION_DENIED,
        FailureKind.DEVICE_BUSY,
        FailureKind.NOT_ANSWERING,
        FailureKind.TCTI_UNUSABLE,
        FailureKind.NOT_STARTED,
        FailureKind.FAILURE_MODE,
        FailureKind.TIMED_OUT,
    }
)


@dataclass(frozen=True)
class Tcti:
    """The TPM Command Transmission Interface the tools were told to use, and where that choice came from."""

    value: str  # "swtpm:host=127.0.0.1,port=2321", "device:/dev/tpmrm0"; "" for the tools' default
    source: str  # "environment" (TPM2TOOLS_TCTI) or "default"

    @property
    def description(self) -> str:
        if self.source == "environment":
            return f"TPM2TOOLS_TCTI={self.value} (from the environment)"
        return "the tools' default: /dev/tpmrm0, then /dev/tpm0 (TPM2TOOLS_TCTI is not set)"

    @property
    def environment(self) -> dict[str, str]:
        """What to add to a command's environment so that the tools use this TCTI."""
        return {"TPM2TOOLS_TCTI": self.value} if self.value else {}


def tcti_from_environment(environment: Mapping[str, str]) -> Tcti:
    value = environment.get("TPM2TOOLS_TCTI", "").strip()
    return Tcti(value, "environment") if value else Tcti("", "default")


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    meaning: str  # what happened, in plain words
    remedy: str  # what the operator can do about it
    code: int | None = None  # the TSS2 response code the tools printed, e.g. 0x101
    detail: str = ""  # the tools' own line that shows it

    @property
    def stops_verification(self) -> bool:
        return self.kind in STOPPING_KINDS


_SIMULATOR_HINT = (
    "For swtpm: initialise it with `swtpm_ioctl -i --tcp HOST:CTRLPORT`, then `tpm2 startup -c`, "
    "or start it with --flags not-need-init,startup-clear."
)
_POINT_ELSEWHERE = (
    "Point the tools at a TPM that answers with TPM2TOOLS_TCTI, e.g. device:/dev/tpmrm0 (the kernel's "
    "resource manager), tabrmd:bus_type=system (tpm2-abrmd) or swtpm:host=127.0.0.1,port=2321 (a simulator)."
)

# TPM 2.0 response codes (TPM 2.0 Library, Part 2, 6.6) that an operator can do something about.
_RESPONSE_CODES: dict[int, tuple[FailureKind, str, str]] = {
    0x100: (
        FailureKind.NOT_STARTED,
        "The TPM has not been started: TPM2_Startup was not sent since it was last reset (TPM_RC_INITIALIZE).",
        "Send it with `tpm2 startup -c`. Firmware and the kernel normally do this at boot, so on real hardware "
        "it points at a firmware or driver problem. " + _SIMULATOR_HINT,
    ),
    0x101: (
        FailureKind.FAILURE_MODE,
        "The TPM is in failure mode (TPM_RC_FAILURE): a self test failed, or it was powered on without being "
        "initialised; it refuses commands until it is reset.",
        "Power the host off completely and on again (a warm reboot may not reset the TPM); `tpm2 gettestresult` "
        "shows the reason. If it stays, update the TPM firmware or clear the TPM in the firmware setup. "
        + _SIMULATOR_HINT,
    ),
    0x921: (
        FailureKind.LOCKOUT,
        "The TPM is in dictionary-attack lockout (TPM_RC_LOCKOUT): too many wrong passwords, so keys and NV "
        "areas protected by a password refuse to work for a while.",
        "Wait for the lockout interval to pass (the TPM counts time only while powered), or reset it with the "
        "lockout password: `tpm2 dictionarylockout --clear-lockout -p LOCKOUT-PASSWORD`.",
    ),
    0x90A: (
        FailureKind.BUSY,
        "The TPM is running its self test and cannot answer yet (TPM_RC_TESTING).",
        "Try again in a few seconds.",
    ),
    0x922: (
        FailureKind.BUSY,
        "The TPM asked to be asked again (TPM_RC_RETRY).",
        "Try again; if it persists, power-cycle the host.",
    ),
    0x923: (
        FailureKind.BUSY,
        "The TPM is rate-limiting writes to its NV memory to protect it from wear (TPM_RC_NV_RATE).",
        "Wait a minute and try again.",
    ),
    0x08E: (
        FailureKind.AUTHORIZATION,
        "A password was wrong and the TPM counted it towards dictionary-attack lockout (TPM_RC_AUTH_FAIL).",
        "Use the right password; repeated failures lock the TPM out.",
    ),
    0x0A2: (
        FailureKind.AUTHORIZATION,
        "A password or policy check failed (TPM_RC_BAD_AUTH).",
        "Use the right password or policy.",
    ),
}

_CODE = re.compile(r"ERROR: \w+\((0x[0-9A-Fa-f]+)\) - (.*)")
_ERROR_CODE = re.compile(r"ErrorCode \((0x[0-9A-Fa-f]+)\)")
_DEVICE_OPEN = re.compile(r"Failed to open specified TCTI device file (\S+): (.+?)\s*$", re.MULTILINE)
_CONNECT = re.compile(r"Failed to connect to host (\S+), port (\d+): errno \d+: (.+?)\s*$", re.MULTILINE)
_COULD_NOT_LOAD = re.compile(r'Could not load tcti, got: "(.*)"')
_TPM_LAYERS = (0x0, 0xC)  # the TPM itself, and the TPM's code passed on by a resource manager


def response_code(stderr: str) -> tuple[int | None, str]:
    """The TSS2 response code the tools printed, and their own decoding of it ("tpm:error(2.0): ...")."""
    match = _CODE.search(stderr)
    if match:
        return int(match.group(1), 16), match.group(2).strip()
    match = _ERROR_CODE.search(stderr)
    if match:
        return int(match.group(1), 16), ""
    return None, ""


def _tpm_code(code: int) -> int | None:
    """The TPM's own code, without the TSS layer; format-one codes lose their handle/session/parameter bits."""
    if (code >> 16) not in _TPM_LAYERS:
        return None
    value = code & 0xFFFF
    if value & 0x80:  # format one: the low six bits are the error, the rest say which handle or session
        return 0x80 | (value & 0x3F)
    return value


def _describe_node(path: str, stats: Mapping[str, PathStat]) -> str:
    stat = stats.get(path)
    if stat is None or not stat.exists:
        return ""
    owner = stat.owner or str(stat.uid)
    group = stat.group or str(stat.gid)
    return f" ({path} is mode {stat.mode:04o}, owner {owner}, group {group})"


def explain_failure(
    result: CommandResult, tcti: Tcti, stats: Mapping[str, PathStat] | None = None
) -> Failure:
    """Turn a failed command into its meaning and remedy; ``stats`` describes device nodes when known."""
    known_stats = stats or {}
    if result.error and "not installed" in result.error:
        return Failure(
            FailureKind.TOOLS_MISSING,
            f"tpm2-tools is not installed: {result.error}.",
            "Install it: apt-get install tpm2-tools (Debian, Ubuntu), dnf install tpm2-tools (Fedora, RHEL), "
            "zypper install tpm2.0-tools (openSUSE, SLES); the wizard can plan this for you.",
        )
    if result.error and result.error.startswith("cannot start"):
        return Failure(
            FailureKind.TOOLS_MISSING,
            f"tpm2-tools could not be started: {result.error}.",
            "Check the installation of tpm2-tools (file permissions, missing libraries).",
        )
    if result.error and result.error.startswith("timed out"):
        return Failure(
            FailureKind.TIMED_OUT,
            f"The TPM did not answer in time ({result.error}) through {tcti.description}.",
            "A busy TPM, a hung resource manager (tpm2-abrmd) or a simulator that accepts connections but does "
            "not answer. Try again; restart tpm2-abrmd or the simulator. " + _POINT_ELSEWHERE,
        )
    stderr = result.stderr
    device = _DEVICE_OPEN.search(stderr)
    if device:
        path, reason = device.group(1), device.group(2)
        if "Permission denied" in reason:
            return Failure(
                FailureKind.PERMISSION_DENIED,
                f"Permission denied on {path}: this user may not talk to the TPM"
                f"{_describe_node(path, known_stats)}.",
                f"Run as root, or add the user to the group that owns {path} (normally tss: "
                "`usermod -aG tss USER`, then log in again; the tpm-udev rules give /dev/tpmrm0 mode 0660, "
                "group tss).",
                detail=device.group(0).strip(),
            )
        if "No such file or directory" in reason and tcti.source == "environment":
            return Failure(
                FailureKind.NO_DEVICE,
                f"No TPM device at {path}, the device named by {tcti.description}.",
                "Check the path in TPM2TOOLS_TCTI (the kernel's resource manager is /dev/tpmrm0). "
                + _POINT_ELSEWHERE,
                detail=device.group(0).strip(),
            )
        if "No such file or directory" not in reason:
            busy = "busy" in reason.lower()
            return Failure(
                FailureKind.DEVICE_BUSY if busy else FailureKind.TCTI_UNUSABLE,
                f"{path} could not be opened: {reason}."
                + (" Without the resource manager only one program at a time may use it." if busy else ""),
                "Use /dev/tpmrm0 (TPM2TOOLS_TCTI=device:/dev/tpmrm0) or stop the program that holds the "
                "device (often tpm2-abrmd, whose TCTI is tabrmd:)."
                if busy
                else _POINT_ELSEWHERE,
                detail=device.group(0).strip(),
            )
    if "No standard TCTI could be loaded" in stderr:
        return Failure(
            FailureKind.NO_DEVICE,
            "No TPM answered: neither /dev/tpmrm0 nor /dev/tpm0 exists, and no tpm2-abrmd or simulator "
            "listens (the tools tried their default TCTIs).",
            "Enable the TPM in the firmware setup (TPM, Intel PTT or AMD fTPM) and check that the kernel "
            "driver is loaded (tpm_tis or tpm_crb). " + _POINT_ELSEWHERE,
        )
    connect = _CONNECT.search(stderr)
    if connect:
        host, port, reason = connect.groups()
        return Failure(
            FailureKind.NOT_ANSWERING,
            f"Nothing answers at {host} port {port} ({reason}): the TCTI used was {tcti.description}.",
            "Start the TPM simulator (swtpm) or tpm2-abrmd there, or correct the port. " + _POINT_ELSEWHERE,
            detail=connect.group(0).strip(),
        )
    code, decoded = response_code(stderr)
    if code is not None:
        return _explain_code(code, decoded)
    could_not_load = _COULD_NOT_LOAD.search(stderr)
    if could_not_load:
        name = could_not_load.group(1)
        if "tabrmd" in name or "tabrmd" in stderr:
            meaning = (
                f"tpm2-abrmd does not answer (TCTI {name!r}): the daemon is not running or not reachable."
            )
            remedy = "Start it (systemctl start tpm2-abrmd) or use the kernel's resource manager. "
            kind = FailureKind.NOT_ANSWERING
        else:
            meaning = f"tpm2-tools could not load the TCTI {name!r} named by {tcti.description}."
            remedy = "Check its spelling (device:PATH, swtpm:host=H,port=P, tabrmd:, mssim:). "
            kind = FailureKind.TCTI_UNUSABLE
        return Failure(kind, meaning, remedy + _POINT_ELSEWHERE, detail=could_not_load.group(0))
    last = (stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
    return Failure(
        FailureKind.TPM_ERROR,
        f"{result.display} failed (exit status {result.returncode}): {last}",
        "Run the command by hand to see its full output.",
        detail=last,
    )


def _explain_code(code: int, decoded: str) -> Failure:
    known = _RESPONSE_CODES.get(_tpm_code(code) or -1)
    detail = f"0x{code:X}" + (f" - {decoded}" if decoded else "")
    if known is not None:
        kind, meaning, remedy = known
        return Failure(kind, meaning, remedy, code=code, detail=detail)
    if (code >> 16) == 0xA:  # the TCTI layer: the transport to the TPM broke
        return Failure(
            FailureKind.NOT_ANSWERING,
            f"The connection to the TPM failed ({detail}).",
            "Check that the TPM, tpm2-abrmd or the simulator is still there. " + _POINT_ELSEWHERE,
            code=code,
            detail=detail,
        )
    return Failure(
        FailureKind.TPM_ERROR,
        f"The TPM refused the command ({detail}).",
        f"Look the code up with `tpm2 rc_decode 0x{code:X}`.",
        code=code,
        detail=detail,
    )
