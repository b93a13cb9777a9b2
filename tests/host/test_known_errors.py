"""Known configuration errors in nova-compute's log: their wordings, what counts as recent, their fixes."""

from __future__ import annotations

import dataclasses

import pytest

from tests.host.helpers import demo, find, with_file
from wizard.diagnosis.diagnose import diagnose
from wizard.diagnosis.findings import Status
from wizard.host.facts import FileRead, HostFacts
from wizard.host.ini_record import record_ini
from wizard.host.patterns import KNOWN_ERRORS, keep_log_line, log_process
from wizard.host.system import read_log

LOG = "/var/log/nova/nova-compute.log"
STAMP = "2025-03-10 09:14:02.118"
LOCATION = "from LocationInfo(location=<Locations.user: (4, True)>, detail='/etc/nova/nova.conf')"

# The wordings nova 34 and oslo.config 10.7 log (found in their source), and older ones still met.
WORDINGS = {
    "compute-driver-missing": f"{STAMP} 4410 ERROR nova.virt.driver [-] Compute driver option required, but not specified",
    "invalid-option-value": f"{STAMP} 4471 CRITICAL nova [-] Unhandled error: oslo_config.cfg.ConfigFileValueError: "
    f"Value for option images_type {LOCATION} is not valid: Valid values are [raw, flat, qcow2, lvm, rbd, ploop, "
    "default], but found 'qcow'",
    "cpu-models-without-custom": f"{STAMP} 4471 ERROR oslo_service.service [-] Error starting thread.: "
    "nova.exception.Invalid: The cpu_models option is not required when cpu_mode!=custom",
    "custom-needs-cpu-models": f"{STAMP} 4471 CRITICAL nova [-] Unhandled error: nova.exception.Invalid: The "
    "cpu_models option is required when cpu_mode=custom",
    "rbd-needs-raw-images": f"{STAMP} 4471 ERROR oslo_service.service [-] Error starting thread.: "
    "nova.exception.InvalidConfiguration: '[DEFAULT]/force_raw_images = False' is not allowed with "
    "'[libvirt]/images_type = rbd'. Please check the two configs and if you really do want to use rbd as "
    "images_type, set force_raw_images to True.",
    "lvm-volume-group": f"{STAMP} 3318 ERROR nova.compute.manager Stderr: '  Volume group \"nova-volumes\" not "
    "found\\n  Cannot process volume group nova-volumes\\n'",
}  # fmt: skip
OLDER = [
    ("cpu-models-without-custom", "A CPU model name should not be set when a host CPU model is requested"),
    ("custom-needs-cpu-models", "Config requested a custom CPU model, but no model name was provided"),
    ("lvm-volume-group", "RuntimeError: You should specify images_volume_group flag to use LVM images."),
    ("lvm-volume-group", "RuntimeError: vg nova-volumes must be LVM volume group"),
]


@pytest.mark.parametrize(("error_id", "line"), [*WORDINGS.items(), *OLDER])
def test_each_wording_is_recognised_and_kept(error_id: str, line: str) -> None:
    matching = [known.id for known in KNOWN_ERRORS if known.pattern.search(line)]
    assert matching[:1] == [error_id]
    assert keep_log_line(line)


def test_process_ids_of_oslo_and_journald_lines() -> None:
    assert log_process(f"{STAMP} 3102 ERROR nova.compute.manager [-] x") == "3102"
    assert log_process("Nov 04 10:22:12 compute03 nova-compute[3102]: ERROR x") == "3102"
    assert log_process("2024-11-04 10:22:12.301+0000: 1234: error : qemuProcessReportLogError") is None
    assert log_process("Stderr: '  Volume group \"x\" not found'") is None


def _log(facts: HostFacts, lines: list[str]) -> HostFacts:
    return with_file(facts, LOG, "".join(line + "\n" for line in lines))


START = "2025-03-10 09:00:00.498 2894 INFO nova.service [-] Starting compute node (version 34.0.0)"
NO_DRIVER = "2025-03-10 09:10:03.641 4410 ERROR nova.virt.driver [-] Compute driver option required, but not specified"
BAD_VALUE = WORDINGS["invalid-option-value"]


