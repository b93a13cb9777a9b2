"""The wizard's own matrix: every storage backend x CPU mode x x86 vendor it is tested on (the planner read back
by oslo in tests/plan/test_plan.py, the exported playbook on real files in tests/export/test_ansible_run.py)."""

from __future__ import annotations

import dataclasses
import itertools

from wizard.answers import Answers, NestedAnswers, StorageAnswers

BACKENDS = {
    "qcow2": StorageAnswers(backend="qcow2"),
    "flat": StorageAnswers(backend="flat"),
    "lvm": StorageAnswers(backend="lvm", volume_group="nova-vg"),
    "rbd": StorageAnswers(backend="rbd", rbd_secret_uuid="457eb676-33da-42ec-9a8c-9293d545c337"),
}
CPU_MODES = {
    "host-passthrough": NestedAnswers(enabled=True, cpu_mode="host-passthrough"),
    "host-model": NestedAnswers(enabled=True, cpu_mode="host-model", extra_flags=("pcid",)),
    "custom": NestedAnswers(enabled=True, cpu_mode="custom", cpu_models=("EPYC",), extra_flags=("pcid",)),
}
VENDORS = {"intel": "intel-ready", "amd": "amd-nested-off"}  # vendor -> demo host
# Only the Intel demo host has a Ceph client (keyrings, python3-rbd): see test_rbd_needs_the_ceph_client_pieces.
MATRIX = [
    case for case in itertools.product(BACKENDS, CPU_MODES, VENDORS) if case[0] != "rbd" or case[2] == "intel"
]


def nested_answers(cpu_mode: str, vendor: str) -> NestedAnswers:
    """The nested answers of one CPU mode on one vendor's host (custom: a model of that vendor)."""
    nested = CPU_MODES[cpu_mode]
    if cpu_mode == "custom" and vendor == "intel":
        nested = dataclasses.replace(nested, cpu_models=("IvyBridge",))
    return nested


def matrix_answers(backend: str, cpu_mode: str, vendor: str) -> Answers:
    return Answers(storage=BACKENDS[backend], nested=nested_answers(cpu_mode, vendor))
