"""kvm-wizard check: diagnose this host (or a recording, or a demo host) for KVM and Nova.

Exit status: 0 when the verdict is ``ready``, 1 otherwise, 2 on usage or input errors. The JSON form
(``--json``) is documented in wizard/diagnosis/findings.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    UsageError,
    add_host_arguments,
    output_refusal,
    print_json,
    use_color,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the diagnosis as JSON (schema 1)")
    add_host_arguments(parser)
    parser.add_argument(
        "--save-facts",
        metavar="FILE",
        help="also write the facts the diagnosis used to FILE (for support, or to diagnose later with --facts)",
    )
    parser.epilog = (
        "Exit status: 0 when the host is ready for KVM, 1 when the diagnosis found problems, 2 on usage or "
        "input errors. `--demo list` lists the demo hosts."
    )


def run(args: argparse.Namespace) -> int:
    # Imported here: the parser of every command is built on each start, the engine only when used.
    from wizard.cli.host import host_source
    from wizard.diagnosis.diagnose import diagnose
    from wizard.diagnosis.findings import VerdictCode, diagnosis_to_json
    from wizard.source import SourceError

    if getattr(args, "demo", None) is not None and args.root:
        raise UsageError("--root cannot be combined with --demo: a demo host brings its own files")
    if args.facts and args.root:
        raise UsageError("--root cannot be combined with --facts: a recording already holds what was read")
    source = host_source(args)
    if source is None:
        return EXIT_OK
    try:
        facts = source.load_facts()  # a demo's or a recording's facts need no copy of its files
    except SourceError as error:
        raise UsageError(str(error)) from None
    if args.save_facts:
        # Loaded only to save a recording: `check` itself starts fast.
        from wizard.answers.load import write_text_atomically
        from wizard.host.facts import facts_to_toml
        from wizard.regular_files import NotRegularFileError
        from wizard.shown import shorten_path

        try:
            # Written whole, and never over a device, a FIFO or a symbolic link.
            write_text_atomically(Path(args.save_facts), facts_to_toml(facts), mode=0o644)
        except NotRegularFileError as error:
            raise output_refusal("--save-facts", error, stdout=False) from None
        except OSError as error:
            raise UsageError(f"--save-facts {shorten_path(args.save_facts)}: {error.strerror}") from None
    diagnosis = diagnose(facts)
    if args.json:
        print_json(diagnosis_to_json(diagnosis, facts.source))
    else:
        from wizard.cli.render import render_diagnosis

        render_diagnosis(diagnosis, facts.source, sys.stdout, color=use_color(args, sys.stdout))
    return EXIT_OK if diagnosis.verdict.code is VerdictCode.READY else EXIT_PROBLEMS
