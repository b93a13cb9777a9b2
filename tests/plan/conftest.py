"""Fixtures for planning tests: demo hosts copied into temporary roots, and the product's example answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from wizard.answers import Answers, parse_answers
from wizard.demo import load_demo_facts, load_scenario, make_root
from wizard.host.facts import HostFacts

PRODUCT_ANSWERS = """\
version = 2
[hypervisor]
virt_type = "kvm"
allow_emulation = false
[storage]
backend = "qcow2"
volume_group = "nova-vg"
rbd_pool = "vms"
ceph_conf = "/etc/ceph/ceph.conf"
rbd_user = "nova"
rbd_secret_uuid = "457eb676-33da-42ec-9a8c-9293d545c337"
[nested]
enabled = true
cpu_mode = "host-passthrough"
cpu_models = []
extra_flags = []
[ceph_download]
enabled = false
rbd_user = "glance"
rbd_pool = "images"
ceph_conf = "/etc/ceph/ceph.conf"
connect_timeout = 5
glance_api_node = false
[tpm]
verify = true
install_tools = true
vtpm = false
[performance]
vhost_net = true
"""

DemoHost = Callable[[str], tuple[HostFacts, Path]]


@pytest.fixture
def product_answers() -> Answers:
    return parse_answers(PRODUCT_ANSWERS)[0]


@pytest.fixture
def demo_host(tmp_path: Path) -> DemoHost:
    """A demo scenario's facts and a private copy of its files."""

    def make(name: str) -> tuple[HostFacts, Path]:
        scenario = load_scenario(name)
        root = make_root(scenario, parent=tmp_path)
        return dataclasses.replace(load_demo_facts(scenario), root=str(root)), root

    return make


def write_plan(root: Path, edits: object) -> None:
    """Write a plan's files the simplest way (the transaction is tested elsewhere)."""
    for edit in edits:  # type: ignore[attr-defined]
        target = root / edit.written_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(edit.after)
