"""Where answers start: the node as it is, with the host's suggestions only where nothing is configured.

The wizard's session starts here (the Host check screen asks for it), and `answers template` on a host writes
what it finds here: the node's configured values as keys, everything else commented.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from wizard.answers.model import KEYS, Answers
from wizard.host.facts import HostFacts
from wizard.host.profile import HostProfile
from wizard.plan.node import NodeAnswers, Reader, describe_value, facts_reader, node_answers, root_reader
from wizard.plan.suggest import Suggestion, suggest_answers

# The keys a suggestion of the host may fill in where the node configures nothing: what the wizard knows
# better than a default (the volume group that exists, the TPM that is there, vhost-net for its speed).
SUGGESTED = ("storage.volume_group", "tpm.verify", "tpm.install_tools", "performance.vhost_net")


@dataclass(frozen=True)
class Start:
    """Answers to start from, and what they stand on."""

    answers: Answers  # given: the keys that change the node (suggestions that differ from it)
    node: NodeAnswers
    suggestion: Suggestion
    origin: str  # in words, for the operator


def starting_answers(node: NodeAnswers, suggestion: Suggestion) -> Answers:
    """The node's values, the suggestions where it configures nothing; given: what differs from the node, a
    value the node has that nova refuses (the screens show the valid one that replaces it), and virt_type when
    it is kvm (the wizard's task: KVM made to work, its modules and /dev/kvm included)."""
    start = dataclasses.replace(node.answers, given=frozenset())
    for path in SUGGESTED:
        if path not in node.configured:
            start = start.with_value(path, suggestion.answers.value(path))
    given = set(start.changed_from(node.answers)) | {
        path for path, text in node.unreadable.items() if text.endswith("not valid")
    }
    if start.hypervisor.virt_type == "kvm":
        given.add("hypervisor.virt_type")
    if any(path.startswith("nested.") for path in given):
        given.add("nested.enabled")  # the nested choice is one: the vendor's flag follows it
    return dataclasses.replace(start, given=frozenset(given))


def start_for(facts: HostFacts, root: Path, name: str) -> Start:
    """Where the wizard's session on this host starts."""
    profile = HostProfile.from_facts(facts)
    node = node_answers(profile, root_reader(root))
    suggestion = suggest_answers(facts, name)
    answers = starting_answers(node, suggestion)
    configured = len(node.configured)
    origin = (
        f"Your answers start from this node as it is ({configured} choice(s) configured here, read from "
        f"{profile.nova_chain.describe()}); the suggestions for this host fill in only what is not configured."
        if configured
        else "Nothing is configured here yet: your answers start from the suggestions for this host."
    )
    return Start(answers, node, suggestion, origin)


@dataclass(frozen=True)
class Template:
    """What `answers template` writes for a host: the values, which keys are set, and a note per key."""

    answers: Answers
    active: frozenset[str]  # written as keys: the node's configured values
    notes: dict[str, str]
    header: tuple[str, ...]


def template_for(facts: HostFacts, read: Reader, name: str) -> Template:
    """The node's configured values as keys (each with where it comes from); every other key commented with
    the value in effect, and the host's suggestion when it differs."""
    profile = HostProfile.from_facts(facts)
    node = node_answers(profile, read)
    suggestion = suggest_answers(facts, name)
    notes: dict[str, str] = {}
    for spec in KEYS:
        where = node.origins.get(spec.path, "")
        note = f"now: {where}." if spec.path in node.configured else f"not configured here: {where}."
        suggested = suggestion.answers.value(spec.path)
        if (
            spec.path in SUGGESTED
            and spec.path not in node.configured
            and suggested != node.answers.value(spec.path)
        ):
            note += f" Suggested: {describe_value(suggested)}."
        host_note = suggestion.notes.get(spec.path)
        if host_note and host_note.rstrip(".") != where.rstrip("."):  # said once, not twice
            note += f" {host_note}"
        notes[spec.path] = note
    chain = profile.nova_chain
    header = (
        "",
        f"The node as it is: {name}. {chain.describe()}"
        + (f" ({chain.command_source})." if chain.command_source else "."),
        "The keys set below are its configured values: planning this file changes nothing. Commented keys keep",
        "the node's value; uncomment one, or change a value, to change the node.",
        *(f"Note: {note}" for note in chain.notes),
    )
    return Template(node.answers, node.configured, notes, header)


def reader_for(facts: HostFacts, root: Path | None) -> Reader:
    """The node's files under ``root``, or the settings the facts recorded when there is no root to read."""
    return root_reader(root) if root is not None else facts_reader(facts)
