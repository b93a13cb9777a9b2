"""One desired option value as a minimal edit of one INI file, keeping everything else byte-identical."""

from __future__ import annotations

from collections.abc import Iterable

from wizard.files.ini import IniChange, IniDocument
from wizard.option_types import Value
from wizard.options import get_option, render_value
from wizard.plan.current import PlanningError
from wizard.plan.desired import Desired

NEW_FILE_HEADER = "# Created by kvm-wizard. Options not set here keep their defaults.\n"


def write_setting(document: IniDocument, desired: Desired) -> list[IniChange]:
    """Make one file say what ``desired`` wants (remove the option, and its deprecated names, when its value is
    None); every other line stays as it is."""
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


def written_value(desired: Desired) -> str | None:
    """The text the wizard writes after ``key = `` for this setting (None: it removes the option), found by
    making the edit on an empty section, so that other writers (the Ansible export) write the same bytes."""
    if desired.value is None:
        return None
    document = IniDocument.parse(f"[{desired.section}]\n".encode())
    for change in write_setting(document, desired):
        if change.key == desired.key and change.new_lines:
            return change.new_lines[-1].split("=", 1)[1].strip()
    raise PlanningError(f"{desired.file} [{desired.section}] {desired.key}: no line written")
