"""Where the host comes from: this machine, the files under --root, a recording (--facts) or a demo host (--demo).

Every command and the wizard turn the command line's choice into a HostSource here, with the same rules, and
load the host from it: its facts, the root its files are under, and whether it is the running system (the
only case in which actions run and devices are this machine's). A demo host's files are a throwaway copy of
its scenario's tree, made here.
"""

from __future__ import annotations

import atexit
import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from wizard.rootfs import is_system_root

# The engine is imported where it is used: the wizard's first frame is drawn before anything is loaded.
if TYPE_CHECKING:
    from wizard.demo import Scenario
    from wizard.host.facts import HostFacts

SourceKind = Literal["live", "facts", "demo"]
LIVE_ROOT = Path("/")


class SourceError(Exception):
    """The command line names a host that cannot be used: the message names the option and what is allowed."""


@dataclass(frozen=True)
class HostSource:
    """Where the host's facts come from and where its files are."""

    kind: SourceKind
    root: Path | None  # None: a demo whose copy is not made yet and goes into a new temporary directory
    facts_path: Path | None = None  # kind "facts"
    scenario: str = ""  # kind "demo"; "" until the operator picks one
    scenario_title: str = ""
    ready: bool = True  # the files are there (a demo's copy is made by prepared())

    @property
    def live(self) -> bool:
        """The running system itself: actions run, and the TPM and devices are this machine's."""
        return self.kind == "live" and self.root == LIVE_ROOT

    @property
    def runs_actions(self) -> bool:
        """An apply runs the plan's actions on this source (its files are the running system's, also with
        --facts): Review and `plan` label the actions by it, as apply runs them."""
        return self.root is not None and is_system_root(self.root)

    def describe(self) -> str:
        if self.kind == "demo":
            return f"demo host {self.scenario}" + (f" ({self.scenario_title})" if self.scenario_title else "")
        if self.kind == "facts":
            return f"recorded host {self.facts_path}"
        return "this host" if self.live else f"the files under {self.root}"

    def picked(self, scenario: Scenario) -> HostSource:
        """A demo source once the operator picked its scenario."""
        return dataclasses.replace(self, scenario=scenario.name, scenario_title=scenario.title)

    def prepared(self) -> HostSource:
        """The same source with its files in place: a demo's copy is made (into its root when one was named,
        else into a new temporary directory). Sources that are ready are returned as they are."""
        if self.ready:
            return self
        from wizard.demo import DemoError, load_scenario, make_root

        try:
            root = make_root(load_scenario(self.scenario), self.root)
        except DemoError as error:
            raise SourceError(str(error)) from None
        return dataclasses.replace(self, root=root, ready=True)

    def load_facts(self) -> HostFacts:
        """What was observed on the host. A live probe takes up to seconds: call it from a worker thread."""
        from wizard.demo import DemoError, load_demo_facts, load_scenario
        from wizard.host.facts import FactsError, load_facts
        from wizard.host.probe import probe

        if self.kind == "demo":
            try:
                return load_demo_facts(load_scenario(self.scenario))
            except DemoError as error:
                raise SourceError(f"--demo {self.scenario}: {error}") from None
        if self.kind == "facts" and self.facts_path is not None:
            try:
                return load_facts(self.facts_path)
            except FactsError as error:
                raise SourceError(str(error)) from None
        return probe(self.root or LIVE_ROOT)


@dataclass(frozen=True)
class Host:
    """A host loaded from its source: what was observed, where its files are, and whether it is this system."""

    facts: HostFacts
    root: Path  # where the host's files are read (and, for apply, written)
    live: bool  # the running system itself (root "/" and probed now): its devices are this machine's

    @property
    def runs_actions(self) -> bool:
        """An apply runs the plan's actions here (root /, also with --facts): what plan and apply show."""
        return is_system_root(self.root)


def choose_source(
    *, root: str | None = None, facts: str | None = None, demo: str | None = None
) -> HostSource:
    """The host the command line names (--root DIR, --facts FILE, --demo NAME), checked.

    With --demo, --root names the directory the demo's files are copied into: it must be empty or not exist
    yet. With --facts, the files are under --root (default /): an operator can plan for a recorded host
    against a staging tree. An empty --root is refused: `--root "$UNSET"` must never mean the live system.
    """
    if root is not None and not root.strip():
        raise SourceError("--root is empty: name a directory (the live system is the default without --root)")
    if demo is not None:
        if facts:
            raise SourceError("--facts cannot be combined with --demo: a demo host brings its own facts")
        scenario = ""
        title = ""
        if demo:
            found = _scenario(demo)
            scenario, title = found.name, found.title
        into = None
        if root is not None:
            into = Path(root).resolve()
            if into.exists() and (not into.is_dir() or any(into.iterdir())):
                raise SourceError(
                    f"--root {root} with --demo: the demo's files are copied into it, so it must be an "
                    "empty directory or not exist yet"
                )
        return HostSource("demo", into, scenario=scenario, scenario_title=title, ready=False)
    where = Path(root).resolve() if root is not None else LIVE_ROOT
    if not where.is_dir():
        raise SourceError(f"--root {root}: not a directory")
    if facts is not None:
        recording = Path(facts)
        if not recording.is_file():
            raise SourceError(f"--facts {facts}: no such file")
        return HostSource("facts", where, facts_path=recording)
    return HostSource("live", where)


def load_host(source: HostSource, *, keep_copy: bool = False) -> Host:
    """The host of a source, its files ready. A demo copy made here is removed when the process ends, unless
    ``keep_copy`` (a command that writes leaves it for the operator to look at)."""
    ready = source.prepared()
    # Only a copy in a directory of our own making is removed: one the operator named (--root) stays.
    if source.root is None and ready.root is not None and not keep_copy:
        atexit.register(shutil.rmtree, ready.root, ignore_errors=True)
    root = ready.root or LIVE_ROOT
    return Host(ready.load_facts(), root, live=ready.live)


def _scenario(name: str) -> Scenario:
    from wizard.demo import DemoError, load_scenario

    try:
        return load_scenario(name)
    except DemoError as error:
        raise SourceError(f"--demo: {error} (--demo list describes them)") from None
