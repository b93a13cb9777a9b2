"""What goes into a support bundle, every member masked as it is made: nothing unmasked is ever collected."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.compare import diff_generations, masked_unified_diff
from wizard.apply.generations import (
    AFTER,
    BEFORE,
    Generation,
    GenerationError,
    generations_under,
    load_content,
)
from wizard.apply.measure import generation_events
from wizard.apply.state import LOG_FILE, state_paths
from wizard.bundle.masking import mask_facts
from wizard.host.collect import read_under
from wizard.host.config_chain import ConfigChain, chain_paths
from wizard.host.facts import HostFacts, facts_to_toml
from wizard.host.ini_record import RECORDED_CONFIGS, mask_config_text
from wizard.host.profile import HostProfile
from wizard.option_types import FileKind
from wizard.rescue.report import RescueReport, report_to_json
from wizard.rootfs import PathEscapeError
from wizard.secrets import mask_text

LOGS = ("/var/log/nova/nova-compute.log", "/var/log/libvirt/libvirtd.log", LOG_FILE)
LOG_LINES = 500
_TAIL_BYTES = 2 * 1024 * 1024
ANSWERS = "/var/lib/kvm-wizard/answers.toml"


@dataclass(frozen=True)
class Member:
    name: str  # path inside the bundle's top directory
    data: bytes


def _text(name: str, text: str) -> Member:
    return Member(name, text.encode("utf-8", "backslashreplace"))


def _read(root: Path, path: str, *, tail: int | None = None) -> tuple[bytes | None, str | None]:
    """A file under the root (its last ``tail`` bytes), or why it could not be read (None, None: absent)."""
    try:
        return read_under(root, path, tail=tail), None
    except FileNotFoundError:
        return None, None
    except (OSError, PathEscapeError) as error:
        return None, str(error)


def _decoded(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def log_members(root: Path, facts: HostFacts) -> list[Member]:
    members = []
    for path in LOGS:
        data, error = _read(root, path, tail=_TAIL_BYTES)
        if data is None:
            if error is not None:
                members.append(_text(f"logs{path}.unreadable", mask_text(error) + "\n"))
            continue
        lines = _decoded(data).splitlines()[-LOG_LINES:]
        members.append(_text(f"logs{path}", "".join(mask_text(line) + "\n" for line in lines)))
    if facts.kernel_log or facts.kernel_log_error:
        header = f"# kernel log lines kept by the probe (from {facts.kernel_log_source or 'nowhere'})"
        if facts.kernel_log_error:
            header += f"; {facts.kernel_log_error}"
        lines = [mask_text(header), *(mask_text(line) for line in facts.kernel_log)]
        members.append(_text("logs/kernel.log", "\n".join(lines) + "\n"))
    return members


def config_members(root: Path, chains: Sequence[ConfigChain]) -> list[Member]:
    """Every file of each service's chain (and nova.conf and glance-api.conf even where nothing reads them), as
    it is under the root, masked by its kind; chains.txt says which files each service reads, in which order."""
    members = []
    files: dict[str, FileKind] = {}
    for chain in chains:
        files.update(dict.fromkeys(chain_paths(chain), chain.kind))
    for path, kind in RECORDED_CONFIGS.items():
        files.setdefault(path, kind)
    for path, kind in files.items():
        data, error = _read(root, path)
        if data is not None:
            members.append(_text(f"config{path}", mask_config_text(kind, _decoded(data))))
        elif error is not None:
            members.append(_text(f"config{path}.unreadable", mask_text(error) + "\n"))
    members.append(_text("config/chains.txt", mask_text(chains_text(chains))))
    return members


def chains_text(chains: Sequence[ConfigChain]) -> str:
    """Each service's files in the order it reads them (a later file wins), why each is read, and how it starts."""
    lines: list[str] = []
    for chain in chains:
        lines.append(f"{chain.service} ({chain.deployment.value}): {chain.describe()}")
        if chain.command:
            lines.append(f"  command: {' '.join(chain.command)}")
            lines.append(f"  found in: {chain.command_source}")
        for number, item in enumerate(chain.files, start=1):
            state = "" if item.exists else " (missing)"
            lines.append(f"  {number}. {item.path}{state}: {item.origin}")
        if chain.primary not in chain.paths:
            lines.append(f"  ({chain.primary} does not exist: a new setting would create it)")
        lines += [f"  note: {note}" for note in chain.notes]
        if not chain.known:
            lines.append("  (guessed: the facts do not show how it starts)")
        lines.append("")
    return "\n".join(lines)


