"""The demo hosts: each one's verdict and key findings, and that its recording agrees with its files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.host.helpers import demo, find
from wizard.demo import DemoError, list_scenarios, load_demo_facts, load_scenario, make_root
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Status, VerdictCode
from wizard.host.probe import probe
from wizard.host.profile import HostProfile

S = Status
# scenario -> (verdict, {finding id: status}) for the findings that make the scenario what it is.
EXPECTED: dict[str, tuple[VerdictCode, dict[str, Status]]] = {
    "intel-ready": (
        VerdictCode.READY,
        {"kvm-api": S.PASS, "vt-flags": S.PASS, "kvm-modules": S.PASS, "kvm-access-qemu": S.PASS,
         "nested": S.PASS, "vhost-net": S.PASS, "nova-log-kvm-unavailable": S.INFO, "iommu": S.INFO},
    ),
    "intel-vt-disabled": (
        VerdictCode.DISABLED_IN_FIRMWARE,
        {"vt-flags": S.FAIL, "cpuid": S.INFO, "firmware": S.FAIL, "kvm-device": S.FAIL, "kvm-api": S.FAIL,
         "nova-log-kvm-unavailable": S.FAIL},
    ),
    "amd-modules-missing": (
        VerdictCode.FIXABLE,
        {"vt-flags": S.PASS, "kvm-modules": S.FAIL, "module-persistence": S.WARN, "kvm-device": S.FAIL,
         "nova-log-kvm-unavailable": S.FAIL, "distro": S.INFO},
    ),
    "amd-nested-off": (VerdictCode.READY, {"nested": S.INFO, "kvm-api": S.PASS, "vt-flags": S.PASS}),
    "power9": (
        VerdictCode.READY,
        {"power-platform": S.PASS, "kvm-modules": S.PASS, "module-persistence": S.PASS, "nested": S.PASS,
         "kvm-access-qemu": S.PASS},
    ),
    "aarch64": (VerdictCode.READY, {"arm-hyp-mode": S.PASS, "kvm-modules": S.PASS, "kvm-api": S.PASS}),
    "vm-guest-no-nested": (
        VerdictCode.UNSUPPORTED,
        {"guest": S.FAIL, "vt-flags": S.FAIL, "cpuid": S.INFO, "kvm-api": S.FAIL},
    ),
    "kvm-permissions": (
        VerdictCode.FIXABLE,
        {"kvm-api": S.PASS, "kvm-device-permissions": S.FAIL, "kvm-access-qemu": S.FAIL, "udevd": S.PASS,
         "nova-log-kvm-permission-denied": S.FAIL},
    ),
    "tpm2-host": (VerdictCode.READY, {"tpm": S.PASS, "tpm2-tools": S.PASS, "swtpm": S.PASS}),
    "broken-nova-conf": (
        VerdictCode.FIXABLE,
        {"kvm-api": S.PASS, "nova-conf-inline-comment:libvirt.virt_type": S.FAIL,
         "nova-conf-invalid-value:libvirt.images_type": S.FAIL,
         "nova-conf-two-options-on-one-line:libvirt.cpu_mode": S.FAIL,
         "nova-conf-renamed-option:DEFAULT.logdir": S.WARN, "nova-conf-unknown-option:api.auth_strategy": S.WARN,
         "nova-log-invalid-option-value": S.FAIL, "nova-log-compute-driver-missing": S.INFO},
    ),
    "lvm-missing-vg": (
        VerdictCode.FIXABLE,
        {"kvm-api": S.PASS, "nova-conf-volume-group-missing:libvirt.images_volume_group": S.FAIL,
         "nova-log-lvm-volume-group": S.FAIL, "glance-api-conf-lint": S.PASS},
    ),
    "lvm-custom-cpu": (
        VerdictCode.READY,
        {"kvm-api": S.PASS, "config-files": S.PASS, "module-persistence": S.PASS, "nested": S.INFO},
    ),
    "debian-qemu-override": (
        VerdictCode.READY, {"config-files": S.PASS, "config-shadowed:libvirt.virt_type": S.WARN}
    ),
    "rdo-nova-conf-d": (
        VerdictCode.READY, {"config-files": S.PASS, "config-shadowed:libvirt.cpu_mode": S.WARN}
    ),
    "kolla-compute": (VerdictCode.READY, {"config-files": S.WARN, "kvm-api": S.PASS}),
}  # fmt: skip


def test_every_scenario_is_tested() -> None:
    assert [scenario.name for scenario in list_scenarios()] == list(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_verdict_and_key_findings(name: str) -> None:
    verdict, statuses = EXPECTED[name]
    diagnosis = diagnose(demo(name))
    assert diagnosis.verdict.code is verdict, diagnosis.verdict.summary
    for finding_id, status in statuses.items():
        assert find(diagnosis, finding_id).status is status, finding_id
    ids = [item.id for item in diagnosis.findings]
    assert len(ids) == len(set(ids))


def test_scenario_specific_remedies() -> None:
    firmware = find(diagnose(demo("intel-vt-disabled")), "firmware")
    assert firmware.remedy is not None
    assert "Intel Virtualization Technology" in firmware.remedy.summary
    assert any("MSR 0x3A" in item.observed for item in firmware.evidence)

    modules = find(diagnose(demo("amd-modules-missing")), "kvm-modules").remedy
    assert modules is not None
    assert modules.commands == ("modprobe kvm", "modprobe kvm_amd")
    assert modules.plan_fix == "load-kvm-modules"
    assert "kvm_amd in /etc/modules-load.d/kvm.conf" in modules.settings

    nested = find(diagnose(demo("amd-nested-off")), "nested")
    assert nested.remedy is not None
    assert nested.remedy.settings == ("options kvm_amd nested=1 in /etc/modprobe.d/kvm.conf",)
    assert "options kvm_amd nested=0 in /etc/modprobe.d/kvm.conf" in nested.remedy.why

    permissions = find(diagnose(demo("kvm-permissions")), "kvm-device-permissions").remedy
    assert permissions is not None
    assert permissions.commands == ("udevadm trigger --sysname-match=kvm",)
    assert permissions.plan_fix == "fix-kvm-device-permissions"

    guest = find(diagnose(demo("vm-guest-no-nested")), "guest").remedy
    assert guest is not None
    # The demo's DMI says OpenStack Nova: the KVM host below is an OpenStack compute node.
    assert "options kvm_intel nested=1 in /etc/modprobe.d/kvm.conf on the KVM host below" in guest.settings
    assert any("nova.conf of the OpenStack compute nodes" in setting for setting in guest.settings)


def test_demo_logs_the_rescue_scenarios_rest_on() -> None:
    broken = diagnose(demo("broken-nova-conf"))
    assert find(broken, "nova-log-compute-driver-missing").status is Status.INFO  # an earlier failed start
    logged = find(broken, "nova-log-invalid-option-value")
    assert logged.remedy is not None
    assert logged.remedy.plan_fix == "nova-conf-inline-comment:libvirt.virt_type"
    lvm = find(diagnose(demo("lvm-missing-vg")), "nova-log-lvm-volume-group")
    assert "volume group nova-volumes" in lvm.title
    assert lvm.remedy is not None
    assert lvm.remedy.plan_fix == "nova-conf-volume-group-missing:libvirt.images_volume_group"


def test_only_errors_after_the_last_start_count() -> None:
    # intel-ready's log has the hvm error before its last restart; amd-modules-missing after it.
    assert find(diagnose(demo("intel-ready")), "nova-log-kvm-unavailable").status is Status.INFO
    current = find(diagnose(demo("amd-modules-missing")), "nova-log-kvm-unavailable")
    assert current.status is Status.FAIL
    assert current.remedy is not None
    assert "modprobe kvm_amd" in current.remedy.commands


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_scenario_has_nova_vg(name: str) -> None:
    profile = HostProfile.from_facts(demo(name))
    assert profile.volume_groups is not None
    assert "nova-vg" in profile.volume_groups


@pytest.mark.parametrize("name", list(EXPECTED))
def test_recording_agrees_with_the_files(name: str, tmp_path: Path) -> None:
    scenario = load_scenario(name)
    recorded = load_demo_facts(scenario)
    tree = make_root(scenario, parent=tmp_path)
    observed = probe(tree, live_device_probe=False)
    shipped = [path for path in observed.files if path.startswith(("/etc/", "/var/log/", "/usr/lib/udev/"))]
    assert "/etc/os-release" in shipped
    for path in shipped:
        if recorded.processes and path not in recorded.files:
            # The recorded host runs nova-compute: its command line came from the process, and the unit and
            # init script (which the tree's probe, with no /proc, reads instead) were not needed.
            continue
        assert observed.files[path] == recorded.files.get(path), path
    assert recorded.source == f"demo: {name}"
    assert recorded.root == str(scenario.root_path)


def test_throwaway_root_holds_the_common_files(tmp_path: Path) -> None:
    tree = make_root(load_scenario("amd-modules-missing"), parent=tmp_path)
    assert tree.parent == tmp_path
    nova = (tree / "etc/nova/nova.conf").read_text(encoding="utf-8")
    for option in ("compute_driver", "force_raw_images", "use_cow_images", "virt_type", "images_type",
                   "images_volume_group", "images_rbd_pool", "images_rbd_ceph_conf", "rbd_user", "rbd_secret_uuid",
                   "rbd_connect_timeout", "cpu_mode", "cpu_models", "cpu_model_extra_flags", "swtpm_enabled",
                   "swtpm_user", "swtpm_group", "enable_rbd_download", "rbd_pool", "rbd_ceph_conf"):  # fmt: skip
        assert re.search(rf"^#{option} =", nova, re.MULTILINE), option
    assert re.search(r"^transport_url = rabbit://openstack:.+@controller", nova, re.MULTILINE)
    assert re.search(r"^connection = mysql\+pymysql://nova:.+@controller/nova$", nova, re.MULTILINE)
    assert (tree / "etc/glance/glance-api.conf").read_text(encoding="utf-8").count(
        "#show_image_direct_url = false"
    ) == 1
    assert (tree / "etc/ceph/ceph.conf").is_file()
    assert (tree / "etc/modules-load.d").is_dir()
    assert (tree / "var/log/nova/nova-compute.log").is_file()
    second = make_root(load_scenario("amd-modules-missing"), parent=tmp_path)
    assert second != tree


def test_unknown_scenario_names_the_available_ones() -> None:
    with pytest.raises(DemoError, match=r"intel-ready.*tpm2-host"):
        load_scenario("no-such-host")
