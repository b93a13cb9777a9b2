"""The planner: minimal explained edits, vendor awareness, idempotency, oslo reading back every value."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.oslo_reader import read_with_oslo
from tests.plan.conftest import DemoHost, write_plan
from tests.plan.matrix import BACKENDS, MATRIX, VENDORS, matrix_answers
from wizard.answers import Answers, HypervisorAnswers, NestedAnswers
from wizard.host.profile import HostProfile
from wizard.plan.explain import explain_plan, plain_text
from wizard.plan.model import FileKind
from wizard.plan.planner import make_plan
from wizard.plan.validate import unavailable_choices

SCENARIOS_WITH_KVM = [
    "intel-ready",
    "amd-modules-missing",
    "amd-nested-off",
    "power9",
    "aarch64",
    "kvm-permissions",
    "tpm2-host",
]


def test_the_product_example_plans_the_guide_settings(demo_host: DemoHost, product_answers: Answers) -> None:
    facts, root = demo_host("intel-ready")
    outcome = make_plan(facts, product_answers, root)
    assert outcome.ok, outcome.problems
    assert outcome.plan is not None
    nova = next(edit for edit in outcome.plan.edits if edit.kind is FileKind.NOVA_CONF)
    added = [line for change in nova.changes for line in change.new_lines]
    assert "compute_driver = libvirt.LibvirtDriver" in added
    assert "cpu_mode = host-passthrough" in added
    # kvm is nova's default virt_type, and images_type's default is qcow2 while use_cow_images is true: a
    # value nova already uses is no change.
    assert not any(line.startswith(("virt_type", "images_type")) for line in added)
    assert all(change.reasons for change in nova.changes)


@pytest.mark.parametrize("scenario", SCENARIOS_WITH_KVM)
def test_planning_again_after_writing_the_plan_changes_no_file(
    scenario: str, demo_host: DemoHost, product_answers: Answers
) -> None:
    facts, root = demo_host(scenario)
    answers = product_answers
    if "true" in unavailable_choices("nested.enabled", answers, HostProfile.from_facts(facts)):
        answers = dataclasses.replace(answers, nested=dataclasses.replace(answers.nested, enabled=False))
    first = make_plan(facts, answers, root)
    assert first.plan is not None, first.problems
    write_plan(root, first.plan.edits)
    second = make_plan(facts, answers, root)
    assert second.plan is not None
    assert second.plan.edits == ()


def test_an_edit_changes_only_the_lines_it_explains(demo_host: DemoHost, product_answers: Answers) -> None:
    facts, root = demo_host("intel-ready")
    plan = make_plan(facts, product_answers, root).plan
    assert plan is not None
    nova = next(edit for edit in plan.edits if edit.kind is FileKind.NOVA_CONF)
    assert nova.before is not None
    before = nova.before.decode().splitlines()
    after = nova.after.decode().splitlines()
    added = [line for line in after if line not in before]
    assert sorted(added) == sorted(line for change in nova.changes for line in change.new_lines)
    # The only lines that go are the commented samples the new assignments replace; nothing is reordered.
    removed = [line for line in before if line not in after]
    assert sorted(removed) == sorted(line for change in nova.changes for line in change.old_lines)
    assert all(line.startswith("#") for line in removed)
    assert [line for line in after if line in before] == [line for line in before if line not in removed]


@pytest.mark.parametrize(("backend", "cpu_mode", "vendor"), MATRIX)
def test_every_backend_cpu_mode_and_vendor_reads_back_through_oslo(
    backend: str, cpu_mode: str, vendor: str, demo_host: DemoHost
) -> None:
    facts, root = demo_host(VENDORS[vendor])
    answers = matrix_answers(backend, cpu_mode, vendor)
    nested = answers.nested
    outcome = make_plan(facts, answers, root)
    assert outcome.ok, outcome.problems
    assert outcome.plan is not None
    write_plan(root, outcome.plan.edits)
    values = read_with_oslo(root / "etc/nova/nova.conf", "nova.conf")
    assert values[("DEFAULT", "compute_driver")] == "libvirt.LibvirtDriver"
    assert values[("libvirt", "virt_type")] == "kvm"
    assert_backend(values, backend)
    assert values[("libvirt", "cpu_mode")] == cpu_mode
    flag = "vmx" if vendor == "intel" else "svm"
    expected_flags = [] if cpu_mode == "host-passthrough" else ["pcid", flag]
    assert list(values[("libvirt", "cpu_model_extra_flags")]) == expected_flags
    assert list(values[("libvirt", "cpu_models")]) == (
        list(nested.cpu_models) if cpu_mode == "custom" else []
    )
    if backend == "lvm":
        assert values[("libvirt", "images_volume_group")] == "nova-vg"
    if backend == "rbd":
        assert values[("DEFAULT", "force_raw_images")] is True
        assert values[("libvirt", "images_rbd_pool")] == "vms"
        assert values[("libvirt", "rbd_secret_uuid")] == "457eb676-33da-42ec-9a8c-9293d545c337"
    modprobe = (root / "etc/modprobe.d/kvm.conf").read_text()
    assert f"options kvm_{'intel' if vendor == 'intel' else 'amd'} nested=1" in modprobe


def assert_backend(values: dict[tuple[str, str], object], backend: str) -> None:
    """nova's backend as oslo reads it: images_type's default is qcow2 while use_cow_images is true."""
    if backend == "qcow2" and values[("libvirt", "images_type")] == "default":
        assert values[("DEFAULT", "use_cow_images")] is True
    else:
        assert values[("libvirt", "images_type")] == backend


# What each architecture offers: POWER has host-model and nested guests (kvm_hv) but no CPU features in libvirt's
# map; aarch64 KVM has no host-model, and nested guests only with kvm-arm.mode=nested (not on this demo host).
OTHER_ARCHES = {
    "power": ("power9", "POWER9", ("host-passthrough", "host-model", "custom"), True),
    "arm": ("aarch64", "cortex-a72", ("host-passthrough", "custom"), False),
}
OTHER_ARCH_CASES = [
    (backend, mode, arch)
    for backend in BACKENDS
    if backend != "rbd"  # no Ceph client on these demo hosts: see test_rbd_needs_the_ceph_client_pieces
    for arch, (_, _, modes, _) in OTHER_ARCHES.items()
    for mode in modes
]


@pytest.mark.parametrize(("backend", "cpu_mode", "arch"), OTHER_ARCH_CASES)
def test_every_backend_and_cpu_mode_reads_back_through_oslo_on_power_and_arm(
    backend: str, cpu_mode: str, arch: str, demo_host: DemoHost
) -> None:
    """No vmx/svm there and no extra flags: the models are the architecture's."""
    scenario, model, _, nested_guests = OTHER_ARCHES[arch]
    facts, root = demo_host(scenario)
    nested = NestedAnswers(enabled=nested_guests, cpu_mode=cpu_mode)
    if cpu_mode == "custom":
        nested = dataclasses.replace(nested, cpu_models=(model,))
    outcome = make_plan(facts, Answers(storage=BACKENDS[backend], nested=nested), root)
    assert outcome.ok, outcome.problems
    assert outcome.plan is not None
    write_plan(root, outcome.plan.edits)
    values = read_with_oslo(root / "etc/nova/nova.conf", "nova.conf")
    assert values[("libvirt", "virt_type")] == "kvm"
    assert_backend(values, backend)
    assert values[("libvirt", "cpu_mode")] == cpu_mode
    assert list(values[("libvirt", "cpu_models")]) == ([model] if cpu_mode == "custom" else [])
    assert list(values[("libvirt", "cpu_model_extra_flags")]) == []
    if arch == "power":
        assert "options kvm_hv nested=1" in (root / "etc/modprobe.d/kvm.conf").read_text()


