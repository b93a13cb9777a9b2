"""Fix plans: lint repairs made with the INI editor, and the planner's own module and /dev/kvm actions.

A fix is a recipe (INI edits, system work); build_fix_plan() turns one or several recipes into one Plan
against the files under the root, the same Plan that `kvm-wizard apply` runs through the transaction.
Recipes that change an option an earlier recipe already changed are left out (and named): the next
rescue run offers them again on the new file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wizard.answers import Answers, HypervisorAnswers, PerformanceAnswers
from wizard.files.ini import IniChange, IniDocument, IniError
from wizard.files.lines import decode, encode, split_lines
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.lint.issues import IniEdit
from wizard.option_types import FileKind
from wizard.plan.actions import ActionPlan, device_actions, module_actions, restart_actions
from wizard.plan.current import PlanningError, read_current
from wizard.plan.model import Check, CheckKind, FileEdit, LineChange, Plan, Reason
from wizard.plan.model import FileKind as EditKind
from wizard.plan.module_files import ModuleWanted, plan_boot_modules

_EDIT_KINDS: dict[FileKind, EditKind] = {
    "nova.conf": EditKind.NOVA_CONF,
    "glance-api.conf": EditKind.GLANCE_API_CONF,
}


@dataclass(frozen=True)
class FixRecipe:
    """What one fix changes. The system work is the planner's: modules as for virt_type kvm, /dev/kvm access."""

    source: str  # the finding the fix answers, for the reasons: "nova-conf-invalid-value:libvirt.images_type"
    edits: tuple[IniEdit, ...] = ()
    load_modules: bool = False  # load the KVM modules now and list them for boot
    device_access: bool = False  # give /dev/kvm group kvm and mode 0660, the QEMU user in group kvm
    restart_libvirt: bool = False  # libvirt logged that KVM was missing: say how to restart it
    restart_nova: bool = False  # only a restart (the configuration is right already)


@dataclass
class _Work:
    edits: list[FileEdit] = field(default_factory=list)
    system: ActionPlan = field(default_factory=ActionPlan)
    skipped: list[str] = field(default_factory=list)  # sources of recipes left out


def _kvm_answers() -> Answers:
    """The answers the planner's module and device actions read: KVM, and nothing optional."""
    return Answers(hypervisor=HypervisorAnswers("kvm"), performance=PerformanceAnswers(vhost_net=False))


def _reasons(edit: IniEdit, recipe: FixRecipe) -> tuple[Reason, ...]:
    return (Reason(edit.why, f"rescue: {recipe.source}"),)


def _moved(edit: IniEdit, recipe: FixRecipe) -> tuple[Reason, ...]:
    text = f"[{edit.to_section}] {edit.to_key} keeps the value [{edit.section}] {edit.key} had"
    return (Reason(text, f"rescue: {recipe.source}"),)


def _rescued(reasons: tuple[Reason, ...], source: str) -> tuple[Reason, ...]:
    """The planner explains module and device work by the answers; here a finding asked for it."""

    def one(reason: Reason) -> Reason:
        parts = [
            f"rescue: {source}" if part.startswith("answers:") else part for part in reason.source.split("; ")
        ]
        return Reason(reason.text, "; ".join(dict.fromkeys(parts)))

    return tuple(map(one, reasons))


def _from_rescue(actions: ActionPlan, source: str) -> None:
    actions.actions[:] = [
        dataclasses.replace(action, reasons=_rescued(action.reasons, source)) for action in actions.actions
    ]


def _line_change(change: IniChange, reasons: tuple[Reason, ...], comment: str = "") -> LineChange:
    new_lines = ((comment,) if comment else ()) + tuple(line.rstrip("\r\n") for line in change.new_lines)
    old_lines = tuple(line.rstrip("\r\n") for line in change.old_lines)
    return LineChange(change.section, change.key, old_lines, new_lines, reasons)


def _apply_edit(document: IniDocument, edit: IniEdit) -> list[IniChange]:
    if edit.kind == "set":
        return [document.set(edit.section, edit.key, edit.value)]
    if edit.kind == "set-list":
        return [document.set_list(edit.section, edit.key, list(edit.items))]
    if edit.kind == "unset":
        return [document.unset(edit.section, edit.key)]
    value = document.get(edit.section, edit.key)
    if value is None:
        raise PlanningError(f"[{edit.section}] {edit.key} is no longer set: nothing to move")
    return [document.unset(edit.section, edit.key), document.set(edit.to_section, edit.to_key, value)]


def _with_comments(document: IniDocument, comments: list[tuple[str, str, str]]) -> bytes:
    """The document's bytes with each comment on its own line right above its option's last assignment."""
    data = document.to_bytes()
    for section, key, comment in comments:
        lines, _ = split_lines(decode(data))
        number = next(
            (
                entry.line_number
                for entry in reversed(list(IniDocument.parse(data).entries()))
                if entry.key == key and (entry.section or "").lower() == section.lower()
            ),
            None,
        )
        if number is None:
            raise PlanningError(f"[{section}] {key} was not written: nowhere to put its comment")
        lines.insert(number - 1, comment + document.line_ending)
        data = encode("".join(lines))
    return data


