"""The host's fixes as answers: which finding's fix (``remedy.plan_fix``) the plan includes for which answer.

Host check offers these fixes as ticks; ticking one sets its answer, and the planner includes the fix because
of that answer, so the answers file of the run says what was chosen. The KVM module and /dev/kvm fixes need
no answer: the plan includes them whenever virt_type is kvm.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from wizard.answers.model import Answers

# Fix id -> (section, key) of the boolean answer that makes the plan include it.
FIX_ANSWERS: dict[str, tuple[str, str]] = {
    "enable-nested": ("nested", "enabled"),
    "load-vhost-net": ("performance", "vhost_net"),
    "install-tpm2-tools": ("tpm", "install_tools"),
}
# Fixes the plan includes by itself whenever the hypervisor is kvm.
AUTOMATIC_FIXES = frozenset(
    {"load-kvm-modules", "persist-kvm-modules", "fix-kvm-device-permissions", "add-user-to-kvm-group"}
)


def fixes_in(answers: Answers) -> frozenset[str]:
    """The fixes these answers make the plan include."""
    chosen = {fix for fix, (section, key) in FIX_ANSWERS.items() if answers.value(f"{section}.{key}")}
    if answers.hypervisor.virt_type == "kvm":
        chosen |= AUTOMATIC_FIXES
    return frozenset(chosen)


def choose_fixes(answers: Answers, choices: dict[str, bool]) -> Answers:
    """The answers with each chosen fix ticked or unticked (fixes without an answer are left as they are)."""
    for fix, wanted in choices.items():
        if fix in FIX_ANSWERS:
            section, key = FIX_ANSWERS[fix]
            part = dataclasses.replace(getattr(answers, section), **{key: wanted})
            answers = dataclasses.replace(answers, **cast("dict[str, Any]", {section: part}))
    return answers