@pytest.mark.parametrize(
    ("scenario", "nested", "key", "words"),
    [
        (
            "aarch64",
            NestedAnswers(cpu_mode="host-model"),
            "nested.cpu_mode",
            "cpu_mode = host-model is not available for aarch64 KVM guests",
        ),
        (
            "aarch64",
            NestedAnswers(enabled=True, cpu_mode="host-passthrough"),
            "nested.enabled",
            "nested guests cannot work on this host: on aarch64 they need",
        ),
        (
            "power9",
            NestedAnswers(cpu_mode="host-model", extra_flags=("pcid",)),
            "nested.extra_flags",
            "libvirt's CPU map has no CPU features for IBM POWER",
        ),
        (
            "power9",
            NestedAnswers(cpu_mode="host-model", extra_flags=("Icelake-Server",)),
            "nested.extra_flags",
            "Icelake-Server in cpu_model_extra_flags is a CPU model, not a CPU feature",
        ),
        (
            "vm-guest-no-nested",
            NestedAnswers(enabled=True, cpu_mode="host-passthrough"),
            "nested.enabled",
            "this CPU shows no vmx",
        ),
    ],
)
def test_what_an_architecture_or_host_cannot_have_is_refused(
    scenario: str, nested: NestedAnswers, key: str, words: str, demo_host: DemoHost
) -> None:
    facts, root = demo_host(scenario)
    answers = Answers(nested=nested)
    if scenario == "vm-guest-no-nested":  # KVM cannot work there at all: judge the nested choice alone
        answers = dataclasses.replace(answers, hypervisor=HypervisorAnswers("qemu", allow_emulation=True))
    outcome = make_plan(facts, answers, root)
    assert not outcome.ok
    found = [problem for problem in outcome.problems if problem.path == key]
    assert found, outcome.problems
    assert words in found[0].message


