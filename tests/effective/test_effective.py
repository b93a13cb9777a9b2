"""The effective configuration agrees with oslo.config itself over every file a service reads, on real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oslo_config import cfg

from tests.oslo_reader import read_chain_with_oslo, read_raw_with_oslo
from wizard.effective import EffectiveConfig, meaning
from wizard.option_types import FileKind
from wizard.options import InvalidValue, schema

FIXTURES = Path(__file__).parent.parent / "fixtures" / "configs"


def effective_of(paths: list[Path], kind: FileKind = "nova.conf") -> EffectiveConfig:
    return EffectiveConfig.parse(kind, [(str(path), path.read_bytes()) for path in paths])


def assert_same_as_oslo(paths: list[Path], kind: FileKind = "nova.conf") -> EffectiveConfig:
    config = effective_of(paths, kind)
    oslo = read_chain_with_oslo(paths, kind)
    for option in schema():
        if option.file != kind:
            continue
        ours: Any = config.option(option.section, option.name).typed()
        assert not isinstance(ours, InvalidValue), (option.label, ours)
        assert ours == oslo[(option.section, option.name)], option.label
    keys = set(config.settings())
    raw = read_raw_with_oslo(paths, keys)
    for key, assignment in config.settings().items():
        assert assignment.value == raw[key], key
    return config


def test_debian_nova_compute_conf_overrides_nova_conf_as_oslo_reads_them() -> None:
    config = assert_same_as_oslo(
        [FIXTURES / "debian-12-nova.conf", FIXTURES / "debian-12-nova-compute-qemu.conf"]
    )
    virt_type = config.option("libvirt", "virt_type")
    assert virt_type.typed() == "qemu"
    assert virt_type.winner is not None
    assert virt_type.origin() == f"{FIXTURES / 'debian-12-nova-compute-qemu.conf'} line 4"
    assert config.option("DEFAULT", "compute_driver").typed() == "libvirt.LibvirtDriver"
    assert config.option("libvirt", "cpu_mode").origin() == "nova's default"


def test_the_kvm_flavour_with_its_obsolete_options_reads_as_oslo_reads_it() -> None:
    config = assert_same_as_oslo(
        [FIXTURES / "debian-12-nova.conf", FIXTURES / "debian-12-nova-compute-kvm.conf"]
    )
    assert config.option("libvirt", "virt_type").typed() == "kvm"
    # Options nova no longer knows are still there to be read (and linted): vif_driver, neutron_ovs_bridge.
    assert ("libvirt", "vif_driver") in config.settings()


def test_repeated_sections_and_keys_read_as_oslo_reads_them() -> None:
    config = assert_same_as_oslo([FIXTURES / "kolla-nova-compute-nova.conf.repeated"])
    # The oracle recorded with nova 34's own option set (research: constructed/verify_effective.out.txt).
    assert config.option("libvirt", "virt_type").typed() == "qemu"
    assert config.option("libvirt", "cpu_mode").typed() == "host-model"


def test_crlf_files_read_as_oslo_reads_them(tmp_path: Path) -> None:
    crlf = tmp_path / "nova.conf"
    crlf.write_bytes((FIXTURES / "debian-12-nova.conf").read_bytes().replace(b"\n", b"\r\n"))
    qemu = tmp_path / "nova-compute.conf"
    qemu.write_bytes((FIXTURES / "debian-12-nova-compute-qemu.conf").read_bytes().replace(b"\n", b"\r\n"))
    assert assert_same_as_oslo([crlf, qemu]).option("libvirt", "virt_type").typed() == "qemu"


def test_devstack_and_kolla_files_read_as_oslo_reads_them() -> None:
    assert_same_as_oslo([FIXTURES / "devstack-nova-cpu.conf"])
    assert_same_as_oslo([FIXTURES / "kolla-nova-compute-nova.conf"])


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # The newer file wins, whichever name it uses.
        ("cpu_models = IvyBridge\n", "cpu_model = Haswell\n", ("Haswell",)),
        ("cpu_model = Haswell\n", "cpu_models = IvyBridge\n", ("IvyBridge",)),
        # In one file, the current name comes before the deprecated one, wherever each stands.
        ("", "cpu_models = IvyBridge\ncpu_model = Haswell\n", ("IvyBridge",)),
        ("", "cpu_model = Haswell\ncpu_models = IvyBridge\n", ("IvyBridge",)),
        ("cpu_models = IvyBridge\n", "", ("IvyBridge",)),
    ],
)
def test_deprecated_names_across_files_as_oslo_reads_them(
    tmp_path: Path, first: str, second: str, expected: tuple[str, ...]
) -> None:
    one = tmp_path / "one.conf"
    two = tmp_path / "two.conf"
    one.write_text(f"[libvirt]\ncpu_mode = custom\n{first}")
    two.write_text(f"[LIBVIRT]\n{second}")
    config = assert_same_as_oslo([one, two])
    assert config.option("libvirt", "cpu_models").typed() == expected


def test_images_type_default_means_qcow2_or_flat_by_use_cow_images(tmp_path: Path) -> None:
    plain = tmp_path / "nova.conf"
    plain.write_text("[libvirt]\nimages_type = default\n")
    assert meaning(effective_of([plain]), "libvirt", "images_type") == "qcow2"
    flat = tmp_path / "later.conf"
    flat.write_text("[DEFAULT]\nuse_cow_images = false\n")
    assert meaning(effective_of([plain, flat]), "libvirt", "images_type") == "flat"


SECTIONS = st.sampled_from(["DEFAULT", "libvirt", "Libvirt", "glance", "GLANCE"])
KEY_NAMES = ("virt_type", "cpu_mode", "images_type", "my_ip", "rbd_user", "cpu_model", "cpu_models")
KEYS = st.sampled_from(KEY_NAMES)
VALUES = st.text(alphabet="abcdefghijk0123 -_.", min_size=0, max_size=8)


@st.composite
def ini_files(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        lines.append(f"[{draw(SECTIONS)}]")
        for _ in range(draw(st.integers(0, 4))):
            lines.append(f"{draw(KEYS)}{draw(st.sampled_from([' = ', '=', ': ']))}{draw(VALUES)}")
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(["", "# note", "#virt_type = kvm"])))
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ini_files(), min_size=1, max_size=4))
def test_any_chain_of_files_reads_as_oslo_reads_it(tmp_path: Path, texts: list[str]) -> None:
    paths = []
    for number, text in enumerate(texts):
        path = tmp_path / f"{number}.conf"
        path.write_text(text)
        paths.append(path)
    config = effective_of(paths)
    keys = {(section, key) for section in ("DEFAULT", "libvirt", "glance") for key in KEY_NAMES}
    raw = read_raw_with_oslo(paths, keys)
    for section, key in keys:
        found = config.settings().get((section, key))
        assert (found.value if found is not None else None) == raw[(section, key)], (section, key)
    # An option with a deprecated name, read by oslo with its real definition.
    conf = cfg.ConfigOpts()
    conf.register_opt(
        cfg.ListOpt("cpu_models", deprecated_opts=[cfg.DeprecatedOpt("cpu_model", group="libvirt")]),
        group="libvirt",
    )
    conf(args=[word for path in paths for word in ("--config-file", str(path))], default_config_files=[],
         default_config_dirs=[], use_env=False)  # fmt: skip
    assert config.option("libvirt", "cpu_models").typed() == tuple(conf.libvirt.cpu_models or ())
