"""The launcher of the interactive wizard: `kvm-wizard`, `kvm-wizard --demo [SCENARIO]`, `kvm-wizard rescue`.

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
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.cli.common import EXIT_OK, UsageError

if TYPE_CHECKING:
    from screens.session import HostSource, Mode


def run(args: argparse.Namespace) -> int:
    mode, source = _choose(args)
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        instead = "kvm-wizard rescue --report" if mode == "rescue" else "kvm-wizard check, plan and apply"
        raise UsageError(f"the interactive wizard needs a terminal; without one use {instead}")
    from screens import console

    if getattr(args, "no_color", False):
        os.environ["NO_COLOR"] = "1"  # Textual reads it when the app is built: words still carry every status

    # Before Textual is imported: it reads its switches (animations, frame rate) at import time.
    profile = console.setup()
    from screens.app import WizardApp
    from screens.session import Session

    session = Session(
        mode=mode, source=source, prepare_demo=prepare_demo, confirm_timeout=confirm_timeout(args)
    )
    app = WizardApp(session, profile)
    result = app.run()
    for line in app.farewell:
        print(line)
    if result is None:
        return app.return_code or EXIT_OK
    return result


def confirm_timeout(args: argparse.Namespace) -> float | None:
    """Seconds to confirm an apply or a rollback in; None for --no-confirm (there is a console to ask on,
    so skipping the question is never the default)."""
    from screens.session import DEFAULT_CONFIRM_TIMEOUT

    if getattr(args, "no_confirm", False):
        return None
    timeout: float | None = getattr(args, "confirm_timeout", None)
    return DEFAULT_CONFIRM_TIMEOUT if timeout is None else timeout


def _choose(args: argparse.Namespace) -> tuple[Mode, HostSource]:
    from screens.session import HostSource

    demo = getattr(args, "demo", None)
    root_arg = getattr(args, "root", None)
    facts_arg = getattr(args, "facts", None)
    rescue = getattr(args, "mode", "") == "rescue"
    if demo is not None:
        if facts_arg:
            raise UsageError("--facts cannot be combined with --demo: a demo host brings its own facts")
        if demo == "list":
            _list_scenarios()
            raise SystemExit(EXIT_OK)
        if demo:
            _check_scenario(demo)
        into = None
        if root_arg:
            into = Path(root_arg).absolute()
            if into.exists() and (not into.is_dir() or any(into.iterdir())):
                raise UsageError(
                    f"--root {root_arg} with --demo: the demo's files are copied into it, so it "
                    "must be an empty directory or not exist yet"
                )
        source = HostSource("demo", into, scenario=demo, ready=False)
        return ("rescue" if rescue else "demo"), source
    root = Path(root_arg).absolute() if root_arg else Path("/")
    if not root.is_dir():
        raise UsageError(f"--root {root_arg}: not a directory")
    mode: Mode = "rescue" if rescue else "setup"
    if facts_arg:
        facts = Path(facts_arg)
        if not facts.is_file():
            raise UsageError(f"--facts {facts_arg}: no such file")
        return mode, HostSource("facts", root, facts_path=facts)
    return mode, HostSource("live", root)


def _check_scenario(name: str) -> None:
    from assets import asset_path

    if asset_path("demo", name, "facts.toml").is_file() and "/" not in name and not name.startswith("_"):
        return
    from wizard.demo import scenario_names

    raise UsageError(f"no demo scenario {name!r}; the scenarios are: {', '.join(scenario_names())}")


def _list_scenarios() -> None:
    from wizard.demo import list_scenarios

    for scenario in list_scenarios():
        print(f"{scenario.name:20} {scenario.title}")


def prepare_demo(name: str, into: Path | None) -> Path:
    """Copy a scenario's files (the common tree, then its own) into ``into``, or into a new temporary
    directory; the wizard then reads and writes only there."""
    from wizard.demo import load_scenario, make_throwaway_root

    scenario = load_scenario(name)
    if into is None:
        return make_throwaway_root(scenario)
    into.mkdir(parents=True, exist_ok=True)
    for layer in scenario.layers:
        if layer.is_dir():
            shutil.copytree(layer, into, symlinks=True, dirs_exist_ok=True)
    return into
