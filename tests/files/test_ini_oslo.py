"""Files the editor writes, loaded by oslo.config's ConfigOpts with typed options, give the intended values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oslo_config import cfg

from tests.files.ini_fixtures import NOVA_SAMPLE
from wizard.files.ini import IniDocument

OPTIONS: dict[str, list[Any]] = {
    "DEFAULT": [
        cfg.StrOpt("compute_driver"),
        cfg.BoolOpt("force_raw_images", default=True),
        cfg.BoolOpt("debug", default=False),
    ],
    "libvirt": [
        cfg.StrOpt("virt_type", default="kvm", choices=["kvm", "lxc", "qemu", "parallels"]),
        cfg.StrOpt(
            "images_type",
            default="default",
            choices=["raw", "flat", "qcow2", "lvm", "rbd", "ploop", "default"],
        ),
        cfg.StrOpt("cpu_mode", choices=["host-model", "host-passthrough", "custom", "none"]),
        cfg.ListOpt("cpu_models", default=[]),
        cfg.ListOpt("cpu_model_extra_flags", default=[]),
        cfg.BoolOpt("swtpm_enabled", default=False),
        cfg.IntOpt("rbd_connect_timeout", default=5),
        cfg.StrOpt("rbd_user"),
        cfg.StrOpt("images_rbd_pool", default="rbd"),
    ],
    "glance": [cfg.BoolOpt("enable_rbd_download", default=False), cfg.StrOpt("rbd_user", default="")],
    "pci": [cfg.MultiStrOpt("device_spec", default=[])],
}


def load(path: Path) -> cfg.ConfigOpts:
    """The file as nova-compute would load it."""
    conf = cfg.ConfigOpts()
    for group, options in OPTIONS.items():
        conf.register_opts(options, group=None if group == "DEFAULT" else group)
    conf(args=[], default_config_files=[str(path)], default_config_dirs=[])
    return conf


def write(tmp_path: Path, data: bytes, edit: Callable[[IniDocument], object]) -> cfg.ConfigOpts:
    document = IniDocument.parse(data)
    edit(document)
    path = tmp_path / "nova.conf"
    path.write_bytes(document.to_bytes())
    return load(path)


def compute_node(document: IniDocument) -> None:
    document.set("DEFAULT", "compute_driver", "libvirt.LibvirtDriver")
    document.set("libvirt", "virt_type", "kvm")
    document.set("libvirt", "images_type", "rbd")
    document.set("libvirt", "cpu_mode", "custom")
    document.set_list("libvirt", "cpu_models", ["IvyBridge", "Haswell-noTSX"])
    document.set_list("libvirt", "cpu_model_extra_flags", ["vmx", "pcid"])
    document.set("libvirt", "swtpm_enabled", "True")
    document.set("libvirt", "rbd_connect_timeout", "10")
    document.set("libvirt", "rbd_user", '"nova"')
    document.set("glance", "enable_rbd_download", "false")
    document.set_multi("pci", "device_spec", ['{"vendor_id": "8086"}', '{"vendor_id": "10de"}'])


def assert_compute_node(conf: cfg.ConfigOpts) -> None:
    assert conf.compute_driver == "libvirt.LibvirtDriver"
    assert conf.force_raw_images is True
    assert conf.libvirt.virt_type == "kvm"
    assert conf.libvirt.images_type == "rbd"
    assert conf.libvirt.cpu_mode == "custom"
    assert conf.libvirt.cpu_models == ["IvyBridge", "Haswell-noTSX"]
    assert conf.libvirt.cpu_model_extra_flags == ["vmx", "pcid"]
    assert conf.libvirt.swtpm_enabled is True
    assert conf.libvirt.rbd_connect_timeout == 10
    assert conf.libvirt.rbd_user == '"nova"'
    assert conf.glance.enable_rbd_download is False
    assert conf.pci.device_spec == ['{"vendor_id": "8086"}', '{"vendor_id": "10de"}']


SOURCES = {
    "nova sample": NOVA_SAMPLE,
    "nova sample crlf": NOVA_SAMPLE.replace(b"\n", b"\r\n"),
    "nova sample mixed endings": NOVA_SAMPLE.replace(b"#\n", b"#\r\n"),
    "nova sample without final newline": NOVA_SAMPLE.rstrip(b"\n"),
    "empty file": b"",
    "hand-written with continuation lines": (
        b"[DEFAULT]\n"
        b"debug = True\n"
        b"compute_driver = fake.FakeDriver\n"
        b"[libvirt]\n"
        b"cpu_models = Nehalem,\n"
        b"  Westmere\n"
        b"virt_type=qemu\n"
        b"images_rbd_pool = vms,\n"
        b"    # this indented line is part of the value\n"
        b"[pci]\r\n"
        b"device_spec = {}\r\n"
        b"[LIBVIRT]\n"
        b"images_type : lvm\n"
        b"virt_type = 'lxc'"
    ),
}


@pytest.mark.parametrize("data", SOURCES.values(), ids=SOURCES.keys())
def test_compute_node_settings_read_back_through_configopts(tmp_path: Path, data: bytes) -> None:
    assert_compute_node(write(tmp_path, data, compute_node))


def test_untouched_continuation_values_read_the_same_after_edits(tmp_path: Path) -> None:
    data = SOURCES["hand-written with continuation lines"]
    path = tmp_path / "before.conf"
    path.write_bytes(data)
    before = load(path)
    after = write(tmp_path, data, compute_node)
    assert after.libvirt.images_rbd_pool == before.libvirt.images_rbd_pool
    assert after.libvirt.images_rbd_pool == "vms,\n# this indented line is part of the value"
    assert after.debug is True


def test_unset_falls_back_to_the_defaults(tmp_path: Path) -> None:
    data = SOURCES["hand-written with continuation lines"]

    def undo(document: IniDocument) -> None:
        for section, key in [
            ("DEFAULT", "debug"),
            ("libvirt", "cpu_models"),
            ("libvirt", "virt_type"),
            ("libvirt", "images_type"),
            ("pci", "device_spec"),
        ]:
            document.unset(section, key)

    conf = write(tmp_path, data, undo)
    assert (conf.debug, conf.libvirt.cpu_models, conf.libvirt.virt_type) == (False, [], "kvm")
    assert (conf.libvirt.images_type, conf.pci.device_spec) == ("default", [])
    assert conf.compute_driver == "fake.FakeDriver"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("False", False), ("yes", True), ("off", False), ("1", True), ("0", False)],
)
def test_booleans_written_as_given_are_read_by_boolopt(tmp_path: Path, value: str, expected: bool) -> None:
    conf = write(tmp_path, NOVA_SAMPLE, lambda document: document.set("DEFAULT", "force_raw_images", value))
    assert conf.force_raw_images is expected


@pytest.mark.parametrize("value", ["'quoted'", '"quoted"', '"', "a # not a comment", "[x]", "k=v:w"])
def test_awkward_strings_survive_oslo_unchanged(tmp_path: Path, value: str) -> None:
    conf = write(
        tmp_path,
        NOVA_SAMPLE.replace(b"\n", b"\r\n"),
        lambda document: document.set("glance", "rbd_user", value),
    )
    assert conf.glance.rbd_user == value


def test_an_empty_list_and_an_empty_string_read_as_empty(tmp_path: Path) -> None:
    def empty(document: IniDocument) -> None:
        document.set_list("libvirt", "cpu_models", [])
        document.set("glance", "rbd_user", "")

    conf = write(tmp_path, NOVA_SAMPLE, empty)
    assert (conf.libvirt.cpu_models, conf.glance.rbd_user) == ([], "")
