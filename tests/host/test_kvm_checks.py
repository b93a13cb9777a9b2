"""Checks of modules, /dev/kvm, who may open it, udev and nested virtualization, on hand-made facts."""

from __future__ import annotations

import dataclasses

import pytest

from tests.host.helpers import (
    all_commands,
    char_device,
    demo,
    find,
    recording,
    with_file,
    with_stat,
    without_file,
)
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Status, VerdictCode
from wizard.host.facts import PathStat

NOT_THERE = PathStat(exists=False)


@pytest.mark.parametrize(
    ("module", "raw", "status"),
    [
        ("kvm_amd", "1", Status.PASS),
        ("kvm_amd", "0", Status.INFO),
        ("kvm_amd", "Y", Status.PASS),
        ("kvm_amd", "N", Status.INFO),
        ("kvm_amd", "garbage", Status.UNKNOWN),
        ("kvm_intel", "Y", Status.PASS),
        ("kvm_intel", "N", Status.INFO),
    ],
)
def test_nested_parameter_values(module: str, raw: str, status: Status) -> None:
    # amd-nested-off without its `options kvm_amd nested=0`: only the parameter speaks.
    base = (
        without_file(demo("amd-nested-off"), "/etc/modprobe.d/kvm.conf")
        if module == "kvm_amd"
        else demo("intel-ready")
    )
    facts = with_file(base, f"/sys/module/{module}/parameters/nested", raw + "\n")
    nested = find(diagnose(facts), "nested")
    assert nested.status is status
    if status is Status.INFO:
        assert nested.remedy is not None
        assert nested.remedy.plan_fix == "enable-nested"
        assert nested.remedy.commands == (f"modprobe -r {module}", f"modprobe {module}")


def test_nested_configured_but_not_active_asks_for_a_reload() -> None:
    facts = with_file(demo("amd-nested-off"), "/etc/modprobe.d/kvm.conf", "options kvm-amd nested=1\n")
    nested = find(diagnose(facts), "nested")
    assert nested.status is Status.WARN
    assert "configured but not active" in nested.title


def test_nested_on_the_kernel_command_line_counts_as_configured() -> None:
    facts = with_file(demo("amd-nested-off"), "/proc/cmdline", "ro quiet kvm_amd.nested=1\n")
    facts = without_file(facts, "/etc/modprobe.d/kvm.conf")
    nested = find(diagnose(facts), "nested")
    assert nested.status is Status.WARN
    assert any("kernel command line" in item.observed for item in nested.evidence)


def test_modules_that_cannot_load_are_never_modprobed() -> None:
    # The kernel has no module support: the vendor module is missing and modprobe cannot help.
    facts = demo("amd-modules-missing")
    facts = without_file(facts, "/proc/modules")
    facts = with_file(
        facts,
        "/boot/config-5.14.0-427.16.1.el9_4.x86_64",
        "# CONFIG_MODULES is not set\n# CONFIG_KVM is not set\n# CONFIG_KVM_AMD is not set\n",
    )
    diagnosis = diagnose(facts)
    assert find(diagnosis, "module-loading").status is Status.INFO
    modules = find(diagnosis, "kvm-modules")
    assert modules.status is Status.FAIL
    assert "cannot load modules" in modules.title
    assert not [command for command in all_commands(diagnosis) if "modprobe" in command]
    assert diagnosis.verdict.code is VerdictCode.FIXABLE


def test_builtin_modules_are_recognised_without_proc_modules() -> None:
    profile_facts = recording("firecracker-pvm-guest.toml")
    diagnosis = diagnose(profile_facts)
    modules = find(diagnosis, "kvm-modules")
    assert modules.status is Status.WARN
    assert "PVM" in modules.title
    assert any("kvm_pvm: built-in" in item.observed for item in modules.evidence)


def test_firecracker_pvm_guest_as_it_boots() -> None:
    """This development machine as it boots: KVM through PVM, /dev/kvm root:root 0600, no udevd, no modules."""
    diagnosis = diagnose(recording("firecracker-pvm-guest.toml"))
    assert diagnosis.verdict.code is VerdictCode.FIXABLE
    assert "PVM" in diagnosis.verdict.summary
    assert find(diagnosis, "kvm-api").status is Status.PASS
    qemu = find(diagnosis, "kvm-access-qemu")
    assert qemu.status is Status.FAIL
    assert "libvirt-qemu" in qemu.title
    permissions = find(diagnosis, "kvm-device-permissions")
    assert permissions.status is Status.FAIL
    assert permissions.remedy is not None
    assert permissions.remedy.commands == (
        "groupadd --system kvm",
        "chgrp kvm /dev/kvm",
        "chmod 0660 /dev/kvm",
    )
    assert "lost at reboot" in permissions.remedy.why
    commands = all_commands(diagnosis)
    assert not [command for command in commands if "modprobe" in command or "udevadm" in command]
    assert find(diagnosis, "vhost-net").status is Status.WARN


@pytest.mark.parametrize(
    ("device", "qemu_status"),
    [
        (char_device(10, 232), Status.PASS),
        (char_device(10, 232, group="root", gid=0, mode=0o666), Status.PASS),
        (char_device(10, 232, group="root", gid=0, mode=0o660), Status.FAIL),
        (char_device(10, 232, mode=0o600), Status.FAIL),
    ],
)
def test_access_per_user_from_mode_and_groups(device: PathStat, qemu_status: Status) -> None:
    diagnosis = diagnose(with_stat(demo("intel-ready"), "/dev/kvm", device))
    assert find(diagnosis, "kvm-access-qemu").status is qemu_status
    if qemu_status is Status.FAIL:
        assert diagnosis.verdict.code is VerdictCode.FIXABLE
        remedy = find(diagnosis, "kvm-device-permissions").remedy
        assert remedy is not None
        assert remedy.commands == ("udevadm trigger --sysname-match=kvm",)


