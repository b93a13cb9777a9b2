"""The launcher of the interactive wizard: `kvm-wizard`, `kvm-wizard --demo [SCENARIO]`, `kvm-wizard rescue`.

The line mode (--line, or by itself where a screen cannot be drawn: TERM=dumb, a terminal type terminfo does
not know, an output that is not a terminal, a terminal that does not answer a cursor position query) runs the
same steps in plain lines (screens/line/), without Textual.

It decides the mode and where the host comes from, picks the terminal's glyph profile and sets Textual's
switches before Textual is imported, then runs the app and prints what the operator needs once the terminal
is back (where a demo's files are, a change still waiting for confirmation).

An apply or rollback made in the wizard is kept only if confirmed within 120 s, or --confirm-timeout S;
--no-confirm keeps it at once, and only when it is given: the wizard never skips the question by itself.

Hosts: this one (root /), the files under --root DIR, a recording (--facts FILE, files under --root or /),
or a demo scenario copied into a throwaway directory, or into DIR with --root DIR (DIR must be empty or not
exist yet: tests and demos that want to look at the files afterwards name it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wizard import interrupts
from wizard.cli.common import EXIT_OK, UsageError
from wizard.cli.output import raw_streams
from wizard.cli.terminal_query import WAIT, terminal_answers

# For the type checker: the launcher imports the screens only once the terminal is known to be usable.
if TYPE_CHECKING:
    from screens.session import Mode
    from wizard.source import HostSource


def run(args: argparse.Namespace) -> int:
    mode, source = _choose(args)
    asked = bool(getattr(args, "line", False))
    if asked or (sys.stdin.isatty() and line_mode_needed(os.environ, sys.stdout)):
        return run_lines(args, mode, source)
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        instead = "kvm-wizard rescue --report" if mode == "rescue" else "kvm-wizard check, plan and apply"
        raise UsageError(f"the interactive wizard needs a terminal; without one use {instead}")
    if not terminal_answers(sys.stdin.fileno(), sys.stderr.fileno()):
        term = os.environ.get("TERM", "")
        print(
            f"kvm-wizard: this terminal (TERM={term}) did not answer a cursor position query within "
            f"{WAIT:g} s: it cannot show a screen, so the wizard runs in lines (--line).",
            file=sys.stderr,
        )
        return run_lines(args, mode, source)
    from screens import console

    if getattr(args, "no_color", False):
        os.environ["NO_COLOR"] = "1"  # Textual reads it when the app is built: words still carry every status

    # Before Textual is imported: it reads its switches (animations, frame rate) at import time.
    profile = console.setup()
    from screens.app import WizardApp
    from screens.session import Session

    session = Session(mode=mode, source=source, confirm_timeout=confirm_timeout(args))
    app = WizardApp(session, profile)
    # The wizard handles SIGTERM, SIGHUP and SIGINT in its own loop (a safe quit that lets an apply end and
    # reverts it), and draws on the streams itself: the headless commands' handlers and filter step aside.
    interrupts.uninstall()
    with raw_streams():
        result = app.run()
    for line in app.farewell:
        print(line)
    if result is None:
        return app.return_code or EXIT_OK
    return result


# Where terminfo keeps its descriptions (ncurses' search order); a TERM found in none of them is unknown.
TERMINFO_DIRS = ("/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", "/usr/lib/terminfo")


def terminfo_knows(term: str, environ: Mapping[str, str]) -> bool:
    """Whether terminfo has a description of ``term`` (as ncurses looks it up: TERMINFO, ~/.terminfo,
    TERMINFO_DIRS, the system's directories; by first letter or its hex code)."""
    if not term or "/" in term:
        return False
    directories = [environ.get("TERMINFO", ""), str(Path(environ.get("HOME", "/nonexistent")) / ".terminfo")]
    directories += environ.get("TERMINFO_DIRS", "").split(":") + list(TERMINFO_DIRS)
    for directory in filter(None, directories):
        for sub in (term[0], f"{ord(term[0]):x}"):
            if (Path(directory) / sub / term).is_file():
                return True
    return False


def line_mode_needed(environ: Mapping[str, str], stdout: TextIO) -> bool:
    """The line mode is chosen by itself where a screen cannot be drawn: TERM dumb, unset or unknown to
    terminfo, or an output that is not a terminal (a `script` log, a pipe)."""
    term = environ.get("TERM", "")
    if term in ("", "dumb", "unknown") or not terminfo_knows(term, environ):
        return True
    try:
        return not stdout.isatty()
    except (ValueError, AttributeError):
        return True


def run_lines(args: argparse.Namespace, mode: Mode, source: HostSource) -> int:
    """The line mode: the same steps in plain lines (screens/line/), on standard input and output."""
    from screens.line.input import LineInput
    from screens.line.wizard import LineWizard
    from screens.session import Session

    size = shutil.get_terminal_size((80, 24))
    session = Session(mode=mode, source=source, confirm_timeout=confirm_timeout(args))
    interrupts.install()  # ctrl+c at a question asks to quit; during an apply it is the headless one's
    sys.stdout.flush()
    wizard = LineWizard(
        session, LineInput(sys.stdin.fileno()), sys.stdout, width=size.columns, rows=size.lines
    )
    return wizard.run()


def confirm_timeout(args: argparse.Namespace) -> float | None:
    """Seconds to confirm an apply or a rollback in; None for --no-confirm (there is a console to ask on,
    so skipping the question is never the default)."""
    from screens.session import DEFAULT_CONFIRM_TIMEOUT

    if getattr(args, "no_confirm", False):
        return None
    timeout: float | None = getattr(args, "confirm_timeout", None)
    return DEFAULT_CONFIRM_TIMEOUT if timeout is None else timeout


def _choose(args: argparse.Namespace) -> tuple[Mode, HostSource]:
    from wizard.cli.host import host_source

    source = host_source(args)
    if source is None:
        raise SystemExit(EXIT_OK)  # --demo list
    rescue = getattr(args, "mode", "") == "rescue"
    if source.kind == "demo":
        return ("rescue" if rescue else "demo"), source
    return ("rescue" if rescue else "setup"), source
