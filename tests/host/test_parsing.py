"""The text parsers: odd values, quoting, malformed lines."""

from __future__ import annotations

import pytest

from wizard.host.parsing import (
    parse_blacklist,
    parse_bool,
    parse_cmdline_parameters,
    parse_cpuinfo,
    parse_group,
    parse_kernel_config,
    parse_modprobe_options,
    parse_module_list,
    parse_os_release,
    parse_passwd,
    parse_proc_modules,
    parse_qemu_conf_user,
    split_cpuinfo,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Y", True), ("N", False), ("1", True), ("0", False), ("y\n", True), (" n ", False), ("on", True),
     ("off", False), ("", None), ("maybe", None), (None, None)],
)  # fmt: skip
def test_kernel_booleans(raw: str | None, expected: bool | None) -> None:
    assert parse_bool(raw) is expected


def test_os_release_quoting_and_comments() -> None:
    text = '# comment\nNAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID=9.4\nBROKEN="x\n\n'
    values = parse_os_release(text)
    assert values["NAME"] == "Rocky Linux"
    assert values["ID_LIKE"] == "rhel centos fedora"
    assert values["VERSION_ID"] == "9.4"
    assert values["BROKEN"] == "x"


def test_accounts_skip_malformed_lines() -> None:
    groups = parse_group("kvm:x:108:nova,libvirt-qemu\ngarbage\nbad:x:notanumber:\nempty:x:5:\n")
    assert groups["kvm"].members == ("nova", "libvirt-qemu")
    assert groups["empty"].members == ()
    assert set(groups) == {"kvm", "empty"}
    users = parse_passwd("nova:x:104:112::/var/lib/nova:/bin/sh\n:x:1:1::/:/bin/sh\nshort:x:1\n")
    assert users["nova"].gid == 112
    assert set(users) == {"nova"}


def test_modules_and_configuration() -> None:
    assert parse_proc_modules("kvm_intel 487424 0 - Live 0x0\nkvm 1421312 1 kvm_intel, Live 0x0\n") == {
        "kvm_intel": "Live",
        "kvm": "Live",
    }
    config = parse_kernel_config('CONFIG_KVM=m\n# CONFIG_KVM_AMD is not set\nCONFIG_NAME="x"\nnoise\n')
    assert config == {"CONFIG_KVM": "m", "CONFIG_KVM_AMD": "n", "CONFIG_NAME": "x"}
    assert parse_module_list("# comment\n; also\nkvm-intel\n  vhost_net  \n\n") == ["kvm_intel", "vhost_net"]


def test_modprobe_options_normalise_names() -> None:
    options = parse_modprobe_options(
        "options kvm-amd nested=1 avic=0\n#options kvm_intel nested=1\n", "/etc/x.conf"
    )
    assert len(options) == 1
    assert options[0].module == "kvm_amd"
    assert options[0].parameters == {"nested": "1", "avic": "0"}
    assert parse_blacklist("blacklist kvm_amd\ninstall kvm-intel /bin/false\n") == ["kvm_amd", "kvm_intel"]


def test_cmdline_parameters_stop_at_init_arguments() -> None:
    parameters = parse_cmdline_parameters("ro kvm-intel.nested=1 quiet -- kvm_amd.nested=1")
    assert parameters == {("kvm_intel", "nested"): "1"}


def test_qemu_conf_user_ignores_comments() -> None:
    assert parse_qemu_conf_user('#user = "qemu"\nuser = "nova"\ngroup = "kvm"\n') == ("nova", "kvm")
    assert parse_qemu_conf_user('#user = "qemu"\n') == (None, None)


def test_cpuinfo_keeps_the_first_cpu_and_the_global_lines() -> None:
    text = (
        "processor\t: 0\ncpu\t\t: POWER9\n\nprocessor\t: 1\ncpu\t\t: POWER9\n\n"
        "timebase\t: 512000000\nplatform\t: PowerNV\n"
    )
    kept, truncated = split_cpuinfo(text)
    assert truncated
    assert "processor\t: 1" not in kept
    assert parse_cpuinfo(kept)["platform"] == "PowerNV"
    single = "vendor_id : IBM/S390\nfeatures : esan3 sie\n"
    assert split_cpuinfo(single) == (single, False)
