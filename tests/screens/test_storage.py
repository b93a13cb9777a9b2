"""Storage: each backend's consequences; fields checked as they are typed; the volume group from the host."""

from __future__ import annotations

from textual.widgets import Input

from screens.storage import StorageScreen
from tests.screens.harness import ScreenApp, banner, demo_facts, demo_root, shows, until
from wizard.answers import StorageAnswers

UUID = "457eb676-33da-42ec-9a8c-9293d545c337"


def storage(answers: StorageAnswers | None = None, scenario: str = "intel-ready") -> StorageScreen:
    return StorageScreen(
        banner("Storage"), answers or StorageAnswers(), demo_facts(scenario), demo_root(scenario)
    )


async def test_lvm_offers_the_hosts_volume_groups_and_checks_the_name_as_typed() -> None:
    app = ScreenApp(storage)
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Disk space: thin")  # qcow2, the default
        await pilot.press("down", "down", "space")  # lvm
        await shows(pilot, "Disk space: each disk is a logical volume")
        await shows(pilot, "on this host: nova-vg")
        entry = app.screen.query_one("#volume_group-input", Input)
        assert entry.value == "nova-vg"  # the host's first group, offered
        entry.value = "-bad"
        await shows(pilot, "[FAIL] Volume group '-bad' is not a valid LVM volume group name")
        entry.value = "other-vg"
        await shows(
            pilot,
            "[FAIL] Volume group 'other-vg' does not exist on this host (volume groups: nova-vg, system-vg)",
        )
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
        entry.value = ""
        entry.focus()
        await pilot.press("n", "right")  # the suggestion completes the name
        assert entry.value == "nova-vg"
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == StorageAnswers(backend="lvm", volume_group="nova-vg")


async def test_rbd_fields_say_what_is_wrong_with_each_value() -> None:
    app = ScreenApp(lambda: storage(StorageAnswers(backend="rbd")))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "must be raw in Glance")
        await shows(pilot, "[FAIL] Secret UUID is required")
        screen = app.screen
        screen.query_one("#rbd_user-input", Input).value = "client.nova"
        await shows(pilot, "[FAIL] Ceph client 'client.nova' is given with its type prefix")
        screen.query_one("#ceph_conf-input", Input).value = "etc/ceph/ceph.conf"
        await shows(pilot, "[FAIL] ceph.conf 'etc/ceph/ceph.conf' must be an absolute path")
        screen.query_one("#rbd_pool-input", Input).value = "vms pool"
        await shows(pilot, "[FAIL] Pool 'vms pool' is not a usable Ceph pool name")
        screen.query_one("#rbd_secret_uuid-input", Input).value = "457eb676"
        await shows(pilot, "[FAIL] Secret UUID '457eb676' is not a UUID")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
        screen.query_one("#rbd_user-input", Input).value = "nova"
        screen.query_one("#ceph_conf-input", Input).value = "/etc/ceph/ceph.conf"
        screen.query_one("#rbd_pool-input", Input).value = "vms"
        screen.query_one("#rbd_secret_uuid-input", Input).value = UUID
        await pilot.press("f10")
        await until(pilot, lambda: app.exits)
    assert app.exit_value.value == StorageAnswers(backend="rbd", rbd_secret_uuid=UUID)


async def test_esc_keeps_what_was_typed() -> None:
    app = ScreenApp(lambda: storage(StorageAnswers(backend="rbd")))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#rbd_pool-input", Input).value = "volumes"
        await pilot.press("escape")
        await until(pilot, lambda: app.exits)
    value = app.exit_value.value
    assert app.exit_value.direction == "back"
    assert isinstance(value, StorageAnswers)
    assert (value.backend, value.rbd_pool) == ("rbd", "volumes")


async def test_only_the_chosen_backends_fields_are_built_and_typing_is_kept() -> None:
    app = ScreenApp(lambda: storage(StorageAnswers(rbd_pool="volumes")))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "Disk space: thin")  # qcow2: no fields at all
        screen = app.screen
        assert not screen.query(Input)
        await pilot.press("down", "down", "down", "space")  # rbd: its fields, from the answers
        await shows(pilot, "[FAIL] Secret UUID is required")
        assert screen.query_one("#rbd_pool-input", Input).value == "volumes"
        assert not screen.query("#volume_group")
        screen.query_one("#rbd_pool-input", Input).value = "vms"
        await pilot.press("up", "up", "up", "space")  # qcow2 again: the rbd fields hidden, kept
        await pilot.press("escape")
        await until(pilot, lambda: app.exits)
    value = app.exit_value.value
    assert isinstance(value, StorageAnswers)
    assert (value.backend, value.rbd_pool) == ("qcow2", "vms")


async def test_rbd_shows_what_this_host_lacks_and_libvirts_secrets_judge_the_uuid() -> None:
    """amd-nested-off: libvirt's recorded answers hold one secret; no Ceph client is installed."""
    app = ScreenApp(lambda: storage(StorageAnswers(backend="rbd", rbd_secret_uuid=UUID), "amd-nested-off"))
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(pilot, "python3-rbd and python3-rados are not installed")
        entry = app.screen.query_one("#rbd_secret_uuid-input", Input)
        entry.value = "0b54c3f2-7d5a-4c1e-9f1a-3d2b8e6a9c10"
        await shows(pilot, "libvirt has no secret 0b54c3f2-7d5a-4c1e-9f1a-3d2b8e6a9c10")
        await pilot.press("f10")
        await pilot.pause()
        assert not app.exits
