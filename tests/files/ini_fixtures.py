"""oslo.config's own parser as the reference reader, and a realistic excerpt of nova's generated sample."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from oslo_config import cfg, iniparser

from wizard.files.ini import IniDocument
from wizard.files.ini_syntax import normalize_section


@dataclass
class OsloRead:
    """What oslo's parser made of a file: sections by normalized name, or the error that stopped it."""

    sections: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    error: str | None = None


def oslo_read(data: bytes) -> OsloRead:
    """Read data exactly as cfg.ConfigParser.parse() reads a file: UTF-8 text, universal newlines."""
    try:
        lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").readlines()
    except UnicodeDecodeError as error:
        return OsloRead(error=f"UnicodeDecodeError: {error}")
    # The parser ConfigOpts uses, fed with lines instead of a file name.
    normalized: dict[str, dict[str, list[str]]] = {}
    parser = cfg.ConfigParser("<memory>", {})
    parser._add_normalized(normalized)
    try:
        iniparser.BaseParser.parse(parser, lines)
    except iniparser.ParseError as error:
        return OsloRead(normalized, str(error))
    return OsloRead(normalized)


def assert_reads_like_oslo(data: bytes) -> None:
    """The editor's reader agrees with oslo on whether the file is readable and on every value."""
    document = IniDocument.parse(data)
    oslo = oslo_read(data)
    assert (oslo.error is None) == (not document.problems()), (oslo.error, document.problems())
    if oslo.error is not None:
        return
    assert {normalize_section(name) for name in document.sections()} == set(oslo.sections)
    options = {
        (normalize_section(entry.section), entry.key)
        for entry in document.entries()
        if entry.section is not None
    }
    assert options == {(section, key) for section, keys in oslo.sections.items() for key in keys}
    for section, keys in oslo.sections.items():
        for key, values in keys.items():
            assert document.get_all(section, key) == values
            assert document.get(section, key) == values[-1]


# Shaped like `oslo-config-generator --namespace nova.conf` output: help blocks, "Possible values" lists,
# and every option commented out with its default.
NOVA_SAMPLE = b"""\
[DEFAULT]

#
# From nova.conf
#

#
# Defines which driver to use for controlling virtualization.
#
# Possible values:
#
# * ``libvirt.LibvirtDriver``
# * ``fake.FakeDriver``
# * ``ironic.IronicDriver``
# * ``vmwareapi.VMwareVCDriver``
# * ``hyperv.HyperVDriver``
# * ``powervm.PowerVMDriver``
# * ``zvm.ZVMDriver``
#  (string value)
#compute_driver = <None>

#
# Force conversion of backing images to raw format.
#
# Possible values:
#
# * True: Backing image files will be converted to raw image format
# * False: Backing image files will not be converted
#
# Related options:
#
# * ``compute_driver``: Only the libvirt driver uses this option.
# * ``[libvirt]/images_type``: If images_type is rbd, setting this option
#   to False is not allowed. See the bug
#   https://bugs.launchpad.net/nova/+bug/1816686 for more details.
#  (boolean value)
#force_raw_images = true


[glance]

#
# From nova.conf
#

#
# Enable Glance image downloads directly via RBD.
#  (boolean value)
#enable_rbd_download = false


[libvirt]
#
# Libvirt options allows cloud administrator to configure related
# libvirt hypervisor driver to be used within an OpenStack deployment.
#
# Almost all of the libvirt config options are influence by ``virt_type`` config
# which describes the virtualization type (or so called domain type) libvirt
# should use for specific features such as live migration, snapshot.

#
# From nova.conf
#

#
# Describes the virtualization type (or so called domain type) libvirt should
# use.
#
# The choice of this type must match the underlying virtualization strategy
# you have chosen for this host.
#
# Related options:
#
# * ``connection_uri``: depends on this
# * ``disk_prefix``: depends on this
# * ``cpu_mode``: depends on this
# * ``cpu_models``: depends on this
#  (string value)
# Possible values:
# kvm - <No description provided>
# lxc - <No description provided>
# qemu - <No description provided>
# parallels - <No description provided>
#virt_type = kvm

#
# Is used to set the CPU mode an instance should have.
#
# If ``virt_type="kvm|qemu"``, it will default to ``host-model``, otherwise it
# will default to ``none``.
#
# Related options:
#
# * ``cpu_models``: This should be set ONLY when ``cpu_mode`` is set to
#   ``custom``. Otherwise, it would result in an error and the instance launch
#   will fail.
#  (string value)
# Possible values:
# host-model - Clone the host CPU feature flags
# host-passthrough - Use the host CPU model exactly
# custom - Use the CPU model in ``[libvirt]cpu_models``
# none - Don't set a specific CPU model. For instances with ``[libvirt]
# virt_type`` as KVM/QEMU, the default CPU model from QEMU will be used, which
# provides a basic set of CPU features that are compatible with most hosts
#cpu_mode = <None>

#
# An ordered list of CPU models the host supports.
#  (list value)
# Deprecated group/name - [libvirt]/cpu_model
#cpu_models =

#
# VM Images format.
#
# If default is specified, then use_cow_images flag is used instead of this
# one. For example, with
#
#     images_type = rbd
#
# set images_rbd_pool too.
#
# Related options:
#
# * compute.use_cow_images
# * images_volume_group
# * [workarounds]/ensure_libvirt_rbd_instance_dir_cleanup
# * compute.force_raw_images
#  (string value)
# Possible values:
# raw - <No description provided>
# flat - <No description provided>
# qcow2 - <No description provided>
# lvm - <No description provided>
# rbd - <No description provided>
# ploop - <No description provided>
# default - <No description provided>
#images_type = default

#
# LVM Volume Group that is used for VM images, when you specify images_type=lvm
#
# Related options:
#
# * images_type
#  (string value)
#images_volume_group = <None>

#
# The RADOS pool in which rbd volumes are stored (string value)
#images_rbd_pool = rbd


[workarounds]

#
# From nova.conf
#

#
# Disable live snapshots when using the libvirt driver.
#  (boolean value)
#disable_libvirt_livesnapshot = false
"""
