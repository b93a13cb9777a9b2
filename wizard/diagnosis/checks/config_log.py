"""nova-compute's configuration errors in its log, tied to the config lint finding that explains each one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Remedy
from wizard.host.ini_record import CONFIG_PATHS
from wizard.host.patterns import KNOWN_ERRORS
from wizard.host.system import DistroFamily, LogError

# The lint's types only: loading the lint costs `check` ~30 ms on a host without nova.conf.
if TYPE_CHECKING:
    from wizard.lint.issues import LintIssue

# Known log errors -> the lint rules whose finding explains them.
EXPLAINED_BY: dict[str, tuple[str, ...]] = {
    "compute-driver-missing": ("compute-driver",),
    "invalid-option-value": ("invalid-value", "inline-comment", "two-options-on-one-line"),
    "cpu-models-without-custom": ("cpu-models-without-custom",),
    "custom-needs-cpu-models": ("custom-needs-cpu-models",),
    "rbd-needs-raw-images": ("rbd-needs-raw-images",),
    "lvm-volume-group": ("lvm-needs-volume-group", "volume-group-missing"),
}
RESTART_FIX = "restart-nova-compute"


def nova_unit(ctx: Context) -> str:
    rhel = ctx.profile.distribution.family is DistroFamily.RHEL
    return "openstack-nova-compute" if rhel else "nova-compute"


def _details(error: LogError) -> dict[str, str]:
    known = next(item for item in KNOWN_ERRORS if item.id == error.error_id)
    match = known.pattern.search(error.line)
    return {key: value for key, value in (match.groupdict() if match else {}).items() if value}


def log_detail(error: LogError) -> str:
    """What the log line names, for the finding's title: the option, the volume group."""
    details = _details(error)
    if "option" in details:
        return f"option {details['option']}" + (f" in {details['file']}" if "file" in details else "")
    group = details.get("group") or details.get("vg")
    return f"volume group {group}" if group else ""


def explaining_issue(ctx: Context, error: LogError) -> LintIssue | None:
    """The lint issue behind a configuration error in the log, if nova.conf still has it."""
    review = ctx.config
    rules = EXPLAINED_BY.get(error.error_id, ())
    if review is None or not rules:
        return None
    option = _details(error).get("option")
    for issue in review.issues:
        if issue.rule in rules and (option is None or (issue.places and issue.places[0].option == option)):
            return issue
    return None


def config_error_remedy(ctx: Context, error: LogError) -> Remedy | None:
    """What to do about a configuration error nova-compute logged since its last start."""
    if error.error_id not in EXPLAINED_BY:
        return None
    unit = nova_unit(ctx)
    restart = f"systemctl restart {unit}"
    issue = explaining_issue(ctx, error)
    if issue is not None:
        where = f"{issue.name} line {issue.line}" if issue.line is not None else issue.name
        settings = tuple(edit.describe() for edit in issue.repair)
        return Remedy(
            summary=f"Correct {where} as finding {issue.id} says, then restart {unit}",
            commands=(restart,),
            settings=settings,
            why=f"{issue.message}. nova-compute reads its configuration only when it starts.",
            plan_fix=issue.id if issue.repair else None,
        )
    details = _details(error)
    file = details.get("file", "")
    review = ctx.config
    checked = review is not None and any(
        item.present and item.error is None and item.path == (file or CONFIG_PATHS["nova.conf"])
        for item in review.files
    )
    if checked:
        return Remedy(
            summary=f"{file or 'nova.conf'} no longer has this problem: restart {unit} so that it reads the file",
            commands=(restart,),
            why="nova-compute stopped with this error after its last start and reads its configuration only "
            "when it starts again.",
            plan_fix=RESTART_FIX,
        )
    option = details.get("option")
    subject = f"{option} in {file or 'nova.conf'}" if option else "the setting the log names"
    return Remedy(
        summary=f"Correct {subject}, then restart {unit}",
        commands=(restart,),
        why="kvm-wizard could not check that file's settings here.",
    )
