"""`attest quote`: a TPM quote over the measured PCR, with what a verifier needs to replay it.

The quote file (JSON) carries the nonce, the PCR and its bank, the TPM's signed quote (message, signature and
the PCR values, as tpm2_quote writes them, in base64), the attestation key's public part, and this boot's event
log. Before quoting, the node's files must still be those of the generation it runs (a hand edit since then is
no reviewed configuration), and when nothing of this generation was measured since the boot (a reboot resets
the PCR), it is measured now.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.apply.atomic import NotAFileError, read_state
from wizard.apply.generations import Generation, list_generations
from wizard.apply.measure import Event, boot_log, measure_generation, measuring_pcr, reaches_tpm
from wizard.apply.pending import boot_id, now_text
from wizard.apply.state import StatePaths, state_paths
from wizard.attest.key import TpmCommandError, load_key, tpm_session
from wizard.commands import CommandRunner
from wizard.rootfs import PathEscapeError, under
from wizard.tpm.parse import parse_dictionary_attack
from wizard.tpm.pcr import BANK, parse_pcr_value, run_tool
from wizard.tpm.tss import explain_failure, tcti_from_environment

QUOTE_FORMAT = "kvm-wizard-quote"
QUOTE_VERSION = 1
MAX_NONCE_BYTES = 64  # a quote's qualifying data is at most one digest of the largest hash (SHA-512)
_HEX = re.compile(r"[0-9a-f]+")


class NonceError(ValueError):
    """A nonce that is not 1 to 64 bytes of hexadecimal."""


def normalize_nonce(text: str) -> str:
    nonce = text.strip().lower().removeprefix("0x")
    if not nonce or not _HEX.fullmatch(nonce) or len(nonce) % 2:
        raise NonceError(
            f"--nonce {text[:80]!r}: give an even number of hexadecimal digits, e.g. $(openssl rand -hex 32)"
        )
    if len(nonce) // 2 > MAX_NONCE_BYTES:
        raise NonceError(f"--nonce: {len(nonce) // 2} bytes; a quote carries at most {MAX_NONCE_BYTES}")
    return nonce


@dataclass(frozen=True)
class QuoteOutcome:
    """A quote made (``document``) or why not: a meaning and a remedy, with a stable word for scripts."""

    ok: bool
    reason: str  # "" when made; else "measuring-off", "not-this-tpm", "no-generation", "drift", "tpm"
    meaning: str = ""
    remedy: str = ""
    document: dict[str, Any] = field(default_factory=dict)
    generation: int | None = None
    notes: tuple[str, ...] = ()


def current_generation(paths: StatePaths) -> Generation | None:
    """The generation whose files the node has: the last one a transaction committed."""
    applied = [
        entry.generation
        for entry in list_generations(paths)
        if entry.generation is not None and entry.generation.status == "applied"
    ]
    return applied[-1] if applied else None


def drift(root: Path, generation: Generation) -> list[str]:
    """The files of ``generation`` that are no longer what it left (empty: the node is as it was applied)."""
    changed = []
    for item in generation.files:
        try:
            state = read_state(under(root, item.written_path))
        except (OSError, NotAFileError, PathEscapeError) as error:
            changed.append(f"{item.path} ({error})")
            continue
        if item.after.exists != state.exists or (state.exists and item.after.sha256 != state.sha256):
            changed.append(item.path)
    return changed


def make_quote(
    root: Path, nonce: str, *, runner: CommandRunner, environment: Mapping[str, str]
) -> QuoteOutcome:
    paths = state_paths(root)
    pcr = measuring_pcr(paths)
    if pcr is None:
        return QuoteOutcome(
            False,
            "measuring-off",
            "Measuring is off on this node: no generation is extended into a PCR, so a quote would prove nothing "
            "about its configuration.",
            "Turn it on with an apply of answers with tpm.measure = true (the TPM step of the wizard), then quote.",
        )
    if not reaches_tpm(paths.root, environment):
        return QuoteOutcome(
            False,
            "not-this-tpm",
            f"The TPM this machine reaches is not the one of {paths.root}.",
            "Run it on that system, or set TPM2TOOLS_TCTI to its TPM.",
        )
    generation = current_generation(paths)
    if generation is None:
        return QuoteOutcome(
            False,
            "no-generation",
            "No change was ever applied on this node: there is no generation to prove.",
            "Apply a configuration first (kvm-wizard, or kvm-wizard apply --answers FILE).",
        )
    changed = drift(paths.root, generation)
    if changed:
        return QuoteOutcome(
            False,
            "drift",
            f"The node's files are no longer those of generation {generation.number}: {', '.join(changed)} "
            "changed since. It does not run a reviewed configuration, so nothing is quoted.",
            "See what changed with kvm-wizard plan (or snapshots diff); apply the intended configuration again "
            f"(a new generation is measured), or roll back: kvm-wizard snapshots rollback {generation.number}.",
            generation=generation.number,
        )
    tcti = tcti_from_environment(environment)
    notes: list[str] = []
    events, problems = boot_log(paths)
    notes += problems
    if not any(event.generation == generation.number for event in events):
        measured = measure_generation(
            paths,
            generation.number,
            pcr,
            "first quote after boot" if not events else "not measured at its commit",
            runner=runner,
            environment=environment,
        )
        if not measured.ok:
            return QuoteOutcome(False, "tpm", measured.message, measured.remedy, generation=generation.number)
        notes.append(measured.message + " (not measured since the node started)")
        events, _ = boot_log(paths)
    try:
        document = _quote(
            paths,
            nonce=nonce,
            pcr=pcr,
            events=events,
            generation=generation,
            runner=runner,
            environment=environment,
        )
    except TpmCommandError as error:
        return QuoteOutcome(
            False,
            "tpm",
            f"{error.what}: {error.failure.meaning}",
            error.failure.remedy,
            generation=generation.number,
        )
    lockout = run_tool(runner, tcti, "getcap", "properties-variable")
    state = parse_dictionary_attack(lockout.stdout) if lockout.ok else None
    if state is not None and state.in_lockout:
        notes.append(
            "The TPM is in dictionary-attack lockout (too many wrong passwords elsewhere); the attestation key has "
            "no password, so quoting goes on, but keys with passwords refuse to work until it ends: wait "
            f"{state.interval_seconds} s per failure, or `tpm2 dictionarylockout --clear-lockout -p LOCKOUT-PASSWORD`."
        )
    document["notes"] = notes
    return QuoteOutcome(True, "", document=document, generation=generation.number, notes=tuple(notes))


def _quote(
    paths: StatePaths,
    *,
    nonce: str,
    pcr: int,
    events: list[Event],
    generation: Generation,
    runner: CommandRunner,
    environment: Mapping[str, str],
) -> dict[str, Any]:
    tcti = tcti_from_environment(environment)
    with tpm_session(runner, tcti) as scratch:
        key = load_key(paths, runner, tcti, scratch)
        message, signature, pcrs = (scratch / name for name in ("message", "signature", "pcrs"))
        result = run_tool(
            runner,
            tcti,
            "quote",
            "-c",
            str(key.context),
            "-l",
            f"{BANK}:{pcr}",
            "-q",
            nonce,
            "-m",
            str(message),
            "-s",
            str(signature),
            "-o",
            str(pcrs),
            "-g",
            BANK,
        )
        if not result.ok:
            raise TpmCommandError("quoting", explain_failure(result, tcti))
        blobs = {
            name: base64.b64encode(path.read_bytes()).decode("ascii")
            for name, path in (("message", message), ("signature", signature), ("pcrs", pcrs))
        }
    return {
        "format": QUOTE_FORMAT,
        "version": QUOTE_VERSION,
        "made": now_text(),
        "nonce": nonce,
        "pcr": pcr,
        "bank": BANK,
        "pcr_value": parse_pcr_value(result.stdout, pcr) or "",
        "generation": generation.number,
        "boot_id": boot_id(),
        "attestation_key": {
            "public_pem": key.public_pem,
            "fingerprint": key.fingerprint,
            "name": key.name,
            "first_use": key.first_use,
            "changed_from": key.changed_from,
        },
        "quote": blobs,
        "events": [event.to_toml() for event in events],
    }
