"""Where a new option goes, on the real generated files (tests/fixtures/configs: nova 34 and 26, glance 33,
Debian's shipped nova.conf and glance-api.conf): its commented default line exactly as oslo-config-generator
wrote it, never a help text example, never an operator's prose."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

import pytest

from tests.oslo_reader import read_with_oslo
from wizard.files.ini import IniDocument
from wizard.files.ini_syntax import is_sample_line, sample_line_pattern

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "configs"
NOVA_FILES = [
    "nova-34.0.0.conf.sample.full.gz",
    "nova-26.2.2.conf.sample.full.gz",
    "nova-common.usr-share.nova.conf.gz",
]
GLANCE_FILES = ["glance-api-33.0.0.conf.sample.gz", "glance-common.usr-share.glance-api.conf.gz"]
# The options the wizard writes, with a value each (nova.conf, then glance-api.conf).
NOVA_OPTIONS = [
    ("DEFAULT", "compute_driver", "libvirt.LibvirtDriver"),
    ("libvirt", "virt_type", "kvm"),
    ("libvirt", "cpu_mode", "custom"),
    ("libvirt", "cpu_models", "IvyBridge"),
    ("libvirt", "cpu_model_extra_flags", "vmx,pcid"),
    ("libvirt", "images_type", "rbd"),
    ("libvirt", "images_rbd_pool", "vms"),
    ("libvirt", "images_rbd_ceph_conf", "/etc/ceph/ceph.conf"),
    ("libvirt", "rbd_user", "nova"),
    ("libvirt", "rbd_secret_uuid", "457eb676-33da-42ec-9a8c-9293d545c337"),
    ("libvirt", "swtpm_enabled", "True"),
    ("glance", "enable_rbd_download", "True"),
    ("glance", "rbd_connect_timeout", "5"),
]
GLANCE_OPTIONS = [("DEFAULT", "show_image_direct_url", "True")]


@cache
def text_of(name: str) -> bytes:
    return gzip.decompress((FIXTURES / name).read_bytes())


def lines_of(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines()


@pytest.mark.parametrize("name", NOVA_FILES + GLANCE_FILES)
def test_the_rule_matches_the_generators_lines_and_nothing_else(name: str) -> None:
    generated = re.compile(r"^#([A-Za-z0-9_.-]+) =(?: .*)?$")
    samples = 0
    for line in lines_of(text_of(name)):
        found = generated.match(line)
        if found is not None:
            samples += 1
            assert is_sample_line(line, found[1])
            assert re.match(sample_line_pattern(found[1]), line)
            continue
        # Help text, examples and prose that name an option: never taken for its sample.
        for mention in re.finditer(r"[A-Za-z_][A-Za-z0-9_]{2,}", line):
            assert not is_sample_line(line, mention[0]), line
    assert samples > 400  # the generator writes one per option


@pytest.mark.parametrize("name", NOVA_FILES)
@pytest.mark.parametrize(("section", "key", "value"), NOVA_OPTIONS)
def test_each_option_the_wizard_writes_goes_on_its_own_sample_line(
    name: str, section: str, key: str, value: str, tmp_path: Path
) -> None:
    before = text_of(name)
    document = IniDocument.parse(before)
    if document.get(section, key) is not None:
        pytest.skip(f"{name} sets {section}.{key} already")
    change = document.set(section, key, value)
    after = document.to_bytes()
    old, new = lines_of(before), lines_of(after)
    assert len(old) == len(new)
    differing = [number for number, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert len(differing) == 1, f"more than the sample line changed: {differing[:5]}"
    assert is_sample_line(old[differing[0]], key)
    assert new[differing[0]] == f"{key} = {value}"
    assert change.old_line_numbers == (differing[0] + 1,)
    path = tmp_path / "nova.conf"
    path.write_bytes(after)
    read = read_with_oslo(path, "nova.conf")
    shown = read[(section, key)]
    assert str(shown if not isinstance(shown, tuple) else ",".join(shown)) in (value, value.lower(), "True")


@pytest.mark.parametrize("name", GLANCE_FILES)
@pytest.mark.parametrize(("section", "key", "value"), GLANCE_OPTIONS)
def test_glance_options_go_on_their_sample_line(name: str, section: str, key: str, value: str) -> None:
    before = text_of(name)
    document = IniDocument.parse(before)
    document.set(section, key, value)
    old, new = lines_of(before), lines_of(document.to_bytes())
    differing = [number for number, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert len(differing) == 1
    assert is_sample_line(old[differing[0]], key)


def test_an_operators_prose_is_never_taken_for_the_sample_line() -> None:
    """No `#virt_type = kvm` line (an operator removed it), and a note of theirs that names the option."""
    prose = "# virt_type: qemu was used until OPS-77 (see the runbook); kvm since 2023-04"
    text = text_of("nova-34.0.0.conf.sample.full.gz").decode()
    assert "\n#virt_type = kvm\n" in text
    text = text.replace("\n#virt_type = kvm\n", f"\n{prose}\n")
    document = IniDocument.parse(text.encode())
    document.set("libvirt", "virt_type", "kvm")
    after = document.to_bytes().decode()
    assert f"\n{prose}\n" in after, "the operator's note was eaten"
    assert after.count("\nvirt_type = kvm\n") == 1
    # Nothing else changed but the one added line (right under the section header: it has no assignment).
    assert after.replace("[libvirt]\nvirt_type = kvm\n", "[libvirt]\n", 1) == text


def test_help_text_examples_stay_comments() -> None:
    """nova's help for cpu_model_extra_flags shows `#     cpu_mode = custom`: an example, never the option."""
    text = text_of("nova-34.0.0.conf.sample.full.gz")
    assert b"\n#     cpu_mode = custom\n" in text
    document = IniDocument.parse(text)
    document.set("libvirt", "cpu_mode", "custom")
    after = document.to_bytes()
    assert after.count(b"\n#     cpu_mode = custom\n") == text.count(b"\n#     cpu_mode = custom\n")
    assert b"\ncpu_mode = custom\n" in after
    assert b"\n#cpu_mode = <None>\n" not in after
