"""Turn desired option values into a minimal edit of one INI file, keeping everything else byte-identical."""

from __future__ import annotations

from collections.abc import Iterable

from wizard.files.ini import IniChange, IniDocument
from wizard.option_types import Value
from wizard.options import InvalidValue, find_option, get_option, render_value, validate_value
from wizard.plan.current import CurrentFile, PlanningError
from wizard.plan.desired import Desired
from wizard.plan.model import FileEdit, FileKind, LineChange, NewFileAttributes, Reason

NEW_FILE_HEADER = "# Created by kvm-wizard. Options not set here keep their defaults.\n"


def _already(document: IniDocument, desired: Desired) -> bool:
    """Whether the file already says what is wanted, read the way oslo reads it."""
    option = get_option(desired.file, desired.section, desired.key)
    if desired.value is None:
        return document.get(desired.section, desired.key) is None and all(
            document.get(desired.section, name) is None for name in desired.also_unset
        )
    if any(document.get(desired.section, name) is not None for name in desired.also_unset):
        return False
    current = document.get(desired.section, desired.key)
    if current is None:
        return False
    if len(document.get_all(desired.section, desired.key)) > 1:
        return False  # a repeated single-valued option is tidied up to one line
    value = validate_value(option, current)
    if isinstance(value, InvalidValue):
        return False
    if isinstance(value, tuple) and isinstance(desired.value, tuple):
        compare = (lambda item: item.lower()) if option.ignore_case else (lambda item: item)
        return tuple(map(compare, value)) == tuple(map(compare, desired.value))
    return value == desired.value


def _write(document: IniDocument, desired: Desired) -> list[IniChange]:
    changes: list[IniChange] = []
    for name in desired.also_unset:
        changes.append(document.unset(desired.section, name))
    if desired.value is None:
        changes.append(document.unset(desired.section, desired.key))
        return changes
    option = get_option(desired.file, desired.section, desired.key)
    value: Value = desired.value
    if isinstance(value, tuple):
        changes.append(
            document.set_list(desired.section, desired.key, list(_rendered_items(option.label, value)))
        )
    else:
        changes.append(document.set(desired.section, desired.key, render_value(option, value)))
    return changes


def _rendered_items(label: str, items: Iterable[str]) -> Iterable[str]:
    for item in items:
        if "$" in item:
            raise PlanningError(f"{label}: {item!r} contains '$', which oslo would expand")
        yield item


def plan_ini_file(
    current: CurrentFile,
    kind: FileKind,
    settings: list[Desired],
    new_file: NewFileAttributes,
) -> FileEdit | None:
    """The edit that makes ``current`` say what ``settings`` want, or None when it already does."""
    if current.data is None:
        document = IniDocument.parse(NEW_FILE_HEADER.encode())
    else:
        document = IniDocument.parse(current.data)
    line_changes: list[LineChange] = []
    for desired in settings:
        if find_option(desired.file, desired.section, desired.key) is None:
            raise PlanningError(
                f"{desired.file} [{desired.section}] {desired.key}: not in the bundled option schema"
            )
        if _already(document, desired):
            continue
        for change in _write(document, desired):
            if change.changed:
                line_changes.append(
                    LineChange(
                        section=desired.section,
                        key=change.key,
                        old_lines=tuple(line.rstrip("\r\n") for line in change.old_lines),
                        new_lines=tuple(line.rstrip("\r\n") for line in change.new_lines),
                        reasons=desired.reasons
                        if change.key == desired.key
                        else (
                            *desired.reasons,
                            Reason(f"{change.key} is the deprecated name of {desired.key}", "nova 34"),
                        ),
                    )
                )
    if not line_changes:
        return None
    return FileEdit(
        path=current.path,
        kind=kind,
        before=current.data,
        after=document.to_bytes(),
        changes=tuple(line_changes),
        target=current.target,
        new_file=new_file,
    )


def written_value(desired: Desired) -> str | None:
    """The text the wizard writes after ``key = `` for this setting (None: it removes the option), found by
    making the edit on an empty section, so that other writers (the Ansible export) write the same bytes."""
    if desired.value is None:
        return None
    document = IniDocument.parse(f"[{desired.section}]\n".encode())
    for change in _write(document, desired):
        if change.key == desired.key and change.new_lines:
            return change.new_lines[-1].split("=", 1)[1].strip()
    raise PlanningError(f"{desired.file} [{desired.section}] {desired.key}: no line written")
