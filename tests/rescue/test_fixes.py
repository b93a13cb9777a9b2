"""Each known error's fix: planned, applied through apply_plan on a temporary root, then linted clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rescue.conftest import BASE, NOVA_CONF, Host
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.files.ini import IniDocument
from wizard.host.profile import HostProfile
from wizard.plan.model import CheckKind
from wizard.rescue.report import build_report, review_files

STAMP = "2025-03-10 09:14:02.118 4471"
LOCATION = "from LocationInfo(location=<Locations.user: (4, True)>, detail='/etc/nova/nova.conf')"


def invalid(option: str, allowed: str, found: str) -> str:
    return (
        f"{STAMP} CRITICAL nova [-] Unhandled error: oslo_config.cfg.ConfigFileValueError: Value for option "
        f"{option} {LOCATION} is not valid: Valid values are [{allowed}], but found '{found}'"
    )


# (known error in the log, nova.conf, the option and the value oslo reads after the fix)
CASES: list[tuple[str, str, str, tuple[str, str, str | None]]] = [
    ("compute-driver-missing", "[DEFAULT]\ndebug = true\n[libvirt]\nvirt_type = kvm\n",
     f"{STAMP} ERROR nova.virt.driver [-] Compute driver option required, but not specified",
     ("DEFAULT", "compute_driver", "libvirt.LibvirtDriver")),
    ("invalid-option-value", BASE + "images_type = qcow\n",
     invalid("images_type", "raw, flat, qcow2, lvm, rbd, ploop, default", "qcow"),
     ("libvirt", "images_type", "qcow2")),
    ("invalid-option-value", BASE + "cpu_mode = host-model cpu_model_extra_flags = vmx\n",
     invalid("cpu_mode", "host-model, host-passthrough, custom, none", "host-model cpu_model_extra_flags = vmx"),
     ("libvirt", "cpu_model_extra_flags", "vmx")),
    ("invalid-option-value", BASE.replace("virt_type = kvm", "virt_type = kvm  # fast"),
     invalid("virt_type", "kvm, lxc, qemu, parallels", "kvm  # fast"), ("libvirt", "virt_type", "kvm")),
    ("cpu-models-without-custom", BASE + "cpu_mode = host-model\ncpu_models = IvyBridge\n",
     f"{STAMP} ERROR oslo_service.service [-] Error starting thread.: nova.exception.Invalid: The cpu_models "
     "option is not required when cpu_mode!=custom", ("libvirt", "cpu_models", None)),
    ("rbd-needs-raw-images", BASE + "images_type = rbd\n[DEFAULT]\nforce_raw_images = False\n",
     f"{STAMP} ERROR oslo_service.service [-] Error starting thread.: nova.exception.InvalidConfiguration: "
     "'[DEFAULT]/force_raw_images = False' is not allowed with '[libvirt]/images_type = rbd'.",
     ("DEFAULT", "force_raw_images", "True")),
    ("lvm-volume-group", BASE + "images_type = lvm\nimages_volume_group = nova-volumes\n",
     f"{STAMP} ERROR nova.compute.manager Stderr: '  Volume group \"nova-volumes\" not found\\n'",
     ("libvirt", "images_volume_group", "nova-vg")),
    ("lvm-volume-group", BASE + "images_type = lvm\n",
     f"{STAMP} ERROR nova.compute.manager RuntimeError: You should specify images_volume_group flag to use LVM images.",
     ("libvirt", "images_volume_group", "nova-vg")),
]  # fmt: skip


@pytest.mark.parametrize(("error_id", "nova", "line", "expected"), CASES)
def test_the_fix_of_a_logged_configuration_error_applies_and_lints_clean(
    host: Host, error_id: str, nova: str, line: str, expected: tuple[str, str, str | None]
) -> None:
    facts, root = host(nova=nova, log=(line,))
    report = build_report(facts, root)
    fix = report.fix_for(f"nova-log-{error_id}")
    assert fix is not None, [finding.id for finding in report.findings if finding.status == "fail"]
    assert fix.urgent
    assert any(check.kind is CheckKind.FILE_PARSES for check in fix.plan.checks)
    assert "Restart nova-compute" in [action.title for action in fix.plan.actions]
    result = apply_plan(fix.plan, root, runner=CommandRunner())
    assert result.ok, result.error
    section, option, value = expected
    assert IniDocument((root / NOVA_CONF.lstrip("/")).read_text()).get(section, option) == value
    left = review_files(root, HostProfile.from_facts(facts))
    assert [issue.id for issue in left.issues if issue.severity == "error"] == []


def test_kvm_modules_fix_persists_them_and_leaves_the_load_to_the_target(host: Host) -> None:
    facts, root = host("amd-modules-missing")
    report = build_report(facts, root)
    fix = report.fix_for("nova-log-kvm-unavailable")
    assert fix is not None
    assert fix is report.fix_for("kvm-modules")
    assert [action.title for action in fix.plan.actions] == ["Load kvm_amd now"]
    assert any("virtqemud" in note for note in fix.plan.notes)
    result = apply_plan(fix.plan, root, runner=CommandRunner())
    assert result.ok, result.error
    assert [action.title for action in result.remaining] == ["Load kvm_amd now"]
    assert "kvm_amd" in (root / "etc/modules-load.d/kvm.conf").read_text().split()
    assert all("answers:" not in reason.source for reason in fix.plan.actions[0].reasons)


def test_kvm_device_fix_is_udevs_trigger(host: Host) -> None:
    facts, root = host("kvm-permissions")
    report = build_report(facts, root)
    fix = report.fix_for("nova-log-kvm-permission-denied")
    assert fix is not None
    assert fix.id == "kvm-device-access"
    assert set(fix.finding_ids) >= {"kvm-device-permissions", "kvm-access-qemu"}
    assert [action.argv for action in fix.plan.actions] == [
        ("udevadm", "trigger", "--action=change", "--sysname-match=kvm")
    ]
    assert fix.plan.irreversible_actions
    result = apply_plan(fix.plan, root, runner=CommandRunner())
    assert result.ok, result.error


def test_broken_nova_conf_all_failures_fixed_in_one_plan(host: Host) -> None:
    facts, root = host("broken-nova-conf")
    report = build_report(facts, root)
    assert [fix.id for fix in report.urgent_fixes] == [
        "nova-conf-inline-comment:libvirt.virt_type",
        "nova-conf-invalid-value:libvirt.images_type",
        "nova-conf-two-options-on-one-line:libvirt.cpu_mode",
    ]
    plan = report.plan()
    assert len(plan.edits) == 1
    assert len(plan.edits[0].changes) == 4  # virt_type (with its comment), images_type, cpu_mode, the flags
    result = apply_plan(plan, root, runner=CommandRunner())
    assert result.ok, result.error
    text = (root / NOVA_CONF.lstrip("/")).read_text()
    assert "# hardware acceleration, as the KVM guide says\nvirt_type = kvm\n" in text
    left = review_files(root, HostProfile.from_facts(facts))
    assert [issue.severity for issue in left.issues if issue.severity == "error"] == []
    assert {issue.rule for issue in left.issues} >= {"renamed-option", "unknown-option"}


def test_every_fix_on_offer_together(host: Host) -> None:
    facts, root = host("broken-nova-conf")
    report = build_report(facts, root)
    plan = report.plan([fix.id for fix in report.fixes])
    assert apply_plan(plan, root, runner=CommandRunner()).ok
    left = review_files(root, HostProfile.from_facts(facts))
    assert [issue.id for issue in left.issues if issue.severity != "info"] == [
        "nova-conf-unknown-option:api.auth_strategy"
    ]
    assert "kvm_intel" in (root / "etc/modules").read_text().split()


def test_fixes_of_the_same_option_wait_for_the_next_run(host: Host) -> None:
    nova = BASE + "cpu_mode = host-passthrough\ncpu_mode = host-model cpu_model_extra_flags = vmx\n"
    facts, root = host(nova=nova)
    report = build_report(facts, root)
    both = [
        "nova-conf-repeated-option:libvirt.cpu_mode",
        "nova-conf-two-options-on-one-line:libvirt.cpu_mode",
    ]
    assert all(report.fix(fix_id) is not None for fix_id in both)
    plan = report.plan(both)
    assert any(note.startswith("Left for the next run: nova-conf-") for note in plan.notes)


def test_a_fix_that_would_add_an_error_is_not_offered(host: Host) -> None:
    facts, root = host(nova=BASE + "[DEFAULT]\nimages_type = qcow\n")
    report = build_report(facts, root)
    assert report.fix("nova-conf-unknown-option:DEFAULT.images_type") is None
    assert any("new error" in problem for problem in report.problems)


def test_a_plan_for_an_unknown_fix_is_refused(host: Host, tmp_path: Path) -> None:
    facts, root = host("broken-nova-conf")
    report = build_report(facts, root)
    with pytest.raises(KeyError):
        report.plan(["no-such-fix"])
