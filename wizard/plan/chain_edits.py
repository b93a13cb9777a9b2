"""Settings written where they take effect: over every file the service reads, in oslo's order.

A setting the effective configuration already has (nova's default where no file sets it) changes nothing. A
changed one goes into the file whose line wins today, so that no later file overrides it; one no file sets goes
into the chain's primary file (created when missing); one that must not be set is removed from every file, so
that no earlier file's value shows through. Every other byte of every file stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.effective import ConfigSource, EffectiveConfig, meaning, same_value
from wizard.files.ini import IniChange, IniDocument
from wizard.host.config_chain import ConfigChain, chain_paths
from wizard.options import find_option
from wizard.plan.current import CurrentFile, PlanningError
from wizard.plan.desired import Desired
from wizard.plan.ini_edits import NEW_FILE_HEADER, write_setting, written_value
from wizard.plan.model import FileEdit, FileKind, LineChange, NewFileAttributes, Reason


@dataclass
class ChainPlan:
    """What the settings change in the chain's files."""

    edits: list[FileEdit] = field(default_factory=list)
    changed: list[Desired] = field(default_factory=list)  # the settings that change something
    refused: list[Desired] = field(default_factory=list)  # would change, but the chain is not the host's own
    checks: list[tuple[Desired, tuple[str, ...]]] = field(default_factory=list)  # (setting, files) to re-read


def already(config: EffectiveConfig, desired: Desired) -> bool:
    """Whether the service already reads what is wanted (nova's default where nothing sets it)."""
    effective = config.option(desired.section, desired.key)
    if desired.value is None:
        return not effective.is_set and not effective.shadowed
    current = meaning(config, desired.section, desired.key)
    if (desired.section, desired.key) == ("libvirt", "images_type") and current == "raw":
        current = "flat"  # raw is flat's deprecated name
    return same_value(effective.option, current, desired.value)


def plan_chain(
    chain: ConfigChain,
    currents: dict[str, CurrentFile],
    kind: FileKind,
    settings: list[Desired],
    new_file: NewFileAttributes,
) -> ChainPlan:
    """The edits that make the service read what ``settings`` want; ``currents``: each file of
    chain_paths(chain) as it is now."""
    paths = chain_paths(chain)
    documents: dict[str, IniDocument | None] = {path: _parsed(currents[path].data) for path in paths}
    config = EffectiveConfig(chain.kind, [ConfigSource(path, documents[path]) for path in paths])
    result = ChainPlan()
    changes: dict[str, list[LineChange]] = {}
    for desired in settings:
        if find_option(desired.file, desired.section, desired.key) is None:
            raise PlanningError(
                f"{desired.file} [{desired.section}] {desired.key}: not in the bundled option schema"
            )
        if already(config, desired):
            continue
        if not chain.writable:
            result.refused.append(desired)
            continue
        result.changed.append(desired)
        if desired.value is None:
            effective = config.option(desired.section, desired.key)
            holders = dict.fromkeys(
                assignment.path for assignment in (effective.winner, *effective.shadowed) if assignment
            )
            for path in holders:
                document = documents[path]
                assert document is not None  # noqa: S101 - it holds an assignment
                reasons = desired.reasons
                if len(holders) > 1:
                    reasons = (*reasons, _removed_everywhere(chain, desired, tuple(holders)))
                _record(changes, path, desired, write_setting(document, desired), reasons)
        else:
            winner = config.option(desired.section, desired.key).winner
            path = winner.path if winner is not None else chain.primary
            document = documents[path]
            if document is None:
                document = IniDocument.parse(NEW_FILE_HEADER.encode())
                documents[path] = document
                config = EffectiveConfig(chain.kind, [ConfigSource(item, documents[item]) for item in paths])
            reasons = desired.reasons
            if path != chain.primary:
                reasons = (*reasons, _placed(chain, path, winner.line if winner is not None else None))
            _record(changes, path, desired, write_setting(document, desired), reasons)
        config.invalidate()
        result.checks.append((desired, tuple(paths)))
    for path in paths:
        document = documents[path]
        if path not in changes or document is None:
            continue
        current = currents[path]
        result.edits.append(
            FileEdit(
                path=current.path,
                kind=kind,
                before=current.data,
                after=document.to_bytes(),
                changes=tuple(changes[path]),
                target=current.target,
                new_file=new_file,
            )
        )
    return result


def refusal_message(chain: ConfigChain, desired: Desired) -> str:
    """Why a setting is refused on a chain the wizard must not write (kolla-ansible, the snap), and where to make
    it instead."""
    value = "not set" if desired.value is None else f"= {written_value(desired)}"
    return (
        f"would make [{desired.section}] {desired.key} {value}, but "
        f"{chain.notes[0] if chain.notes else chain.describe()}. kvm-wizard edits no file that nothing reads or "
        f"that its owner writes again: change it in {chain.edit_instead}"
    )


def _parsed(data: bytes | None) -> IniDocument | None:
    return IniDocument.parse(data) if data is not None else None


def _record(
    changes: dict[str, list[LineChange]],
    path: str,
    desired: Desired,
    edits: list[IniChange],
    reasons: tuple[Reason, ...],
) -> None:
    for change in edits:
        if not change.changed:
            continue
        own = change.key == desired.key
        changes.setdefault(path, []).append(
            LineChange(
                section=desired.section,
                key=change.key,
                old_lines=tuple(line.rstrip("\r\n") for line in change.old_lines),
                new_lines=tuple(line.rstrip("\r\n") for line in change.new_lines),
                reasons=reasons
                if own
                else (*reasons, Reason(f"{change.key} is the deprecated name of {desired.key}", "nova 34")),
            )
        )


def _placed(chain: ConfigChain, path: str, line: int | None) -> Reason:
    today = f" (line {line} sets it today)" if line else ""
    return Reason(
        f"{chain.service} reads {path} after {chain.primary}{today}: the value there wins, so the change is "
        "made there, where it takes effect",
        _command_source(chain),
    )


def _removed_everywhere(chain: ConfigChain, desired: Desired, holders: tuple[str, ...]) -> Reason:
    return Reason(
        f"{chain.service} reads {', '.join(holders)}: removed from each, so that no other file's value shows "
        "through",
        _command_source(chain),
    )


def _command_source(chain: ConfigChain) -> str:
    return f"host: {chain.command_source}" if chain.command_source else "host: the service's command line"
