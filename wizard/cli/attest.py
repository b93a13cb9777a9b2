"""`kvm-wizard attest quote|verify`: prove which generation this node runs, with the TPM.

    kvm-wizard attest quote  [--root DIR] --nonce HEX -o FILE [--json]
    kvm-wizard attest verify [--root DIR] --nonce HEX [--key PEM] FILE [--json]

`quote` quotes the PCR the node's generations are measured into (tpm.measure), with the nonce a verifier
chose, and writes the quote, the attestation key's public part (made on first use) and this boot's event log
to FILE (`-o -`: standard output). The TPM is the one TPM2TOOLS_TCTI names, as for `tpm status`. Exit status:
0 written, 1 not quoted (the reason, what it means and what to do on standard error), 2 usage error.

`verify` checks FILE: the TPM's signature and the nonce (tpm2_checkquote, no TPM needed), the key (--key PEM,
else the one recorded under --root), the event log against the signed PCR, and each measured generation
against the manifests under --root. Exit status: 0 "this node runs generation N, as reviewed", 1 not verified
(reason, meaning, remedy), 2 usage error (no such file, a bad nonce).

JSON (--json), schema 1::

    quote:  {"schema": 1, "quoted": bool, "file": str | null, "generation": int | null,
             "reason": null | "measuring-off" | "not-this-tpm" | "no-generation" | "drift" | "tpm",
             "meaning": str | null, "remedy": str | null, "notes": [str],
             "key_fingerprint": str | null, "first_use": bool | null}
    verify: {"schema": 1, "verified": bool, "generation": int | null, "summary": str | null,
             "reason": null | "not-a-quote" | "tools-missing" | "wrong-nonce" | "pcrs-altered" | "bad-signature"
                       | "unknown-key" | "tampered-log" | "nothing-measured" | "generation-missing"
                       | "generation-differs" | "not-verified",
             "meaning": str, "remedy": str | null, "checks": [str], "key_fingerprint": str | null}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from wizard.cli.apply_common import add_root_argument, root_from
from wizard.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    STDOUT_NAME,
    UsageError,
    output_refusal,
    print_json,
)

SCHEMA = 1
MAX_QUOTE_BYTES = 1024 * 1024  # a quote file is a few KB; its event log grows by one line per change


def add_arguments(parser: argparse.ArgumentParser) -> None:
    subcommands = parser.add_subparsers(dest="attest_command", metavar="SUBCOMMAND", required=True)
    quote = subcommands.add_parser(
        "quote",
        help="a TPM quote over the measured generation",
        description="Quote the PCR this node's generations are measured into, with a verifier's nonce.",
        epilog="Exit status: 0 written, 1 not quoted (why, and what to do, on standard error), 2 usage error.",
    )
    add_root_argument(quote)
    quote.add_argument("--nonce", required=True, metavar="HEX", help="the verifier's nonce (1-64 bytes, hex)")
    quote.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the quote file (- is standard output)"
    )
    quote.add_argument("--json", action="store_true", help="report as JSON (schema 1) on standard output")
    verify = subcommands.add_parser(
        "verify",
        help="check a quote against the nonce and the node's generations",
        description="Verify a quote file: the TPM's signature and the nonce, the attestation key, the event "
        "log against the signed PCR, and each measured generation against the manifests under --root.",
        epilog="Exit status: 0 this node runs generation N, as reviewed; 1 not verified (why); 2 usage error.",
    )
    add_root_argument(verify)
    verify.add_argument("--nonce", required=True, metavar="HEX", help="the nonce the quote must answer")
    verify.add_argument(
        "--key", metavar="PEM", help="the node's attestation key (default: the one recorded under --root)"
    )
    verify.add_argument("file", metavar="FILE", help="the quote file (- is standard input)")
    verify.add_argument("--json", action="store_true", help="report as JSON (schema 1)")


def _nonce(text: str) -> str:
    from wizard.attest.quote import NonceError, normalize_nonce

    try:
        return normalize_nonce(text)
    except NonceError as error:
        raise UsageError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    if args.attest_command == "quote":
        return _quote(args)
    return _verify(args)


def _check_output(output: str) -> Path | None:
    from wizard.regular_files import NotRegularFileError, check_output
    from wizard.shown import shorten_path

    if output == STDOUT_NAME:
        return None
    target = Path(output)
    try:
        check_output(target)
    except NotRegularFileError as error:
        raise output_refusal("-o", error) from None
    if not target.parent.is_dir():
        raise UsageError(f"-o {shorten_path(output)}: the directory {target.parent} does not exist")
    return target


def _quote(args: argparse.Namespace) -> int:
    from wizard.answers.load import write_text_atomically
    from wizard.attest.quote import make_quote
    from wizard.commands import CommandRunner

    nonce = _nonce(args.nonce)
    root = root_from(args)
    target = _check_output(args.output)
    outcome = make_quote(root, nonce, runner=CommandRunner(), environment=os.environ)
    text = json.dumps(outcome.document, indent=2) + "\n" if outcome.ok else ""
    if outcome.ok and target is not None:
        try:
            write_text_atomically(target, text, mode=0o644)
        except OSError as error:
            raise UsageError(f"cannot write {args.output}: {error.strerror or error}") from None
    key = outcome.document.get("attestation_key", {}) if outcome.ok else {}
    if args.json:
        report: dict[str, Any] = {
            "schema": SCHEMA,
            "quoted": outcome.ok,
            "file": None if not outcome.ok else (str(target) if target is not None else STDOUT_NAME),
            "generation": outcome.generation,
            "reason": outcome.reason or None,
            "meaning": outcome.meaning or None,
            "remedy": outcome.remedy or None,
            "notes": list(outcome.notes),
            "key_fingerprint": key.get("fingerprint"),
            "first_use": key.get("first_use"),
        }
        if target is None and outcome.ok:
            report["quote"] = outcome.document
        print_json(report)
    elif outcome.ok and target is None:
        sys.stdout.write(text)
    for note in outcome.notes:
        print(f"kvm-wizard: {note}", file=sys.stderr)
    if not outcome.ok:
        if not args.json:
            print(f"Not quoted: {outcome.meaning}", file=sys.stderr)
            print(f"What to do: {outcome.remedy}", file=sys.stderr)
        return EXIT_PROBLEMS
    if not args.json:
        where = args.output if target is not None else "standard output"
        first = " (attestation key made and recorded on this first use)" if key.get("first_use") else ""
        print(
            f"Quoted generation {outcome.generation} into {where}; attestation key "
            f"{str(key.get('fingerprint', ''))[:16]}...{first}",
            file=sys.stderr,
        )
    return EXIT_OK


def _read_document(name: str) -> dict[str, Any] | str:
    """The quote file's JSON object, or why it is not one (a file that cannot be read is a usage error)."""
    from wizard.regular_files import read_regular_text
    from wizard.shown import shorten_path

    if name == STDOUT_NAME:
        text = sys.stdin.read(MAX_QUOTE_BYTES + 1)
    else:
        try:
            text = read_regular_text(Path(name), limit=MAX_QUOTE_BYTES)
        except UnicodeDecodeError:
            return "not UTF-8 text"
        except OSError as error:
            raise UsageError(
                f"{shorten_path(name)}: cannot read the quote file ({error.strerror or error})"
            ) from None
    try:
        data = json.loads(text)
    except ValueError as error:
        return f"not JSON ({error})"
    return data if isinstance(data, dict) else "not a JSON object"


