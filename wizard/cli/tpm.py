"""`kvm-wizard tpm status`: the host's TPM 2.0, verified through tpm2-tools, and Nova's vTPM for guests.

Exit status: 0 a TPM 2.0 is present and nothing is wrong with it (verified, or not verifiable from a
recording); 1 problems were found (no TPM, TPM 1.2, tpm2-tools missing, verification failed); 2 usage errors.

With --facts or a --root other than /, the live TPM is not this host's and is left alone, unless
TPM2TOOLS_TCTI names one: then whatever it points at is verified (a simulator, tpm2-abrmd).

JSON output (--json), schema 1. Keys are always present; ``null`` marks an unknown or absent value::

    {
      "schema": 1,
      "source": "live" | "live: ROOT" | "recording: PATH",
      "root": "/",
      "ok": bool,                          # exit status 0
      "summary": str,                      # one sentence
      "problems": [str], "remedies": [str], "notes": [str],
      "tpm": {
        "kind": "2.0" | "1.2" | "none" | "unknown",
        "summary": str,
        "devices": [{"name": "tpm0", "version": "2.0" | "1.2" | "", "driver": str, "description": str,
                     "source": "udev" | "sysfs",
                     "nodes": [{"path": "/dev/tpm0", "role": "direct" | "resource-manager", "exists": bool,
                                "mode": "0660" | null, "owner": str | null, "group": str | null}]}],
        "warnings": [str], "hints": [str], "evidence": [str]
      },
      "tools": {"installed": bool | null, "multi_call": "/usr/bin/tpm2" | null, "split_tools": [str],
                "version": "5.4" | null,
                "install": {"id": "install:tpm2-tools", "argv": [str], "reversible": false} | null},
      "tcti": {"value": str | null, "source": "environment" | "default", "description": str},
      "verification": {
        "ran": bool, "passed": bool, "skipped_reason": str | null,
        "steps": [{"id": "tools" | "selftest" | "random" | "properties" | "pcr-banks" | "lockout",
                   "title": str, "status": "passed" | "warning" | "failed" | "skipped",
                   "command": str | null, "evidence": [str], "meaning": str, "remedy": str | null,
                   "failure": "tools-missing" | "no-device" | "permission-denied" | "device-busy"
                              | "not-answering" | "tcti-unusable" | "not-started" | "failure-mode"
                              | "lockout" | "busy" | "authorization" | "timed-out" | "tpm-error"
                              | "unexpected-output" | "not-tpm2" | null,
                   "code": "0x101" | null, "seconds": float}],
        "identity": {"family": "2.0", "manufacturer": "IBM", "manufacturer_name": "IBM",
                     "vendor_string": "SW   TPM", "revision": "1.64",
                     "firmware_version": "8217.4131.22.13878",
                     "firmware_raw": "0x20191023 0x00163636"} | null,
        "pcr_banks": {"sha256": [0, 1, ...], ...},
        "random_bytes": 8 | null,
        "dictionary_attack": {"in_lockout": bool, "failures": int, "max_failures": int,
                              "interval_seconds": int, "recovery_seconds": int} | null
      },
      "vtpm": {"available": bool, "problems": [str], "warnings": [str], "swtpm": str | null,
               "swtpm_setup": str | null, "user": "tss", "group": "tss",
               "user_exists": bool | null, "group_exists": bool | null,
               "options": [{"section": "libvirt", "key": "swtpm_enabled", "value": "True"}]},
      "secure_boot": {"state": "enabled" | "disabled" | "setup-mode" | "not-uefi" | "unknown",
                      "lockdown": "none" | "integrity" | "confidentiality" | null,
                      "status": "pass" | "warn" | "info" | "unknown", "title": str, "detail": str,
                      "evidence": [{"source": str, "observed": str}]}
    }
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, UsageError, add_host_arguments, print_json, use_color
from wizard.commands import CommandRunner
from wizard.host.facts import HostFacts
from wizard.host.probe import probe_tpm
from wizard.tpm.status import TpmStatus, build_status, status_to_json
from wizard.tpm.verify import StepProgress, StepStatus

WIDTH = 80
_LABELS = {
    StepStatus.PASSED: ("PASS", "green"),
    StepStatus.WARNING: ("WARN", "yellow"),
    StepStatus.FAILED: ("FAIL", "red"),
    StepStatus.SKIPPED: ("SKIP", "dim"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    subcommands = parser.add_subparsers(dest="tpm_command", metavar="SUBCOMMAND", required=True)
    status = subcommands.add_parser(
        "status",
        help="detect the TPM, verify it with tpm2-tools, assess the guests' vTPM",
        description="Detect the host's TPM, verify it through tpm2-tools (honouring TPM2TOOLS_TCTI) and "
        "assess Nova's emulated TPM for guests.",
        epilog=(
            "Exit status: 0 a TPM 2.0 is present and nothing is wrong with it (verified where the tools can reach "
            "it; the first line says when it was not), 1 problems found, 2 usage error."
        ),
    )
    status.add_argument("--json", action="store_true", help="print the status as JSON (schema 1)")
    status.add_argument(
        "--no-verify", action="store_true", help="do not talk to the TPM; detect and assess only"
    )
    add_host_arguments(status)


def _load(args: argparse.Namespace) -> tuple[HostFacts, bool] | None:
    from wizard.cli.host import host_source
    from wizard.source import SourceError

    if args.demo and args.root:
        raise UsageError("--root cannot be combined with --demo: a demo host brings its own files")
    source = host_source(args)
    if source is None:
        return None  # --demo list
    if source.kind != "live":
        # A recording or a demo host: its TPM is not reachable from here, so it is not verified.
        try:
            return source.load_facts(), False
        except SourceError as error:
            raise UsageError(str(error)) from None
    return probe_tpm(source.root or Path("/")), source.live


def run(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return EXIT_OK  # --demo list
    facts, live = loaded
    progress = None if args.json or not sys.stderr.isatty() else _show_progress
    status = build_status(
        facts,
        environment=os.environ,
        runner=None if args.no_verify else CommandRunner(),
        live=live,
        verify=not args.no_verify,
        on_progress=progress,
    )
    if args.json:
        print_json(status_to_json(status))
    else:
        _print_text(status, color=use_color(args, sys.stdout))
    return EXIT_OK if status.ok else EXIT_PROBLEMS


def _show_progress(event: StepProgress) -> None:
    # On a terminal only: one line that each step overwrites, so that a slow self test is not a silent wait.
    if event.result is None:
        sys.stderr.write(f"\r\033[K  {event.index + 1}/{event.total} {event.title} ...")
    elif event.index + 1 == event.total or event.result.status is StepStatus.SKIPPED:
        sys.stderr.write("\r\033[K")
    sys.stderr.flush()


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def render_text(status: TpmStatus) -> list[tuple[str, str]]:
    """The human report as (line, style) pairs; the style is "" or a rich colour for the whole line."""
    lines: list[tuple[str, str]] = []

    def add(text: str, style: str = "", indent: str = "", first: str | None = None) -> None:
        lines.extend((line, style) for line in _wrap(text, indent, first))

    verdict = "PROBLEMS" if not status.ok else "OK" if status.verification.ran else "OK, NOT VERIFIED"
    add(f"TPM status: {verdict}", "bold green" if status.ok else "bold red")
    add(status.summary)
    add(f"Host: {status.source}, root {status.root}", "dim")
    lines.append(("", ""))
    add("Hardware", "bold")
    add(status.detection.summary, indent="    ", first="  ")
    for device in status.detection.devices:
        nodes = "; ".join(f"{node.path} {node.access}" for node in (device.device, device.resource_manager))
        driver = f", driver {device.driver}" if device.driver else ""
        add(f"{device.name}: TPM {device.version or '?'}{driver}; {nodes}", indent="      ", first="  - ")
    for hint in status.detection.hints:
        if hint not in status.remedies:  # shown once, under "What to do", when it is one
            add(hint, indent="      ", first="  - ")
    lines.append(("", ""))
    add("Tools", "bold")
    add(status.tools.description, indent="    ", first="  ")
    if status.install is not None:
        add(
            f"would install with: {' '.join(status.install.argv)} (cannot be undone)",
            indent="    ",
            first="  ",
        )
    add(f"TCTI: {status.tcti.description}", indent="    ", first="  ")
    lines.append(("", ""))
    add("Verification", "bold")
    if not status.verification.ran:
        add(status.verification.skipped_reason, indent="    ", first="  ")
    for step in status.verification.steps:
        label, style = _LABELS[step.status]
        add(
            f"{step.title}: {step.meaning}",
            style if step.status is not StepStatus.PASSED else "",
            indent="        ",
            first=f"  {label}  ",
        )
        if step.command:
            add(f"$ {step.command}", "dim", indent="          ", first="        ")
        if step.status is not StepStatus.PASSED:
            for line in step.evidence:
                add(line, "dim", indent="          ", first="        ")
    lines.append(("", ""))
    vtpm = status.vtpm
    add("Guests' virtual TPM (Nova vTPM through swtpm)", "bold")
    if vtpm.available:
        add(
            "available: " + ", ".join(f"[{s}] {k} = {v}" for s, k, v in vtpm.options),
            indent="    ",
            first="  ",
        )
    for problem in vtpm.problems:
        add(problem, "red", indent="        ", first="  FAIL  ")
    for warning in vtpm.warnings:
        add(warning, "yellow", indent="        ", first="  WARN  ")
    lines.append(("", ""))
    add("The host's Secure Boot", "bold")
    finding = status.secure_boot_finding
    add(finding.title, indent="    ", first="  ")
    add(finding.detail, "dim", indent="    ", first="    ")
    for title, items, style in (
        ("Problems", status.problems, "red"),
        ("What to do", status.remedies, ""),
        ("Notes", status.notes, "dim"),
    ):
        if items:
            lines.append(("", ""))
            add(title, "bold")
            for item in items:
                add(item, style, indent="    ", first="  - ")
    return lines


def _print_text(status: TpmStatus, *, color: bool) -> None:
    lines = render_text(status)
    if not color:
        for line, _ in lines:
            print(line)
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    for line, style in lines:
        console.print(Text(line, style=style))
