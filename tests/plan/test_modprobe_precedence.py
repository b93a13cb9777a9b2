"""The nested option where kmod takes it from: modprobe.d files by name across /etc, /run, /usr/local/lib,
/usr/lib and /lib (a name in an earlier directory hides it in a later one), the last file and line setting it
winning; then the kernel command line's kvm_intel.nested=, which modprobe appends after them all
(kmod libkmod-config.c: kmod_config_new parses the files, then kmod_config_parse_kcmdline)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.plan.conftest import DemoHost, write_plan
from wizard.answers import parse_answers
from wizard.host.facts import FileRead, HostFacts
from wizard.host.probe import probe
from wizard.host.profile import HostProfile
from wizard.plan.model import CheckKind
from wizard.plan.module_files import configured_option, modprobe_files
from wizard.plan.planner import PlanOutcome, make_plan

ON = parse_answers("version = 2\n[nested]\nenabled = true\n").answers
OFF = parse_answers("version = 2\n[nested]\nenabled = false\n").answers


def put(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def plan(facts: HostFacts, root: Path, answers: object = ON) -> PlanOutcome:
    outcome = make_plan(facts, answers, root)  # type: ignore[arg-type]
    assert outcome.plan is not None, outcome.problems
    return outcome


def effective(root: Path) -> str | None:
    found = configured_option(root, "kvm_amd", "nested").file
    return found[1] if found is not None else None


def test_kmod_reads_files_by_name_across_its_directories_etc_first(tmp_path: Path) -> None:
    put(tmp_path, "/usr/lib/modprobe.d/50-a.conf", "")
    put(tmp_path, "/etc/modprobe.d/50-a.conf", "")  # hides the one in /usr/lib
    put(tmp_path, "/run/modprobe.d/10-b.conf", "")
    put(tmp_path, "/usr/local/lib/modprobe.d/90-c.conf", "")
    put(tmp_path, "/lib/modprobe.d/70-d.conf", "")
    assert modprobe_files(tmp_path) == [
        "/run/modprobe.d/10-b.conf",
        "/etc/modprobe.d/50-a.conf",
        "/lib/modprobe.d/70-d.conf",
        "/usr/local/lib/modprobe.d/90-c.conf",
    ]


@pytest.mark.parametrize("directory", ["/usr/lib/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d"])
def test_a_later_file_outside_etc_is_overridden_by_its_copy_in_etc(
    directory: str, demo_host: DemoHost
) -> None:
    """amd-nested-off has nested=0 in /etc/modprobe.d/kvm.conf; a vendor file sorting after it says 0 too."""
    facts, root = demo_host("amd-nested-off")
    put(root, f"{directory}/zz-hardening.conf", "# vendor baseline\noptions kvm_amd nested=0 npt=1\n")
    outcome = plan(facts, root)
    paths = (
        [edit.path for edit in outcome.plan.edits if edit.kind.value == "modprobe"] if outcome.plan else []
    )
    assert paths == ["/etc/modprobe.d/zz-hardening.conf"]
    write_plan(root, outcome.plan.edits if outcome.plan else ())
    copy = (root / "etc/modprobe.d/zz-hardening.conf").read_text()
    assert copy.startswith(f"# Copied by kvm-wizard from {directory}/zz-hardening.conf")
    assert "options kvm_amd nested=1 npt=1" in copy  # the rest of the file as it was
    assert effective(root) == "1"
    again = plan(facts, root)
    assert not [edit for edit in again.plan.edits if edit.kind.value == "modprobe"] if again.plan else True


def test_a_later_file_in_etc_is_edited_in_place(demo_host: DemoHost) -> None:
    facts, root = demo_host("amd-nested-off")
    put(root, "/etc/modprobe.d/zz-site.conf", "options kvm_amd nested=0\n")
    outcome = plan(facts, root)
    paths = (
        [edit.path for edit in outcome.plan.edits if edit.kind.value == "modprobe"] if outcome.plan else []
    )
    assert paths == ["/etc/modprobe.d/zz-site.conf"]
    write_plan(root, outcome.plan.edits if outcome.plan else ())
    assert effective(root) == "1"


def test_off_writes_nested_0_where_the_kernels_default_is_on(demo_host: DemoHost) -> None:
    facts, root = demo_host("intel-ready")  # kvm_intel nested=Y now, nothing configures it
    outcome = plan(facts, root, OFF)
    write_plan(root, outcome.plan.edits if outcome.plan else ())
    assert "options kvm_intel nested=0" in (root / "etc/modprobe.d/kvm.conf").read_text()
    checks = (
        [check for check in outcome.plan.checks if check.kind is CheckKind.MODULE_PARAMETER]
        if outcome.plan
        else []
    )
    assert [(check.subject, check.expected) for check in checks] == [("kvm_intel.nested", "N")]


def with_cmdline(facts: HostFacts, words: str) -> HostFacts:
    cmdline = (facts.text("/proc/cmdline") or "").strip() + f" {words}\n"
    return dataclasses.replace(facts, files={**facts.files, "/proc/cmdline": FileRead(content=cmdline)})


def test_nested_guests_asked_for_against_the_kernel_command_line_are_refused(demo_host: DemoHost) -> None:
    """An apply could not turn them on (modprobe appends the command line's nested=0 after every file): the
    plan is refused with the remedy (wizard.stack_needs, nested-off-on-command-line), not made half."""
    facts, root = demo_host("amd-nested-off")
    outcome = make_plan(with_cmdline(facts, "kvm_amd.nested=0"), ON, root)
    assert outcome.plan is None
    found = [problem.message for problem in outcome.problems if problem.path == "nested.enabled"]
    assert "the kernel command line has kvm_amd.nested=0, which wins over modprobe.d" in found[0]
    assert "GRUB_CMDLINE_LINUX" in found[0]


def test_the_kernel_command_line_wins_and_the_plan_says_so(demo_host: DemoHost) -> None:
    facts, root = demo_host("amd-nested-off")
    put(root, "/etc/modprobe.d/kvm.conf", "options kvm_amd nested=1\n")
    outcome = plan(with_cmdline(facts, "kvm_amd.nested=1"), root, OFF)
    # The files are made right for when the parameter goes from the command line...
    assert "options kvm_amd nested=0" in (outcome.plan.edits[-1].after.decode() if outcome.plan else "")
    # ...and the plan says why that is not enough, reloads nothing (a reload would read nested=1 again) and
    # does not check a parameter that cannot change.
    assert outcome.plan is not None
    assert any("kernel command line sets kvm_amd.nested=1" in note for note in outcome.plan.notes)
    assert not [action for action in outcome.plan.actions if "kvm_amd" in action.id]
    assert not [check for check in outcome.plan.checks if check.kind is CheckKind.MODULE_PARAMETER]


def test_the_kernel_command_line_saying_the_same_needs_no_file(demo_host: DemoHost) -> None:
    facts, root = demo_host("amd-nested-off")
    cmdline = (facts.text("/proc/cmdline") or "").strip() + " kvm-amd.nested=1\n"
    facts = dataclasses.replace(facts, files={**facts.files, "/proc/cmdline": FileRead(content=cmdline)})
    outcome = plan(facts, root)
    assert (
        not [edit for edit in outcome.plan.edits if edit.kind.value == "modprobe"] if outcome.plan else True
    )


def test_diagnosis_reads_the_option_in_kmods_order(demo_host: DemoHost, tmp_path: Path) -> None:
    """A file of /usr/lib sorting after /etc's kvm.conf wins, as for modprobe: diagnosis says nested=0 is
    configured by it, not by kvm.conf's nested=1."""
    _, root = demo_host("amd-nested-off")
    put(root, "/etc/modprobe.d/kvm.conf", "options kvm_amd nested=1\n")
    put(root, "/usr/lib/modprobe.d/zz-hardening.conf", "options kvm_amd nested=0\n")
    put(root, "/usr/lib/modprobe.d/kvm.conf", "options kvm_amd nested=0\n")  # hidden by /etc's kvm.conf
    state = HostProfile.from_facts(probe(root, live_device_probe=False)).nested["kvm_amd"]
    assert state.configured is False
    assert "/usr/lib/modprobe.d/zz-hardening.conf" in (state.configured_by or "")
