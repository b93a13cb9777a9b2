"""kvm-wizard bundle: a support bundle (tar.gz, mode 0600) of this host or a recording, every secret masked.

It holds the host facts, the findings and fixes (JSON), nova.conf and glance-api.conf, the last answers, every
generation with what it changed, and the last lines of nova-compute's, libvirtd's and kvm-wizard's logs.
Exit status: 0 written, 2 usage or input error (including an output that cannot be written).
"""

from __future__ import annotations

import argparse
import sys

from wizard.cli.common import EXIT_OK, UsageError, add_host_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the bundle (a directory gets the default name); default: "
        "kvm-wizard-bundle-DATE-TIME.tar.gz here",
    )
    add_host_arguments(parser)
    parser.epilog = "Exit status: 0 written, 2 usage or input error."


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wizard.bundle.build import make_bundle
    from wizard.cli.host import load_host

    host = load_host(args)
    if host is None:
        return EXIT_OK
    output = Path(args.output) if args.output else None
    if output is not None and not output.is_dir() and not output.parent.is_dir():
        raise UsageError(f"-o {args.output}: the directory {output.parent} does not exist")
    try:
        result = make_bundle(host.facts, host.root, output)
    except OSError as error:
        raise UsageError(f"cannot write the bundle: {error.strerror or error}") from None
    print(
        f"Wrote {result.path} ({result.size} bytes, {len(result.members)} files, mode 0600); "
        "every secret in it is masked.",
        file=sys.stdout,
    )
    return EXIT_OK