def test_a_failed_start_is_a_restart_even_without_its_start_line() -> None:
    view = read_log(_log(demo("intel-ready"), [START, NO_DRIVER, BAD_VALUE]), LOG)
    assert [(item.error_id, item.after_last_start) for item in view.errors] == [
        ("compute-driver-missing", False),
        ("invalid-option-value", True),
    ]
    assert view.last_start == BAD_VALUE


def test_the_same_process_failing_again_is_one_start() -> None:
    again = BAD_VALUE.replace("09:14:02.118", "09:14:02.119")
    view = read_log(_log(demo("intel-ready"), [START, BAD_VALUE, again]), LOG)
    assert [item.after_last_start for item in view.errors] == [True, True]


def test_a_good_start_after_the_error_makes_it_history() -> None:
    later = START.replace("09:00:00", "10:00:00").replace(" 2894 ", " 5120 ")
    diagnosis = diagnose(_log(demo("intel-ready"), [START, NO_DRIVER, later]))
    assert find(diagnosis, "nova-log-compute-driver-missing").status is Status.INFO
    assert diagnosis.verdict.code == "ready"


def _with_nova_conf(facts: HostFacts, text: str) -> HostFacts:
    files = dict(facts.files)
    files["/etc/nova/nova.conf"] = FileRead(content=record_ini("nova.conf", text), truncated=True)
    return dataclasses.replace(facts, files=files)


def test_the_log_error_names_the_nova_conf_finding_that_fixes_it() -> None:
    facts = _with_nova_conf(
        _log(demo("intel-ready"), [START, BAD_VALUE]), "[libvirt]\n\nimages_type = qcow\n"
    )
    diagnosis = diagnose(facts)
    logged = find(diagnosis, "nova-log-invalid-option-value")
    assert logged.status is Status.FAIL
    assert "option images_type in /etc/nova/nova.conf" in logged.title
    assert logged.remedy is not None
    assert logged.remedy.plan_fix == "nova-conf-invalid-value:libvirt.images_type"
    assert logged.remedy.commands == ("systemctl restart nova-compute",)
    assert "[libvirt] images_type = qcow2 in /etc/nova/nova.conf" in logged.remedy.settings
    lint = find(diagnosis, "nova-conf-invalid-value:libvirt.images_type")
    assert lint.title.startswith("nova.conf line 3: ")
    assert diagnosis.verdict.code == "fixable"


def test_a_corrected_file_still_needs_a_restart() -> None:
    facts = _with_nova_conf(_log(demo("intel-ready"), [START, BAD_VALUE]), "[libvirt]\nimages_type = qcow2\n")
    remedy = find(diagnose(facts), "nova-log-invalid-option-value").remedy
    assert remedy is not None
    assert remedy.plan_fix == "restart-nova-compute"
    assert "no longer has this problem" in remedy.summary


def test_compute_driver_unset_is_information_until_the_log_says_it_stops_nova() -> None:
    quiet = _with_nova_conf(demo("intel-ready"), "[DEFAULT]\ndebug = true\n")
    assert find(diagnose(quiet), "nova-conf-compute-driver:DEFAULT.compute_driver").status is Status.INFO
    diagnosis = diagnose(_log(quiet, [START, NO_DRIVER]))
    logged = find(diagnosis, "nova-log-compute-driver-missing")
    assert logged.status is Status.FAIL
    assert logged.remedy is not None
    assert logged.remedy.plan_fix == "nova-conf-compute-driver:DEFAULT.compute_driver"


def test_unreadable_or_unrecorded_settings_are_said_so() -> None:
    facts = with_file(demo("intel-ready"), "/etc/nova/nova.conf", error="EACCES: Permission denied")
    assert find(diagnose(facts), "nova-conf-lint").status is Status.UNKNOWN
    configs = ("/etc/nova/nova.conf", "/etc/glance/glance-api.conf")
    files = {path: read for path, read in demo("intel-ready").files.items() if path not in configs}
    older = dataclasses.replace(demo("intel-ready"), files=files)
    finding = find(diagnose(older), "nova-conf-lint")
    assert finding.status is Status.UNKNOWN
    assert "older kvm-wizard" in finding.evidence[0].observed
