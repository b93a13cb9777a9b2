"""Checks of nova.conf and glance-api.conf as the probe recorded them: config lint, each problem at its line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.diagnosis.checks.common import Assessment, Impact, assess
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.host.facts import HostFacts
from wizard.host.ini_record import CONFIG_PATHS, ID_PREFIXES, RECORDED_CONFIGS, restore_ini
from wizard.host.profile import HostProfile

# The lint (option schema, rules) loads only when there is a file to lint: a first-boot host has none.
if TYPE_CHECKING:
    from wizard.lint.issues import ConfigFile, ConfigReview, LintIssue

_STATUS = {"error": Status.FAIL, "warning": Status.WARN, "info": Status.INFO}
NOT_RECORDED = "its settings are not in these facts (recorded by an older kvm-wizard); record the host again"


def review_recorded(facts: HostFacts, profile: HostProfile) -> ConfigReview | None:
    """Lint of the settings in the facts (pure: the probe recorded them, secrets masked); None when the facts
    hold no configuration file at all."""
    if not any(_recorded(facts, path) for path in RECORDED_CONFIGS):
        return None
    from wizard.lint.issues import ConfigText
    from wizard.lint.review import lint_host, review_config

    sources: list[ConfigText] = []
    for path, kind in RECORDED_CONFIGS.items():
        read = facts.files.get(path)
        if read is not None and read.content is not None:
            sources.append(ConfigText(kind, restore_ini(read.content)))
        elif read is not None and read.error and not read.error.startswith("ENOENT"):
            sources.append(ConfigText(kind, None, read.error))
        elif read is None and facts.stat(path).exists:
            sources.append(ConfigText(kind, None, NOT_RECORDED))
        else:
            sources.append(ConfigText(kind, None))
    # The rules between options judge what nova-compute reads over all its files (nova.conf.d, Debian's
    # nova-compute.conf), not nova.conf alone.
    alone = profile.nova_chain.present in ((), (CONFIG_PATHS["nova.conf"],))
    effective = None if alone else profile.nova_config.raw_config()
    return review_config(sources, lint_host(profile), effective)


def _recorded(facts: HostFacts, path: str) -> bool:
    """Whether the facts say anything about this file beyond "it does not exist"."""
    read = facts.files.get(path)
    if read is not None and (read.content is not None or not (read.error or "").startswith("ENOENT")):
        return True
    return facts.stat(path).exists


def issue_title(issue: LintIssue) -> str:
    where = f"{issue.file} line {issue.line}" if issue.line is not None else issue.file
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
    finding_id = f"{ID_PREFIXES[file.file]}-lint"
    path = next(path for path, kind in RECORDED_CONFIGS.items() if kind == file.file)
    if file.error is not None:
        title = f"{file.file}'s settings were not checked against the option rules"
        return [assess(finding_id, Status.UNKNOWN, title, [Evidence(path, file.error)])]
    if any(issue.severity != "info" for issue in issues):
        return []  # the problems below say it
    return [
        assess(
            finding_id,
            Status.PASS,
            f"{file.file}: its {file.settings} settings follow the option rules",
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
        issues = review.issues_of(file.file)
        found += _summary(ctx, file, issues)
        errors = [issue for issue in issues if issue.severity == "error"]
        lines = [str(issue.line) for issue in errors if issue.line is not None]
        where = f" (line{'s' if len(lines) > 1 else ''} {', '.join(lines)})" if lines else ""
        reason = f"{file.file} has {len(errors)} error(s) that stop nova-compute{where}"
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