def _verify(args: argparse.Namespace) -> int:
    from wizard.attest.verify import Verdict, verify_quote
    from wizard.commands import CommandRunner
    from wizard.regular_files import read_regular_text

    nonce = _nonce(args.nonce)
    root = root_from(args)
    key_pem = None
    if args.key:
        try:
            key_pem = read_regular_text(Path(args.key), limit=64 * 1024)
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"--key {args.key}: cannot read it ({error})") from None
    document = _read_document(args.file)
    if isinstance(document, str):
        verdict = Verdict(
            False,
            "not-a-quote",
            f"The file is not a kvm-wizard quote: {document}.",
            "Give the file `kvm-wizard attest quote -o FILE` wrote, as it was written.",
        )
    else:
        verdict = verify_quote(root, nonce, document, runner=CommandRunner(), key_pem=key_pem)
    if args.json:
        print_json(
            {
                "schema": SCHEMA,
                "verified": verdict.ok,
                "generation": verdict.generation,
                "summary": verdict.summary or None,
                "reason": verdict.reason or None,
                "meaning": verdict.meaning,
                "remedy": verdict.remedy or None,
                "checks": list(verdict.checks),
                "key_fingerprint": verdict.key_fingerprint or None,
            }
        )
    else:
        print(verdict.meaning if verdict.ok else f"Not verified: {verdict.meaning}")
        if verdict.summary:
            print(f"  {verdict.summary}")
        for check in verdict.checks:
            print(f"  checked: {check}")
        if verdict.remedy:
            print(f"What to do: {verdict.remedy}")
    return EXIT_OK if verdict.ok else EXIT_PROBLEMS