@pytest.mark.parametrize(
    ("scenario", "model", "arch_name"),
    [
        ("power9", "cortex-a72", "Arm"),
        ("aarch64", "POWER9", "IBM POWER"),
        ("aarch64", "Haswell", "x86 (Intel and AMD)"),
        ("intel-ready", "POWER10", "IBM POWER"),
        ("amd-nested-off", "neoverse-n1", "Arm"),
    ],
)
def test_a_cpu_model_of_another_architecture_is_refused(
    scenario: str, model: str, arch_name: str, demo_host: DemoHost
) -> None:
    facts, root = demo_host(scenario)
    nested = NestedAnswers(cpu_mode="custom", cpu_models=(model,))
    outcome = make_plan(facts, Answers(nested=nested), root)
    assert not outcome.ok
    assert [problem.path for problem in outcome.problems] == ["nested.cpu_models"]
    assert f"{model} is a CPU model of {arch_name}" in outcome.problems[0].message


def test_ceph_download_writes_glance_options_and_the_glance_api_node(demo_host: DemoHost) -> None:
    facts, root = demo_host("intel-ready")
    answers = Answers(
        ceph_download=dataclasses.replace(Answers().ceph_download, enabled=True, glance_api_node=True)
    )
    outcome = make_plan(facts, answers, root)
    assert outcome.ok, outcome.problems
    assert outcome.plan is not None
    write_plan(root, outcome.plan.edits)
    nova = read_with_oslo(root / "etc/nova/nova.conf", "nova.conf")
    assert nova[("glance", "enable_rbd_download")] is True
    assert nova[("glance", "rbd_user")] == "glance"
    assert nova[("glance", "rbd_pool")] == "images"
    assert nova[("glance", "rbd_ceph_conf")] == "/etc/ceph/ceph.conf"
    assert nova[("glance", "rbd_connect_timeout")] == 5
    glance = read_with_oslo(root / "etc/glance/glance-api.conf", "glance-api.conf")
    assert glance[("DEFAULT", "show_image_direct_url")] is True


