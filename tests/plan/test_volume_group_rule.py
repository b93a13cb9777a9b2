"""One rule, one home: "the volume group must exist" decided and worded once, and the views that say it."""

from __future__ import annotations

from pathlib import Path

from wizard.answers import Answers, StorageAnswers
from wizard.demo import load_demo_facts, load_scenario
from wizard.export.ansible import export_ansible
from wizard.lint.issues import ConfigText, LintHost
from wizard.lint.review import review_config
from wizard.lint.volume_groups import absent_volume_group, listed, missing_volume_group
from wizard.plan.validate import validate_for_host, validate_key

NOVA_CONF = "[libvirt]\nimages_type = lvm\nimages_volume_group = other-vg\n"


def test_the_rule_decides_exists_absent_and_unknown() -> None:
    assert missing_volume_group("nova-vg", ("nova-vg", "data"), "vgs") is None
    absent = missing_volume_group("other-vg", ("nova-vg", "data"), "vgs")
    assert absent is not None
    assert absent.sentence() == (
        "'other-vg' does not exist on this host (volume groups: nova-vg, data). "
        "Create it with vgcreate other-vg DEVICE, or name an existing one."
    )
    none = missing_volume_group("vg", (), "vgs")
    assert none is not None
    assert "(volume groups: none)" in none.what
    unknown = missing_volume_group("vg", None, "vgs is not installed (package lvm2)")
    assert unknown is not None
    assert unknown.sentence().startswith(
        "cannot be checked: vgs is not installed (package lvm2). The lvm backend"
    )
    assert listed(()) == "none"


def test_the_planner_the_lint_and_the_export_word_it_the_same() -> None:
    facts = load_demo_facts(load_scenario("intel-ready"))  # vgs: nova-vg, system-vg
    what = absent_volume_group("other-vg", "nova-vg, system-vg").what
    answers = Answers(storage=StorageAnswers(backend="lvm", volume_group="other-vg"))
    [problem] = validate_for_host(answers, facts, Path("/nonexistent")).problems
    assert problem.path == "storage.volume_group"
    assert problem.message.startswith(what)
    review = review_config(
        [ConfigText("nova.conf", NOVA_CONF)], LintHost(volume_groups=("nova-vg", "system-vg"))
    )
    [issue] = [item for item in review.issues if item.rule == "volume-group-missing"]
    assert what in issue.message
    read_node = export_ansible(answers).tasks["tasks/read_the_running_node.yml"]
    assert "storage.volume_group: 'other-vg' does not exist on this host (volume groups: {{" in read_node


def test_validate_key_is_the_planners_verdict_on_one_key() -> None:
    facts = load_demo_facts(load_scenario("intel-ready"))
    answers = Answers(storage=StorageAnswers(backend="lvm", volume_group="nova-vg"))
    root = Path("/nonexistent")
    assert validate_key("storage.volume_group", "nova-vg", answers, facts, root) is None
    found = validate_key("storage.volume_group", "other-vg", answers, facts, root)
    assert found is not None
    assert found.path == "storage.volume_group"
    assert found.message.startswith("'other-vg' does not exist on this host")
    # The first problem of the key, and only of that key: a name rule comes before the host's.
    bad = validate_key("storage.volume_group", "-bad", answers, facts, root)
    assert bad is not None
    assert "is not a valid LVM volume group name" in bad.message
    assert validate_key("storage.rbd_pool", "not a pool", answers, facts, root) is None  # lvm: not used
