"""Shared by Host check and Troubleshoot: the host's facts and files (read in a worker), the verdict word."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from screens.session import HostSource

if TYPE_CHECKING:
    from wizard.host.facts import HostFacts

# The status word shown before each verdict (colour only repeats it).
VERDICT_WORDS = {
    "ready": "pass",
    "limited": "warn",
    "fixable": "warn",
    "disabled-in-firmware": "fail",
    "unsupported": "fail",
}


def load_facts(source: HostSource) -> HostFacts:
    """What was observed on the host (a live probe takes seconds: call it from a worker thread)."""
    if source.kind == "demo":
        from wizard.demo import load_demo_facts, load_scenario

        return load_demo_facts(load_scenario(source.scenario))
    if source.kind == "facts" and source.facts_path is not None:
        from wizard.host.facts import load_facts as load_recording

        return load_recording(source.facts_path)
    from wizard.host.probe import probe

    return probe(source.root or Path("/"))


def ready_root(source: HostSource, prepare_demo: Callable[[str, Path | None], Path] | None) -> Path:
    """Where the host's files are, once they are there: a demo's copy is made first (by the launcher's
    function: screens never write files)."""
    if source.ready:
        return source.root or Path("/")
    if prepare_demo is None:
        raise RuntimeError("a demo host without a way to copy its files")
    return prepare_demo(source.scenario, source.root)