def test_custom_mode_removes_the_deprecated_cpu_model_and_other_modes_remove_models(
    demo_host: DemoHost,
) -> None:
    facts, root = demo_host("intel-ready")
    conf = root / "etc/nova/nova.conf"
    conf.write_text(
        conf.read_text().replace("[libvirt]\n", "[libvirt]\ncpu_model = Haswell\ncpu_models = Haswell\n", 1)
    )
    outcome = make_plan(facts, Answers(nested=NestedAnswers(cpu_mode="host-model")), root)
    assert outcome.plan is not None
    write_plan(root, outcome.plan.edits)
    text = conf.read_text()
    assert "\ncpu_model = Haswell" not in text
    assert "\ncpu_models = Haswell" not in text


def test_a_symlinked_nova_conf_is_edited_at_its_target(demo_host: DemoHost, product_answers: Answers) -> None:
    facts, root = demo_host("intel-ready")
    real = root / "etc/nova/nova.conf.real"
    (root / "etc/nova/nova.conf").rename(real)
    (root / "etc/nova/nova.conf").symlink_to("nova.conf.real")
    plan = make_plan(facts, product_answers, root).plan
    assert plan is not None
    nova = next(edit for edit in plan.edits if edit.kind is FileKind.NOVA_CONF)
    assert nova.path == "/etc/nova/nova.conf"
    assert nova.target == "/etc/nova/nova.conf.real"
    assert "a symbolic link: the change is made in /etc/nova/nova.conf.real" in plain_text(
        explain_plan(plan, live=False)
    )


def test_secrets_next_to_a_change_are_masked_in_the_preview(
    demo_host: DemoHost, product_answers: Answers
) -> None:
    facts, root = demo_host("intel-ready")
    conf = root / "etc/nova/nova.conf"
    text = conf.read_text()
    conf.write_text(
        text.replace(
            "#compute_driver = <None>\n",
            "#compute_driver = <None>\ntransport_url = rabbit://nova:S3cret-Next-Door@mq/\n",
            1,
        )
    )
    plan = make_plan(facts, product_answers, root).plan
    assert plan is not None
    shown = plain_text(explain_plan(plan, live=False))
    assert "transport_url = ****" in shown
    assert "S3cret-Next-Door" not in shown


def test_a_missing_nova_conf_is_created_with_the_distribution_owner(
    demo_host: DemoHost, product_answers: Answers
) -> None:
    facts, root = demo_host("intel-ready")
    (root / "etc/nova/nova.conf").unlink()
    plan = make_plan(facts, product_answers, root).plan
    assert plan is not None
    nova = next(edit for edit in plan.edits if edit.kind is FileKind.NOVA_CONF)
    assert nova.creates
    assert (nova.new_file.owner, nova.new_file.group, nova.new_file.mode) == ("root", "nova", 0o640)
    write_plan(root, plan.edits)
    assert read_with_oslo(root / "etc/nova/nova.conf", "nova.conf")[("libvirt", "virt_type")] == "kvm"


def test_the_plan_touches_no_file(demo_host: DemoHost, product_answers: Answers) -> None:
    facts, root = demo_host("amd-nested-off")
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    make_plan(facts, product_answers, root)
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before


