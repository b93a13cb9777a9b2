"""Config lint: nova.conf and glance-api.conf checked against the option rules, each problem at its line.

It reads the files as oslo.config does (wizard.files.ini), names what oslo would refuse or silently ignore,
runs the cross-option rules of wizard.rules, and proposes a repair where the intent is clear. It is pure:
text in, issues out. Diagnosis runs it on the settings the probe recorded (secrets already masked); rescue
runs it on the files under the root, where repairs are planned.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence

from wizard.files.ini import IniEntry
from wizard.host.ini_record import shown_line
from wizard.host.profile import HostProfile
from wizard.lint.document import ChainDocuments, Document, shown_entry
from wizard.lint.host_context import rule_context
from wizard.lint.issues import ConfigFile, ConfigReview, ConfigText, IniEdit, LintHost, LintIssue, Place
from wizard.lint.rule_issues import issues_from_violation, volume_group_choice
from wizard.lint.volume_groups import missing_volume_group
from wizard.option_types import FileKind
from wizard.options import (
    InvalidValue,
    find_option,
    get_option,
    known_options,
    known_sections,
    lookup_name,
    normalize_section,
    validate_value,
)
from wizard.rules import check_rules
from wizard.secrets import is_secret


def lint_host(profile: HostProfile) -> LintHost:
    """The host as the rules see it, with the volume groups the lint checks names against."""
    return LintHost(
        rule_context(profile, glance_api_node=profile.glance_api_conf.exists), profile.volume_groups
    )


def review_config(
    sources: Sequence[ConfigText], host: LintHost, edit_instead: Mapping[FileKind, str] | None = None
) -> ConfigReview:
    """Every problem of the given files, in file order per check, with repairs where the intent is clear.

    ``sources``: each service's files in the order it reads them (wizard.host.config_chain), its primary file
    first. Each file is checked on its own for what is wrong in it (syntax, names, repeated options); the rules
    between options judge what the service reads over all its files, once, at the line the value comes from.
    ``edit_instead``: the kinds whose files kvm-wizard must not write (kolla-ansible, the snap), and where to
    change them instead: their issues get no repair."""
    texts: dict[FileKind, list[tuple[str, Document | None]]] = {}
    files: list[ConfigFile] = []
    for source in sources:
        path = source.where
        if source.text is None:
            files.append(ConfigFile(source.file, path, source.error is not None, source.error, 0))
            texts.setdefault(source.file, []).append((path, None))
            continue
        document = Document(source.file, source.text, path)
        texts.setdefault(source.file, []).append((path, document))
        files.append(ConfigFile(source.file, path, True, None, len(document.entries)))
    chains = {kind: ChainDocuments(kind, found) for kind, found in texts.items()}
    issues: list[LintIssue] = []
    for chain in chains.values():
        for document in chain.documents.values():
            issues += _unparsable(document)
            issues += _names(document)
            issues += _repeated(document)
    nova = chains.get("nova.conf")
    if nova is not None and nova.documents:
        glance = chains.get("glance-api.conf")
        glance_config = glance.config() if glance is not None and glance.documents else None
        for violation in check_rules(nova.config(), glance_config, host.rules):
            issues += issues_from_violation(violation, chains, host)
        issues += _volume_group_missing(nova, host)
    unique: dict[str, LintIssue] = {}
    for issue in issues:
        unique.setdefault(issue.id, _owned(issue, edit_instead or {}))
    order = [file.path for file in files]
    # In the order the service reads its files and an operator reads a file; problems of options that are not
    # set come last.
    ranked = sorted(
        unique.values(),
        key=lambda issue: (order.index(issue.path), issue.line is None, issue.line or 0),
    )
    return ConfigReview(tuple(files), tuple(ranked))


def _owned(issue: LintIssue, edit_instead: Mapping[FileKind, str]) -> LintIssue:
    """An issue in files kvm-wizard must not write: no repair, the fix says where the change belongs."""
    owners = [edit_instead[edit.file] for edit in issue.repair if edit.file in edit_instead]
    if issue.file in edit_instead:
        owners.insert(0, edit_instead[issue.file])
    if not owners or (issue.severity == "info" and not issue.repair):
        return issue
    return dataclasses.replace(issue, repair=(), fix=f"{issue.fix}; make the change in {owners[0]}")


def _unparsable(document: Document) -> list[LintIssue]:
    return [
        LintIssue(
            document.file,
            document.path,
            "unparsable",
            "error",
            (Place("", "", problem.line_number, shown_line(problem.text)),),
            f"{problem.message}: oslo.config refuses the whole file, so nova does not start",
            "correct the line to `option = value`, or make it a comment with # at its start",
            key=f"line-{problem.line_number}",
        )
        for problem in document.ini.problems()
    ]


def _names(document: Document) -> list[LintIssue]:
    """Sections and options nova (or glance) does not read, old names, and names about to go away."""
    file = document.file
    found: list[LintIssue] = []
    unknown_sections: dict[str, list[IniEntry]] = {}
    going: list[Place] = []
    for (section, key), entries in document.by_option.items():
        entry = entries[-1]
        if section not in known_sections(file):
            # glance's stores live in sections the operator names: only nova's sections are a closed set.
            if file == "nova.conf":
                unknown_sections.setdefault(section, []).append(entry)
            continue
        lookup = lookup_name(file, section, key)
        place = Place(entry.section or section, key, entry.line_number, shown_entry(file, entry))
        if lookup.status == "deprecated_for_removal":
            going.append(place)
        elif lookup.status == "unknown":
            found.append(_unknown_option(document, place))
        elif lookup.status == "renamed" and find_option(file, section, key) is None:
            found.append(_renamed(document, place, lookup.section, lookup.name))
    for section, entries in unknown_sections.items():
        found.append(_unknown_section(document, section, entries))
    if going:
        names = ", ".join(f"[{place.section}] {place.option}" for place in going)
        found.append(
            LintIssue(
                file,
                document.path,
                "deprecated-for-removal",
                "info",
                tuple(going),
                f"{names}: still read, but deprecated for removal in a future release",
                "read the release notes before upgrading; nothing to change today",
            )
        )
    return found


def _close(word: str, candidates: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.8)
    return matches[0] if matches else None


def _unknown_option(document: Document, place: Place) -> LintIssue:
    file, section, key = document.file, normalize_section(place.section), place.option
    target: tuple[str, str] | None = None
    close = _close(key, sorted(known_options(file, section)))
    if close is not None:
        target, hint = (place.section, close), f"did you mean {close}?"
    else:
        homes = sorted(name for name in known_sections(file) if key in known_options(file, name))
        if len(homes) == 1:
            target, hint = (homes[0], key), f"nova reads {key} from [{homes[0]}]"
        else:
            hint = "remove it, or correct its name"
    repair: tuple[IniEdit, ...] = ()
    fix = hint
    if target is not None and document.last(*target) is None:
        why = f"[{place.section}] {key} is not an option: its value was ignored; {hint}"
        repair = (
            IniEdit(
                file, document.path, "move", place.section, key, why, to_section=target[0], to_key=target[1]
            ),
        )
        fix = f"rename it to [{target[0]}] {target[1]}"
    elif target is not None:
        fix = f"{hint}; [{target[0]}] {target[1]} is already set, so remove this line"
    return LintIssue(
        file,
        document.path,
        "unknown-option",
        "warning",
        (place,),
        f"[{place.section}] {key} is not a {file} option: nova ignores it ({hint})",
        fix,
        repair,
        key=f"{place.section}.{key}",
    )


def _renamed(document: Document, place: Place, new_section: str, new_name: str) -> LintIssue:
    file = document.file
    current = document.last(new_section, new_name)
    message = f"[{place.section}] {place.option} is the old name of [{new_section}] {new_name}"
    if current is None:
        why = f"{message}; nova reads the old name for now"
        repair = (
            IniEdit(
                file,
                document.path,
                "move",
                place.section,
                place.option,
                why,
                to_section=new_section,
                to_key=new_name,
            ),
        )
        fix = f"rename it to [{new_section}] {new_name}"
    else:
        message += f", which is also set (line {current.line_number}): this line is ignored"
        repair = (IniEdit(file, document.path, "unset", place.section, place.option, message),)
        fix = "remove this line"
    return LintIssue(
        file,
        document.path,
        "renamed-option",
        "warning",
        (place,),
        message,
        fix,
        repair,
        key=f"{place.section}.{place.option}",
    )


def _unknown_section(document: Document, section: str, entries: list[IniEntry]) -> LintIssue:
    written = entries[0].section or section
    known = sorted(known_sections(document.file))
    if section.upper() == "DEFAULT":
        hint = "oslo.config reads only [DEFAULT], in capitals"
    else:
        close = _close(section, known)
        hint = f"did you mean [{close}]?" if close else "nova reads nothing from it"
    places = tuple(
        Place(entry.section or written, entry.key, entry.line_number, shown_entry(document.file, entry))
        for entry in entries
    )
    return LintIssue(
        document.file,
        document.path,
        "unknown-section",
        "warning",
        places,
        f"[{written}] is not a section of {document.file}: its {len(entries)} option(s) are ignored ({hint})",
        "move the options to the section nova reads them from",
        key=section,
    )


def _repeated(document: Document) -> list[LintIssue]:
    """A single-valued option set more than once: oslo reads the last line, the others mislead."""
    found = []
    for (section, key), entries in document.by_option.items():
        if len(entries) < 2 or find_option(document.file, section, key) is None:
            continue
        last = entries[-1]
        written = last.section or section
        lines = ", ".join(str(entry.line_number) for entry in entries)
        message = f"[{written}] {key} is set {len(entries)} times (lines {lines}): oslo reads line {last.line_number} only"
        repair: tuple[IniEdit, ...] = ()
        if not is_secret(document.file, section, key) and not last.continued:
            why = f"{message}; the earlier lines are removed, the value oslo reads stays"
            repair = (IniEdit(document.file, document.path, "set", written, key, why, value=last.value),)
        places = tuple(
            Place(written, key, entry.line_number, shown_entry(document.file, entry))
            for entry in reversed(entries)
        )
        found.append(
            LintIssue(
                document.file,
                document.path,
                "repeated-option",
                "warning",
                places,
                message,
                "keep one line",
                repair,
                key=f"{section}.{key}",
            )
        )
    return found


def _volume_group_missing(nova: ChainDocuments, host: LintHost) -> list[LintIssue]:
    """images_type = lvm with a volume group this host does not have: every disk creation fails (judged on what
    nova-compute reads over all its files, at the line that names the group)."""
    groups = host.volume_groups
    images_type = nova.last("libvirt", "images_type")
    group = nova.last("libvirt", "images_volume_group")
    if groups is None or images_type is None or group is None or not group.value:
        return []
    typed = validate_value(get_option("nova.conf", "libvirt", "images_type"), images_type.raw_value)
    if isinstance(typed, InvalidValue) or typed != "lvm":
        return []
    missing = missing_volume_group(group.value, groups, "")
    if missing is None:
        return []
    choice = volume_group_choice(groups)
    path, place = nova.place("libvirt", "images_volume_group")
    repair: tuple[IniEdit, ...] = ()
    fix = missing.fix
    if choice is not None:
        name, reason = choice
        why = f"volume group {group.value} does not exist; {name} is {reason}"
        repair = (IniEdit("nova.conf", path, "set", group.section or "libvirt", group.key, why, value=name),)
        fix = f"set images_volume_group = {name} ({reason}), or create {group.value}"
    return [
        LintIssue(
            "nova.conf",
            path,
            "volume-group-missing",
            "error",
            (place, nova.place("libvirt", "images_type")[1]),
            f"images_volume_group = {group.value}: {missing.what}; instances with disks fail to build",
            fix,
            repair,
            key="libvirt.images_volume_group",
        )
    ]
