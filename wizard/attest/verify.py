"""`attest verify`: check a quote file against a nonce and the node's generations.

1. tpm2_checkquote: the TPM signed this message with the attestation key in the file, over these PCR values,
   for this nonce. It needs no TPM.
2. The key is the node's: the one given with --key, else the one recorded under the root on first use.
3. The event log replays to the signed PCR value, every event in order from the PCR's reset value.
4. Each event's digest is the sha256 of that generation's manifest under the root: what was reviewed and
   applied. The last event names the generation the node runs.
Any failing step stops with its reason (a stable word), what it means and what to do.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.apply.generations import GenerationError, load_generation
from wizard.apply.measure import Event, manifest_digest
from wizard.apply.state import StatePaths, state_paths
from wizard.attest.key import ATTEST_DIRECTORY, PUBLIC_KEY, fingerprint
from wizard.attest.quote import QUOTE_FORMAT, QUOTE_VERSION
from wizard.commands import CommandRunner
from wizard.regular_files import read_regular_text
from wizard.tpm.pcr import BANK, RESET_VALUE, parse_pcr_value, replay, run_tool
from wizard.tpm.tss import Tcti, explain_failure

FRESH_QUOTE = (
    "Ask the node for a fresh quote: kvm-wizard attest quote --nonce NONCE -o FILE (a new nonce each time)."
)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str  # "" when verified; else a stable word (see REASONS)
    meaning: str
    remedy: str = ""
    generation: int | None = None
    summary: str = ""  # the generation's own summary (kind, answers) when verified
    checks: tuple[str, ...] = ()  # what was checked and held, in order
    key_fingerprint: str = ""


REASONS = (
    "not-a-quote",
    "tools-missing",
    "wrong-nonce",
    "pcrs-altered",
    "bad-signature",
    "unknown-key",
    "tampered-log",
    "nothing-measured",
    "generation-missing",
    "generation-differs",
    "not-verified",
)


def _fail(reason: str, meaning: str, remedy: str, checks: list[str], key: str = "") -> Verdict:
    return Verdict(False, reason, meaning, remedy, checks=tuple(checks), key_fingerprint=key)


def _blob(document: dict[str, Any], name: str) -> bytes:
    quote = document.get("quote")
    if not isinstance(quote, dict) or not isinstance(quote.get(name), str):
        raise ValueError(f"quote.{name} is missing")
    try:
        return base64.b64decode(quote[name], validate=True)
    except binascii.Error as error:
        raise ValueError(f"quote.{name} is not base64 ({error})") from None


def _events(document: dict[str, Any]) -> list[Event]:
    raw = document.get("events")
    if not isinstance(raw, list):
        raise ValueError("events is missing")
    events = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ValueError(f"event {index + 1} is not a table")
        try:
            events.append(Event.from_toml(entry))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"event {index + 1}: {error}") from None
    return events


def _recorded_key(paths: StatePaths) -> str:
    try:
        return read_regular_text(paths.directory / ATTEST_DIRECTORY / PUBLIC_KEY, limit=64 * 1024)
    except (OSError, UnicodeDecodeError):
        return ""


def _checkquote(
    runner: CommandRunner, public_pem: str, *, message: bytes, signature: bytes, pcrs: bytes, nonce: str
) -> tuple[str | None, Verdict | None]:
    """The PCR value tpm2_checkquote vouches for, or the verdict that stops here."""
    with tempfile.TemporaryDirectory(prefix="kvm-wizard-verify-") as scratch:
        folder = Path(scratch)
        files = {
            "key.pem": public_pem.encode("ascii"),
            "message": message,
            "signature": signature,
            "pcrs": pcrs,
        }
        for name, data in files.items():
            (folder / name).write_bytes(data)
        result = run_tool(
            runner,
            Tcti("", "default"),  # checkquote is pure software: no TPM is asked
            "checkquote",
            "-u",
            str(folder / "key.pem"),
            "-m",
            str(folder / "message"),
            "-s",
            str(folder / "signature"),
            "-f",
            str(folder / "pcrs"),
            "-g",
            BANK,
            "-q",
            nonce,
        )
    if result.ok:
        return result.stdout, None
    said = result.stderr
    if result.error and "not installed" in result.error:
        failure = explain_failure(result, Tcti("", "default"))
        return None, _fail("tools-missing", failure.meaning, failure.remedy, [])
    if "validating nonce" in said:
        return None, _fail(
            "wrong-nonce",
            f"The quote was made for another nonce than {nonce}: it is an older quote replayed, or the answer to "
            "another request.",
            FRESH_QUOTE,
            [],
        )
    if "PCR values failed to match" in said or "PCR composite" in said:
        return None, _fail(
            "pcrs-altered",
            "The PCR values in the file are not the ones the TPM signed: the file was altered after the quote.",
            FRESH_QUOTE,
            [],
        )
    if "signed message with public key" in said or "Verify signature failed" in said:
        return None, _fail(
            "bad-signature",
            "The signature does not match the attestation key in the file: the quote was altered, or it was "
            "signed by another key.",
            FRESH_QUOTE,
            [],
        )
    last = (said.strip() or result.stdout.strip() or result.error or "no output").splitlines()[-1]
    return None, _fail(
        "not-verified",
        f"tpm2_checkquote refused the quote: {last}",
        "Run it by hand to see its full output.",
        [],
    )


def verify_quote(
    root: Path, nonce: str, document: dict[str, Any], *, runner: CommandRunner, key_pem: str | None = None
) -> Verdict:
    """Whether ``document`` proves which generation the node under ``root`` runs, for ``nonce``."""
    checks: list[str] = []
    try:
        if document.get("format") != QUOTE_FORMAT or document.get("version") != QUOTE_VERSION:
            raise ValueError(f"format {document.get('format')!r} version {document.get('version')!r}")
        pcr = document["pcr"]
        if isinstance(pcr, bool) or not isinstance(pcr, int) or document.get("bank") != BANK:
            raise ValueError("pcr and bank must name a sha256 PCR")
        key = document.get("attestation_key")
        public_pem = key.get("public_pem") if isinstance(key, dict) else None
        if not isinstance(public_pem, str) or "BEGIN PUBLIC KEY" not in public_pem:
            raise ValueError("attestation_key.public_pem is missing")
        message, signature, pcrs = (_blob(document, name) for name in ("message", "signature", "pcrs"))
        events = _events(document)
    except (KeyError, ValueError) as error:
        return _fail(
            "not-a-quote",
            f"The file is not a kvm-wizard quote: {error}.",
            "Give the file `kvm-wizard attest quote -o FILE` wrote, as it was written.",
            checks,
        )
    shown_key = fingerprint(public_pem)
    said, stop = _checkquote(runner, public_pem, message=message, signature=signature, pcrs=pcrs, nonce=nonce)
    if stop is not None or said is None:
        return stop or _fail("not-verified", "tpm2_checkquote said nothing", "", checks)
    value = parse_pcr_value(said, pcr)
    if value is None:
        return _fail(
            "not-a-quote",
            f"The quote does not cover PCR {pcr} of the {BANK} bank.",
            FRESH_QUOTE,
            checks,
            shown_key,
        )
    checks.append(f"the TPM signed PCR {pcr} = {value} for nonce {nonce} (tpm2_checkquote)")
    paths = state_paths(root)
    pinned, where = (
        (key_pem, "--key") if key_pem is not None else (_recorded_key(paths), f"recorded under {root}")
    )
    if pinned:
        if fingerprint(pinned) != shown_key:
            return _fail(
                "unknown-key",
                f"The quote is signed by attestation key {shown_key[:16]}..., not the node's ({fingerprint(pinned)[:16]}"
                f"..., {where}): another TPM signed it, or the node's TPM was cleared since the key was recorded.",
                "If the node's TPM was cleared on purpose, record its new key (attest/ak.pem of the quote) as the "
                "node's; otherwise do not trust this node.",
                checks,
                shown_key,
            )
        checks.append(f"signed by the node's attestation key ({where}, {shown_key[:16]}...)")
    else:
        checks.append(
            f"signed by the key in the file ({shown_key[:16]}...): no key of the node to compare with (--key PEM "
            f"pins one; {root} has none recorded)"
        )
    if any(event.pcr != pcr or event.bank != BANK for event in events):
        return _fail(
            "tampered-log",
            f"The event log has events of another PCR than the quoted PCR {pcr}: it was altered.",
            "Do not trust this quote. " + FRESH_QUOTE,
            checks,
            shown_key,
        )
    replayed = replay([event.digest for event in events])
    if replayed != value:
        return _fail(
            "tampered-log",
            f"The event log ({len(events)} event(s)) does not replay to the PCR value the TPM signed ({value}, "
            f"replayed {replayed}): the log was altered or has an event missing, or some other program extended "
            f"PCR {pcr}.",
            f"Do not trust this node's claim. On the node, look at kvm-wizard snapshots list; if another program "
            f"of its own uses PCR {pcr}, measure into the other one (tpm.measure_pcr).",
            checks,
            shown_key,
        )
    if not events:
        return _fail(
            "nothing-measured",
            f"Nothing was measured since the node started (PCR {pcr} is still at its reset value {RESET_VALUE[:8]}...).",
            "Quote again on the node: its first quote after a boot measures the generation it runs.",
            checks,
            shown_key,
        )
    checks.append(f"the event log ({len(events)} event(s)) replays to that value")
    for event in events:
        verdict = _check_generation(paths, root, event, checks, shown_key)
        if verdict is not None:
            return verdict
    last = events[-1].generation
    summary = ""
    try:
        generation = load_generation(paths, last)
        summary = f"{generation.kind} of {generation.created}: {generation.summary}"
    except GenerationError:
        pass
    return Verdict(
        True,
        "",
        f"This node runs generation {last}, as reviewed.",
        generation=last,
        summary=summary,
        checks=tuple(checks),
        key_fingerprint=shown_key,
    )


def _check_generation(
    paths: StatePaths, root: Path, event: Event, checks: list[str], key: str
) -> Verdict | None:
    number = event.generation
    try:
        digest = manifest_digest(paths, number)
    except OSError:
        return _fail(
            "generation-missing",
            f"Generation {number}, which the node measured, is not under {root}: the generations there are an "
            "older copy of the node's, or another node's.",
            f"Verify against the node's own generations (--root, a current copy of its {paths.directory}).",
            checks,
            key,
        )
    if digest != event.digest:
        return _fail(
            "generation-differs",
            f"Generation {number} under {root} is not the one the node measured (its manifest's sha256 is "
            f"{digest[:16]}..., the node measured {event.digest[:16]}...): it was changed after it was applied, "
            "or it is another node's.",
            "Compare the node's generations with the copy; do not trust either until that difference is explained.",
            checks,
            key,
        )
    checks.append(f"generation {number}'s manifest is the one measured ({event.reason}, {event.time})")
    return None
