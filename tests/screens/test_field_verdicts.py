"""A field and the Review never disagree: for every answers key and a set of good and bad values, what the screen
says of the value is what the planner says of answers holding it (validate_for_host, the Review's own check).

Each key is covered one of three ways: a text field (its check, called with the text the value is typed as), a
choice the screen judges (Hypervisor, nested guests on, vTPM), or a choice the screen takes as it is, which
the planner must then accept for every value the screen can give.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Checkbox, RadioButton

from screens.ceph_download import CephDownloadScreen
from screens.hypervisor import HypervisorScreen
from screens.nested import NestedScreen
from screens.storage import StorageScreen
from screens.tpm import TpmScreen
from screens.widgets.validated_field import ValidatedField
from tests.screens.harness import banner, demo_facts, demo_root
from wizard.answers import (
    KEYS,
    KEYS_BY_PATH,
    Answers,
    CephDownloadAnswers,
    HypervisorAnswers,
    NestedAnswers,
    StorageAnswers,
    TpmAnswers,
)
from wizard.answers.model import Value
from wizard.diagnosis.diagnose import diagnose
from wizard.host.facts import HostFacts
from wizard.plan.validate import KVM_MIGHT_WORK, validate_for_host

UUID = "457eb676-33da-42ec-9a8c-9293d545c337"
# Good and bad values of every key (lists without spaces: a field reads "a b" as two names).
VALUES: dict[str, tuple[Value, ...]] = {
    "hypervisor.virt_type": ("kvm", "qemu"),
    "hypervisor.allow_emulation": (True, False),
    "storage.backend": ("qcow2", "flat", "lvm", "rbd"),
    "storage.volume_group": ("nova-vg", "system-vg", "other-vg", "", "-bad", "a b", "[vg", ".", "v" * 128),
    "storage.rbd_pool": ("vms", "", "vms pool", "-x", "p" * 101, "vms #1"),
    "storage.ceph_conf": (
        "/etc/ceph/ceph.conf",
        "/etc/ceph/other.conf",
        "etc/ceph/ceph.conf",
        "",
        "/etc/ceph/../ceph/ceph.conf",
        " /etc/ceph/ceph.conf",
    ),
    "storage.rbd_user": ("nova", "client.nova", "", "no va", "nova\tx"),
    "storage.rbd_secret_uuid": (UUID, "", "457eb676", UUID.upper(), UUID.replace("-", "")),
    "nested.enabled": (True, False),
    "nested.cpu_mode": ("host-passthrough", "host-model", "custom"),
    "nested.cpu_models": (
        (),
        ("IvyBridge",),
        ("EPYC-Rome",),
        ("POWER9",),
        ("Ivy/Bridge",),
        ("IvyBridge", "Unknown-Model-42"),
        ("cortex-a72",),
    ),
    "nested.extra_flags": ((), ("pcid",), ("vmx",), ("svm",), ("pc/id",), ("pcid", "vmx")),
    "ceph_download.enabled": (True, False),
    "ceph_download.rbd_user": ("glance", "client.glance", "", "gl ance"),
    "ceph_download.rbd_pool": ("images", "", "bad pool"),
    "ceph_download.ceph_conf": ("/etc/ceph/ceph.conf", "/nowhere/ceph.conf", "ceph.conf", ""),
    "ceph_download.connect_timeout": (5, 1, 0, -3, 3600, 3601),
    "ceph_download.glance_api_node": (True, False),
    "tpm.verify": (True, False),
    "tpm.install_tools": (True, False),
    "tpm.vtpm": (True, False),
    # No field: the wizard keeps what the answers say, "" (mirror libvirt's account) unless a file named one.
    "tpm.swtpm_user": ("", "tss"),
    "tpm.swtpm_group": ("", "tss"),
    "tpm.secure_boot": (True, False),
    "tpm.measure": (True, False),
    "tpm.measure_pcr": (23, 16),
    "performance.vhost_net": (True, False),
}
# The hosts: Intel with volume groups and KVM, AMD, POWER, KVM switched off in the firmware, no swtpm user.
SCENARIOS = ("intel-ready", "amd-nested-off", "power9", "intel-vt-disabled", "lvm-missing-vg")


def context(path: str) -> Answers:
    """The answers a key is judged in: the defaults, with what the key applies under ("storage.backend = lvm")."""
    answers = Answers()
    if path == "tpm.secure_boot":
        answers = answers.with_value("tpm.vtpm", True)  # the screen ticks the vTPM with these guests
    condition = KEYS_BY_PATH[path].applies_when
    if condition:
        other, raw = condition.split(" = ")
        answers = answers.with_value(other, True if raw == "true" else raw)
    return answers


def planner_says(
    path: str, value: Value, facts: HostFacts, root: Path, answers: Answers | None = None
) -> str | None:
    """The Review's verdict: the first problem at ``path`` of answers holding ``value``."""
    held = (answers or context(path)).with_value(path, value)
    problems = validate_for_host(held, facts, root).problems
    return next((problem.message for problem in problems if problem.path == path), None)


def typed(value: Value) -> str:
    """The value as an operator types it into its field."""
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


class Screens(App[None]):
    """Shows the screens one after the other, to ask them."""


@contextlib.asynccontextmanager
async def shown(pilot: Pilot[Any], screen: Screen[Any]) -> Any:
    await pilot.app.push_screen(screen)
    await pilot.pause()
    try:
        yield screen
    finally:
        pilot.app.pop_screen()
        await pilot.pause()


