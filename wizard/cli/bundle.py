"""kvm-wizard bundle: a support bundle (tar.gz, mode 0600) of this host or a recording, every secret masked.

It holds the host facts, the findings and fixes (JSON), nova.conf and glance-api.conf, the last answers, every
generation with what it changed, and the last lines of nova-compute's, libvirtd's and kvm-wizard's logs.
``-o FILE`` replaces a regular file only (never a device, a named pipe or a symbolic link: `-o /dev/stdout`
is refused); ``-o -`` writes the tar.gz to standard output (not to a terminal).
Exit status: 0 written, 1 standard output closed before the whole bundle was written, 2 usage or input error
(including an output that cannot be written).
"""

from __future__ import annotations

import argparse
import sys

from wizard.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    STDOUT_NAME,
    UsageError,
    add_host_arguments,
    output_refusal,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the bundle (a directory gets the default name; - is standard output); default: "
        "kvm-wizard-bundle-DATE-TIME.tar.gz here",
    )
    add_host_arguments(parser)
    parser.epilog = "Exit status: 0 written, 1 standard output closed early (-o -), 2 usage or input error."


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from wizard.bundle.build import make_bundle
    from wizard.cli.host import load_host
    from wizard.regular_files import NotRegularFileError, check_output
    from wizard.shown import shorten_path

    if args.output == STDOUT_NAME:
        return _to_stdout(args)
    output = Path(args.output) if args.output else None
    if output is not None:
        try:
            if not output.is_dir():
                check_output(output)  # before any work: `-o /dev/stdout` must not cost a probe first
        except NotRegularFileError as error:
            raise output_refusal("-o", error) from None
        if not output.is_dir() and not output.parent.is_dir():
            raise UsageError(f"-o {shorten_path(args.output)}: the directory {output.parent} does not exist")
    host = load_host(args)
    if host is None:
        return EXIT_OK
    try:
        result = make_bundle(host.facts, host.root, output)
    except NotRegularFileError as error:
        raise output_refusal("-o", error) from None
    except OSError as error:
        raise UsageError(f"cannot write the bundle: {error.strerror or error}") from None
    print(
        f"Wrote {result.path} ({result.size} bytes, {len(result.members)} files, mode 0600); "
        "every secret in it is masked.",
        file=sys.stdout,
    )
    return EXIT_OK


def _to_stdout(args: argparse.Namespace) -> int:
    """`-o -`: the tar.gz on standard output, for a pipe or a redirection (`| ssh support 'cat > b.tgz'`)."""
    from datetime import datetime

    from wizard.bundle.archive import archive_bytes
    from wizard.bundle.build import bundle_members
    from wizard.cli.host import load_host
    from wizard.cli.output import stdout

    out = stdout()
    if out.isatty():
        raise UsageError(
            "-o - writes a tar.gz to standard output, which is a terminal: redirect it, or name a file"
        )
    host = load_host(args)
    if host is None:
        return EXIT_OK
    created = datetime.now().astimezone()
    data = archive_bytes(bundle_members(host.facts, host.root, created), created)
    if not out.write_bytes(data):
        print("kvm-wizard: the bundle was not written whole: standard output was closed", file=sys.stderr)
        return EXIT_PROBLEMS
    print(
        f"Wrote the bundle to standard output ({len(data)} bytes); every secret in it is masked.",
        file=sys.stderr,
    )
    return EXIT_OK
