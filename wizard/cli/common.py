"""What every command shares: exit statuses, input errors, colour decisions, loading the host."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import TYPE_CHECKING

from wizard import interrupts
from wizard.cli.output import mark_styled
from wizard.rootfs import PathEscapeError

# json, traceback and typing's runtime parts are imported where used: every command starts here.
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the operator: a wrong option, an unreadable or invalid file. Exit status 2."""


class ProblemsFound(Exception):  # noqa: N818 - it names an outcome, not a failure of the program
    """A command finished its work and the answer is 'no' (validation failed, rolled back). Exit status 1."""


def run_guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command; turn expected errors into a one-line message and an exit status, never a traceback.

    SIGINT, SIGTERM and SIGHUP are one interruption (wizard.interrupts): a transaction running when it comes
    rolls back first; the exit status is then 128 + the signal's number, and the message says what became
    of the change. A closed output is no error here: wizard.cli.output drops what cannot be written.
    """
    interrupts.install()
    try:
        status = handler(args)
        waiting = interrupts.waiting()
        if waiting is not None:  # it came while a transaction was finishing: the work ended as shown
            name = interrupts.Interrupted(waiting).name
            print(
                f"kvm-wizard: {name} came while the work was finishing; it finished (above)", file=sys.stderr
            )
        return status
    except UsageError as error:
        print(f"kvm-wizard: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ProblemsFound as error:
        print(f"kvm-wizard: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as error:
        if error.errno != errno.ENAMETOOLONG:
            return _internal_error(error)
        # A path made from the input (a file under --root) the system cannot look up: unusable input.
        from wizard.shown import shorten_path

        print(f"kvm-wizard: error: a path is too long: {shorten_path(error.filename, 60)}", file=sys.stderr)
        return EXIT_USAGE
    except PathEscapeError as error:  # a symbolic link under --root leads out of it: unusable input
        print(f"kvm-wizard: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except interrupts.Interrupted as error:
        print(f"kvm-wizard: interrupted by {error.name}", file=sys.stderr)
        for note in getattr(error, "__notes__", ()):
            print(f"  {note}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("kvm-wizard: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: a message and a place to read more, no traceback
        return _internal_error(error)
    finally:
        interrupts.uninstall()


def _internal_error(error: BaseException) -> int:
    import traceback

    from wizard.shown import shorten

    detail = "".join(traceback.format_exception(error))
    where = _save_crash_report(detail)
    print(
        f"kvm-wizard: internal error: {type(error).__name__}: {shorten(str(error), 500)}\n"
        f"  This is a bug in kvm-wizard. The details are in {where}; please include them in a report.",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS


def _save_crash_report(detail: str) -> str:
    import tempfile

    try:
        handle, path = tempfile.mkstemp(prefix="kvm-wizard-crash-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(detail)
    except OSError:
        return "(no crash report could be written)"
    return path


STDOUT_NAME = "-"  # `-o -`: standard output


def output_refusal(option: str, error: OSError, *, stdout: bool = True) -> UsageError:
    """The usage error for an output path kvm-wizard will not replace (a device, a FIFO, a symbolic link)."""
    from wizard.shown import shorten_path

    instead = f"name another path{f', or {option} - for standard output' if stdout else ''}"
    return UsageError(
        f"{option} {shorten_path(error.filename)}: it {error.strerror}; kvm-wizard replaces only regular "
        f"files ({instead})"
    )


def use_color(args: argparse.Namespace, stream: TextIO) -> bool:
    """Colour only on a terminal, never with --no-color or NO_COLOR (https://no-color.org)."""
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR", "") != "":
        return False
    if not stream.isatty():
        return False
    mark_styled(stream)  # kvm-wizard's own colours pass the output layer; a file's escapes never do
    return True


def print_json(data: Any, stream: TextIO | None = None) -> None:
    import json

    from wizard.shown import json_visible

    target = stream or sys.stdout
    # Readable (ensure_ascii=False) and safe on a terminal: a C1 control or U+2028 in a value is written as
    # JSON's own escape, so the output layer has nothing to change in it and the JSON stays valid.
    target.write(json_visible(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False)) + "\n")


def add_host_arguments(parser: argparse.ArgumentParser, *, demo: bool = True) -> None:
    """--root, --facts and --demo: where the host's files are and where its facts come from."""
    parser.add_argument("--root", metavar="DIR", help="read the system's files under DIR instead of /")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--facts", metavar="FILE", help="diagnose a recorded host (kvm-wizard check --save-facts)"
    )
    if demo:
        source.add_argument(
            "--demo", metavar="SCENARIO", help="use a recorded demo host (see kvm-wizard check --demo list)"
        )
    parser.add_argument(
        "--no-color", action="store_true", help="no colour (the NO_COLOR variable does the same)"
    )
