"""The fixes a finding names (its remedy.plan_fix) that the setup plan makes, and the answers that make them.

One home for the mapping: the Host check screen ticks fixes with it, the rescue report groups the findings its
recipes answer with it. Some fixes are an answer of their own (ticking "enable-nested" sets nested.enabled);
the KVM module and /dev/kvm fixes need none: the planner makes them whenever virt_type is kvm.
"""

from __future__ import annotations

from collections.abc import Mapping

from wizard.answers.model import Answers

# A fix the operator adds to the plan, as the answers key (true or false) that makes the planner include it.
FIX_ANSWERS: Mapping[str, str] = {
    "enable-nested": "nested.enabled",
    "load-vhost-net": "performance.vhost_net",
    "install-tpm2-tools": "tpm.install_tools",
}
# Answered by loading the KVM modules, now and at every boot (wizard.plan.actions.modules_to_load).
KVM_MODULE_FIXES = frozenset({"load-kvm-modules", "persist-kvm-modules"})
# Answered by giving /dev/kvm the group and mode QEMU needs (wizard.plan.actions.device_actions).
KVM_DEVICE_FIXES = frozenset({"fix-kvm-device-permissions", "add-user-to-kvm-group"})
# The fixes the plan makes for virt_type kvm, with no answer of their own.
AUTOMATIC_FIXES = KVM_MODULE_FIXES | KVM_DEVICE_FIXES


def fixes_in(answers: Answers) -> frozenset[str]:
    """The fixes these answers make the plan include."""
    chosen = {fix for fix, path in FIX_ANSWERS.items() if answers.value(path)}
    if answers.hypervisor.virt_type == "kvm":
        chosen |= AUTOMATIC_FIXES
    return frozenset(chosen)


def choose_fixes(answers: Answers, choices: Mapping[str, bool]) -> Answers:
    """The answers with fixes ticked (True) or unticked (False); a fix with no answer of its own changes nothing."""
    for fix, wanted in choices.items():
        path = FIX_ANSWERS.get(fix)
        if path is not None:
            answers = answers.with_value(path, wanted)
    return answers
