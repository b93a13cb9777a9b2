"""kvm-wizard check: diagnose this host (or a recording, or a demo host) for KVM and Nova.

Exit status: 0 when the verdict is ``ready``, 1 otherwise, 2 on usage or input errors. The JSON form
(``--json``) is documented in wizard/host/findings.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, UsageError, add_host_arguments, print_json, use_color


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
    from wizard.diagnosis.diagnose import diagnose
    from wizard.diagnosis.findings import VerdictCode, diagnosis_to_json
    from wizard.host.facts import FactsError, load_facts, save_facts

    demo = getattr(args, "demo", None)
    if demo is not None and args.root:
        raise UsageError("--root cannot be combined with --demo: a demo host brings its own files")
    if args.facts and args.root:
        raise UsageError("--root cannot be combined with --facts: a recording already holds what was read")
    if demo is not None:
        from wizard.cli.host import demo_facts

        facts = demo_facts(demo)
        if facts is None:
            return EXIT_OK
    elif args.facts:
        try:
            facts = load_facts(Path(args.facts))
        except FactsError as error:
            raise UsageError(str(error)) from None
    else:
        from wizard.host.probe import probe

        root = Path(args.root) if args.root else Path("/")
        if not root.is_dir():
            raise UsageError(f"--root {root}: not a directory")
        facts = probe(root.resolve() if args.root else root)
    if args.save_facts:
        try:
            save_facts(facts, Path(args.save_facts))
        except OSError as error:
            raise UsageError(f"--save-facts {args.save_facts}: {error.strerror}") from None
    diagnosis = diagnose(facts)
    if args.json:
        print_json(diagnosis_to_json(diagnosis, facts.source))
    else:
        from wizard.cli.render import render_diagnosis

        render_diagnosis(diagnosis, facts.source, sys.stdout, color=use_color(args, sys.stdout))
    return EXIT_OK if diagnosis.verdict.code is VerdictCode.READY else EXIT_PROBLEMS
