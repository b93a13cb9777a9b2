"""Checks of the files nova-compute and glance-api read, as the probe recorded them: config lint, each problem at
its file and line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.diagnosis.checks.common import Assessment, Impact, assess
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.config_chain import chain_paths
from wizard.host.facts import HostFacts
from wizard.host.ini_record import finding_id, restore_ini
from wizard.host.profile import HostProfile

# The lint (option schema, rules) loads only when there is a file to lint: a first-boot host has none.
if TYPE_CHECKING:
    from wizard.lint.issues import ConfigFile, ConfigReview, LintIssue

_STATUS = {"error": Status.FAIL, "warning": Status.WARN, "info": Status.INFO}
NOT_RECORDED = "its settings are not in these facts (recorded by an older kvm-wizard); record the host again"


def review_recorded(facts: HostFacts, profile: HostProfile) -> ConfigReview | None:
    """Lint of the settings in the facts (pure: the probe recorded them, secrets masked) of every file
    nova-compute and glance-api read; None when the facts hold no such file at all."""
    chains = (profile.nova_chain, profile.glance_chain)
    if not any(_recorded(facts, path) for chain in chains for path in chain_paths(chain)):
        return None
    from wizard.lint.chains import review_chains
    from wizard.lint.review import lint_host

    def read(path: str) -> tuple[str | None, str | None]:
        found = facts.files.get(path)
        if found is not None and found.content is not None:
            return restore_ini(found.content), None
        if found is not None and found.error and not found.error.startswith("ENOENT"):
            return None, found.error
        if found is None and facts.stat(path).exists:
            return None, NOT_RECORDED
        return None, None

    return review_chains(chains, read, lint_host(profile))


def _recorded(facts: HostFacts, path: str) -> bool:
    """Whether the facts say anything about this file beyond "it does not exist"."""
    read = facts.files.get(path)
    if read is not None and (read.content is not None or not (read.error or "").startswith("ENOENT")):
        return True
    return facts.stat(path).exists


def issue_title(issue: LintIssue) -> str:
    where = f"{issue.name} line {issue.line}" if issue.line is not None else issue.name
    return f"{where}: {issue.message}"


def issue_remedy(issue: LintIssue) -> Remedy:
    """The issue's fix in words, the exact settings of its repair, and the repair's id when there is one."""
    summary = issue.fix[:1].upper() + issue.fix[1:]
    if not issue.repair:
        return Remedy(summary=summary)
    return Remedy(
        summary=summary,
        settings=tuple(edit.describe() for edit in issue.repair),
        why=issue.repair[0].why,
        plan_fix=issue.id,
    )


def _evidence(issue: LintIssue) -> list[Evidence]:
    return [
        Evidence(f"{issue.path} line {place.line}" if place.line is not None else issue.path, place.shown)
        for place in issue.places
    ]


def _summary(ctx: Context, file: ConfigFile, issues: tuple[LintIssue, ...]) -> list[Assessment]:
    summary_id = finding_id(file.file, file.path, "lint")
    path = file.path
    if file.error is not None:
        title = f"{file.name}'s settings were not checked against the option rules"
        return [assess(summary_id, Status.UNKNOWN, title, [Evidence(path, file.error)])]
    if any(issue.severity != "info" for issue in issues):
        return []  # the problems below say it
    return [
        assess(
            summary_id,
            Status.PASS,
            f"{file.name}: its {file.settings} settings follow the option rules",
            [Evidence(path, f"{file.settings} assignments, secrets masked at recording")],
        )
    ]


def check_config(ctx: Context) -> list[Assessment]:
    review = ctx.config
    if review is None:
        return []
    found: list[Assessment] = []
    for file in review.files:
        if not file.present:
            continue
        issues = review.issues_in(file.path)
        found += _summary(ctx, file, issues)
        errors = [issue for issue in issues if issue.severity == "error"]
        lines = [str(issue.line) for issue in errors if issue.line is not None]
        where = f" (line{'s' if len(lines) > 1 else ''} {', '.join(lines)})" if lines else ""
        reason = f"{file.name} has {len(errors)} error(s) that stop nova-compute{where}"
        for issue in issues:
            error = issue.severity == "error"
            found.append(
                assess(
                    issue.id,
                    _STATUS[issue.severity],
                    issue_title(issue),
                    _evidence(issue),
                    remedy=issue_remedy(issue),
                    impact=Impact.FIXABLE if error else None,
                    reason=reason if error else "",
                )
            )
    return found
