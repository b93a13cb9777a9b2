"""Property: for any answers file and any node, every option the answers do not mention keeps the value oslo.config
reads for it over all the node's files, before and after the plan is written.

The node is lvm-custom-cpu's host (nova-compute runs with --config-file nova.conf --config-file nova-compute.conf)
with both files drawn at random: settings the wizard governs and others, in repeated sections, in any case of
section name, under deprecated names. The answers give a random subset of keys with values valid on that host.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.oslo_reader import read_raw_with_oslo
from tests.plan.conftest import write_plan
from wizard.answers import KEYS, Answers, AnswersError, parse_answers
from wizard.answers.load import to_document
from wizard.answers.model import Value
from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.effective import EffectiveConfig
from wizard.options import find_option
from wizard.plan.planner import make_plan

FILES = ("etc/nova/nova.conf", "etc/nova/nova-compute.conf")
SETTINGS: dict[tuple[str, str], list[str]] = {
    ("DEFAULT", "compute_driver"): ["libvirt.LibvirtDriver"],
    ("DEFAULT", "my_ip"): ["10.0.0.5", "192.0.2.7"],
    ("DEFAULT", "force_raw_images"): ["True", "false"],
    ("DEFAULT", "use_cow_images"): ["true"],
    ("DEFAULT", "cpu_allocation_ratio"): ["4.0"],
    ("libvirt", "virt_type"): ["kvm", "qemu"],
    ("libvirt", "images_type"): ["qcow2", "lvm", "flat", "default"],
    ("libvirt", "images_volume_group"): ["nova-vg", "system-vg"],
    ("libvirt", "cpu_mode"): ["host-model", "host-passthrough", "custom"],
    ("libvirt", "cpu_models"): ["IvyBridge", "Haswell,IvyBridge"],
    ("libvirt", "cpu_model"): ["Nehalem"],
    ("libvirt", "cpu_model_extra_flags"): ["pcid", "pcid,vmx", "ssbd,md-clear"],
    ("libvirt", "swtpm_enabled"): ["True", "False"],
    ("libvirt", "live_migration_uri"): ["qemu+ssh://nova@%s/system"],
    ("glance", "enable_rbd_download"): ["True", "False"],
    ("glance", "rbd_pool"): ["images"],
    ("glance", "api_servers"): ["http://controller:9292"],
    ("workarounds", "skip_cpu_compare_on_dest"): ["true"],
}


@st.composite
def node_file(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        section = draw(st.sampled_from(["DEFAULT", "libvirt", "LIBVIRT", "glance", "workarounds"]))
        lines.append(f"[{section}]")
        wanted = "libvirt" if section == "LIBVIRT" else section
        keys = [key for key in SETTINGS if key[0] == wanted]
        for key in draw(st.lists(st.sampled_from(keys), max_size=5)):
            separator = draw(st.sampled_from([" = ", "=", ": "]))
            lines.append(f"{key[1]}{separator}{draw(st.sampled_from(SETTINGS[key]))}")
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(["", "# a comment", f"#{key[1]} = <None>"])))
    return "\n".join(lines) + ("\n" if lines else "")


VALUES: dict[str, st.SearchStrategy[Value]] = {
    "hypervisor.virt_type": st.sampled_from(["kvm", "qemu"]),
    "hypervisor.allow_emulation": st.just(True),
    "storage.backend": st.sampled_from(["qcow2", "flat", "lvm"]),
    "storage.volume_group": st.sampled_from(["nova-vg", "system-vg"]),
    "nested.enabled": st.booleans(),
    "nested.cpu_mode": st.sampled_from(["host-passthrough", "host-model", "custom"]),
    "nested.cpu_models": st.sampled_from([(), ("IvyBridge",), ("Haswell", "IvyBridge")]),
    "nested.extra_flags": st.sampled_from([(), ("pcid",), ("pcid", "ssbd")]),
    "ceph_download.enabled": st.booleans(),
    "ceph_download.rbd_pool": st.sampled_from(["images", "glance-images"]),
    "ceph_download.connect_timeout": st.integers(1, 30),
    "tpm.vtpm": st.just(False),
    "performance.vhost_net": st.booleans(),
}


@st.composite
def answers_files(draw: st.DrawFn) -> str:
    chosen = draw(st.lists(st.sampled_from(sorted(VALUES)), unique=True, max_size=len(VALUES)))
    answers = Answers()
    for path in chosen:
        answers = answers.with_value(path, draw(VALUES[path]))
    answers = dataclasses.replace(answers, given=frozenset(chosen))
    return to_document(answers).as_string()


def mentioned(text: str) -> set[tuple[str, str]]:
    """The options the answers' keys speak of (KEYS' "changes"), and the deprecated names of those."""
    parsed = parse_answers(text).answers
    found: set[tuple[str, str]] = set()  # (normalized section, key)
    for spec in KEYS:
        if not parsed.is_given(spec.path):
            continue
        for section, key in OPTIONS_OF.get(spec.path, ()):
            found.add((section, key))
            option = find_option("nova.conf", section, key)
            if option is not None:
                found |= {(old_section.lower(), old) for old_section, old in option.deprecated_names}
    return found


# What each answers key decides in nova.conf (its KeySpec.changes, as options), with what rules tie to it.
OPTIONS_OF: dict[str, tuple[tuple[str, str], ...]] = {
    "hypervisor.virt_type": (("libvirt", "virt_type"), ("DEFAULT", "compute_driver")),
    "storage.backend": (
        ("libvirt", "images_type"),
        ("libvirt", "images_volume_group"),
        ("DEFAULT", "force_raw_images"),
    ),
    "storage.volume_group": (("libvirt", "images_volume_group"),),
    "nested.enabled": (("libvirt", "cpu_model_extra_flags"),),
    "nested.cpu_mode": (
        ("libvirt", "cpu_mode"),
        ("libvirt", "cpu_models"),
        ("libvirt", "cpu_model_extra_flags"),
    ),
    "nested.cpu_models": (("libvirt", "cpu_models"),),
    "nested.extra_flags": (("libvirt", "cpu_model_extra_flags"),),
    "ceph_download.enabled": (
        ("glance", "enable_rbd_download"),
        ("glance", "rbd_user"),
        ("glance", "rbd_pool"),
        ("glance", "rbd_ceph_conf"),
        ("glance", "rbd_connect_timeout"),
    ),
    "ceph_download.rbd_pool": (("glance", "rbd_pool"),),
    "ceph_download.connect_timeout": (("glance", "rbd_connect_timeout"),),
    "tpm.vtpm": (("libvirt", "swtpm_enabled"),),
}


def every_key(root: Path) -> set[tuple[str, str]]:
    paths = [root / name for name in FILES]
    config = EffectiveConfig.parse("nova.conf", [(str(path), path.read_bytes()) for path in paths])
    return set(config.settings())


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(node=st.tuples(node_file(), node_file()), answers=answers_files())
def test_what_the_answers_do_not_mention_keeps_its_value(
    tmp_path_factory: object, node: tuple[str, str], answers: str
) -> None:
    scenario = load_scenario("lvm-custom-cpu")
    parent = Path(tmp_path_factory.mktemp("node"))  # type: ignore[attr-defined]
    root = make_root(scenario, parent=parent)
    try:
        for name, text in zip(FILES, node, strict=True):
            (root / name).write_text(text)
        facts = dataclasses.replace(load_demo_facts(scenario), root=str(root))
        try:
            parsed = parse_answers(answers).answers
        except AnswersError:
            parsed = None
        assume(parsed is not None)  # a file `answers check` refuses on its own is not what this is about
        assert parsed is not None
        outcome = make_plan(facts, parsed, root)
        assume(outcome.plan is not None)  # answers this node refuses are not what this property is about
        assert outcome.plan is not None
        originals = parent / "before"
        for name in FILES:
            (originals / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / name, originals / name)
        write_plan(root, outcome.plan.edits)
        keys = every_key(originals) | every_key(root)
        before = read_raw_with_oslo([originals / name for name in FILES], keys)
        after = read_raw_with_oslo([root / name for name in FILES], keys)
        kept = keys - mentioned(answers)
        assert {key: after[key] for key in kept} == {key: before[key] for key in kept}
    finally:
        shutil.rmtree(parent, ignore_errors=True)
