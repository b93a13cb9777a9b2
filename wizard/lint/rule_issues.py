"""wizard.rules' violations as lint issues: the lines they are about, and a repair where the intent is clear.

A repair is proposed only when one reading of the operator's intent is plainly right (the docs' "qcow" means
qcow2, a comment belongs on its own line); choices that need the operator (which CPU model, which volume group
among several) get words, not edits. Values are never repaired in secret options: the preview would mask them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from wizard.cpu_names import cpu_flag_vendor
from wizard.files.ini_syntax import parse_list, unquote
from wizard.host.ini_record import CONFIG_PATHS
from wizard.lint.document import ChainDocuments, Document
from wizard.lint.issues import EditKind, IniEdit, LintHost, LintIssue, Place, Severity
from wizard.option_types import FileKind, Option
from wizard.options import (
    INLINE_COMMENT,
    InvalidValue,
    find_option,
    known_options,
    normalize_section,
    validate_value,
)
from wizard.rules import LIBVIRT_DRIVERS, OptionValue, RuleViolation
from wizard.secrets import is_secret

Documents = Mapping[FileKind, ChainDocuments]  # each service's files
Repair = Callable[[RuleViolation, Documents, LintHost], tuple[IniEdit, ...]]
_ASSIGNMENT = re.compile(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)\s*=")
# The value an InvalidValue's fix names: "there is no 'qcow': use qcow2", "did you mean True?".
_SUGGESTED = re.compile(r"(?:use|did you mean) (?P<value>[^\s,;:?()]+)\??$")
_NESTED_FLAG = {"intel": "vmx", "amd": "svm"}


def issues_from_violation(violation: RuleViolation, documents: Documents, host: LintHost) -> list[LintIssue]:
    first = violation.options[0]
    located = [_place(item, documents) for item in violation.options]
    places = tuple(place for _, place in located)
    severity: Severity = violation.severity
    if violation.rule == "compute-driver" and first.value is None:
        # Debian and Ubuntu set it in /etc/nova/nova-compute.conf, which nova-compute also reads: not
        # setting it here is normal there. The log says when nova-compute really misses it.
        severity = "info"
    repair = _REPAIRS.get(violation.rule)
    fix = violation.fix
    if violation.rule == "invalid-value":
        fix = f"write a value nova accepts ({fix})"
    return [
        LintIssue(
            first.file,
            located[0][0],
            violation.rule,
            severity,
            places,
            violation.message,
            fix,
            repair(violation, documents, host) if repair is not None else (),
            key=f"{first.section}.{first.option}",
        )
    ]


def _place(item: OptionValue, documents: Documents) -> tuple[str, Place]:
    """The file and line the option's value comes from (the service's primary file when no file sets it)."""
    chain = documents.get(item.file)
    if chain is None or not chain.documents:
        return CONFIG_PATHS[item.file], Place(
            item.section, item.option, None, f"[{item.section}] {item.option} ({item.file} not read)"
        )
    return chain.place(item.section, item.option)


def volume_group_choice(groups: tuple[str, ...] | None) -> tuple[str, str] | None:
    """The volume group an operator surely means, and why: the only one, or the only one named for nova."""
    if not groups:
        return None
    if len(groups) == 1:
        return groups[0], "the only volume group on this host"
    named = [group for group in groups if "nova" in group.lower()]
    if len(named) == 1:
        return named[0], f"the only volume group here named for nova (vgs: {', '.join(groups)})"
    return None


def _editable(violation: RuleViolation, documents: Documents) -> tuple[Document, str, str, str] | None:
    """(document, section as written, key, raw value) of the first option in the file its value comes from,
    when a repair may rewrite it."""
    first = violation.options[0]
    chain = documents.get(first.file)
    found = chain.winner(first.section, first.option) if chain is not None else None
    if found is None or found[1].continued or is_secret(first.file, first.section, first.option):
        return None
    document, entry = found
    return document, entry.section or first.section, entry.key, entry.raw_value


def _valid(option: Option | None, text: str) -> bool:
    return option is None or not isinstance(validate_value(option, text), InvalidValue)


def _set(document: Document, section: str, key: str, text: str, why: str, *, comment: str = "") -> IniEdit:
    """Set a value in the document's file as the operator wrote it; a list option is written item by item."""
    file, path = document.file, document.path
    option = find_option(file, section, key)
    if option is not None and option.type == "list":
        typed = validate_value(option, text)
        items = typed if isinstance(typed, tuple) else tuple(parse_list(text))
        return IniEdit(file, path, "set-list", section, key, why, items=items, comment=comment)
    return IniEdit(file, path, "set", section, key, why, value=text, comment=comment)


