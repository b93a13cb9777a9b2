"""The attestation key: a restricted signing key of the host's TPM that signs quotes.

It is a primary key of the endorsement hierarchy made from a fixed template, so the TPM makes the same key
every time from its endorsement seed: nothing secret is kept on disk, and a reboot loses nothing. Its public
part is recorded on first use (attest/ak.pem under the state directory); a later key that differs means the
seed changed (`tpm2 clear` or `tpm2 changeeps`, or another TPM), and verifiers that kept the old key will
refuse its quotes. It has no password, so it is made without dictionary-attack protection (noda): a TPM
locked out by some other program's wrong passwords still quotes (there is no password of this key to guess).

Loaded keys take the TPM's few object slots; without a resource manager (swtpm's socket, /dev/tpm0) they stay
loaded after a tool exits, so every handle this module loads is flushed again.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.atomic import Attributes, write_atomic
from wizard.apply.state import PRIVATE_FILE_MODE, StatePaths, ensure_private_directory
from wizard.commands import CommandRunner
from wizard.regular_files import read_regular_text
from wizard.tpm.pcr import run_tool
from wizard.tpm.tss import Failure, Tcti, explain_failure

ATTEST_DIRECTORY = "attest"
PUBLIC_KEY = "ak.pem"
TEMPLATE = (
    "-C",
    "e",
    "-g",
    "sha256",
    "-G",
    "ecc256:ecdsa-sha256:null",
    "-a",
    "restricted|sign|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda",
)
_HANDLE = re.compile(r"^\s*-\s*(0x[0-9a-fA-F]+)\s*$", re.MULTILINE)
_NAME = re.compile(r"^name:\s*([0-9a-fA-F]+)\s*$", re.MULTILINE)


class TpmCommandError(Exception):
    """A tpm2-tools command failed; ``failure`` says what it means and what to do."""

    def __init__(self, what: str, failure: Failure) -> None:
        super().__init__(f"{what}: {failure.meaning}")
        self.what = what
        self.failure = failure


@dataclass(frozen=True)
class AttestationKey:
    context: Path  # the loaded key's context file (in a private temporary directory)
    public_pem: str
    name: str  # the TPM's name of the key (hash of its public area), hex
    first_use: bool  # its public part was recorded just now
    changed_from: str = ""  # the fingerprint of a different key recorded before ("" when none)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_pem)


def fingerprint(public_pem: str) -> str:
    """sha256 of the PEM text's base64 body: the short name a verifier compares."""
    body = "".join(line for line in public_pem.splitlines() if line and not line.startswith("-----"))
    return hashlib.sha256(body.encode("ascii", "replace")).hexdigest()


def _transient_handles(runner: CommandRunner, tcti: Tcti) -> set[str]:
    result = run_tool(runner, tcti, "getcap", "handles-transient")
    return set(_HANDLE.findall(result.stdout)) if result.ok else set()


@contextmanager
def tpm_session(runner: CommandRunner, tcti: Tcti) -> Iterator[Path]:
    """A private scratch directory for key contexts; every transient handle loaded meanwhile is flushed."""
    before = _transient_handles(runner, tcti)
    with tempfile.TemporaryDirectory(prefix="kvm-wizard-attest-") as scratch:
        try:
            yield Path(scratch)
        finally:
            for handle in sorted(_transient_handles(runner, tcti) - before):
                run_tool(runner, tcti, "flushcontext", handle)


def _run(runner: CommandRunner, tcti: Tcti, what: str, name: str, *arguments: str) -> str:
    result = run_tool(runner, tcti, name, *arguments)
    if not result.ok:
        raise TpmCommandError(what, explain_failure(result, tcti))
    return result.stdout


def load_key(paths: StatePaths, runner: CommandRunner, tcti: Tcti, scratch: Path) -> AttestationKey:
    """Make the attestation key in the TPM (the same every time) and record its public part on first use."""
    context = scratch / "ak.ctx"
    pem = scratch / "ak.pem"
    _run(runner, tcti, "creating the attestation key", "createprimary", *TEMPLATE, "-c", str(context))
    said = _run(
        runner,
        tcti,
        "reading the attestation key",
        "readpublic",
        "-c",
        str(context),
        "-f",
        "pem",
        "-o",
        str(pem),
    )
    public_pem = pem.read_text(encoding="ascii")
    name_match = _NAME.search(said)
    recorded_path = paths.directory / ATTEST_DIRECTORY / PUBLIC_KEY
    try:
        recorded = read_regular_text(recorded_path, limit=64 * 1024)
    except FileNotFoundError:
        recorded = ""
    changed = ""
    if recorded and fingerprint(recorded) != fingerprint(public_pem):
        changed = fingerprint(recorded)
    if not recorded or changed:
        ensure_private_directory(paths.directory)
        ensure_private_directory(recorded_path.parent)
        write_atomic(
            recorded_path,
            public_pem.encode("ascii"),
            Attributes(os.geteuid(), os.getegid(), PRIVATE_FILE_MODE),
        )
    return AttestationKey(
        context=context,
        public_pem=public_pem,
        name=name_match[1].lower() if name_match else "",
        first_use=not recorded,
        changed_from=changed,
    )