def _manifest(generation: Generation) -> str:
    lines = [
        f"generation {generation.number}: {generation.kind} ({generation.status})",
        f"created: {generation.created}",
        f"summary: {generation.summary}",
        f"kvm-wizard: {generation.version}",
    ]
    if generation.restores:
        lines.append(f"restores: generation {generation.restores}")
    if generation.confirmed:
        lines.append(f"confirmed: {generation.confirmed}")
    lines += [f"action: {title}" for title in generation.actions]
    for item in generation.files:
        link = f" (a link to {item.written_path})" if item.link else ""
        before = f"{item.before.sha256[:12]} {item.before.mode:04o}" if item.before.exists else "absent"
        after = f"{item.after.sha256[:12]} {item.after.mode:04o}" if item.after.exists else "absent"
        lines.append(f"file: {item.path}{link}: before {before}, after {after}")
    if generation.answers.strip():
        lines += ["answers:", *("  " + line for line in generation.answers.splitlines())]
    return "".join(mask_text(line) + "\n" for line in lines)


def _measured(root: Path, number: int) -> str:
    """When the generation was extended into the measured PCR (wizard.apply.measure), one line each time."""
    events, problem = generation_events(state_paths(root), number)
    lines = [
        f"measured: PCR {event.pcr} ({event.bank}) {event.time}, boot {event.boot_id}, {event.reason}: {event.digest}"
        for event in events
    ]
    lines += [f"measurements: {problem}"] if problem else []
    return "".join(mask_text(line) + "\n" for line in lines)


def _changes(root: Path, generation: Generation) -> str:
    """What the transaction changed, file by file, before -> after, masked."""
    paths = state_paths(root)
    out: list[str] = []
    for item in generation.files:
        if generation.status != "applied":
            out.append(
                f"# {item.path}: the transaction ended {generation.status}: its 'after' side is not kept"
            )
            continue
        try:
            before = load_content(paths, generation, item, BEFORE)
            after = load_content(paths, generation, item, AFTER)
        except GenerationError as error:
            out.append(f"# {item.path}: {mask_text(str(error))}")
            continue
        label = f"{item.written_path} (generation {generation.number}"
        out += masked_unified_diff(item.kind, before, after, label + ", before)", label + ", after)")
    return "".join(line + "\n" for line in out)


def generation_members(root: Path) -> list[Member]:
    try:
        entries = generations_under(root)
    except (OSError, PathEscapeError) as error:
        return [_text("generations/unreadable", mask_text(str(error)) + "\n")]
    members = []
    for entry in entries:
        folder = f"generations/{entry.number}"
        if entry.generation is None:
            members.append(_text(f"{folder}/problem", mask_text(entry.problem) + "\n"))
            continue
        members.append(
            _text(f"{folder}/manifest.txt", _manifest(entry.generation) + _measured(root, entry.number))
        )
        members.append(_text(f"{folder}/changes.diff", _changes(root, entry.generation)))
    usable = [entry.number for entry in entries if entry.generation is not None]
    if usable:
        try:
            drift = diff_generations(root, usable[-1]).drift
        except GenerationError as error:
            members.append(_text("generations/drift.txt", mask_text(str(error)) + "\n"))
        else:
            text = (
                "".join(f"{item.path}: {item.detail}\n" for item in drift) or "no file was changed by hand\n"
            )
            members.append(_text("generations/drift.txt", mask_text(text)))
    return members


def collect(
    facts: HostFacts, root: Path, report: RescueReport, *, progress: Callable[[str], None] | None = None
) -> list[Member]:
    say = progress or (lambda _text: None)
    say("Host facts")
    profile = HostProfile.from_facts(facts)
    chains = (profile.nova_chain, profile.glance_chain)
    kinds = {path: chain.kind for chain in chains for path in chain_paths(chain)}
    members = [_text("facts.toml", facts_to_toml(mask_facts(facts, kinds)))]
    say("Findings")
    document = report_to_json(report, live=root == Path("/"))
    members.append(_text("findings.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n"))
    say("Configuration files")
    members += config_members(root, chains)
    answers, error = _read(root, ANSWERS)
    if answers is not None:
        members.append(
            _text("answers.toml", "".join(mask_text(line) + "\n" for line in _decoded(answers).splitlines()))
        )
    elif error is not None:
        members.append(_text("answers.toml.unreadable", mask_text(error) + "\n"))
    say("Generations")
    members += generation_members(root)
    say("Logs")
    members += log_members(root, facts)
    return members
