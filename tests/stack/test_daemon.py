"""The private libvirtd itself: it answers, it leaves the host's libvirt alone, and it stops completely."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.libvirt_daemon import LibvirtdError, PrivateLibvirtd, private_libvirtd

HOST_PATHS = ("/etc/libvirt", "/run/libvirt", "/var/lib/libvirt", "/var/log/libvirt", "/var/cache/libvirt")


def _host_state() -> dict[str, object]:
    """What the host's own libvirt directories hold: names and content hashes (or absence)."""
    state: dict[str, object] = {}
    for top in HOST_PATHS:
        path = Path(top)
        if not path.exists():
            state[top] = None
            continue
        for item in sorted(path.rglob("*")):
            state[str(item)] = hashlib.sha256(item.read_bytes()).hexdigest() if item.is_file() else "dir"
    return state


def test_a_session_daemon_answers(libvirt_daemon: PrivateLibvirtd) -> None:
    answer = libvirt_daemon.virsh("version")
    assert answer.returncode == 0, answer.stderr
    assert "Running hypervisor: QEMU" in answer.stdout
    assert libvirt_daemon.namespace_pids()  # the keeper, virtlogd, libvirtd


def test_start_and_stop_leave_nothing_behind(tmp_path_factory: pytest.TempPathFactory) -> None:
    before = _host_state()
    base = tmp_path_factory.mktemp("lv")
    with private_libvirtd(base) as daemon:
        assert daemon.virsh("domcapabilities", "--virttype", "qemu").returncode == 0
        pids = daemon.namespace_pids()
        assert len(pids) >= 3
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert not base.exists()
    assert _host_state() == before


def test_a_failed_start_stops_what_it_started(tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.mktemp("lv")
    # A libvirtd.conf it refuses: the daemon exits, and start() says so and stops the rest.
    daemon = PrivateLibvirtd(base, start_timeout=30, libvirtd_conf="this is = not = libvirt's syntax\n")
    with pytest.raises(LibvirtdError, match="did not answer"):
        daemon.start()
    assert daemon.process is None
    assert daemon.namespace_pids() == []
    assert os.path.isdir(base)
