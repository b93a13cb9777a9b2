"""tpm2-tools detection and install planning per distribution; the vTPM assessment for Nova."""

from __future__ import annotations

import pytest

from wizard.host.facts import CommandRun, FileRead, HostFacts
from wizard.plan.actions import install_action
from wizard.tpm import assess_vtpm, detect_tools, package_manager, swtpm_install, tools_install
from wizard.tpm.vtpm import BARBICAN_WARNING

PASSWD = "root:x:0:0:root:/root:/bin/bash\ntss:x:102:109::/var/lib/tpm:/bin/false\n"
GROUP = "root:x:0:\ntss:x:109:\n"


def _host(
    os_release: str = 'ID=debian\nVERSION_ID="12"\n', executables: dict[str, str] | None = None
) -> HostFacts:
    return HostFacts(
        files={
            "/etc/os-release": FileRead(os_release),
            "/etc/passwd": FileRead(PASSWD),
            "/etc/group": FileRead(GROUP),
        },
        executables={"tpm2": "", "tpm2_getrandom": "", **(executables or {})},
    )


def test_multi_call_tools_and_version_from_the_record() -> None:
    facts = HostFacts(
        executables={"tpm2": "/usr/bin/tpm2", "tpm2_getrandom": "/usr/bin/tpm2_getrandom"},
        commands={
            "tpm2 --version": CommandRun(
                ("tpm2", "--version"),
                0,
                'tool="tpm2" version="5.4" tctis="libtss2-tctildr" tcti-default=tcti-device\n',
            )
        },
    )
    tools = detect_tools(facts)
    assert tools.installed
    assert tools.multi_call == "/usr/bin/tpm2"
    assert tools.split_tools == ("tpm2_getrandom",)
    assert (tools.version, tools.tcti_default) == ("5.4", "tcti-device")
    assert tools.description == "tpm2-tools 5.4 (multi-call tpm2)"
    assert tools_install(facts) is None


@pytest.mark.parametrize(
    ("os_release", "executables", "argv"),
    [
        ("ID=debian\n", {"apt-get": "/usr/bin/apt-get"}, ("apt-get", "install", "-y", "tpm2-tools")),
        ("ID=ubuntu\nID_LIKE=debian\n", {}, ("apt-get", "install", "-y", "tpm2-tools")),
        (
            'ID="rocky"\nID_LIKE="rhel centos fedora"\n',
            {"dnf": "/usr/bin/dnf"},
            ("dnf", "install", "-y", "tpm2-tools"),
        ),
        ("ID=fedora\n", {}, ("dnf", "install", "-y", "tpm2-tools")),
        # openSUSE packages tpm2-tools as tpm2.0-tools.
        (
            'ID="opensuse-leap"\nID_LIKE="suse opensuse"\n',
            {},
            ("zypper", "--non-interactive", "install", "tpm2.0-tools"),
        ),
        (
            "ID=sles\n",
            {"zypper": "/usr/bin/zypper"},
            ("zypper", "--non-interactive", "install", "tpm2.0-tools"),
        ),
        # An unknown distribution: whichever package manager is on PATH.
        ("ID=mystery\n", {"dnf": "/usr/bin/dnf"}, ("dnf", "install", "-y", "tpm2-tools")),
        # os-release says Debian but only dnf is there (a container image mix): trust PATH.
        ("ID=debian\n", {"apt-get": "", "dnf": "/usr/bin/dnf"}, ("dnf", "install", "-y", "tpm2-tools")),
    ],
)
def test_install_action_per_distribution(
    os_release: str, executables: dict[str, str], argv: tuple[str, ...]
) -> None:
    install = tools_install(_host(os_release, executables))
    assert install is not None
    action = install_action(install)
    assert action.argv == argv
    assert action.id == "install:tpm2-tools"
    assert action.reversible is False
    assert action.inverse is None
    assert action.live_only is True
    assert "no tpm2 or tpm2_* command" in action.reasons[0].source


def test_no_package_manager_known_means_no_action() -> None:
    facts = _host("ID=mystery\n", {"apt-get": "", "dnf": "", "zypper": ""})
    assert package_manager(facts) is None
    assert tools_install(facts) is None


def test_tools_not_recorded_plan_nothing() -> None:
    assert tools_install(HostFacts(files={"/etc/os-release": FileRead("ID=debian\n")})) is None


def test_vtpm_available_with_swtpm_and_tss() -> None:
    facts = _host(executables={"swtpm": "/usr/bin/swtpm", "swtpm_setup": "/usr/bin/swtpm_setup"})
    assessment = assess_vtpm(facts, virt_type="kvm")
    assert assessment.available
    assert assessment.problems == ()
    assert BARBICAN_WARNING in assessment.warnings
    assert "Barbican" in BARBICAN_WARNING
    assert assessment.options == (("libvirt", "swtpm_enabled", "True"),)
    assert (assessment.user_exists, assessment.group_exists) == (True, True)
    assert assessment.install is None


def test_vtpm_problems_missing_swtpm_setup_user_and_virt_type() -> None:
    facts = HostFacts(
        files={
            "/etc/os-release": FileRead("ID=debian\n"),
            "/etc/passwd": FileRead("root:x:0:0::/root:/bin/sh\n"),
            "/etc/group": FileRead(GROUP),
        },
        executables={"swtpm": "/usr/bin/swtpm", "swtpm_setup": ""},
    )
    assessment = assess_vtpm(facts, virt_type="lxc")
    assert not assessment.available
    assert assessment.options == ()
    text = "\n".join(assessment.problems)
    assert "swtpm_setup is not installed" in text
    assert "The user tss does not exist" in text
    assert "virt_type kvm or qemu, not lxc" in text
    assert assessment.user_exists is False
    assert assessment.group_exists is True
    action = swtpm_install(facts)
    assert action is not None
    assert action.argv == ("apt-get", "install", "-y", "swtpm", "swtpm-tools")
    assert assessment.install == action


def test_vtpm_with_other_user_offers_the_options_and_unknown_accounts_warn() -> None:
    facts = HostFacts(executables={"swtpm": "/usr/bin/swtpm", "swtpm_setup": "/usr/bin/swtpm_setup"})
    assessment = assess_vtpm(facts, user="swtpm", group="swtpm")
    assert assessment.available
    assert ("libvirt", "swtpm_user", "swtpm") in assessment.options
    assert ("libvirt", "swtpm_group", "swtpm") in assessment.options
    assert assessment.user_exists is None
    assert any("Could not check that the user swtpm exists" in warning for warning in assessment.warnings)


def test_a_trimmed_account_list_proves_nothing_about_absent_names() -> None:
    # The full probe keeps only the accounts it cares about and marks the copy truncated.
    facts = HostFacts(
        files={
            "/etc/passwd": FileRead(PASSWD, truncated=True),
            "/etc/group": FileRead(GROUP, truncated=True),
        },
        executables={"swtpm": "/usr/bin/swtpm", "swtpm_setup": "/usr/bin/swtpm_setup"},
    )
    assert assess_vtpm(facts).user_exists is True
    other = assess_vtpm(facts, user="swtpm", group="swtpm")
    assert other.user_exists is None
    assert other.available
