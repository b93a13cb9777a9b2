"""The oslo.config reader helper, and that the wizard's own validation and rendering agree with oslo's types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oslo_config import cfg

from tests.oslo_reader import read_with_oslo
from wizard.option_types import Option, Value
from wizard.options import InvalidValue, get_option, render_value, schema, validate_value

GOOD_NOVA_CONF = """\
[DEFAULT]
compute_driver = libvirt.LibvirtDriver
force_raw_images = True
use_cow_images = no

[libvirt]
virt_type = kvm
images_type = lvm
images_volume_group = nova-vg
rbd_connect_timeout = 10
cpu_mode = custom
cpu_model = IvyBridge,Haswell
cpu_model_extra_flags = +vmx,pcid
swtpm_enabled = "true"
swtpm_user = tss

[glance]
enable_rbd_download = False
"""


def write(tmp_path: Path, text: str, name: str = "nova.conf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_reads_back_typed_values_and_defaults(tmp_path: Path) -> None:
    values = read_with_oslo(write(tmp_path, GOOD_NOVA_CONF), "nova.conf")
    assert values[("DEFAULT", "compute_driver")] == "libvirt.LibvirtDriver"
    assert values[("DEFAULT", "force_raw_images")] is True
    assert values[("DEFAULT", "use_cow_images")] is False
    assert values[("libvirt", "images_type")] == "lvm"
    assert values[("libvirt", "rbd_connect_timeout")] == 10
    assert values[("libvirt", "cpu_models")] == ("IvyBridge", "Haswell")  # read under its deprecated name
    assert values[("libvirt", "cpu_model_extra_flags")] == ("+vmx", "pcid")
    assert values[("libvirt", "swtpm_enabled")] is True
    assert values[("libvirt", "images_rbd_pool")] == "rbd"  # unset: nova's default
    assert values[("libvirt", "rbd_secret_uuid")] is None
    assert values[("glance", "rbd_connect_timeout")] == 5
    assert len(values) == len([option for option in schema() if option.file == "nova.conf"])


def test_glance_api_conf(tmp_path: Path) -> None:
    path = write(tmp_path, "[DEFAULT]\nshow_image_direct_url = yes\n", "glance-api.conf")
    assert read_with_oslo(path, "glance-api.conf") == {("DEFAULT", "show_image_direct_url"): True}


def test_section_names_are_case_insensitive_for_oslo(tmp_path: Path) -> None:
    values = read_with_oslo(write(tmp_path, "[LIBVIRT]\nvirt_type = qemu\n"), "nova.conf")
    assert values[("libvirt", "virt_type")] == "qemu"


@pytest.mark.parametrize(
    ("section", "line"),
    [
        ("libvirt", "images_type = qcow"),
        ("libvirt", "virt_type = KVM"),
        ("libvirt", "virt_type = kvm # the fast one"),
        ("libvirt", "cpu_mode = host-model cpu_model_extra_flags = vmx"),
        ("libvirt", "rbd_connect_timeout = abc"),
        ("libvirt", "swtpm_enabled = maybe"),
        ("DEFAULT", "force_raw_images = enabled"),
    ],
)
def test_values_oslo_rejects_raise(tmp_path: Path, section: str, line: str) -> None:
    with pytest.raises(cfg.ConfigFileValueError):
        read_with_oslo(write(tmp_path, f"[{section}]\n{line}\n"), "nova.conf")


def test_broken_syntax_raises(tmp_path: Path) -> None:
    with pytest.raises(cfg.ConfigFileParseError):
        read_with_oslo(write(tmp_path, "virt_type = kvm\n[libvirt]\n"), "nova.conf")


def oslo_reads(tmp_path: Path, option: Option, text: str) -> Any:
    """What oslo makes of `option = text`, or the exception it raises."""
    path = write(tmp_path, f"[{option.section}]\n{option.name} = {text}\n", "nova.conf")
    try:
        return read_with_oslo(path, "nova.conf")[(option.section, option.name)]
    except (cfg.ConfigFileValueError, cfg.Error) as error:
        return error


# Characters that matter to oslo's reading: quotes, spaces, commas, `$`, backslashes, comment marks.
_VALUE_TEXT = st.text(alphabet="aqTrue01 ,'\"$\\#;-_{}.", max_size=12)
_NOVA_OPTIONS = [option for option in schema() if option.file == "nova.conf"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(_NOVA_OPTIONS), text=_VALUE_TEXT)
@example(option=get_option("nova.conf", "libvirt", "images_type"), text="qcow")
@example(option=get_option("nova.conf", "libvirt", "cpu_models"), text='"a,b" , c,')
@example(option=get_option("nova.conf", "libvirt", "rbd_user"), text="a$$b\\$c$")
def test_validate_value_agrees_with_oslo(tmp_path: Path, option: Option, text: str) -> None:
    ours = validate_value(option, text)
    theirs = oslo_reads(tmp_path, option, text)
    if isinstance(theirs, Exception):
        # A `$name` reference in a string is kept as written here; oslo fails to find the other option.
        assert isinstance(ours, InvalidValue) or "$" in text, (text, theirs)
    elif option.type == "int" and theirs is None:
        assert isinstance(ours, InvalidValue)  # oslo reads an empty integer as None; the wizard refuses it
    else:
        assert ours == theirs, (text, ours, theirs)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(_NOVA_OPTIONS), data=st.data())
def test_what_render_value_writes_oslo_reads_back(
    tmp_path: Path, option: Option, data: st.DataObject
) -> None:
    value: Value
    if option.type == "bool":
        value = data.draw(st.booleans())
    elif option.type == "int":
        value = data.draw(st.integers(min_value=-(10**9), max_value=10**9))
    elif option.type == "list":
        value = tuple(
            data.draw(st.lists(st.from_regex(r"[A-Za-z0-9+$_.-]{1,10}", fullmatch=True), max_size=4))
        )
    elif option.choices:
        value = data.draw(st.sampled_from(option.choice_values))
    else:
        value = data.draw(st.from_regex(r"[A-Za-z0-9/$ _.:@-]{0,20}", fullmatch=True).map(str.strip))
    assert oslo_reads(tmp_path, option, render_value(option, value)) == value
