"""Cross-option rules over an effective configuration: each rule, both directions, and no double reports."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from wizard.rules import HostContext, OptionValue, RuleViolation, check_rules

BASE = {("DEFAULT", "compute_driver"): "libvirt.LibvirtDriver", ("libvirt", "virt_type"): "kvm"}
INTEL = HostContext(cpu_vendor="intel", kvm_nested=True)
AMD = HostContext(cpu_vendor="amd", kvm_nested=True)
OTHER = HostContext(cpu_vendor="other")
TPM_READY = HostContext(
    cpu_vendor="intel",
    swtpm_installed=True,
    swtpm_setup_installed=True,
    users=frozenset({"root", "tss"}),
    groups=frozenset({"root", "tss"}),
)


def libvirt(**values: str) -> dict[tuple[str, str], str]:
    return {**BASE, **{("libvirt", name): value for name, value in values.items()}}


CASES: list[
    tuple[str, Mapping[tuple[str, str], str], Mapping[tuple[str, str], str] | None, HostContext, set[str]]
] = [
    ("a plain kvm host is fine", BASE, None, INTEL, set()),
    ("no facts about the host is fine", BASE, None, HostContext(), set()),
    ("compute_driver unset", {("libvirt", "virt_type"): "kvm"}, None, INTEL, {"compute-driver"}),
    (
        "another driver",
        {**BASE, ("DEFAULT", "compute_driver"): "fake.FakeDriver"},
        None,
        INTEL,
        {"compute-driver"},
    ),
    (
        "nova's full path",
        {**BASE, ("DEFAULT", "compute_driver"): "nova.virt.libvirt.LibvirtDriver"},
        None,
        INTEL,
        set(),
    ),
    ("lvm without a volume group", libvirt(images_type="lvm"), None, INTEL, {"lvm-needs-volume-group"}),
    (
        "lvm with an empty volume group",
        libvirt(images_type="lvm", images_volume_group=""),
        None,
        INTEL,
        {"lvm-needs-volume-group"},
    ),
    ("lvm with a volume group", libvirt(images_type="lvm", images_volume_group="nova"), None, INTEL, set()),
    (
        "LIBVIRT in capitals",
        {**BASE, ("LIBVIRT", "images_type"): "lvm"},
        None,
        INTEL,
        {"lvm-needs-volume-group"},
    ),
    ("rbd, raw images by default", libvirt(images_type="rbd"), None, INTEL, set()),
    (
        "rbd without raw images",
        {**libvirt(images_type="rbd"), ("DEFAULT", "force_raw_images"): "no"},
        None,
        INTEL,
        {"rbd-needs-raw-images"},
    ),
    (
        "flat without raw images",
        {**libvirt(images_type="flat"), ("DEFAULT", "force_raw_images"): "false"},
        None,
        INTEL,
        set(),
    ),
    (
        "rbd download, glance unknown",
        {**BASE, ("glance", "enable_rbd_download"): "true"},
        None,
        INTEL,
        {"rbd-download-needs-direct-url"},
    ),
    (
        "rbd download, no direct url",
        {**BASE, ("glance", "enable_rbd_download"): "true"},
        {},
        INTEL,
        {"rbd-download-needs-direct-url"},
    ),
    (
        "rbd download, direct url off",
        {**BASE, ("glance", "enable_rbd_download"): "true"},
        {("DEFAULT", "show_image_direct_url"): "False"},
        INTEL,
        {"rbd-download-needs-direct-url"},
    ),
    (
        "rbd download, direct url on",
        {**BASE, ("glance", "enable_rbd_download"): "true"},
        {("DEFAULT", "show_image_direct_url"): "True"},
        INTEL,
        set(),
    ),
    (
        "rbd download with rbd images",
        {**libvirt(images_type="rbd"), ("glance", "enable_rbd_download"): "1"},
        {("DEFAULT", "show_image_direct_url"): "yes"},
        INTEL,
        {"rbd-download-with-rbd-images"},
    ),
    ("custom without models", libvirt(cpu_mode="custom"), None, INTEL, {"custom-needs-cpu-models"}),
    ("custom with a model", libvirt(cpu_mode="custom", cpu_models="IvyBridge"), None, INTEL, set()),
    (
        "models with host-model",
        libvirt(cpu_mode="host-model", cpu_models="IvyBridge"),
        None,
        INTEL,
        {"cpu-models-without-custom"},
    ),
    ("models without cpu_mode", libvirt(cpu_models="IvyBridge"), None, INTEL, {"cpu-models-without-custom"}),
    (
        "the deprecated cpu_model with host-model",
        libvirt(cpu_mode="host-model", cpu_model="IvyBridge"),
        None,
        INTEL,
        {"cpu-models-without-custom", "deprecated-name"},
    ),
    (
        "the deprecated cpu_model with custom",
        libvirt(cpu_mode="custom", cpu_model="IvyBridge"),
        None,
        INTEL,
        {"deprecated-name"},
    ),
    (
        "cpu_mode with lxc",
        libvirt(virt_type="lxc", cpu_mode="host-model"),
        None,
        INTEL,
        {"cpu-mode-needs-kvm-or-qemu"},
    ),
    ("cpu_mode none with lxc", libvirt(virt_type="lxc", cpu_mode="none"), None, INTEL, set()),
    ("cpu_mode with qemu", libvirt(virt_type="qemu", cpu_mode="host-model"), None, INTEL, set()),
    (
        "an Intel model on AMD",
        libvirt(cpu_mode="custom", cpu_models="IvyBridge"),
        None,
        AMD,
        {"cpu-model-vendor"},
    ),
    (
        "a lower-case Intel model on AMD",
        libvirt(cpu_mode="custom", cpu_models="ivybridge"),
        None,
        AMD,
        {"cpu-model-vendor"},
    ),
    (
        "a versioned Intel model on AMD",
        libvirt(cpu_mode="custom", cpu_models="Skylake-Server-v4"),
        None,
        AMD,
        {"cpu-model-vendor"},
    ),
    (
        "an AMD model on Intel",
        libvirt(cpu_mode="custom", cpu_models="EPYC-Rome"),
        None,
        INTEL,
        {"cpu-model-vendor"},
    ),
    (
        "an Intel model on ARM",
        libvirt(cpu_mode="custom", cpu_models="Haswell"),
        None,
        OTHER,
        {"cpu-model-vendor"},
    ),
    ("Dhyana on another vendor", libvirt(cpu_mode="custom", cpu_models="Dhyana"), None, OTHER, set()),
    ("a generic model on AMD", libvirt(cpu_mode="custom", cpu_models="qemu64"), None, AMD, set()),
    (
        "an Intel model, vendor unknown",
        libvirt(cpu_mode="custom", cpu_models="IvyBridge"),
        None,
        HostContext(),
        set(),
    ),
    (
        "vmx on AMD",
        libvirt(cpu_mode="host-model", cpu_model_extra_flags="vmx"),
        None,
        AMD,
        {"cpu-flag-vendor", "nested-needs-cpu-flag"},
    ),
    (
        "svm on Intel",
        libvirt(cpu_mode="host-passthrough", cpu_model_extra_flags="+svm"),
        None,
        INTEL,
        {"cpu-flag-vendor"},
    ),
    (
        "disabling svm on Intel",
        libvirt(cpu_mode="host-model", cpu_model_extra_flags="-svm"),
        None,
        INTEL,
        set(),
    ),
    (
        "IvyBridge with vmx and pcid on Intel",
        libvirt(cpu_mode="custom", cpu_models="IvyBridge", cpu_model_extra_flags="vmx,pcid"),
        None,
        INTEL,
        set(),
    ),
    (
        "vmx with nested off in kvm_intel",
        libvirt(cpu_mode="host-model", cpu_model_extra_flags="vmx"),
        None,
        HostContext(cpu_vendor="intel", kvm_nested=False),
        {"nested-needs-kvm-module"},
    ),
    (
        "VMX in capitals on AMD",
        libvirt(cpu_mode="host-model", cpu_model_extra_flags="VMX,svm"),
        None,
        AMD,
        {"cpu-flag-vendor"},
    ),
    (
        "swtpm with everything in place",
        libvirt(swtpm_enabled="True"),
        None,
        TPM_READY,
        {"swtpm-needs-key-manager"},
    ),
    (
        "swtpm with lxc",
        libvirt(swtpm_enabled="True", virt_type="lxc"),
        None,
        TPM_READY,
        {"swtpm-needs-kvm-or-qemu", "swtpm-needs-key-manager"},
    ),
    (
        "swtpm not installed",
        libvirt(swtpm_enabled="True"),
        None,
        HostContext(swtpm_installed=True, swtpm_setup_installed=False),
        {"swtpm-not-installed", "swtpm-needs-key-manager"},
    ),
    (
        "swtpm user missing",
        libvirt(swtpm_enabled="True", swtpm_user="swtpm"),
        None,
        TPM_READY,
        {"swtpm-user-missing", "swtpm-needs-key-manager"},
    ),
    (
        "swtpm group missing",
        libvirt(swtpm_enabled="True", swtpm_group="swtpm"),
        None,
        TPM_READY,
        {"swtpm-group-missing", "swtpm-needs-key-manager"},
    ),
    (
        "tss missing with default names",
        libvirt(swtpm_enabled="True"),
        None,
        HostContext(users=frozenset(), groups=frozenset({"tss"})),
        {"swtpm-user-missing", "swtpm-needs-key-manager"},
    ),
    ("swtpm off", libvirt(swtpm_enabled="False"), None, HostContext(swtpm_installed=False), set()),
    (
        "the one-line typo",
        libvirt(cpu_mode="host-model cpu_model_extra_flags = vmx"),
        None,
        INTEL,
        {"two-options-on-one-line"},
    ),
    (
        "an inline comment in a choice",
        libvirt(virt_type="kvm # the fast one"),
        None,
        INTEL,
        {"inline-comment"},
    ),
    (
        "an inline comment in another option",
        {**BASE, ("DEFAULT", "debug"): "true ; for now"},
        None,
        INTEL,
        {"inline-comment"},
    ),
    ("a # without a space before it", {**BASE, ("DEFAULT", "my_ip"): "10.0.0.1#x"}, None, INTEL, set()),
    ("qcow", libvirt(images_type="qcow"), None, INTEL, {"invalid-value"}),
    ("raw", libvirt(images_type="raw"), None, INTEL, {"deprecated-value"}),
    ("a bad timeout", libvirt(rbd_connect_timeout="5s"), None, INTEL, {"invalid-value"}),
    (
        "a bad boolean in glance-api.conf",
        BASE,
        {("DEFAULT", "show_image_direct_url"): "sure"},
        INTEL,
        {"invalid-value"},
    ),
    (
        "an invalid value does not cascade",
        libvirt(images_type="lvm2", cpu_mode="Custom"),
        None,
        INTEL,
        {"invalid-value"},
    ),
]


@pytest.mark.parametrize(
    ("nova", "glance_api", "host", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_rules(
    nova: Mapping[tuple[str, str], str],
    glance_api: Mapping[tuple[str, str], str] | None,
    host: HostContext,
    expected: set[str],
) -> None:
    assert {violation.rule for violation in check_rules(nova, glance_api, host)} == expected


NESTED_CASES = [
    ("Intel host-model without vmx", libvirt(cpu_mode="host-model"), INTEL, {"nested-needs-cpu-flag"}),
    ("Intel default cpu_mode without vmx", BASE, INTEL, {"nested-needs-cpu-flag"}),
    ("Intel host-model with vmx", libvirt(cpu_mode="host-model", cpu_model_extra_flags="vmx"), INTEL, set()),
    (
        "Intel custom with +vmx",
        libvirt(cpu_mode="custom", cpu_models="Haswell", cpu_model_extra_flags="+vmx"),
        INTEL,
        set(),
    ),
    ("Intel host-passthrough", libvirt(cpu_mode="host-passthrough"), INTEL, set()),
    ("Intel cpu_mode none", libvirt(cpu_mode="none"), INTEL, {"nested-needs-cpu-flag"}),
    ("AMD host-model with svm", libvirt(cpu_mode="host-model", cpu_model_extra_flags="svm"), AMD, set()),
    (
        "AMD host-model with vmx",
        libvirt(cpu_mode="host-model", cpu_model_extra_flags="vmx"),
        AMD,
        {"cpu-flag-vendor", "nested-needs-cpu-flag"},
    ),
    (
        "nested off in kvm_amd",
        libvirt(cpu_mode="host-passthrough"),
        HostContext(cpu_vendor="amd", kvm_nested=False),
        {"nested-needs-kvm-module"},
    ),
    ("an ARM host", libvirt(cpu_mode="host-passthrough"), OTHER, set()),
]


@pytest.mark.parametrize(
    ("nova", "host", "expected"), [case[1:] for case in NESTED_CASES], ids=[case[0] for case in NESTED_CASES]
)
def test_nested_guests(nova: Mapping[tuple[str, str], str], host: HostContext, expected: set[str]) -> None:
    assert {violation.rule for violation in check_rules(nova, None, host, nested_guests=True)} == expected


def only(violations: list[RuleViolation], rule: str) -> RuleViolation:
    matching = [violation for violation in violations if violation.rule == rule]
    assert len(matching) == 1
    return matching[0]


def test_the_one_line_typo_says_which_line_to_split() -> None:
    found = check_rules(libvirt(cpu_mode="host-model cpu_model_extra_flags = vmx"), None, INTEL)
    violation = only(found, "two-options-on-one-line")
    assert violation.severity == "error"
    assert violation.options == (
        OptionValue("nova.conf", "libvirt", "cpu_mode", "host-model cpu_model_extra_flags = vmx"),
    )
    assert violation.fix == "put cpu_model_extra_flags = vmx on a line of its own"


def test_an_inline_comment_keeps_the_value_in_the_fix() -> None:
    violation = only(check_rules(libvirt(virt_type="kvm # fast"), None, INTEL), "inline-comment")
    assert violation.severity == "error"  # a choice: nova-compute would not start
    assert violation.fix == "move the comment to a line of its own and keep `virt_type = kvm`"


def test_qcow_says_use_qcow2() -> None:
    violation = only(check_rules(libvirt(images_type="qcow"), None, INTEL), "invalid-value")
    assert violation.message == "[libvirt] images_type = qcow: there is no 'qcow': use qcow2"
    assert violation.options == (OptionValue("nova.conf", "libvirt", "images_type", "qcow"),)


def test_violations_name_the_options_and_values_involved() -> None:
    violation = only(check_rules(libvirt(images_type="lvm"), None, INTEL), "lvm-needs-volume-group")
    assert violation.options == (
        OptionValue("nova.conf", "libvirt", "images_type", "lvm"),
        OptionValue("nova.conf", "libvirt", "images_volume_group", None),
    )
    assert violation.severity == "error"
    assert "images_volume_group" in violation.fix


def test_the_deprecated_name_is_the_one_reported() -> None:
    found = check_rules(libvirt(cpu_mode="host-model", cpu_model="IvyBridge"), None, INTEL)
    assert only(found, "cpu-models-without-custom").options[1] == OptionValue(
        "nova.conf", "libvirt", "cpu_model", "IvyBridge"
    )
    assert only(found, "deprecated-name").fix == "rename it to cpu_models"


def test_the_key_manager_warning_names_the_backend() -> None:
    nova = {**libvirt(swtpm_enabled="True"), ("key_manager", "backend"): "vault"}
    violation = only(check_rules(nova, None, TPM_READY), "swtpm-needs-key-manager")
    assert violation.severity == "warning"
    assert "backend = vault" in violation.message


def test_secret_values_never_appear_in_violations() -> None:
    secret = "s3cr3t-pw"
    nova = {
        **BASE,
        ("database", "connection"): f"mysql+pymysql://nova:{secret}@db/nova # primary",
        ("keystone_authtoken", "password"): f"{secret} ; rotated",
        ("placement", "password"): f"{secret} username = nova",
    }
    found = check_rules(nova, None, INTEL)
    assert {violation.rule for violation in found} == {"inline-comment", "two-options-on-one-line"}
    assert secret not in repr(found)