def typed_into(field: ValidatedField) -> Callable[[Value], str | None]:
    """What the field says of a value typed into it."""

    def says(value: Value) -> str | None:
        return field.check(typed(value))

    return says


def fields(screen: Screen[Any], section: str) -> Iterator[tuple[str, ValidatedField]]:
    for field in screen.query(ValidatedField):
        yield f"{section}.{field.id}", field


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_every_key_is_judged_on_its_screen_as_the_planner_judges_it(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts, root = demo_facts(scenario), demo_root(scenario)
    verdict = diagnose(facts).verdict
    covered: set[str] = set()
    compared = 0

    def same(path: str, screen_says: Callable[[Value], str | None]) -> None:
        nonlocal compared
        covered.add(path)
        for value in VALUES[path]:
            assert screen_says(value) == planner_says(path, value, facts, root), (scenario, path, value)
            compared += 1

    app = Screens()
    async with app.run_test(size=(80, 24)) as pilot:
        # Text fields: the check under each, as it is typed.
        for backend in ("lvm", "rbd"):
            storage = StorageScreen(banner("Storage"), StorageAnswers(backend=backend), facts, root)
            async with shown(pilot, storage):
                for path, field in fields(storage, "storage"):
                    same(path, typed_into(field))
        # A choice the screen judges: the backend (what this host lacks for it is said under the choice).
        storage = StorageScreen(banner("Storage"), StorageAnswers(), facts, root)
        async with shown(pilot, storage):
            same("storage.backend", lambda value: storage._backend_problem(str(value)))
        # Built from the defaults (host-model, off): each field judges in the context it is for itself.
        nested = NestedScreen(banner("Nested"), NestedAnswers(), facts, root)
        async with shown(pilot, nested):
            for path, field in fields(nested, "nested"):
                same(path, typed_into(field))
            # A choice the screen judges: nested guests on (off is never a problem).
            enabled = nested.form.check("enabled")

            def nested_on(value: Value) -> str | None:
                return enabled.problem(value) if value else None

            same("nested.enabled", nested_on)
            # A choice the screen does not offer where it cannot be valid (greyed, with the planner's words).
            same("nested.cpu_mode", lambda value: nested.form.not_offered.get(str(value)))
        download = CephDownloadScreen(banner("Ceph"), CephDownloadAnswers(), "qcow2", facts, root)
        async with shown(pilot, download):
            download.query_one("#enabled", Checkbox).value = True  # the fields are built when first ticked
            await pilot.pause()
            for path, field in fields(download, "ceph_download"):
                same(path, typed_into(field))
            # A choice the screen judges: direct download on (what this host lacks for it; off is no problem).
            same("ceph_download.enabled", lambda value: download.enabled_problem() if value else None)
        # The vTPM: the TPM screen refuses it as the planner does (F10 gives nothing and says why).
        tpm = TpmScreen(banner("TPM"), TpmAnswers(), facts, live=False, root=root)
        async with shown(pilot, tpm):
            said: list[str] = []
            monkeypatch.setattr(tpm, "notify", lambda message, **_: said.append(message))

            def vtpm_refused(value: Value) -> str | None:
                tpm.query_one("#vtpm", Checkbox).value = bool(value)
                said.clear()
                if tpm.collect() is not None:
                    return None
                [message] = said
                return message.removeprefix("tpm.vtpm: ")

            same("tpm.vtpm", vtpm_refused)
            # Guests that require Secure Boot, and measuring: not offered where they cannot be valid (greyed,
            # with the planner's words).
            same("tpm.secure_boot", lambda value: tpm.form.guests_refused if value else None)
            same("tpm.measure", lambda value: tpm.form.measure_refused if value else None)
        # Hypervisor: both keys judged together, as the screen shows them.
        hypervisor = HypervisorScreen(banner("Hypervisor"), HypervisorAnswers(), verdict, facts, root)
        async with shown(pilot, hypervisor):
            for virt_type in VALUES["hypervisor.virt_type"]:
                for consent in VALUES["hypervisor.allow_emulation"]:
                    hypervisor.query_one(f"#{virt_type}", RadioButton).value = True
                    hypervisor.query_one("#consent", Checkbox).value = bool(consent)
                    await pilot.pause()
                    kvm_might_work = verdict.code in KVM_MIGHT_WORK
                    chosen = HypervisorAnswers(
                        str(virt_type), bool(consent) and virt_type == "qemu" and kvm_might_work
                    )
                    answers = Answers(hypervisor=chosen)
                    planner = [
                        f"{path}: {message}"
                        for path, value in (
                            ("hypervisor.virt_type", chosen.virt_type),
                            ("hypervisor.allow_emulation", chosen.allow_emulation),
                        )
                        if (message := planner_says(path, value, facts, root, answers)) is not None
                    ]
                    problem = hypervisor._problem()
                    shown_problem = problem.plain.removeprefix("[FAIL] ") if problem is not None else None
                    assert shown_problem == (planner[0] if planner else None), (scenario, chosen)
                    compared += 1
        covered |= {"hypervisor.virt_type", "hypervisor.allow_emulation"}

    # The rest are choices a screen takes as they are: the planner must accept every value it can give.
    for spec in KEYS:
        if spec.path in covered:
            continue
        for value in VALUES[spec.path]:
            assert planner_says(spec.path, value, facts, root) is None, (scenario, spec.path, value)
            compared += 1
    assert set(VALUES) == {spec.path for spec in KEYS}
    assert compared > 80
