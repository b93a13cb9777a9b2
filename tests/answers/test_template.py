"""The answers template: generated from KEYS, parses back, and on a demo host validates there."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from wizard.answers import KEYS, Answers, parse_answers
from wizard.answers.template import render_template, toml_value
from wizard.demo import load_demo_facts, load_scenario, make_root, scenario_names
from wizard.plan.node import root_reader
from wizard.plan.planner import make_plan
from wizard.plan.start import template_for
from wizard.plan.suggest import suggest_answers


def comment_text(template: str) -> str:
    """The comments' words joined up, so that a wrapped sentence is found whole."""
    lines = [line[1:].strip() for line in template.splitlines() if line.startswith("#")]
    return " ".join(" ".join(lines).split())


def test_the_plain_template_gives_no_key_so_that_as_it_is_it_changes_nothing() -> None:
    parsed = parse_answers(render_template())
    assert parsed.answers.given == frozenset()
    assert parsed.migrations == ()


def test_every_key_is_explained_with_its_allowed_values_default_and_effect() -> None:
    template = render_template()
    words = comment_text(template)
    for spec in KEYS:
        assert f"\n# {spec.key} = {toml_value(spec.default)}\n" in template, spec.path
        assert " ".join(spec.help.split()) in words, spec.path
        assert " ".join(f"changes: {spec.changes}".split()) in words, spec.path
        assert f"a new node's usual value {toml_value(spec.default)}" in words, spec.path
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
    template = render_template(
        answers,
        {"nested.extra_flags": "an Intel CPU"},
        ("Made for a test.",),
        frozenset({"nested.extra_flags"}),
    )
    assert '\nextra_flags = ["pcid"]' in template
    assert "# on this host: an Intel CPU\nextra_flags" in template
    assert "# Made for a test.\n" in template
    assert '\n# cpu_mode = "host-model"\n' in template
    parsed = parse_answers(template).answers
    assert parsed.given == frozenset({"nested.extra_flags"})
    assert parsed.nested.extra_flags == ("pcid",)


@pytest.mark.parametrize("name", scenario_names())
def test_a_demo_template_is_the_node_as_it_is_and_planning_it_changes_no_setting(
    name: str, tmp_path: Path
) -> None:
    """On each demo host the template's keys are the node's configured values: planning it as it is changes
    no nova.conf setting anywhere, and problems of the node come as warnings (it does not make them)."""
    scenario = load_scenario(name)
    root = make_root(scenario, parent=tmp_path)
    facts = dataclasses.replace(load_demo_facts(scenario), root=str(root))
    template = template_for(facts, root_reader(root), name)
    text = render_template(template.answers, template.notes, template.header, template.active)
    answers = parse_answers(text).answers
    assert answers.given == template.active
    outcome = make_plan(facts, answers, root)
    assert outcome.node is not None
    assert all(change.before == change.after for change in outcome.summary()), outcome.summary()
    assert outcome.ok, outcome.problems
    assert outcome.plan is not None
    assert not [edit.path for edit in outcome.plan.edits if edit.kind.is_ini]


CONFIGURED = ("lvm-custom-cpu", "debian-qemu-override", "rdo-nova-conf-d", "kolla-compute")


@pytest.mark.parametrize("name", CONFIGURED)
def test_on_a_configured_demo_host_the_templates_plan_is_empty(name: str, tmp_path: Path) -> None:
    scenario = load_scenario(name)
    root = make_root(scenario, parent=tmp_path)
    facts = dataclasses.replace(load_demo_facts(scenario), root=str(root))
    template = template_for(facts, root_reader(root), name)
    text = render_template(template.answers, template.notes, template.header, template.active)
    outcome = make_plan(facts, parse_answers(text).answers, root)
    assert outcome.plan is not None, outcome.problems
    assert outcome.plan.empty, outcome.plan


def test_the_template_of_a_configured_node_says_where_each_value_comes_from(tmp_path: Path) -> None:
    scenario = load_scenario("lvm-custom-cpu")
    root = make_root(scenario, parent=tmp_path)
    template = template_for(load_demo_facts(scenario), root_reader(root), "lvm-custom-cpu")
    text = render_template(template.answers, template.notes, template.header, template.active)
    assert 'cpu_models = ["IvyBridge"]' in text
    assert 'extra_flags = ["pcid", "ssbd", "md-clear"]' in text
    assert "on this host: now: /etc/nova/nova.conf line 29." in text
    assert "now: options kvm_intel nested=0 in /etc/modprobe.d/kvm.conf" in text
    # Nothing configures vTPM here: the key stays commented, with nova's default.
    assert "\n# vtpm = false\n" in text


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


@pytest.mark.parametrize("name", scenario_names())
def test_no_note_says_the_same_thing_twice(tmp_path: Path, name: str) -> None:
    """Where the node's origin and the host's note are the same words (the TPM device), they are said once."""
    scenario = load_scenario(name)
    root = make_root(scenario, tmp_path / "root")
    template = template_for(load_demo_facts(scenario), root_reader(root), name)
    for path, note in template.notes.items():
        sentences = [part.strip(" .").split(": ")[-1] for part in note.split(". ") if part.strip(" .")]
        assert len(sentences) == len(set(sentences)), (path, note)