def _edit_file(root: Path, path: str, file: FileKind, recipes: Sequence[FixRecipe], work: _Work) -> None:
    """The recipes' edits of one file (``path``, of kind ``file``), made with the INI editor."""
    current = read_current(root, path)
    if current.data is None:
        raise PlanningError(f"{path} does not exist under {root}: nothing to correct")
    document = IniDocument.parse(current.data)
    changed: set[tuple[str, str, str]] = set()
    line_changes: list[LineChange] = []
    comments: list[tuple[str, str, str]] = []
    for recipe in recipes:
        edits = [edit for edit in recipe.edits if edit.path == path]
        targets = {target for edit in edits for target in edit.targets}
        if not edits:
            continue
        if targets & changed:
            work.skipped.append(recipe.source)
            continue
        changed |= targets
        for edit in edits:
            try:
                changes = _apply_edit(document, edit)
            except IniError as error:
                raise PlanningError(f"{path}: [{edit.section}] {edit.key}: {error}") from None
            for index, change in enumerate(changes):
                if change.changed:
                    comment = edit.comment if change.key == edit.key and change.new_lines else ""
                    reasons = _reasons(edit, recipe) if index == 0 else _moved(edit, recipe)
                    line_changes.append(_line_change(change, reasons, comment))
            if edit.comment:
                comments.append((edit.section, edit.key, edit.comment))
    if not line_changes:
        return
    work.edits.append(
        FileEdit(
            path=current.path,
            kind=_EDIT_KINDS[file],
            before=current.data,
            after=_with_comments(document, comments),
            changes=tuple(line_changes),
            target=current.target,
        )
    )


# libvirt re-checks /dev/kvm when it next probes QEMU, but a libvirt that cached "no KVM" may need a restart;
# the unit differs (libvirtd, or virtqemud with modular daemons), so this is said rather than run.
LIBVIRT_NOTE = (
    "If instances still fail with \"no supported architecture for os type 'hvm'\", restart libvirt "
    "(systemctl restart libvirtd, or virtqemud where libvirt runs as modular daemons), then nova-compute."
)


@dataclass(frozen=True)
class FixPlan:
    plan: Plan
    left_out: tuple[str, ...]  # the sources of recipes that change an option an earlier recipe changes


def build_fix_plan(
    recipes: Sequence[FixRecipe], facts: HostFacts, profile: HostProfile, root: Path
) -> FixPlan:
    """One plan for the recipes, in order; raises PlanningError when a file cannot be read or written."""
    work = _Work()
    # Each file the edits change, in the order the recipes name them: a lint repair changes the file its issue
    # is in (nova.conf, nova-compute.conf, a nova.conf.d file, glance-api.conf).
    files = {edit.path: edit.file for recipe in recipes for edit in recipe.edits}
    for path, file in files.items():
        _edit_file(root, path, file, recipes, work)
    answers = _kvm_answers()
    modules = next((recipe for recipe in recipes if recipe.load_modules), None)
    if modules is not None:
        persist = module_actions(answers, profile, work.system)
        wanted = [ModuleWanted(name, _rescued(reasons, modules.source)) for name, reasons in persist]
        boot = plan_boot_modules(root, profile.distribution.modules_file, wanted)
        if boot is not None:
            work.edits.append(boot)
        _from_rescue(work.system, modules.source)
    device = next((recipe for recipe in recipes if recipe.device_access), None)
    if device is not None:
        device_actions(answers, profile, work.system)
        _from_rescue(work.system, device.source)
    if any(recipe.restart_libvirt for recipe in recipes):
        work.system.notes.append(LIBVIRT_NOTE)
    nova_changed = any(edit.kind is EditKind.NOVA_CONF for edit in work.edits)
    glance_changed = any(edit.kind is EditKind.GLANCE_API_CONF for edit in work.edits)
    if nova_changed or glance_changed or any(recipe.restart_nova for recipe in recipes):
        restart_actions(profile, work.system, nova_changed=True, glance_changed=glance_changed)
    checks = [Check(CheckKind.FILE_PARSES, edit.written_path, live_only=False) for edit in work.edits]
    left_out = tuple(dict.fromkeys(work.skipped))
    notes = [f"Left for the next run: {item} (it changes an option another fix changes)" for item in left_out]
    plan = Plan(
        edits=tuple(work.edits),
        actions=tuple(work.system.actions),
        checks=(*checks, *work.system.checks),
        notes=(*work.system.notes, *notes),
    )
    return FixPlan(plan, left_out)
