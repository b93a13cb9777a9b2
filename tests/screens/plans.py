"""Plans made by the engine for the screen tests, on a demo host's files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.screens.harness import demo_facts
from wizard.answers import Answers
from wizard.plan.model import Action, Plan, Reason
from wizard.plan.planner import make_plan


def demo_plan(root: Path, scenario: str = "intel-ready", answers: Answers | None = None) -> Plan:
    outcome = make_plan(demo_facts(scenario), answers or Answers(), root)
    assert outcome.plan is not None, outcome.problems
    return outcome.plan


def with_failing_action(plan: Plan) -> Plan:
    """The plan plus an action that fails after the files are written: the transaction rolls back."""
    failing = Action(
        id="test:fail",
        title="A command that fails",
        argv=("sh", "-c", "echo about to fail; exit 3"),
        reasons=(Reason("a test", "test"),),
        reversible=True,
        live_only=False,
    )
    return dataclasses.replace(plan, actions=(*plan.actions, failing))
