"""Rescue fixtures: a demo host in a temporary root, with a nova.conf and a nova-compute log of the test's own."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.host.facts import FileRead, HostFacts
from wizard.host.ini_record import record_ini

NOVA_CONF = "/etc/nova/nova.conf"
NOVA_LOG = "/var/log/nova/nova-compute.log"
START = "2025-03-10 09:00:00.498 2894 INFO nova.service [-] Starting compute node (version 34.0.0)"
BASE = "[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n\n[libvirt]\nvirt_type = kvm\n"

Host = Callable[..., tuple[HostFacts, Path]]


@pytest.fixture
def host(tmp_path: Path) -> Host:
    """(facts, root) of a demo scenario; ``nova`` replaces nova.conf, ``log`` the log lines after a start."""

    def make(
        scenario: str = "intel-ready", nova: str | None = None, log: tuple[str, ...] = ()
    ) -> tuple[HostFacts, Path]:
        root = make_root(load_scenario(scenario), parent=tmp_path)
        facts = dataclasses.replace(load_demo_facts(load_scenario(scenario)), root=str(root))
        files = dict(facts.files)
        if nova is not None:
            (root / NOVA_CONF.lstrip("/")).write_text(nova, encoding="utf-8")
            files[NOVA_CONF] = FileRead(content=record_ini("nova.conf", nova), truncated=True)
        if log:
            text = "".join(line + "\n" for line in (START, *log))
            (root / NOVA_LOG.lstrip("/")).write_text(text, encoding="utf-8")
            files[NOVA_LOG] = FileRead(content=text, truncated=True)
        return dataclasses.replace(facts, files=files), root

    return make
