"""Where nova-compute reads its configuration: the files in their order, a later file's value hiding an earlier
one's, and kolla-ansible or the snap owning them. What is wrong inside each file is the config lint's
(wizard.lint, over every file of the chain)."""

from __future__ import annotations

from wizard.diagnosis.checks.common import Assessment, assess
from wizard.diagnosis.checks.context import Context
from wizard.diagnosis.findings import Evidence, Remedy, Status
from wizard.effective import EffectiveConfig
from wizard.host.config_chain import ConfigChain, Deployment
from wizard.options import normalize_section


def check_config_chain(ctx: Context) -> list[Assessment]:
    profile = ctx.profile
    chain = profile.nova_chain
    installed = (
        bool(profile.executables.get("nova-compute")) or chain.unit or chain.deployment is not Deployment.HOST
    )
    if not chain.present and not installed:
        return []
    found = [_files(chain)]
    found += _shadowed(chain, profile.nova_config)
    return found


def _files(chain: ConfigChain) -> Assessment:
    evidence = [
        Evidence(item.path, item.origin if item.exists else f"{item.origin}: missing") for item in chain.files
    ]
    if chain.command:
        evidence.insert(0, Evidence(chain.command_source, " ".join(chain.command)))
    evidence += [Evidence("note", note) for note in chain.notes]
    if chain.deployment is not Deployment.HOST:
        return assess(
            "config-files",
            Status.WARN,
            f"nova-compute's configuration is not /etc/nova/nova.conf here ({chain.deployment.value}): "
            + (", ".join(chain.present) or "it is inside its container"),
            evidence,
            remedy=Remedy(
                summary=f"Change the configuration in {chain.edit_instead}",
                why="kvm-wizard does not write files that its owner regenerates, nor files nothing reads.",
            ),
            detail=chain.notes[0] if chain.notes else "",
        )
    missing = [item.path for item in chain.files if not item.exists]
    if missing:
        return assess(
            "config-files",
            Status.FAIL,
            f"nova-compute is started with --config-file {', '.join(missing)}, which does not exist: it refuses "
            "to start",
            evidence,
            remedy=Remedy(summary=f"Create {missing[0]}, or remove it from nova-compute's command line"),
        )
    status = Status.PASS if chain.known else Status.INFO
    return assess("config-files", status, chain.describe(), evidence)


def _shadowed(chain: ConfigChain, config: EffectiveConfig) -> list[Assessment]:
    """Options set in several files with different values: the later file's wins, and an edit of the earlier
    one changes nothing (Debian's nova-compute.conf with virt_type=qemu over nova.conf's kvm)."""
    found: list[Assessment] = []
    if len(chain.present) < 2:
        return found
    for (section, key), winner in config.settings().items():
        option = config.option(section, key)
        hidden = [item for item in option.shadowed if item.path != winner.path and item.value != winner.value]
        if option.winner is None or option.winner != winner or not hidden:
            continue
        loser = hidden[0]
        found.append(
            assess(
                f"config-shadowed:{normalize_section(section)}.{key}",
                Status.WARN,
                f"[{section}] {key} = {winner.value} in {winner.path} hides {key} = {loser.value} in "
                f"{loser.path}: nova-compute uses {winner.value}",
                [
                    Evidence(winner.where(), f"{key} = {winner.value}"),
                    Evidence(loser.where(), f"{key} = {loser.value}"),
                ],
                remedy=Remedy(
                    summary=f"Change [{section}] {key} in {winner.path}, or remove it there",
                    why=f"{chain.describe()}; an edit of {loser.path} changes nothing while {winner.path} sets it. "
                    "kvm-wizard writes its changes where they take effect.",
                ),
            )
        )
    return found
