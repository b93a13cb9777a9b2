"""Finding fixes -> answers: which fixes the setup plan makes, and ticking one sets the answer behind it."""

from __future__ import annotations

from wizard.answers import KEYS_BY_PATH, Answers, HypervisorAnswers, NestedAnswers
from wizard.demo import load_demo_facts, load_scenario, scenario_names
from wizard.diagnosis.diagnose import diagnose
from wizard.plan.fixes import AUTOMATIC_FIXES, FIX_ANSWERS, choose_fixes, fixes_in


def test_every_fix_answer_is_a_true_or_false_key() -> None:
    for fix, path in FIX_ANSWERS.items():
        assert KEYS_BY_PATH[path].kind is bool, fix
    assert not set(FIX_ANSWERS) & AUTOMATIC_FIXES


def test_the_kvm_fixes_come_with_virt_type_kvm_and_the_others_with_their_answer() -> None:
    qemu = (
        Answers(
            hypervisor=HypervisorAnswers("qemu", allow_emulation=True),
            nested=NestedAnswers(enabled=False),
        )
        .with_value("performance.vhost_net", False)
        .with_value("tpm.install_tools", False)
    )
    assert fixes_in(qemu) == frozenset()
    kvm = qemu.with_value("hypervisor.virt_type", "kvm")
    assert fixes_in(kvm) == AUTOMATIC_FIXES
    nested = kvm.with_value("nested.enabled", True)
    assert fixes_in(nested) == AUTOMATIC_FIXES | {"enable-nested"}


def test_ticking_a_fix_sets_its_answer_and_a_fix_without_one_changes_nothing() -> None:
    answers = Answers(nested=NestedAnswers(enabled=False))
    chosen = choose_fixes(answers, {"enable-nested": True, "load-kvm-modules": False, "unknown-fix": True})
    assert chosen == answers.with_value("nested.enabled", True)
    assert choose_fixes(chosen, {"enable-nested": False}) == answers


def test_the_demo_hosts_findings_name_fixes_the_mapping_knows() -> None:
    """Every setup fix is one a finding can name (a renamed plan_fix would leave a dead entry here)."""
    named = {
        finding.remedy.plan_fix
        for name in scenario_names()
        for finding in diagnose(load_demo_facts(load_scenario(name))).findings
        if finding.remedy is not None and finding.remedy.plan_fix is not None
    }
    # (install-tpm2-tools and add-user-to-kvm-group need a host no demo scenario is.)
    assert (set(FIX_ANSWERS) | AUTOMATIC_FIXES) - {"install-tpm2-tools", "add-user-to-kvm-group"} <= named