def _two_on_one_line(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    found = _editable(violation, documents)
    if found is None:
        return ()
    document, section, key, raw = found
    names = known_options(document.file, normalize_section(section))
    second = next((match for match in _ASSIGNMENT.finditer(raw) if match[1] in names), None)
    if second is None:
        return ()
    first_value, rest = unquote(raw[: second.start()].strip()), unquote(raw[second.end() :].strip())
    if not first_value or any(match[1] in names for match in _ASSIGNMENT.finditer(rest)):
        return ()
    if not _valid(find_option(document.file, section, key), first_value):
        return ()
    other = second[1]
    elsewhere = document.last(section, other)
    why = f"{key} and {other} shared one line: oslo read all of it as {key}'s value"
    if elsewhere is not None:
        why += f"; {other} is set on line {elsewhere.line_number} already, so this copy is dropped"
        return (_set(document, section, key, first_value, why),)
    if not rest or not _valid(find_option(document.file, section, other), rest):
        return (
            _set(document, section, key, first_value, why + f"; {other} = {rest} was not valid: dropped"),
        )
    return (
        _set(document, section, key, first_value, why),
        _set(document, section, other, rest, f"{other} gets a line of its own"),
    )


def _inline_comment(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    found = _editable(violation, documents)
    if found is None:
        return ()
    document, section, key, raw = found
    comment = INLINE_COMMENT.search(raw)
    if comment is None:
        return ()
    value, note = unquote(raw[: comment.start()].strip()), raw[comment.start() :].strip()
    if not value or not _valid(find_option(document.file, section, key), value):
        return ()
    why = "oslo has no inline comments: the comment was part of the value; it gets a line of its own"
    return (_set(document, section, key, value, why, comment=note),)


def _invalid_value(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    found = _editable(violation, documents)
    if found is None:
        return ()
    document, section, key, raw = found
    option = find_option(document.file, section, key)
    result = validate_value(option, raw) if option is not None else None
    if option is None or not isinstance(result, InvalidValue):
        return ()
    match = _SUGGESTED.search(result.fix)
    if match is None or not _valid(option, match["value"]):
        return ()
    why = f"{key} = {result.value} is not a value nova accepts: {result.fix}"
    return (_set(document, section, key, match["value"], why),)


def _deprecated_name(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    first = violation.options[0]
    chain = documents.get(first.file)
    found = chain.winner(first.section, first.option) if chain is not None else None
    option = find_option(first.file, first.section, first.option)
    if found is None or option is None or found[0].last(option.section, option.name) is not None:
        return ()
    document = found[0]
    why = f"{first.option} is the deprecated name of {option.name}; the value stays"
    return (
        IniEdit(
            first.file,
            document.path,
            "move",
            first.section,
            first.option,
            why,
            to_section=option.section,
            to_key=option.name,
        ),
    )


def _set_where(
    chain: ChainDocuments, section: str, key: str, why: str, *, value: str = "", items: tuple[str, ...] = ()
) -> IniEdit:
    """Set an option in the file its value comes from (the service's primary file when no file sets it)."""
    kind: EditKind = "set-list" if items else "set"
    return IniEdit(chain.file, chain.path_of(section, key), kind, section, key, why, value=value, items=items)


def _unset_everywhere(chain: ChainDocuments, section: str, key: str, why: str) -> tuple[IniEdit, ...]:
    """Remove an option from every file that sets it, so that no earlier file's value shows through."""
    return tuple(
        IniEdit(chain.file, path, "unset", section, key, why)
        for path, document in chain.documents.items()
        if document.last(section, key) is not None
    )


def _deprecated_value(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    found = _editable(violation, documents)
    if found is None:
        return ()
    document, section, key, raw = found
    option = find_option(document.file, section, key)
    typed = validate_value(option, raw) if option is not None else None
    aliases = dict(option.value_aliases) if option is not None else {}
    if not isinstance(typed, str) or typed not in aliases:
        return ()
    why = f"{typed} is a deprecated alias of {aliases[typed]}: same behaviour, current spelling"
    return (_set(document, section, key, aliases[typed], why),)


def _compute_driver(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    first = violation.options[0]
    state = "is not set" if first.value is None else f"is {first.value}"
    why = f"compute_driver {state}: nova-compute needs the libvirt driver to run KVM guests"
    return (
        _set_where(documents["nova.conf"], first.section, "compute_driver", why, value=LIBVIRT_DRIVERS[0]),
    )


def _lvm_volume_group(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    choice = volume_group_choice(host.volume_groups)
    if choice is None:
        return ()
    why = f"images_type = lvm creates instance disks in this volume group: {choice[1]}"
    return (_set_where(documents["nova.conf"], "libvirt", "images_volume_group", why, value=choice[0]),)


def _rbd_raw_images(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    raw_images = violation.options[1]
    why = "with images_type = rbd, images must be raw so Ceph can clone them; nova-compute refuses to start"
    return (_set_where(documents["nova.conf"], raw_images.section, raw_images.option, why, value="True"),)


def _rbd_download_with_rbd(
    violation: RuleViolation, documents: Documents, host: LintHost
) -> tuple[IniEdit, ...]:
    why = "with images_type = rbd nova clones images inside Ceph; a direct download is never used"
    return _unset_everywhere(documents["nova.conf"], "glance", "enable_rbd_download", why)


def _direct_url(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    glance = documents.get("glance-api.conf")
    if glance is None or not glance.documents:
        return ()
    why = "nova's direct download needs image locations from glance; they become visible to API users"
    return (_set_where(glance, "DEFAULT", "show_image_direct_url", why, value="True"),)


def _cpu_models_without_custom(
    violation: RuleViolation, documents: Documents, host: LintHost
) -> tuple[IniEdit, ...]:
    mode, models = violation.options[0], violation.options[1]
    nova = documents["nova.conf"]
    if mode.value is None:
        why = f"{models.option} names CPU models, which nova uses only with cpu_mode = custom"
        return (_set_where(nova, "libvirt", "cpu_mode", why, value="custom"),)
    why = f"cpu_mode = {mode.value} was chosen explicitly; CPU models apply only to cpu_mode = custom"
    return tuple(
        edit
        for name in ("cpu_models", "cpu_model")
        for edit in _unset_everywhere(nova, models.section, name, why)
    )


def _cpu_mode_virt_type(
    violation: RuleViolation, documents: Documents, host: LintHost
) -> tuple[IniEdit, ...]:
    mode = violation.options[0]
    why = "only virt_type kvm and qemu let nova choose the guest CPU; the option stops nova-compute"
    return _unset_everywhere(documents["nova.conf"], mode.section, mode.option, why)


def _flags(documents: Documents) -> tuple[ChainDocuments, str, list[str]] | None:
    chain = documents["nova.conf"]
    entry = chain.last("libvirt", "cpu_model_extra_flags")
    if entry is None or entry.continued:
        return (chain, "libvirt", []) if entry is None else None
    return chain, entry.section or "libvirt", parse_list(entry.value)


def _cpu_flag_vendor(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    vendor, found = host.rules.cpu_vendor, _flags(documents)
    if found is None or vendor not in ("intel", "amd"):
        return ()
    chain, section, flags = found
    kept = [flag for flag in flags if flag.startswith("-") or cpu_flag_vendor(flag) in (None, vendor)]
    why = f"{', '.join(flag for flag in flags if flag not in kept)}: no {vendor.capitalize()} CPU has it"
    if not kept:
        return _unset_everywhere(chain, section, "cpu_model_extra_flags", why)
    return (_set_where(chain, section, "cpu_model_extra_flags", why, items=tuple(kept)),)


def _nested_flag(violation: RuleViolation, documents: Documents, host: LintHost) -> tuple[IniEdit, ...]:
    vendor, found = host.rules.cpu_vendor, _flags(documents)
    mode = violation.options[0].value
    if found is None or vendor not in _NESTED_FLAG or mode == "none":
        return ()
    chain, section, flags = found
    flag = _NESTED_FLAG[vendor]
    why = f"guests see {flag} only when it is listed: nested guests need it in {mode or 'host-model'} mode"
    kept = [item for item in flags if cpu_flag_vendor(item) in (None, vendor) or item.startswith("-")]
    return (_set_where(chain, section, "cpu_model_extra_flags", why, items=(*kept, flag)),)


_REPAIRS: dict[str, Repair] = {
    "two-options-on-one-line": _two_on_one_line,
    "inline-comment": _inline_comment,
    "invalid-value": _invalid_value,
    "deprecated-name": _deprecated_name,
    "deprecated-value": _deprecated_value,
    "compute-driver": _compute_driver,
    "lvm-needs-volume-group": _lvm_volume_group,
    "rbd-needs-raw-images": _rbd_raw_images,
    "rbd-download-with-rbd-images": _rbd_download_with_rbd,
    "rbd-download-needs-direct-url": _direct_url,
    "cpu-models-without-custom": _cpu_models_without_custom,
    "cpu-mode-needs-kvm-or-qemu": _cpu_mode_virt_type,
    "cpu-flag-vendor": _cpu_flag_vendor,
    "nested-needs-cpu-flag": _nested_flag,
}
