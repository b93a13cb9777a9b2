"""What libvirt and nova-compute will refuse in nova.conf's settings on this host: judged by libvirt's own answers
where the host's libvirt answered (wizard.virsh), and by rules known to hold where it did not.

Every judgement says who judges (``libvirt``: one of its answers; ``rule``: what libvirt and nova are known to
refuse, used where libvirt could not be asked), what it is about (nova.conf options) and what to do. It is pure:
wizard.rules turns judgements into rule violations, so the config lint, the planner, `answers check` and each
wizard field give the same verdict.
"""

from __future__ import annotations

from wizard.stack_cpu import judge_cpu, libvirt_judges_cpu
from wizard.stack_model import Judgement, Settings, StackHost
from wizard.stack_needs import judge_needs, judge_versions

# The terms wizard.rules builds judgements from, in one place with the judge.
__all__ = ["Judgement", "Settings", "StackHost", "judge_stack", "libvirt_judges_cpu"]


def judge_stack(settings: Settings, host: StackHost) -> list[Judgement]:
    """Everything libvirt (where it answered) and the rules (where it did not) say nova-compute will refuse."""
    return judge_versions(settings, host) + judge_cpu(settings, host) + judge_needs(settings, host)
