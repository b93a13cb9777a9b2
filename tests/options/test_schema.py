"""The bundled schema: the options the wizard writes, as nova and glance define them, and option name lookup."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wizard.option_types import FileKind, Value
from wizard.options import (
    NameLookup,
    data_versions,
    find_option,
    get_option,
    known_options,
    known_sections,
    lookup_name,
    schema,
)

# The table of docs/reference/nova-options.md, as (file, section, option).
WRITTEN = {
    ("nova.conf", "DEFAULT", "compute_driver"),
    ("nova.conf", "DEFAULT", "force_raw_images"),
    ("nova.conf", "DEFAULT", "use_cow_images"),
    ("nova.conf", "libvirt", "virt_type"),
    ("nova.conf", "libvirt", "images_type"),
    ("nova.conf", "libvirt", "images_volume_group"),
    ("nova.conf", "libvirt", "images_rbd_pool"),
    ("nova.conf", "libvirt", "images_rbd_ceph_conf"),
    ("nova.conf", "libvirt", "images_rbd_glance_store_name"),
    ("nova.conf", "libvirt", "rbd_user"),
    ("nova.conf", "libvirt", "rbd_secret_uuid"),
    ("nova.conf", "libvirt", "rbd_connect_timeout"),
    ("nova.conf", "libvirt", "cpu_mode"),
    ("nova.conf", "libvirt", "cpu_models"),
    ("nova.conf", "libvirt", "cpu_model_extra_flags"),
    ("nova.conf", "libvirt", "swtpm_enabled"),
    ("nova.conf", "libvirt", "swtpm_user"),
    ("nova.conf", "libvirt", "swtpm_group"),
    ("nova.conf", "glance", "enable_rbd_download"),
    ("nova.conf", "glance", "rbd_user"),
    ("nova.conf", "glance", "rbd_pool"),
    ("nova.conf", "glance", "rbd_ceph_conf"),
    ("nova.conf", "glance", "rbd_connect_timeout"),
    ("glance-api.conf", "DEFAULT", "show_image_direct_url"),
}


def test_the_schema_holds_every_option_the_wizard_writes_once() -> None:
    keys = [(option.file, option.section, option.name) for option in schema()]
    assert len(keys) == len(set(keys))
    assert set(keys) == WRITTEN


@pytest.mark.parametrize(
    ("section", "name", "type_", "default"),
    [
        ("DEFAULT", "compute_driver", "string", None),
        ("DEFAULT", "force_raw_images", "bool", True),
        ("DEFAULT", "use_cow_images", "bool", True),
        ("libvirt", "virt_type", "string", "kvm"),
        ("libvirt", "images_type", "string", "default"),
        ("libvirt", "images_volume_group", "string", None),
        ("libvirt", "images_rbd_pool", "string", "rbd"),
        ("libvirt", "images_rbd_ceph_conf", "string", ""),
        ("libvirt", "rbd_secret_uuid", "string", None),
        ("libvirt", "rbd_connect_timeout", "int", 5),
        ("libvirt", "cpu_mode", "string", None),
        ("libvirt", "cpu_models", "list", ()),
        ("libvirt", "cpu_model_extra_flags", "list", ()),
        ("libvirt", "swtpm_enabled", "bool", False),
        ("libvirt", "swtpm_user", "string", "tss"),
        ("libvirt", "swtpm_group", "string", "tss"),
        ("glance", "enable_rbd_download", "bool", False),
        ("glance", "rbd_pool", "string", ""),
        ("glance", "rbd_connect_timeout", "int", 5),
    ],
)
def test_types_and_defaults_are_nova_s(section: str, name: str, type_: str, default: Value | None) -> None:
    option = get_option("nova.conf", section, name)
    assert (option.type, option.default) == (type_, default)


def test_show_image_direct_url_is_a_glance_api_bool_off_by_default() -> None:
    option = get_option("glance-api.conf", "DEFAULT", "show_image_direct_url")
    assert (option.type, option.default) == ("bool", False)


@pytest.mark.parametrize(
    ("name", "choices"),
    [
        ("virt_type", ("kvm", "lxc", "qemu", "parallels")),
        ("images_type", ("raw", "flat", "qcow2", "lvm", "rbd", "ploop", "default")),
        ("cpu_mode", ("host-model", "host-passthrough", "custom", "none")),
    ],
)
def test_choices_are_nova_s_and_case_sensitive(name: str, choices: tuple[str, ...]) -> None:
    option = get_option("nova.conf", "libvirt", name)
    assert option.choice_values == choices
    assert option.ignore_case is False


def test_nova_s_deprecations_and_aliases_are_kept() -> None:
    assert get_option("nova.conf", "libvirt", "cpu_models").deprecated_names == (("libvirt", "cpu_model"),)
    assert get_option("nova.conf", "libvirt", "images_type").value_aliases == (("raw", "flat"),)
    # nova compares extra flags case-insensitively; cpu_models items are plain strings for oslo.
    assert get_option("nova.conf", "libvirt", "cpu_model_extra_flags").ignore_case is True
    assert get_option("nova.conf", "libvirt", "cpu_models").ignore_case is False


def test_every_option_has_a_one_line_help_and_none_is_secret() -> None:
    for option in schema():
        assert option.help
        assert "\n" not in option.help
        assert option.secret is False


@pytest.mark.parametrize(
    ("section", "name", "found"),
    [
        ("libvirt", "cpu_models", "cpu_models"),
        ("libvirt", "cpu_model", "cpu_models"),  # the deprecated name
        ("LIBVIRT", "virt_type", "virt_type"),  # oslo matches sections case-insensitively
        (" libvirt ", " virt_type ", "virt_type"),
        ("DEFAULT", "virt_type", None),
        ("libvirt", "sparse_logical_volumes", None),  # deprecated for removal: not written
    ],
)
def test_find_option(section: str, name: str, found: str | None) -> None:
    option = find_option("nova.conf", section, name)
    assert (option.name if option else None) == found


def test_get_option_refuses_an_option_the_wizard_does_not_write() -> None:
    with pytest.raises(KeyError, match="debug"):
        get_option("nova.conf", "DEFAULT", "debug")


@pytest.mark.parametrize(
    ("file", "section", "name", "expected"),
    [
        ("nova.conf", "libvirt", "virt_type", NameLookup("known", "libvirt", "virt_type")),
        ("nova.conf", "Libvirt", "virt_type", NameLookup("known", "libvirt", "virt_type")),
        ("nova.conf", "libvirt", "cpu_model", NameLookup("renamed", "libvirt", "cpu_models")),
        ("nova.conf", "DEFAULT", "pci_passthrough_whitelist", NameLookup("renamed", "pci", "device_spec")),
        ("nova.conf", "DEFAULT", "logfile", NameLookup("renamed", "DEFAULT", "log_file")),
        (
            "nova.conf",
            "libvirt",
            "sparse_logical_volumes",
            NameLookup("deprecated_for_removal", "libvirt", "sparse_logical_volumes"),
        ),
        ("nova.conf", "DEFAULT", "transport_url", NameLookup("known", "DEFAULT", "transport_url")),
        ("nova.conf", "oslo_concurrency", "lock_path", NameLookup("known", "oslo_concurrency", "lock_path")),
        # Registered by keystonemiddleware at run time from auth_type; no generator namespace lists them.
        (
            "nova.conf",
            "keystone_authtoken",
            "password",
            NameLookup("known", "keystone_authtoken", "password"),
        ),
        ("nova.conf", "placement", "auth_url", NameLookup("known", "placement", "auth_url")),
        ("nova.conf", "libvirt", "images_typ", NameLookup("unknown", "libvirt", "images_typ")),
        ("nova.conf", "no_such_section", "x", NameLookup("unknown", "no_such_section", "x")),
        (
            "nova.conf",
            "default",
            "debug",
            NameLookup("unknown", "default", "debug"),
        ),  # [default] is not DEFAULT
        (
            "glance-api.conf",
            "DEFAULT",
            "show_image_direct_url",
            NameLookup("known", "DEFAULT", "show_image_direct_url"),
        ),
        (
            "glance-api.conf",
            "glance_store",
            "rbd_store_pool",
            NameLookup("known", "glance_store", "rbd_store_pool"),
        ),
        ("glance-api.conf", "DEFAULT", "disk_formats", NameLookup("renamed", "image_format", "disk_formats")),
    ],
)
def test_lookup_name(file: FileKind, section: str, name: str, expected: NameLookup) -> None:
    assert lookup_name(file, section, name) == expected


def test_known_names_cover_every_section_a_distribution_file_has() -> None:
    for section in (
        "DEFAULT",
        "libvirt",
        "glance",
        "database",
        "keystone_authtoken",
        "oslo_messaging_rabbit",
    ):
        assert section in known_sections("nova.conf")
    assert "virt_type" in known_options("nova.conf", "LIBVIRT")
    assert known_options("nova.conf", "no_such_section") == frozenset()
    assert {"DEFAULT", "glance_store", "keystone_authtoken"} <= known_sections("glance-api.conf")


def test_the_data_records_the_versions_it_came_from() -> None:
    versions = data_versions()
    assert versions["nova"].split(".")[0] == "34"
    assert versions["glance"].split(".")[0] == "33"
    assert "oslo.config" in versions


def test_the_engine_loads_neither_oslo_nova_nor_the_ui_and_the_data_only_when_needed() -> None:
    code = """
import sys
import wizard.options, wizard.rules, wizard.secrets
lazy = "wizard.option_data" not in sys.modules
wizard.options.schema()
wizard.options.lookup_name("nova.conf", "libvirt", "cpu_model")
wizard.secrets.is_secret("nova.conf", "database", "connection")
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("oslo_config", "nova", "glance", "textual", "rich"))
print(lazy, heavy)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True []"