def _files(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_a_pvm_guest_gets_no_nested_option_and_its_device_the_kvm_group(tmp_path: Path) -> None:
    from wizard.host.facts import load_facts

    facts = load_facts(Path(__file__).parent.parent / "fixtures/facts/firecracker-pvm-guest.toml")
    (tmp_path / "etc").mkdir()
    refused = make_plan(
        facts, Answers(nested=NestedAnswers(enabled=True, cpu_mode="host-passthrough")), tmp_path
    )
    assert [problem.path for problem in refused.problems] == ["nested.enabled"]
    assert "comes from PVM" in refused.problems[0].message
    outcome = make_plan(facts, Answers(), tmp_path)
    assert outcome.plan is not None, outcome.problems
    # /dev/kvm is root:root 0600: whoever libvirt's package creates to run QEMU (in group kvm) could not open
    # it, so the device gets group kvm; nobody is added to a group, as no such account exists yet.
    assert [action.id for action in outcome.plan.actions] == [
        "create-group:kvm",
        "chgrp:/dev/kvm",
        "chmod:/dev/kvm",
    ]


def test_a_removed_line_is_explained_under_itself_not_under_a_neighbour(
    demo_host: DemoHost, product_answers: Answers
) -> None:
    """A deprecated cpu_model removed next to replaced lines: its reasons stand right under it."""
    facts, root = demo_host("intel-ready")
    conf = root / "etc/nova/nova.conf"
    conf.write_text(
        conf.read_text().replace(
            "[libvirt]\n", "[libvirt]\ncpu_model = Haswell\ncpu_model_extra_flags = svm\nvirt_type = xen\n", 1
        )
    )
    plan = make_plan(facts, product_answers, root).plan
    assert plan is not None
    lines = plain_text(explain_plan(plan, live=False)).splitlines()
    removed = lines.index("-cpu_model = Haswell")
    assert lines[removed + 1].startswith("    # why: CPU models may be set only with cpu_mode = custom")
    virt_type = lines.index("+virt_type = kvm")
    assert lines[virt_type + 1].startswith("    # why: guests use the CPU's virtualization extensions")


@pytest.mark.parametrize(
    ("line", "message"),
    [(b"# caf\xe9\n", "Not valid UTF-8"), (b"just words\n", "No ':' or '=' found in assignment")],
)
def test_a_file_oslo_would_refuse_is_a_problem_of_the_plan_not_of_the_verification(
    line: bytes, message: str, demo_host: DemoHost, product_answers: Answers
) -> None:
    """The editor keeps the bad line; the plan says so at once instead of writing and rolling back."""
    facts, root = demo_host("intel-ready")
    conf = root / "etc/nova/nova.conf"
    data = conf.read_bytes()
    conf.write_bytes(data.replace(b"[libvirt]\n", b"[libvirt]\n" + line, 1))
    number = conf.read_bytes().splitlines().index(line.rstrip(b"\n")) + 1
    outcome = make_plan(facts, product_answers, root)
    assert not outcome.ok
    assert [problem.message for problem in outcome.problems] == [
        f"/etc/nova/nova.conf line {number}: {message}: oslo.config refuses the whole file, so it stays as it "
        "is; correct that line first (`kvm-wizard check` lists it)"
    ]


def test_an_unknown_x86_cpu_model_is_refused_with_libvirts_list(demo_host: DemoHost) -> None:
    facts, root = demo_host("intel-ready")  # no libvirt answers recorded there: the wizard's copy decides
    nested = NestedAnswers(cpu_mode="custom", cpu_models=("Foo",))
    outcome = make_plan(facts, Answers(nested=nested), root)
    assert not outcome.ok
    assert [problem.path for problem in outcome.problems] == ["nested.cpu_models"]
    assert "Foo is not a CPU model libvirt knows for x86" in outcome.problems[0].message


def test_rbd_needs_the_ceph_client_pieces(demo_host: DemoHost) -> None:
    """amd-nested-off has libvirt's answers (its secret is there) but no Ceph client: each piece is named."""
    facts, root = demo_host("amd-nested-off")
    outcome = make_plan(facts, Answers(storage=BACKENDS["rbd"]), root)
    assert not outcome.ok
    messages = {problem.path: problem.message for problem in outcome.problems}
    assert set(messages) == {"storage.backend"}
    problems = [problem.message for problem in outcome.problems]
    assert any("python3-rbd and python3-rados are not installed" in text for text in problems)
    assert any("/etc/ceph/ceph.client.nova.keyring" in text for text in problems)
