"""Where a command's host comes from: the live host, a recording (--facts) or a demo host (--demo)."""

from __future__ import annotations

import argparse
import atexit
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.cli.common import UsageError

if TYPE_CHECKING:
    from wizard.host.facts import HostFacts


@dataclass(frozen=True)
class Host:
    facts: HostFacts
    root: Path  # where the host's files are read (and, for apply, written)
    live: bool  # the running system itself (root "/" and probed now): actions may run


def demo_facts(name: str) -> HostFacts | None:
    """The demo host's facts, or None after listing the scenarios (`--demo list`)."""
    from wizard.demo import DemoError, list_scenarios, load_demo_facts, load_scenario

    if name == "list":
        for scenario in list_scenarios():
            print(f"{scenario.name:20} {scenario.title}")
        return None
    try:
        return load_demo_facts(load_scenario(name))
    except DemoError as error:
        raise UsageError(f"{error} (--demo list shows them)") from None


def load_host(args: argparse.Namespace, *, writable_demo: bool = False) -> Host | None:
    """The host the command works on; None when the command was only asked to list demo hosts.

    With --demo the files are a throwaway copy of the scenario's tree. With --facts the files are under --root (default /), which lets an operator plan
    for a recorded host against a staging tree.
    """
    from wizard.host.facts import FactsError, load_facts

    demo = getattr(args, "demo", None)
    root_arg = getattr(args, "root", None)
    facts_arg = getattr(args, "facts", None)
    if demo is not None:
        if root_arg:
            raise UsageError("--root cannot be combined with --demo: a demo host brings its own files")
        facts = demo_facts(demo)
        if facts is None:
            return None
        from wizard.demo import load_scenario, make_throwaway_root

        # A scenario's files are its own tree laid over the common one: work on a merged copy. A command that
        # only reads removes the copy when it ends; one that writes leaves it for the operator to inspect.
        root = make_throwaway_root(load_scenario(demo))
        if not writable_demo:
            atexit.register(shutil.rmtree, root, ignore_errors=True)
        return Host(facts, root, live=False)
    root = Path(root_arg).resolve() if root_arg else Path("/")
    if not root.is_dir():
        raise UsageError(f"--root {root_arg}: not a directory")
    if facts_arg:
        try:
            return Host(load_facts(Path(facts_arg)), root, live=False)
        except FactsError as error:
            raise UsageError(str(error)) from None
    from wizard.host.probe import probe

    return Host(probe(root), root, live=root == Path("/"))
