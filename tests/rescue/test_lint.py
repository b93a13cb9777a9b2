"""Config lint: each problem with its rule, severity, line number and repair; secrets never in what it says."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from wizard.lint.issues import ConfigReview, ConfigText, LintHost, LintIssue
from wizard.lint.review import review_config
from wizard.rules import HostContext

INTEL = LintHost(HostContext(cpu_vendor="intel", kvm_nested=True), ("nova-vg", "system-vg"))
AMD = LintHost(HostContext(cpu_vendor="amd", kvm_nested=True), ("nova-vg",))
NV = "nova.conf"


def review(nova: str, glance: str | None = None, host: LintHost = INTEL) -> ConfigReview:
    sources = [ConfigText("nova.conf", nova)]
    if glance is not None:
        sources.append(ConfigText("glance-api.conf", glance))
    return review_config(sources, host)


def issue(found: ConfigReview, issue_id: str) -> LintIssue:
    match = found.issue(issue_id)
    assert match is not None, [item.id for item in found.issues]
    return match


# (nova.conf, issue id, severity, line, the repair's settings; () when only the operator can decide)
CASES: list[tuple[str, str, str, int | None, tuple[str, ...]]] = [
    ("[libvirt]\nimages_type = qcow\n", "nova-conf-invalid-value:libvirt.images_type", "error", 2,
     ("[libvirt] images_type = qcow2 in /etc/nova/nova.conf",)),
    ("[libvirt]\nvirt_type = KVM\n", "nova-conf-invalid-value:libvirt.virt_type", "error", 2,
     ("[libvirt] virt_type = kvm in /etc/nova/nova.conf",)),
    ("[libvirt]\nimages_type = zfs\n", "nova-conf-invalid-value:libvirt.images_type", "error", 2, ()),
    ("[DEFAULT]\nforce_raw_images = ture\n", "nova-conf-invalid-value:DEFAULT.force_raw_images", "error", 2,
     ("[DEFAULT] force_raw_images = True in /etc/nova/nova.conf",)),
    ("[libvirt]\n\ncpu_mode = host-model cpu_model_extra_flags = vmx\n",
     "nova-conf-two-options-on-one-line:libvirt.cpu_mode", "error", 3,
     ("[libvirt] cpu_mode = host-model in /etc/nova/nova.conf",
      "[libvirt] cpu_model_extra_flags = vmx in /etc/nova/nova.conf")),
    ("[libvirt]\ncpu_mode = host-model cpu_model_extra_flags = vmx\ncpu_model_extra_flags = pcid\n",
     "nova-conf-two-options-on-one-line:libvirt.cpu_mode", "error", 2,
     ("[libvirt] cpu_mode = host-model in /etc/nova/nova.conf",)),
    ("[libvirt]\nvirt_type = kvm # the fast one\n", "nova-conf-inline-comment:libvirt.virt_type", "error", 2,
     ("[libvirt] virt_type = kvm in /etc/nova/nova.conf",)),
    ("[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n[libvirt]\ncpu_mode = host-model\ncpu_models = IvyBridge\n",
     "nova-conf-cpu-models-without-custom:libvirt.cpu_mode", "error", 4,
     ("no [libvirt] cpu_models in /etc/nova/nova.conf",)),
    ("[libvirt]\ncpu_models = IvyBridge\n", "nova-conf-cpu-models-without-custom:libvirt.cpu_mode", "error", None,
     ("[libvirt] cpu_mode = custom in /etc/nova/nova.conf",)),
    ("[libvirt]\ncpu_mode = custom\n", "nova-conf-custom-needs-cpu-models:libvirt.cpu_mode", "error", 2, ()),
    ("[libvirt]\nimages_type = rbd\n[DEFAULT]\nforce_raw_images = False\n",
     "nova-conf-rbd-needs-raw-images:libvirt.images_type", "error", 2,
     ("[DEFAULT] force_raw_images = True in /etc/nova/nova.conf",)),
    ("[libvirt]\nimages_type = lvm\n", "nova-conf-lvm-needs-volume-group:libvirt.images_type", "error", 2,
     ("[libvirt] images_volume_group = nova-vg in /etc/nova/nova.conf",)),
    ("[libvirt]\nimages_type = lvm\nimages_volume_group = nova-volumes\n",
     "nova-conf-volume-group-missing:libvirt.images_volume_group", "error", 3,
     ("[libvirt] images_volume_group = nova-vg in /etc/nova/nova.conf",)),
    ("[DEFAULT]\ncompute_driver = fake.FakeDriver\n", "nova-conf-compute-driver:DEFAULT.compute_driver", "error", 2,
     ("[DEFAULT] compute_driver = libvirt.LibvirtDriver in /etc/nova/nova.conf",)),
    ("[DEFAULT]\ndebug = true\n", "nova-conf-compute-driver:DEFAULT.compute_driver", "info", None,
     ("[DEFAULT] compute_driver = libvirt.LibvirtDriver in /etc/nova/nova.conf",)),
    ("[libvirt]\ncpu_model = IvyBridge\ncpu_mode = custom\n", "nova-conf-deprecated-name:libvirt.cpu_model",
     "warning", 2, ("[libvirt] cpu_model becomes [libvirt] cpu_models in /etc/nova/nova.conf",)),
    ("[DEFAULT]\nlogdir = /var/log/nova\n", "nova-conf-renamed-option:DEFAULT.logdir", "warning", 2,
     ("[DEFAULT] logdir becomes [DEFAULT] log_dir in /etc/nova/nova.conf",)),
    ("[libvirt]\nimage_type = qcow2\n", "nova-conf-unknown-option:libvirt.image_type", "warning", 2,
     ("[libvirt] image_type becomes [libvirt] images_type in /etc/nova/nova.conf",)),
    ("[DEFAULT]\nvirt_type = kvm\n", "nova-conf-unknown-option:DEFAULT.virt_type", "warning", 2,
     ("[DEFAULT] virt_type becomes [libvirt] virt_type in /etc/nova/nova.conf",)),
    ("[libvirt]\nimage_type = qcow2\nimages_type = qcow2\n", "nova-conf-unknown-option:libvirt.image_type",
     "warning", 2, ()),
    ("[libvrt]\nvirt_type = kvm\n", "nova-conf-unknown-section:libvrt", "warning", 2, ()),
    ("[default]\ndebug = true\n", "nova-conf-unknown-section:default", "warning", 2, ()),
    ("[libvirt]\nimages_type = qcow2\nvirt_type = kvm\nimages_type = flat\n",
     "nova-conf-repeated-option:libvirt.images_type", "warning", 4,
     ("[libvirt] images_type = flat in /etc/nova/nova.conf",)),
    ("[libvirt]\nvirt_type kvm\n", "nova-conf-unparsable:line-2", "error", 2, ()),
    ("[libvirt]\ncpu_mode = host-model\ncpu_model_extra_flags = vmx,svm\n",
     "nova-conf-cpu-flag-vendor:libvirt.cpu_model_extra_flags", "error", 3,
     ("[libvirt] cpu_model_extra_flags = vmx in /etc/nova/nova.conf",)),
    ("[glance]\napi_servers = http://controller:9292\n", "nova-conf-deprecated-for-removal", "info", 2, ()),
]  # fmt: skip


@pytest.mark.parametrize(("nova", "issue_id", "severity", "line", "settings"), CASES)
def test_each_problem_at_its_line_with_its_repair(
    nova: str, issue_id: str, severity: str, line: int | None, settings: tuple[str, ...]
) -> None:
    found = issue(review(nova), issue_id)
    assert found.severity == severity
    assert found.line == line
    assert tuple(edit.describe() for edit in found.repair) == settings


def test_the_one_line_cpu_mode_on_amd_keeps_only_the_valid_part() -> None:
    found = issue(
        review("[libvirt]\ncpu_mode = host-model cpu_model_extra_flags = vmx\n", host=AMD),
        "nova-conf-two-options-on-one-line:libvirt.cpu_mode",
    )
    # vmx is a valid name, so it is split out; the vendor rule then reports it on its own line.
    assert [edit.key for edit in found.repair] == ["cpu_mode", "cpu_model_extra_flags"]


def test_a_clean_file_has_no_problem() -> None:
    found = review("[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n[libvirt]\nvirt_type = kvm\n")
    assert found.issues == ()
    assert found.files[0].settings == 2


def test_glance_direct_url_is_repaired_in_glance_api_conf() -> None:
    nova = "[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n[glance]\nenable_rbd_download = True\n"
    found = issue(
        review(nova, "[DEFAULT]\nshow_image_direct_url = False\n"),
        "nova-conf-rbd-download-needs-direct-url:glance.enable_rbd_download",
    )
    assert [edit.describe() for edit in found.repair] == [
        "[DEFAULT] show_image_direct_url = True in /etc/glance/glance-api.conf"
    ]
    assert [place.line for place in found.places] == [4, 2]


def test_glance_sections_named_by_the_operator_are_not_unknown() -> None:
    glance = "[DEFAULT]\nenabled_backends = fast:rbd\n[fast]\nrbd_store_pool = images\n"
    found = review("[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n", glance)
    assert found.issues_in("/etc/glance/glance-api.conf") == ()


def test_issues_are_in_the_order_of_the_file() -> None:
    nova = "[libvirt]\nvirt_type = kvm # x\nimages_type = qcow\ncpu_mode = host-model cpu_model_extra_flags = vmx\n"
    assert [item.line for item in review(nova).issues] == [2, 3, 4, None]


SECRETS = ("Rabb1t-S3cret", "Db-S3cret", "Ks-S3cret", "Fixed-Key-S3cret", "Comment-S3cret")
LEAKY = f"""\
[DEFAULT]
transport_url = rabbit://openstack:{SECRETS[0]}@controller # the broker
[database]
connection = mysql+pymysql://nova:{SECRETS[1]}@controller/nova
connection = mysql+pymysql://nova:{SECRETS[1]}@controller/nova
[keystone_authtoken]
password = {SECRETS[2]} auth_url = http://controller:5000
pasword = {SECRETS[2]}
[key_manager]
fixed_key = {SECRETS[3]}
[libvrt]
password = {SECRETS[2]}
[libvirt]
virt_type = kvm # password={SECRETS[4]}
password {SECRETS[2]}
"""


def test_no_secret_reaches_what_an_issue_shows() -> None:
    found = review(LEAKY)
    assert len(found.issues) >= 5
    shown = [
        [item.message, item.fix, [asdict(place) for place in item.places]]
        + [[edit.describe(), edit.why] for edit in item.repair]
        for item in found.issues
    ]
    text = json.dumps(shown)
    for secret in SECRETS:
        assert secret not in text, secret
