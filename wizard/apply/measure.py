"""Measured configuration: each committed generation's manifest digest extended into a PCR of the host's TPM,
and the event log that replays it, kept in the generations.

The event of generation N lives in generations/N/measurements.toml (one entry per time it was measured: at its
commit, and again at the first quote after a boot, when every PCR starts from zero). The log of one boot is
every entry with that boot's id, in the order of CLOCK_BOOTTIME; replaying its digests from the PCR's reset
value must give the PCR's value, which a TPM quote signs (wizard.attest).

What is measured is the sha256 of manifest.toml, the generation's immutable record: every file's sums before
and after, the actions, and the answers that were reviewed. Measuring is on for a node once an apply with
tpm.measure committed (measure.toml in the state directory says into which PCR), and off again after an apply
without it; rollbacks and reverts are measured while it is on. The TPM is the one TPM2TOOLS_TCTI names (else
the tools' default device); under a root other than / only when TPM2TOOLS_TCTI names one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wizard.apply.atomic import Attributes, describe_os_error, write_atomic
from wizard.apply.generations import MANIFEST, MAX_STATE_BYTES
from wizard.apply.pending import boot_id, now_text
from wizard.apply.results import TransactionKind
from wizard.apply.spec import TransactionSpec
from wizard.apply.state import PRIVATE_FILE_MODE, StatePaths, dump_toml
from wizard.commands import CommandRunner
from wizard.files.toml_depth import load_toml
from wizard.regular_files import read_regular, read_regular_text
from wizard.rootfs import is_system_root
from wizard.tpm.pcr import BANK, MEASURE_SETTING, extend_pcr, read_pcr, replay, valid_digest
from wizard.tpm.tss import tcti_from_environment

MEASUREMENTS = "measurements.toml"
SETTING = PurePosixPath(MEASURE_SETTING).name
_MEASURED_AS = {
    TransactionKind.APPLY: "applied",
    TransactionKind.ROLLBACK: "rolled back",
    TransactionKind.REVERT: "reverted",
}


@dataclass(frozen=True)
class Event:
    """One extend of the measured PCR: which generation, its manifest's digest, and when (in which boot)."""

    generation: int
    digest: str  # sha256 of the generation's manifest.toml, hex
    pcr: int
    boot_id: str
    boottime_ns: int  # CLOCK_BOOTTIME: orders the events of one boot
    time: str  # wall time, for people
    reason: str  # "applied", "rolled back", "reverted", "first quote after boot"
    pcr_after: str = ""  # the PCR's value read back after the extend (diagnosis only; the quote decides)
    bank: str = BANK

    def to_toml(self) -> dict[str, object]:
        return {
            "generation": self.generation,
            "digest": self.digest,
            "pcr": self.pcr,
            "bank": self.bank,
            "boot_id": self.boot_id,
            "boottime_ns": self.boottime_ns,
            "time": self.time,
            "reason": self.reason,
            "pcr_after": self.pcr_after,
        }

    @staticmethod
    def from_toml(data: Mapping[str, object]) -> Event:
        """An event from a log; ValueError (or KeyError, TypeError) when it is not one."""
        digest = str(data["digest"])
        if not valid_digest(digest):
            raise ValueError(f"digest {digest[:80]!r} is not a sha256 in hex")
        return Event(
            generation=_integer(data["generation"]),
            digest=digest,
            pcr=_integer(data["pcr"]),
            boot_id=str(data["boot_id"]),
            boottime_ns=_integer(data["boottime_ns"]),
            time=str(data.get("time", "")),
            reason=str(data.get("reason", "")),
            pcr_after=str(data.get("pcr_after", "")),
            bank=str(data.get("bank", BANK)),
        )


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} is not a whole number")
    return value


@dataclass(frozen=True)
class Measured:
    """How measuring a generation went: done (with the event), or why not and what to do."""

    ok: bool
    message: str
    event: Event | None = None
    remedy: str = ""


def manifest_digest(paths: StatePaths, number: int) -> str:
    """sha256 of generation ``number``'s manifest, as measured (OSError when it cannot be read)."""
    data = read_regular(paths.generation(number) / MANIFEST, limit=MAX_STATE_BYTES, follow_symlinks=False)
    return hashlib.sha256(data).hexdigest()