def test_a_user_outside_group_kvm_is_told_to_join_it() -> None:
    facts = with_file(
        demo("intel-ready"),
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nlibvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n",
    )
    facts = with_file(facts, "/etc/group", "root:x:0:\nkvm:x:108:\nlibvirt-qemu:x:64055:\n")
    qemu = find(diagnose(facts), "kvm-access-qemu")
    assert qemu.status is Status.FAIL
    assert qemu.remedy is not None
    assert qemu.remedy.commands == ("usermod -aG kvm libvirt-qemu",)
    assert qemu.remedy.plan_fix == "add-user-to-kvm-group"


def test_the_qemu_user_comes_from_qemu_conf() -> None:
    facts = with_file(demo("intel-ready"), "/etc/libvirt/qemu.conf", 'user = "nova"\ngroup = "nova"\n')
    diagnosis = diagnose(facts)
    qemu = find(diagnosis, "kvm-access-qemu")
    assert qemu.title.startswith("nova (the QEMU user, /etc/libvirt/qemu.conf)")
    assert diagnosis.finding("kvm-access-nova") is None


def test_without_udevd_the_fix_is_chgrp_and_chmod() -> None:
    facts = with_stat(demo("kvm-permissions"), "/run/udev/control", NOT_THERE)
    diagnosis = diagnose(facts)
    remedy = find(diagnosis, "kvm-device-permissions").remedy
    assert remedy is not None
    assert remedy.commands == ("chgrp kvm /dev/kvm", "chmod 0660 /dev/kvm")
    assert "z /dev/kvm 0660 root kvm - in /etc/tmpfiles.d/kvm.conf" in remedy.settings
    assert "udevadm trigger" not in " ".join(all_commands(diagnosis))
    assert find(diagnosis, "udevd").status is Status.WARN


def test_device_missing_but_registered() -> None:
    facts = with_stat(demo("intel-ready"), "/dev/kvm", NOT_THERE)
    facts = dataclasses.replace(facts, kvm=demo("vm-guest-no-nested").kvm)
    device = find(diagnose(facts), "kvm-device")
    assert device.status is Status.FAIL
    assert device.remedy is not None
    assert device.remedy.commands == ("udevadm trigger --sysname-match=kvm",)


def test_wrong_device_numbers() -> None:
    facts = with_stat(demo("intel-ready"), "/dev/kvm", char_device(10, 233))
    assert find(diagnose(facts), "kvm-device").status is Status.FAIL


def test_vhost_net_and_tun() -> None:
    missing = with_stat(demo("intel-ready"), "/dev/vhost-net", NOT_THERE)
    missing = with_file(
        missing, "/proc/modules", "kvm_intel 487424 0 - Live 0x0\nkvm 1421312 1 kvm_intel, Live 0x0\n"
    )
    vhost = find(diagnose(missing), "vhost-net")
    assert vhost.status is Status.WARN
    assert vhost.remedy is not None
    assert vhost.remedy.plan_fix == "load-vhost-net"
    assert diagnose(missing).verdict.code is VerdictCode.READY  # a performance tweak, not a blocker
    no_tun = with_stat(demo("intel-ready"), "/dev/net/tun", NOT_THERE)
    tun = find(diagnose(no_tun), "tun")
    assert tun.status is Status.FAIL
    assert diagnose(no_tun).verdict.code is VerdictCode.FIXABLE


def test_module_persistence_styles() -> None:
    debian = find(diagnose(demo("intel-ready")), "module-persistence")
    assert debian.status is Status.INFO
    assert debian.remedy is not None
    assert debian.remedy.settings == ("kvm in /etc/modules", "kvm_intel in /etc/modules")
    rhel = find(diagnose(demo("power9")), "module-persistence")
    assert rhel.status is Status.PASS
    listed = with_file(demo("intel-ready"), "/etc/modules", "# comment\nkvm\nkvm-intel\n")
    assert find(diagnose(listed), "module-persistence").status is Status.PASS


def test_blacklisted_modules_are_named_in_the_remedy() -> None:
    facts = with_file(
        demo("amd-modules-missing"), "/etc/modprobe.d/blacklist-kvm.conf", "blacklist kvm_amd\n"
    )
    remedy = find(diagnose(facts), "kvm-modules").remedy
    assert remedy is not None
    assert "blacklist" in remedy.why


def test_pvm_guest_checked_by_a_user_who_may_not_open_dev_kvm() -> None:
    recorded = recording("firecracker-pvm-guest.toml")
    facts = dataclasses.replace(
        recorded,
        euid=65534,
        kvm=dataclasses.replace(
            recorded.kvm, opened=False, open_error="EACCES: Permission denied", create_vm=False
        ),
        cpuid={},
        kernel_log=(),
    )
    diagnosis = diagnose(facts)
    # PVM needs no VT: never "unsupported"; what is left to do is the permission of /dev/kvm.
    assert diagnosis.verdict.code is VerdictCode.FIXABLE
    assert find(diagnosis, "guest").status is Status.WARN
    assert find(diagnosis, "kvm-api").status is Status.UNKNOWN
