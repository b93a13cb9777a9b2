"""Where nova-compute and glance-api read their configuration, found from real units, init scripts and processes.

Each host is a temporary root with the distribution's real files (tests/fixtures/configs); the probe reads it
and the chain is derived again from the recording, as every command does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from wizard.host.config_chain import Deployment, chains_from_facts
from wizard.host.facts import HostFacts, facts_from_toml, facts_to_toml
from wizard.host.probe import probe

FIXTURES = Path(__file__).parent.parent / "fixtures" / "configs"
DEBIAN = 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
ROCKY = 'ID="rocky"\nID_LIKE="rhel centos fedora"\n'


def put(root: Path, path: str, content: str | bytes, mode: int = 0o644) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    target.chmod(mode)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def recorded(root: Path) -> HostFacts:
    """The host probed, then written to TOML and read back: what --facts and the demo hosts see."""
    facts = probe(root, live_device_probe=False)
    return facts_from_toml(facts_to_toml(facts), "recording: test")


def debian_node(root: Path, *, flavour: str | None = "qemu") -> Path:
    put(root, "/etc/os-release", DEBIAN)
    put(root, "/lib/systemd/system/nova-compute.service", fixture("debian-12-nova-compute.service"))
    put(root, "/etc/init.d/nova-compute", fixture("debian-12-nova-compute.init"), 0o755)
    put(root, "/etc/nova/nova.conf", fixture("debian-12-nova.conf"))
    put(root, "/usr/bin/nova-compute", "#!/usr/bin/python3\n", 0o755)
    if flavour is not None:
        put(root, "/etc/nova/nova-compute.conf", fixture(f"debian-12-nova-compute-{flavour}.conf"))
    return root


def test_debian_reads_nova_compute_conf_after_nova_conf(tmp_path: Path) -> None:
    facts = recorded(debian_node(tmp_path))
    chain = chains_from_facts(facts, debian=True)["nova-compute"]
    assert chain.deployment is Deployment.HOST
    assert chain.known
    assert chain.paths == ("/etc/nova/nova.conf", "/etc/nova/nova-compute.conf")
    assert chain.command == (
        "/usr/bin/nova-compute",
        "--config-file=/etc/nova/nova.conf",
        "--config-file=/etc/nova/nova-compute.conf",
    )
    assert "/etc/init.d/nova-compute" in chain.command_source
    assert chain.primary == "/etc/nova/nova.conf"
    # Both files are recorded (settings only) for diagnosis and the answers of the node.
    assert "virt_type=qemu" in (facts.text("/etc/nova/nova-compute.conf") or "")


def test_debian_without_a_flavour_reads_only_nova_conf(tmp_path: Path) -> None:
    chain = chains_from_facts(recorded(debian_node(tmp_path, flavour=None)), debian=True)["nova-compute"]
    assert chain.paths == ("/etc/nova/nova.conf",)


def test_etc_default_adds_a_config_dir_after_the_files(tmp_path: Path) -> None:
    root = debian_node(tmp_path)
    put(root, "/etc/default/nova-compute", 'DAEMON_ARGS="$DAEMON_ARGS --config-dir=/etc/nova/extra.d"\n')
    put(root, "/etc/nova/extra.d/20-b.conf", "[libvirt]\nvirt_type = kvm\n")
    put(root, "/etc/nova/extra.d/10-a.conf", "[libvirt]\ncpu_mode = host-model\n")
    put(root, "/etc/nova/extra.d/notes.txt", "ignored: not *.conf\n")
    chain = chains_from_facts(recorded(root), debian=True)["nova-compute"]
    assert chain.paths == (
        "/etc/nova/nova.conf",
        "/etc/nova/nova-compute.conf",
        "/etc/nova/extra.d/10-a.conf",
        "/etc/nova/extra.d/20-b.conf",
    )


def test_default_directories_come_before_the_command_lines_files(tmp_path: Path) -> None:
    # oslo reads its default directories (nova.conf.d) when no --config-dir is given, before the command
    # line's --config-file files: on Debian, nova.conf overrides nova.conf.d.
    root = debian_node(tmp_path)
    put(root, "/etc/nova/nova.conf.d/50-site.conf", "[libvirt]\ncpu_mode = host-model\n")
    chain = chains_from_facts(recorded(root), debian=True)["nova-compute"]
    assert chain.paths == (
        "/etc/nova/nova.conf.d/50-site.conf",
        "/etc/nova/nova.conf",
        "/etc/nova/nova-compute.conf",
    )


def test_rdo_runs_without_arguments_and_reads_oslos_defaults(tmp_path: Path) -> None:
    put(tmp_path, "/etc/os-release", ROCKY)
    put(
        tmp_path,
        "/usr/lib/systemd/system/openstack-nova-compute.service",
        fixture("rdo-openstack-nova-compute.service"),
    )
    put(tmp_path, "/etc/nova/nova.conf", "[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n")
    put(tmp_path, "/etc/nova/nova-compute.conf", "[libvirt]\nvirt_type = kvm\n")
    put(tmp_path, "/etc/nova/nova.conf.d/10-site.conf", "[libvirt]\ncpu_mode = host-model\n")
    put(
        tmp_path,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nnova:x:162:162::/var/lib/nova:/sbin/nologin\n",
    )
    chain = chains_from_facts(recorded(tmp_path), debian=False)["nova-compute"]
    assert chain.command == ("/usr/bin/nova-compute",)
    assert chain.paths == (
        "/etc/nova/nova.conf",
        "/etc/nova/nova-compute.conf",
        "/etc/nova/nova.conf.d/10-site.conf",
    )
    assert chain.primary == "/etc/nova/nova.conf"


def test_a_drop_in_replaces_execstart(tmp_path: Path) -> None:
    put(tmp_path, "/etc/os-release", ROCKY)
    put(
        tmp_path,
        "/usr/lib/systemd/system/openstack-nova-compute.service",
        fixture("rdo-openstack-nova-compute.service"),
    )
    put(
        tmp_path,
        "/etc/systemd/system/openstack-nova-compute.service.d/override.conf",
        "[Service]\nExecStart=\nExecStart=/usr/bin/nova-compute --config-file /etc/nova/site.conf\n",
    )
    put(tmp_path, "/etc/nova/site.conf", "[libvirt]\nvirt_type = kvm\n")
    put(tmp_path, "/etc/nova/nova.conf", "[libvirt]\nvirt_type = qemu\n")
    chain = chains_from_facts(recorded(tmp_path), debian=False)["nova-compute"]
    assert chain.paths == ("/etc/nova/site.conf",)  # no --config-file default: nova.conf is not read
    assert chain.primary == "/etc/nova/site.conf"


def test_the_running_process_decides(tmp_path: Path) -> None:
    root = debian_node(tmp_path)
    argv = (
        b"/usr/bin/python3\0/opt/stack/data/venv/bin/nova-compute\0--config-file\0/etc/nova/nova-cpu.conf\0"
    )
    put(root, "/proc/4242/cmdline", argv)
    put(root, "/proc/4242/cgroup", "0::/system.slice/devstack@n-cpu.service\n")
    put(root, "/etc/nova/nova-cpu.conf", fixture("devstack-nova-cpu.conf"))
    facts = recorded(root)
    assert facts.processes is not None
    assert facts.processes[0].pid == 4242
    chain = chains_from_facts(facts, debian=True)["nova-compute"]
    assert chain.paths == ("/etc/nova/nova-cpu.conf",)
    assert "process 4242" in chain.command_source


def test_kolla_ansible_reads_its_own_copy(tmp_path: Path) -> None:
    put(tmp_path, "/etc/os-release", DEBIAN)
    put(tmp_path, "/etc/nova/nova.conf", "[libvirt]\nvirt_type = qemu\n")  # left over, read by nothing
    put(tmp_path, "/etc/kolla/nova-compute/nova.conf", fixture("kolla-nova-compute-nova.conf"), 0o600)
    put(tmp_path, "/etc/kolla/nova-compute/config.json", fixture("kolla-nova-compute-config.json"), 0o600)
    put(
        tmp_path,
        "/proc/77/cmdline",
        b"/var/lib/kolla/venv/bin/python3\0/var/lib/kolla/venv/bin/nova-compute\0",
    )
    put(tmp_path, "/proc/77/cgroup", "0::/system.slice/docker-0123abcd.scope\n")
    chain = chains_from_facts(recorded(tmp_path), debian=True)["nova-compute"]
    assert chain.deployment is Deployment.KOLLA
    assert not chain.writable
    assert chain.paths == ("/etc/kolla/nova-compute/nova.conf",)
    assert "kolla-ansible reconfigure" in chain.edit_instead
    assert any("read by nothing" in note for note in chain.notes)


def test_the_openstack_hypervisor_snap(tmp_path: Path) -> None:
    base = "/var/snap/openstack-hypervisor/common/etc/nova"
    put(tmp_path, f"{base}/nova.conf", "[libvirt]\nvirt_type = kvm\n")
    put(tmp_path, f"{base}/nova.conf.d/90-site.conf", "[libvirt]\ncpu_mode = host-model\n")
    chain = chains_from_facts(recorded(tmp_path), debian=None)["nova-compute"]
    assert chain.deployment is Deployment.SNAP
    assert chain.paths == (f"{base}/nova.conf", f"{base}/nova.conf.d/90-site.conf")
    assert "snap set openstack-hypervisor" in chain.edit_instead


def test_a_recording_without_these_facts_is_a_guess_not_an_absence(tmp_path: Path) -> None:
    facts = dataclasses.replace(recorded(debian_node(tmp_path)), processes=None)
    old = dataclasses.replace(
        facts,
        files={path: read for path, read in facts.files.items() if path == "/etc/nova/nova.conf"},
        stats={path: stat for path, stat in facts.stats.items() if path == "/etc/nova/nova.conf"},
        dirs={},
    )
    chain = chains_from_facts(old, debian=True)["nova-compute"]
    assert not chain.known
    assert chain.paths == ("/etc/nova/nova.conf",)
    assert any("record them again" in note for note in chain.notes)


def test_glance_api_on_debian(tmp_path: Path) -> None:
    put(tmp_path, "/etc/os-release", DEBIAN)
    put(tmp_path, "/etc/init.d/glance-api", fixture("debian-12-glance-api.init"), 0o755)
    put(tmp_path, "/etc/glance/glance-api.conf", "[DEFAULT]\nshow_image_direct_url = True\n")
    chain = chains_from_facts(recorded(tmp_path), debian=True)["glance-api"]
    assert chain.paths == ("/etc/glance/glance-api.conf",)
    assert chain.command[1] == "--config-file=/etc/glance/glance-api.conf"
