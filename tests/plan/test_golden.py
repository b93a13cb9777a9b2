"""Golden tests: the product's example answers on every demo host give exactly the reviewed plan.

Regenerate after a deliberate change with KVM_WIZARD_UPDATE_GOLDEN=1 and review the diff in git.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.plan.conftest import DemoHost
from wizard.answers import Answers
from wizard.demo import scenario_names
from wizard.plan.explain import explain_plan, plain_text
from wizard.plan.planner import make_plan

GOLDEN = Path(__file__).parent / "golden"


def render(name: str, demo_host: DemoHost, answers: Answers) -> str:
    facts, root = demo_host(name)
    outcome = make_plan(facts, answers, root)
    lines = [f"# {name}: verdict {outcome.validation.diagnosis.verdict.code.value}"]
    lines += [f"summary: {change.line()}" for change in outcome.summary()]
    lines += [f"problem: {problem}" for problem in outcome.problems]
    lines += [f"warning: {warning}" for warning in outcome.validation.warnings]
    if outcome.plan is not None:
        lines.append(plain_text(explain_plan(outcome.plan, live=False)).rstrip("\n"))
        lines += [f"note: {note}" for note in outcome.plan.notes]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", scenario_names())
def test_demo_scenario_plan_matches_the_reviewed_golden_file(
    name: str, demo_host: DemoHost, product_answers: Answers
) -> None:
    text = render(name, demo_host, product_answers)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("KVM_WIZARD_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden file {path}: run with KVM_WIZARD_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text()
