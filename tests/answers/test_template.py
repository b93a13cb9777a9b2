"""The answers template: generated from KEYS, parses back, and on a demo host validates there."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from wizard.answers import KEYS, Answers, parse_answers
from wizard.answers.template import render_template, toml_value
from wizard.demo import load_demo_facts, load_scenario, make_root, scenario_names
from wizard.plan.suggest import suggest_answers
from wizard.plan.validate import KVM_CAN_WORK, validate_for_host


def comment_text(template: str) -> str:
    """The comments' words joined up, so that a wrapped sentence is found whole."""
    lines = [line[1:].strip() for line in template.splitlines() if line.startswith("#")]
    return " ".join(" ".join(lines).split())


def test_the_plain_template_is_the_defaults() -> None:
    parsed = parse_answers(render_template())
    assert parsed.answers == Answers()
    assert parsed.migrations == ()


def test_every_key_is_explained_with_its_allowed_values_default_and_effect() -> None:
    template = render_template()
    words = comment_text(template)
    for spec in KEYS:
        assert f"\n{spec.key} = {toml_value(spec.default)}\n" in template, spec.path
        assert " ".join(spec.help.split()) in words, spec.path
        assert " ".join(f"changes: {spec.changes}".split()) in words, spec.path
        assert f"default {toml_value(spec.default)}" in words, spec.path
        if spec.allowed:
            assert " | ".join(f'"{choice}"' for choice in spec.allowed) in words, spec.path
        if spec.applies_when:
            assert f"only when: {spec.applies_when}" in words, spec.path


def test_comment_lines_fit_an_editor_window() -> None:
    assert max(len(line) for line in render_template().splitlines()) <= 100


def test_values_and_notes_given_are_written() -> None:
    answers = dataclasses.replace(
        Answers(), nested=dataclasses.replace(Answers().nested, extra_flags=("pcid",))
    )
    template = render_template(answers, {"nested.extra_flags": "an Intel CPU"}, ("Made for a test.",))
    assert 'extra_flags = ["pcid"]' in template
    assert "# on this host: an Intel CPU\nextra_flags" in template
    assert "# Made for a test.\n" in template
    assert parse_answers(template).answers == answers


@pytest.mark.parametrize("name", scenario_names())
def test_a_demo_template_parses_back_and_is_valid_on_its_host(name: str, tmp_path: Path) -> None:
    scenario = load_scenario(name)
    facts = load_demo_facts(scenario)
    suggestion = suggest_answers(facts, name)
    template = render_template(suggestion.answers, suggestion.notes, suggestion.header)
    answers = parse_answers(template).answers
    assert answers == suggestion.answers
    validation = validate_for_host(answers, facts, make_root(scenario, parent=tmp_path))
    if validation.diagnosis.verdict.code in KVM_CAN_WORK:
        assert validation.ok, validation.problems
    else:
        # Emulation needs a person's consent: the template leaves the choice, and so its only problem, open.
        assert [problem.path for problem in validation.problems] == ["hypervisor.virt_type"]


def test_the_demo_template_notes_the_vendor_flag_and_an_existing_volume_group() -> None:
    intel = suggest_answers(load_demo_facts(load_scenario("intel-ready")), "intel-ready")
    assert "vmx is added for you" in intel.notes["nested.extra_flags"]
    assert intel.answers.storage.volume_group == "nova-vg"
    assert intel.answers.nested.enabled  # nested is on there already
    amd = suggest_answers(load_demo_facts(load_scenario("amd-modules-missing")), "amd-modules-missing")
    assert "svm is added for you" in amd.notes["nested.extra_flags"]
    power = suggest_answers(load_demo_facts(load_scenario("power9")), "power9")
    assert "no vendor flag" in power.notes["nested.extra_flags"]


def test_a_host_where_kvm_cannot_work_gets_a_loud_note_and_no_consent_to_emulation() -> None:
    suggestion = suggest_answers(load_demo_facts(load_scenario("intel-vt-disabled")), "intel-vt-disabled")
    assert suggestion.answers.hypervisor.virt_type == "kvm"
    assert not suggestion.answers.hypervisor.allow_emulation
    note = suggestion.notes["hypervisor.virt_type"]
    assert note.startswith("KVM cannot work here")
    assert "set allow_emulation = true to accept software emulation" in textwrap.shorten(note, 1000)
