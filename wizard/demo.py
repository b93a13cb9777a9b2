"""Demo hosts: recorded facts plus the files a distribution ships, for running kvm-wizard anywhere.

assets/demo/scenarios.toml lists the scenarios (name, title, description) in the order a picker shows
them. Each scenario has assets/demo/NAME/facts.toml (a HostFacts recording) and assets/demo/NAME/root/, the
files that differ from assets/demo/_common/root/ (nova.conf, glance-api.conf and ceph.conf, which every
scenario shares). A scenario's complete tree is the common tree overlaid by its own: make_root()
builds it in a fresh temporary directory for the wizard to read and write.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assets import asset_path
from wizard.host.facts import FactsError, HostFacts, facts_from_toml

COMMON = "_common"


class DemoError(Exception):
    """An unknown scenario name, or a scenario whose files are missing or broken."""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str  # one paragraph, for a picker
    facts_path: Path
    root_path: Path  # this scenario's own files; the common tree lies beneath them (see layers)

    @property
    def layers(self) -> tuple[Path, ...]:
        """The trees that make up this scenario's root, lowest first."""
        return (asset_path("demo", COMMON, "root"), self.root_path)


def list_scenarios() -> list[Scenario]:
    index = asset_path("demo", "scenarios.toml")
    try:
        data = tomllib.loads(index.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DemoError(f"the demo scenarios index {index} is unreadable: {error}") from None
    scenarios: list[Scenario] = []
    for entry in data.get("scenario", []):
        name = str(entry["name"])
        scenarios.append(
            Scenario(
                name=name,
                title=str(entry["title"]),
                description=" ".join(str(entry["description"]).split()),
                facts_path=asset_path("demo", name, "facts.toml"),
                root_path=asset_path("demo", name, "root"),
            )
        )
    return scenarios


def scenario_names() -> list[str]:
    return [scenario.name for scenario in list_scenarios()]


def load_scenario(name: str) -> Scenario:
    scenarios = list_scenarios()
    for scenario in scenarios:
        if scenario.name == name:
            return scenario
    available = ", ".join(item.name for item in scenarios)
    raise DemoError(f"no demo scenario {name!r}; the scenarios are: {available}")


def load_demo_facts(scenario: Scenario) -> HostFacts:
    """The scenario's recorded facts; ``root`` points at its tree and ``source`` is "demo: NAME"."""
    try:
        text = scenario.facts_path.read_text(encoding="utf-8")
    except OSError as error:
        raise DemoError(
            f"demo scenario {scenario.name}: cannot read {scenario.facts_path}: {error.strerror}"
        ) from None
    try:
        facts = facts_from_toml(text, f"demo: {scenario.name}")
    except FactsError as error:
        raise DemoError(f"demo scenario {scenario.name}: {error}") from None
    return dataclasses.replace(facts, source=f"demo: {scenario.name}", root=str(scenario.root_path))


def make_root(scenario: Scenario, into: Path | None = None, *, parent: Path | None = None) -> Path:
    """The scenario's complete tree (common files overlaid by its own), copied into ``into`` (created when
    missing) or into a new temporary directory (under ``parent`` when given)."""
    if into is None:
        target = Path(tempfile.mkdtemp(prefix=f"kvm-wizard-demo-{scenario.name}-", dir=parent))
    else:
        target = into
        target.mkdir(parents=True, exist_ok=True)
    for layer in scenario.layers:
        if layer.is_dir():
            shutil.copytree(layer, target, symlinks=True, dirs_exist_ok=True)
    return target
