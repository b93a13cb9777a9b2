"""Value validation with oslo's semantics, rendering exactly what the wizard writes, and CPU names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.cpu_names import cpu_flag_vendor, cpu_model_vendor, validate_cpu_flag, validate_cpu_model_name
from wizard.option_types import Value
from wizard.options import InvalidValue, get_option, render_value, validate_value


@pytest.mark.parametrize(
    ("section", "name", "text", "expected"),
    [
        ("DEFAULT", "force_raw_images", "True", True),
        ("DEFAULT", "force_raw_images", "true", True),
        ("DEFAULT", "force_raw_images", "YES", True),
        ("DEFAULT", "force_raw_images", "on", True),
        ("DEFAULT", "force_raw_images", "1", True),
        ("DEFAULT", "force_raw_images", "False", False),
        ("DEFAULT", "force_raw_images", "no", False),
        ("DEFAULT", "force_raw_images", "OFF", False),
        ("DEFAULT", "force_raw_images", "0", False),
        ("DEFAULT", "force_raw_images", ' "true" ', True),  # oslo strips spaces, then one pair of quotes
        ("libvirt", "rbd_connect_timeout", "5", 5),
        ("libvirt", "rbd_connect_timeout", " 7 ", 7),
        ("libvirt", "rbd_connect_timeout", "-1", -1),
        ("libvirt", "rbd_connect_timeout", "1_0", 10),  # oslo calls int(), which reads this
        ("libvirt", "virt_type", "kvm", "kvm"),
        ("libvirt", "virt_type", "qemu", "qemu"),
        ("libvirt", "images_type", "raw", "raw"),  # a deprecated alias, still read as written
        ("libvirt", "images_type", "'qcow2'", "qcow2"),
        ("libvirt", "cpu_mode", "host-passthrough", "host-passthrough"),
        ("libvirt", "cpu_models", "IvyBridge,Haswell", ("IvyBridge", "Haswell")),
        ("libvirt", "cpu_models", " IvyBridge , Haswell ,", ("IvyBridge", "Haswell")),
        ("libvirt", "cpu_models", "", ()),
        ("libvirt", "cpu_model_extra_flags", "+vmx, -svm,pcid", ("+vmx", "-svm", "pcid")),
        ("libvirt", "rbd_user", "nova", "nova"),
        ("libvirt", "rbd_user", '"nova"', "nova"),
        ("libvirt", "rbd_user", "", ""),
        ("libvirt", "images_rbd_ceph_conf", "/etc/ceph/$$x.conf", "/etc/ceph/$x.conf"),
        ("libvirt", "images_rbd_ceph_conf", r"/etc/ceph/\$x.conf", "/etc/ceph/$x.conf"),
        ("libvirt", "images_rbd_ceph_conf", "$state_path/ceph.conf", "$state_path/ceph.conf"),
        ("libvirt", "images_rbd_ceph_conf", "cost: 5$", "cost: 5$"),
    ],
)
def test_valid_values_read_as_oslo_reads_them(section: str, name: str, text: str, expected: Value) -> None:
    assert validate_value(get_option("nova.conf", section, name), text) == expected


@pytest.mark.parametrize(
    ("section", "name", "text", "fix"),
    [
        ("libvirt", "images_type", "qcow", "there is no 'qcow': use qcow2"),
        ("libvirt", "images_type", "ceph", "there is no 'ceph': use rbd"),
        (
            "libvirt",
            "images_type",
            "",
            "there is no an empty value: use one of raw, flat, qcow2, lvm, rbd, ploop, default",
        ),
        ("libvirt", "virt_type", "KVM", "values are case-sensitive: use kvm"),
        (
            "libvirt",
            "virt_type",
            "kvm # note",
            "oslo has no inline comments: move the comment to a line of its own and keep kvm",
        ),
        (
            "DEFAULT",
            "force_raw_images",
            "True ; why",
            "oslo has no inline comments: move the comment to a line of its own and keep True",
        ),
        ("libvirt", "virt_type", "$virt", "write the value itself, not the reference $virt"),
        ("libvirt", "cpu_mode", "passthrough", "there is no 'passthrough': use host-passthrough"),
        ("libvirt", "cpu_mode", "host_model", "there is no 'host_model': use host-model"),
        ("libvirt", "cpu_mode", "Host-Model", "values are case-sensitive: use host-model"),
        ("DEFAULT", "force_raw_images", "ture", "did you mean True?"),
        ("DEFAULT", "force_raw_images", "enabled", "write True or False"),
        ("DEFAULT", "force_raw_images", "", "write True or False"),
        ("libvirt", "rbd_connect_timeout", "abc", "write a whole number of digits, without units"),
        ("libvirt", "rbd_connect_timeout", "5s", "write a whole number of digits, without units"),
        ("libvirt", "rbd_connect_timeout", "5.0", "write a whole number of digits, without units"),
        ("libvirt", "rbd_connect_timeout", "", "remove the line to use the default (5), or give a number"),
    ],
)
def test_invalid_values_say_what_to_write(section: str, name: str, text: str, fix: str) -> None:
    error = validate_value(get_option("nova.conf", section, name), text)
    assert isinstance(error, InvalidValue)
    assert (error.file, error.section, error.option, error.value, error.fix) == (
        "nova.conf",
        section,
        name,
        text.strip(),
        fix,
    )


def test_an_invalid_value_names_file_section_option_value_and_what_is_allowed() -> None:
    error = validate_value(get_option("nova.conf", "libvirt", "images_type"), "qcow")
    assert isinstance(error, InvalidValue)
    assert error.allowed == "raw, flat, qcow2, lvm, rbd, ploop, default"
    assert error.message == (
        "nova.conf [libvirt] images_type = qcow: there is no 'qcow': use qcow2"
        " (allowed: raw, flat, qcow2, lvm, rbd, ploop, default)"
    )


@pytest.mark.parametrize(
    ("section", "name", "value", "text"),
    [
        ("DEFAULT", "force_raw_images", True, "True"),
        ("DEFAULT", "use_cow_images", False, "False"),
        ("libvirt", "rbd_connect_timeout", 5, "5"),
        ("libvirt", "virt_type", "kvm", "kvm"),
        ("libvirt", "cpu_models", ("IvyBridge", "Haswell"), "IvyBridge,Haswell"),
        ("libvirt", "cpu_model_extra_flags", ("+vmx", "pcid"), "+vmx,pcid"),
        ("libvirt", "cpu_models", (), ""),
        ("libvirt", "rbd_user", "nova", "nova"),
        ("libvirt", "images_rbd_ceph_conf", "/etc/ceph/$x.conf", "/etc/ceph/$$x.conf"),
        (
            "libvirt",
            "rbd_secret_uuid",
            "457eb676-33da-42ec-9a8c-9293d545c337",
            "457eb676-33da-42ec-9a8c-9293d545c337",
        ),
    ],
)
def test_render_value_writes_what_oslo_reads_back(section: str, name: str, value: Value, text: str) -> None:
    option = get_option("nova.conf", section, name)
    assert render_value(option, value) == text
    assert validate_value(option, text) == value


@pytest.mark.parametrize(
    ("section", "name", "value", "error"),
    [
        ("libvirt", "images_type", "qcow", ValueError),
        ("libvirt", "rbd_user", " nova", ValueError),
        ("libvirt", "rbd_user", "'nova'", ValueError),
        ("libvirt", "rbd_user", "no\nva", ValueError),
        ("libvirt", "rbd_user", r"a\$b", ValueError),
        ("libvirt", "cpu_models", ("IvyBridge,Haswell",), ValueError),
        ("libvirt", "cpu_models", ("",), ValueError),
        ("libvirt", "cpu_models", (" IvyBridge",), ValueError),
        ("DEFAULT", "force_raw_images", "True", TypeError),
        ("libvirt", "rbd_connect_timeout", True, TypeError),
        ("libvirt", "rbd_connect_timeout", "5", TypeError),
        ("libvirt", "cpu_models", "IvyBridge", TypeError),
    ],
)
def test_render_value_refuses_what_would_not_read_back(
    section: str, name: str, value: Value, error: type[Exception]
) -> None:
    with pytest.raises(error):
        render_value(get_option("nova.conf", section, name), value)


_SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30)


@given(value=_SAFE_TEXT)
def test_strings_round_trip_or_are_refused(value: str) -> None:
    option = get_option("nova.conf", "libvirt", "images_rbd_ceph_conf")
    try:
        text = render_value(option, value)
    except ValueError:
        assert value != value.strip() or value[:1] in "\"'" or "\\$" in value
        return
    assert validate_value(option, text) == value


@given(items=st.lists(st.from_regex(r"[A-Za-z0-9_.+$-]{1,12}", fullmatch=True), max_size=5))
def test_lists_round_trip(items: list[str]) -> None:
    option = get_option("nova.conf", "libvirt", "cpu_models")
    assert validate_value(option, render_value(option, tuple(items))) == tuple(items)


@given(number=st.integers(min_value=-(2**40), max_value=2**40))
def test_integers_round_trip(number: int) -> None:
    option = get_option("nova.conf", "libvirt", "rbd_connect_timeout")
    assert validate_value(option, render_value(option, number)) == number


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IvyBridge", "IvyBridge"),
        ("ivybridge", "IvyBridge"),  # nova matches model names case-insensitively
        ("Skylake-Server-IBRS", "Skylake-Server-IBRS"),
        ("EPYC-Rome", "EPYC-Rome"),
        ("epyc-milan", "EPYC-Milan"),
        ("Cascadelake-Server-v2", "Cascadelake-Server-v2"),
        ("Opteron_G5", "Opteron_G5"),
        ("cpu64-rhel6", "cpu64-rhel6"),
        ("POWER9", "POWER9"),
        ("cortex-a72", "cortex-a72"),
        (" Haswell ", "Haswell"),
    ],
)
def test_cpu_model_names(name: str, expected: str) -> None:
    assert validate_cpu_model_name(name) == expected


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("Ivy Bridge", "use IvyBridge"),
        ("Skylake Server", "use Skylake-Server"),
        ("opteron g5", "use Opteron_G5"),
        ("IvyBridge,Haswell", "use one model name per item"),
        ("", "use one model name per item"),
        ("-IvyBridge", "use IvyBridge"),
    ],
)
def test_bad_cpu_model_names(name: str, fix: str) -> None:
    error = validate_cpu_model_name(name)
    assert isinstance(error, InvalidValue)
    assert (error.option, error.value, error.fix) == ("cpu_models", name, fix)


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("pcid", "pcid"),
        ("+vmx", "+vmx"),
        ("-svm", "-svm"),
        ("+VMX", "+vmx"),  # nova lower-cases flags before using them
        ("avx512f", "avx512f"),
        ("sse4.1", "sse4.1"),
        ("tsc_adjust", "tsc_adjust"),
        ("vmx-ept", "vmx-ept"),
    ],
)
def test_cpu_flags(flag: str, expected: str) -> None:
    assert validate_cpu_flag(flag) == expected


@pytest.mark.parametrize(
    ("flag", "fix"),
    [
        ("+ vmx", "write +vmx"),
        ("vmx svm", "one feature name per item"),
        ("pcid=on", "one feature name per item"),
        ("+", "one feature name per item"),
        ("", "one feature name per item"),
    ],
)
def test_bad_cpu_flags(flag: str, fix: str) -> None:
    error = validate_cpu_flag(flag)
    assert isinstance(error, InvalidValue)
    assert (error.option, error.fix) == ("cpu_model_extra_flags", fix)


@pytest.mark.parametrize(
    ("model", "vendor"),
    [
        ("IvyBridge", "intel"),
        ("ivybridge-ibrs", "intel"),
        ("Haswell-noTSX", "intel"),
        ("Skylake-Server-v4", "intel"),
        ("Cascadelake-Server-noTSX", "intel"),
        ("Icelake-Server", "intel"),
        ("SapphireRapids", "intel"),
        ("Opteron_G3", "amd"),
        ("EPYC", "amd"),
        ("EPYC-Genoa-v1", "amd"),
        ("Dhyana", "hygon"),
        ("qemu64", None),
        ("kvm64", None),
        ("Nonexistent", None),
    ],
)
def test_cpu_model_vendor(model: str, vendor: str | None) -> None:
    assert cpu_model_vendor(model) == vendor


@pytest.mark.parametrize(
    ("flag", "vendor"),
    [
        ("vmx", "intel"),
        ("+VMX", "intel"),
        ("vmx-ept", "intel"),
        ("svm", "amd"),
        ("-svm", "amd"),
        ("pcid", None),
    ],
)
def test_cpu_flag_vendor(flag: str, vendor: str | None) -> None:
    assert cpu_flag_vendor(flag) == vendor
