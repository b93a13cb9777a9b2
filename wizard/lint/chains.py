"""Lint over the files each service really reads: its chain (wizard.host.config_chain), in oslo's order.

The callers differ only in where the text comes from: the facts (diagnosis), the files under the root now
(rescue), or the files a fix would leave (rescue's re-check).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wizard.host.config_chain import ConfigChain, chain_paths
from wizard.lint.issues import ConfigReview, ConfigText, LintHost
from wizard.lint.review import review_config
from wizard.option_types import FileKind

# A file's text, or why it has none: (text, None), (None, None) when absent, (None, error) when unreadable.
Reader = Callable[[str], tuple[str | None, str | None]]


def chain_sources(chains: Sequence[ConfigChain], read: Reader) -> list[ConfigText]:
    sources: list[ConfigText] = []
    for chain in chains:
        for path in chain_paths(chain):
            text, error = read(path)
            sources.append(ConfigText(chain.kind, text, error, path))
    return sources


def edit_instead(chains: Sequence[ConfigChain]) -> dict[FileKind, str]:
    """The kinds whose files kvm-wizard does not write (kolla-ansible, the snap), and where to change them."""
    return {chain.kind: chain.edit_instead for chain in chains if not chain.writable}


def review_chains(chains: Sequence[ConfigChain], read: Reader, host: LintHost) -> ConfigReview:
    """Lint of every file of the chains, as ``read`` gives them."""
    return review_config(chain_sources(chains, read), host, edit_instead(chains))
