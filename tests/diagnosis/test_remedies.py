"""Remedies only from what was observed: kernel option names right per architecture, and said only when read."""

from __future__ import annotations

import dataclasses

from tests.host.helpers import demo, find, with_file
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Remedy
from wizard.host.facts import HostFacts, KvmApiProbe


def _power9_without_kvm_hv(*, config: bool) -> HostFacts:
    """power9, not probed, kvm_hv not loaded, and this kernel may not load modules (nomodule)."""
    facts = demo("power9")
    facts = with_file(facts, "/proc/modules", "kvm 1421312 0 - Live 0x0\ntun 57344 0 - Live 0x0\n")
    facts = with_file(facts, "/proc/cmdline", "root=/dev/sda2 ro nomodule\n")
    gone = ("/sys/module/kvm_hv",) + (() if config else ("/boot/config-",))
    return dataclasses.replace(
        facts,
        kvm=KvmApiProbe(attempted=False),
        kernel_trees=(
            "/proc",
            "/sys",
            "/dev",
        ),  # a recording of the running kernel, only the KVM test forgotten
        files={path: read for path, read in facts.files.items() if not path.startswith(gone)},
        stats={path: found for path, found in facts.stats.items() if not path.startswith(gone)},
    )


def _modules_remedy(facts: HostFacts) -> Remedy:
    remedy = find(diagnose(facts), "kvm-modules").remedy
    assert remedy is not None
    return remedy


def test_power_names_its_own_kernel_option() -> None:
    remedy = _modules_remedy(_power9_without_kvm_hv(config=True))
    text = " ".join((remedy.why, *remedy.settings))
    assert "CONFIG_KVM_BOOK3S_64_HV" in text
    assert "CONFIG_KVM_HV" not in text
    assert "CONFIG_KVM_BOOK3S_64_HV=m in /boot/config-" in remedy.why  # what the configuration really says
    assert remedy.settings == ("CONFIG_KVM_BOOK3S_64_HV=y in the kernel configuration",)
    assert not remedy.commands


def test_no_kernel_option_is_said_to_be_unset_when_no_configuration_was_read() -> None:
    remedy = _modules_remedy(_power9_without_kvm_hv(config=False))
    assert "not set" not in remedy.why
    assert "its configuration was not read" in remedy.why