def measuring_pcr(paths: StatePaths) -> int | None:
    """The PCR this node's generations are measured into, or None when measuring is off."""
    try:
        data = load_toml(read_regular_text(paths.directory / SETTING, limit=MAX_STATE_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # damaged: measuring is off until an apply sets it again
    pcr = data.get("pcr")
    return pcr if isinstance(pcr, int) and not isinstance(pcr, bool) else None


def set_measuring(paths: StatePaths, pcr: int | None) -> None:
    """Turn measuring on (into ``pcr``) or off (None) for the transactions to come."""
    path = paths.directory / SETTING
    if pcr is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    content = dump_toml({"pcr": pcr, "bank": BANK, "since": now_text()}).encode("utf-8")
    write_atomic(path, content, Attributes(os.geteuid(), os.getegid(), PRIVATE_FILE_MODE))


def reaches_tpm(root: Path, environment: Mapping[str, str]) -> bool:
    """The TPM the tools reach belongs to this root's system: it is / , or TPM2TOOLS_TCTI names one."""
    return is_system_root(root) or bool(environment.get("TPM2TOOLS_TCTI", "").strip())


def generation_events(paths: StatePaths, number: int) -> tuple[list[Event], str]:
    """The events recorded in generation ``number`` (and a problem, when its log cannot be read whole)."""
    path = paths.generation(number) / MEASUREMENTS
    try:
        data = load_toml(read_regular_text(path, limit=MAX_STATE_BYTES))
    except FileNotFoundError:
        return [], ""
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return [], f"{path} cannot be read: {error}"
    events = []
    for index, entry in enumerate(data.get("event", [])):
        try:
            events.append(Event.from_toml(entry))
        except (KeyError, TypeError, ValueError) as error:
            return events, f"{path}: event {index + 1} is damaged ({error})"
    return events, ""


def boot_log(paths: StatePaths, boot: str | None = None) -> tuple[list[Event], list[str]]:
    """Every event of one boot (this one by default), in the order they were extended, and the problems met."""
    wanted = boot_id() if boot is None else boot
    events: list[Event] = []
    problems: list[str] = []
    try:
        names = os.listdir(paths.generations)
    except FileNotFoundError:
        names = []
    for name in sorted((name for name in names if name.isdigit()), key=int):
        found, problem = generation_events(paths, int(name))
        if problem:
            problems.append(problem)
        events += [event for event in found if event.boot_id == wanted]
    return sorted(events, key=lambda event: event.boottime_ns), problems


def _record(paths: StatePaths, event: Event) -> None:
    events, _ = generation_events(paths, event.generation)
    content = dump_toml({"event": [item.to_toml() for item in [*events, event]]})
    write_atomic(
        paths.generation(event.generation) / MEASUREMENTS,
        content.encode("utf-8"),
        Attributes(os.geteuid(), os.getegid(), PRIVATE_FILE_MODE),
    )


def measure_generation(
    paths: StatePaths,
    number: int,
    pcr: int,
    reason: str,
    *,
    runner: CommandRunner,
    environment: Mapping[str, str],
) -> Measured:
    """Extend ``pcr`` with generation ``number``'s manifest digest and record the event in the generation."""
    if not reaches_tpm(paths.root, environment):
        return Measured(
            False,
            f"generation {number} was not measured: the TPM this machine reaches is not the one of {paths.root}",
            remedy="set TPM2TOOLS_TCTI to the TPM of that system to measure it",
        )
    try:
        digest = manifest_digest(paths, number)
    except OSError as error:
        return Measured(False, f"generation {number} was not measured: {describe_os_error(error)}")
    tcti = tcti_from_environment(environment)
    before = read_pcr(runner, tcti, pcr)
    extended = extend_pcr(runner, tcti, pcr, digest) if before.ok else before
    if not extended.ok or extended.value is None:
        failure = extended.failure
        meaning = failure.meaning if failure is not None else extended.result.describe_failure()
        return Measured(
            False,
            f"generation {number} was not measured into PCR {pcr}: {meaning}",
            remedy=failure.remedy if failure is not None else "",
        )
    event = Event(
        generation=number,
        digest=digest,
        pcr=pcr,
        boot_id=boot_id(),
        boottime_ns=time.clock_gettime_ns(time.CLOCK_BOOTTIME),
        time=now_text(),
        reason=reason,
        pcr_after=extended.value,
    )
    try:
        _record(paths, event)
    except OSError as error:
        return Measured(
            False,
            f"generation {number} was extended into PCR {pcr}, but its event could not be recorded "
            f"({describe_os_error(error)}): quotes of this boot will not verify",
            remedy="reboot (every PCR starts again from zero) or reset the PCR: tpm2 pcrreset " + str(pcr),
        )
    expected = replay([digest], before.value or "")
    note = "" if expected == extended.value else " (another program extended it at the same time)"
    return Measured(True, f"generation {number} measured into PCR {pcr}{note}", event)


def measure_committed(
    paths: StatePaths, spec: TransactionSpec, number: int, runner: CommandRunner
) -> list[str]:
    """After a transaction committed: its setting of measuring applied, and the generation measured when
    measuring is on. Returns what to tell the operator (and the log)."""
    try:
        if spec.measure_pcr is not None or spec.measure_off:
            set_measuring(paths, spec.measure_pcr)
        pcr = measuring_pcr(paths)
    except OSError as error:
        return [f"measuring could not be set: {describe_os_error(error)}"]
    if pcr is None:
        return []
    measured = measure_generation(
        paths,
        number,
        pcr,
        _MEASURED_AS.get(spec.kind, spec.kind.value),
        runner=runner,
        environment=os.environ,
    )
    return [measured.message + (f"; {measured.remedy}" if measured.remedy else "")]
