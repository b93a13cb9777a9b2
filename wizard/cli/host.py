"""The command line's host options (--root, --facts, --demo) turned into a host, by wizard.source's rules."""

from __future__ import annotations

import argparse

from wizard.cli.common import UsageError
from wizard.demo import list_scenarios
from wizard.source import Host, HostSource, SourceError, choose_source
from wizard.source import load_host as load_source


def host_source(args: argparse.Namespace) -> HostSource | None:
    """The host the options name; None after listing the demo hosts (`--demo list`)."""
    demo = getattr(args, "demo", None)
    if demo == "list":
        for scenario in list_scenarios():
            print(f"{scenario.name:20} {scenario.title}")
        return None
    try:
        return choose_source(root=getattr(args, "root", None), facts=getattr(args, "facts", None), demo=demo)
    except SourceError as error:
        raise UsageError(str(error)) from None


def load_host(args: argparse.Namespace, *, keep_copy: bool = False) -> Host | None:
    """The host the command works on, loaded; None when the command was only asked to list demo hosts.

    A demo host's files are a throwaway copy, removed when the command ends unless ``keep_copy`` (a command
    that writes leaves it for the operator to look at) or --root named where it goes.
    """
    source = host_source(args)
    if source is None:
        return None
    try:
        return load_source(source, keep_copy=keep_copy)
    except SourceError as error:
        raise UsageError(str(error)) from None
