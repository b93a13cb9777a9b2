"""`kvm-wizard confirm [--root DIR]`: keep the last change before its revert deadline, from any console.

Exit status: 0 confirmed, 1 nothing waits for confirmation (or it is too late: the change was reverted).
"""

from __future__ import annotations

import argparse

from wizard.apply.confirm import confirm
from wizard.apply.pending import PendingFileError
from wizard.cli.apply_common import add_root_argument, root_from
from wizard.cli.common import EXIT_OK, EXIT_PROBLEMS, ProblemsFound


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_root_argument(parser)


def run(args: argparse.Namespace) -> int:
    try:
        outcome = confirm(root_from(args))
    except PendingFileError as error:
        raise ProblemsFound(str(error)) from None
    print(outcome.message)
    return EXIT_OK if outcome.confirmed else EXIT_PROBLEMS
