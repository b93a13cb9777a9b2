"""Editing oslo INI files: only the target option's lines change, placed where an admin would put them."""

from __future__ import annotations

import pytest

from tests.files.ini_fixtures import NOVA_SAMPLE, assert_reads_like_oslo
from wizard.files.ini import IniChange, IniDocument, IniError


def edited(data: bytes, section: str, key: str, value: str) -> bytes:
    document = IniDocument.parse(data)
    document.set(section, key, value)
    result = document.to_bytes()
    assert IniDocument.parse(result).get(section, key) == value
    assert_reads_like_oslo(result)
    return result


SET_CASES = {
    "replace keeps spacing": (b"[libvirt]\nvirt_type = qemu\n", b"[libvirt]\nvirt_type = kvm\n"),
    "replace keeps no spacing": (b"[libvirt]\nvirt_type=qemu\n", b"[libvirt]\nvirt_type=kvm\n"),
    "replace keeps colon": (b"[libvirt]\nvirt_type : qemu\n", b"[libvirt]\nvirt_type : kvm\n"),
    "replace keeps tab": (b"[libvirt]\nvirt_type\t=\tqemu\n", b"[libvirt]\nvirt_type\t=\tkvm\n"),
    "replace drops quotes and trailing blanks": (
        b"[libvirt]\nvirt_type = 'qemu'   \n",
        b"[libvirt]\nvirt_type = kvm\n",
    ),
    "replace an empty value": (b"[libvirt]\nvirt_type =\n", b"[libvirt]\nvirt_type = kvm\n"),
    "replace an empty unspaced value": (b"[libvirt]\nvirt_type=\n", b"[libvirt]\nvirt_type=kvm\n"),
    "replace continuation lines": (
        b"[libvirt]\nvirt_type = qemu\n  # not a comment\n\tmore\nnext = 1\n",
        b"[libvirt]\nvirt_type = kvm\nnext = 1\n",
    ),
    "replace last occurrence, drop earlier ones": (
        b"[libvirt]\nvirt_type = lxc\nx = 1\n[glance]\nk = v\n[Libvirt]\nvirt_type=qemu\n",
        b"[libvirt]\nx = 1\n[glance]\nk = v\n[Libvirt]\nvirt_type=kvm\n",
    ),
    "drop earlier duplicates when the last one is right": (
        b"[libvirt]\nvirt_type = qemu\nvirt_type = 'kvm'\n",
        b"[libvirt]\nvirt_type = 'kvm'\n",
    ),
    "crlf replace": (b"[libvirt]\r\nvirt_type = qemu\r\n", b"[libvirt]\r\nvirt_type = kvm\r\n"),
    "no final newline replace": (b"[libvirt]\nvirt_type = qemu", b"[libvirt]\nvirt_type = kvm"),
    "no final newline continuation": (b"[libvirt]\nvirt_type = qemu\n  x", b"[libvirt]\nvirt_type = kvm"),
    "append after the last option": (
        b"[libvirt]\nimages_type = rbd\n\n# glance options\n\n[glance]\n",
        b"[libvirt]\nimages_type = rbd\nvirt_type = kvm\n\n# glance options\n\n[glance]\n",
    ),
    "append after the header of an empty section": (
        b"[libvirt]\n\n[glance]\n",
        b"[libvirt]\nvirt_type = kvm\n\n[glance]\n",
    ),
    "append to the last repeat of the section": (
        b"[libvirt]\na = 1\n[glance]\n[libvirt]\nb = 2\n",
        b"[libvirt]\na = 1\n[glance]\n[libvirt]\nb = 2\nvirt_type = kvm\n",
    ),
    "append after continuation lines": (
        b"[libvirt]\na = 1\n  2\n\n",
        b"[libvirt]\na = 1\n  2\nvirt_type = kvm\n\n",
    ),
    "append at the end of a file without final newline": (
        b"[libvirt]\na = 1",
        b"[libvirt]\na = 1\nvirt_type = kvm\n",
    ),
    "append in a crlf file": (b"[libvirt]\r\na = 1\r\n", b"[libvirt]\r\na = 1\r\nvirt_type = kvm\r\n"),
    "append in a mixed file uses the dominant ending": (
        b"[DEFAULT]\r\nx = 1\r\n[libvirt]\na = 1\r\n",
        b"[DEFAULT]\r\nx = 1\r\n[libvirt]\na = 1\r\nvirt_type = kvm\r\n",
    ),
    "step past an orphan indented line": (
        b"[libvirt]\n  orphan\n[glance]\n",
        b"[libvirt]\n  orphan\nvirt_type = kvm\n[glance]\n",
    ),
    "new section after one blank line": (
        b"[DEFAULT]\nx = 1\n",
        b"[DEFAULT]\nx = 1\n\n[libvirt]\nvirt_type = kvm\n",
    ),
    "new section after existing blank line": (b"[DEFAULT]\n\n", b"[DEFAULT]\n\n[libvirt]\nvirt_type = kvm\n"),
    "new section after a last line without newline": (
        b"[DEFAULT]\nx = 1",
        b"[DEFAULT]\nx = 1\n\n[libvirt]\nvirt_type = kvm\n",
    ),
    "new section in crlf file": (b"[DEFAULT]\r\n", b"[DEFAULT]\r\n\r\n[libvirt]\r\nvirt_type = kvm\r\n"),
    "new section in empty file": (b"", b"[libvirt]\nvirt_type = kvm\n"),
    "other section spelling is the same section": (b"[LIBVIRT]\n", b"[LIBVIRT]\nvirt_type = kvm\n"),
    "key in other case is another key": (
        b"[libvirt]\nVirt_Type = qemu\n",
        b"[libvirt]\nVirt_Type = qemu\nvirt_type = kvm\n",
    ),
    "key before first section is not the option": (
        b"virt_type = qemu\n[libvirt]\n",
        b"virt_type = qemu\n[libvirt]\nvirt_type = kvm\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), SET_CASES.values(), ids=SET_CASES.keys())
def test_set_changes_only_the_option(before: bytes, after: bytes) -> None:
    document = IniDocument.parse(before)
    document.set("libvirt", "virt_type", "kvm")
    assert document.to_bytes() == after
    assert document.get("libvirt", "virt_type") == "kvm"


def test_set_records_the_change() -> None:
    document = IniDocument.parse(b"[libvirt]\nvirt_type = lxc\n[libvirt]\nvirt_type = qemu\n  more\n")
    change = document.set("libvirt", "virt_type", "kvm")
    assert change == IniChange(
        section="libvirt",
        key="virt_type",
        old_values=("lxc", "qemu\nmore"),
        new_values=("kvm",),
        old_lines=("virt_type = lxc", "virt_type = qemu", "  more"),
        new_lines=("virt_type = kvm",),
        old_line_numbers=(2, 4, 5),
        new_line_numbers=(3,),
    )
    assert change.changed
    assert (change.old_value, change.new_value) == ("qemu\nmore", "kvm")
    assert document.changes == [change]


@pytest.mark.parametrize(
    "data",
    [b"[libvirt]\nvirt_type = kvm\n", b"[libvirt]\nvirt_type = 'kvm'", b"[libvirt]\r\nvirt_type:kvm\r\n"],
)
def test_set_to_the_current_value_changes_nothing(data: bytes) -> None:
    document = IniDocument.parse(data)
    change = document.set("libvirt", "virt_type", "kvm")
    assert not change.changed
    assert document.to_bytes() == data
    assert document.changes == []


SAMPLE_LINES = {
    "generator style": b"#images_type = default\n",
    "generator style, no default": b"#images_type =\n",
    "generator placeholder": b"#images_type = <None>\n",
}
# Lines that mention the option but are not its commented default as oslo-config-generator writes it: an
# operator's own comment, help text, prose. They stay; the option is added after the section's assignments.
NOT_SAMPLE_LINES = {
    "spaced comment": b"# images_type = rbd\n",
    "no spaces": b"#images_type=qcow2\n",
    "prose": b"# images_type: qcow2 was used until OPS-77 moved us to rbd\n",
    "help example": b"#     images_type = lvm\n",
    "semicolon": b";images_type = default\n",
    "longer name": b"#images_type_extra = 1\n",
}


@pytest.mark.parametrize("sample", SAMPLE_LINES.values(), ids=SAMPLE_LINES.keys())
def test_a_new_option_replaces_its_commented_sample(sample: bytes) -> None:
    data = (
        b"[libvirt]\n#\n# VM Images format.\n#  (string value)\n"
        + sample
        + b"\n#\n# other help\n#other = 1\n"
    )
    expected = data.replace(sample, b"images_type = rbd\n")
    assert edited(data, "libvirt", "images_type", "rbd") == expected


@pytest.mark.parametrize("line", NOT_SAMPLE_LINES.values(), ids=NOT_SAMPLE_LINES.keys())
def test_a_comment_that_is_not_the_generated_sample_is_never_taken_for_it(line: bytes) -> None:
    data = b"[libvirt]\nvirt_type = kvm\n" + line + b"\n[glance]\n"
    expected = b"[libvirt]\nvirt_type = kvm\nimages_type = rbd\n" + line + b"\n[glance]\n"
    assert edited(data, "libvirt", "images_type", "rbd") == expected


def test_uncommenting_the_sample_is_reported_as_that_line_replaced() -> None:
    document = IniDocument.parse(b"[libvirt]\n# help\n#images_type = default\n\n")
    change = document.set("libvirt", "images_type", "qcow2")
    assert (change.old_values, change.new_values) == ((), ("qcow2",))
    assert (change.old_lines, change.new_lines) == (("#images_type = default",), ("images_type = qcow2",))
    assert (change.old_line_numbers, change.new_line_numbers) == ((3,), (3,))


def test_a_sample_on_the_last_line_without_an_ending_stays_without_one() -> None:
    assert edited(b"[libvirt]\n#virt_type = kvm", "libvirt", "virt_type", "qemu") == (
        b"[libvirt]\nvirt_type = qemu"
    )


def test_a_sample_followed_by_an_indented_line_is_kept_and_the_option_goes_after_that_line() -> None:
    # Replacing the sample would make the indented line a continuation of the new value.
    data = b"[libvirt]\n#virt_type = kvm\n    indented text\n\nx = 1\n"
    assert edited(data, "libvirt", "virt_type", "qemu") == data.replace(
        b"text\n", b"text\nvirt_type = qemu\n"
    )


def test_generated_sample_line_wins_over_a_help_text_example() -> None:
    result = edited(NOVA_SAMPLE, "libvirt", "images_type", "rbd")
    assert result == NOVA_SAMPLE.replace(b"#images_type = default\n", b"images_type = rbd\n")


@pytest.mark.parametrize(
    ("section", "key", "sample"),
    [
        ("DEFAULT", "compute_driver", b"#compute_driver = <None>\n"),
        ("libvirt", "virt_type", b"#virt_type = kvm\n"),
        ("libvirt", "cpu_mode", b"#cpu_mode = <None>\n"),
        ("glance", "enable_rbd_download", b"#enable_rbd_download = false\n"),
    ],
)
def test_nova_sample_options_are_set_on_their_sample_line(section: str, key: str, sample: bytes) -> None:
    result = edited(NOVA_SAMPLE, section, key, "x")
    assert result == NOVA_SAMPLE.replace(sample, f"{key} = x\n".encode())


def test_sample_line_of_another_section_is_not_used() -> None:
    data = b"[glance]\n#virt_type = kvm\n\n[libvirt]\nimages_type = rbd\n\n"
    expected = b"[glance]\n#virt_type = kvm\n\n[libvirt]\nimages_type = rbd\nvirt_type = kvm\n\n"
    assert edited(data, "libvirt", "virt_type", "kvm") == expected


def test_sample_line_needs_the_whole_key() -> None:
    data = b"[libvirt]\n#images_type_extra = 1\n#images = 2\n\nx = 1\n"
    assert (
        edited(data, "libvirt", "images", "3") == b"[libvirt]\n#images_type_extra = 1\nimages = 3\n\nx = 1\n"
    )


def test_sample_placement_in_a_crlf_file() -> None:
    data = NOVA_SAMPLE.replace(b"\n", b"\r\n")
    result = edited(data, "libvirt", "images_type", "lvm")
    assert result == data.replace(b"#images_type = default\r\n", b"images_type = lvm\r\n")


def test_new_section_is_appended_to_the_sample() -> None:
    result = edited(NOVA_SAMPLE, "compute", "cpu_shared_set", "0-3")
    assert result == NOVA_SAMPLE + b"\n[compute]\ncpu_shared_set = 0-3\n"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("kvm", "kvm"),
        ("", ""),
        ("[not a section]", "[not a section]"),
        ("a # b", "a # b"),
        ("x=y:z", "x=y:z"),
        ('"quoted"', "'\"quoted\"'"),
        ("'single'", "\"'single'\""),
        ('"', "'\"'"),
        ("'", '"\'"'),
        ("'a\"", "'a\""),
        ("caf\u00e9", "caf\u00e9"),
    ],
)
def test_values_are_written_so_oslo_reads_them_back(value: str, written: str) -> None:
    result = edited(b"[a]\n", "a", "k", value)
    assert result == f"[a]\nk = {written}\n".rstrip(" \n").encode() + b"\n"


INVALID = {
    "newline in value": ("a", "k", "x\ny"),
    "carriage return in value": ("a", "k", "x\ry"),
    "tab in value": ("a", "k", "x\ty"),
    "nul in value": ("a", "k", "x\x00"),
    "delete in value": ("a", "k", "x\x7f"),
    "next line in value": ("a", "k", "x\x85y"),
    "line separator in value": ("a", "k", "x\u2028y"),
    "undecodable byte in value": ("a", "k", "x\udcff"),
    "leading blank": ("a", "k", " x"),
    "trailing blank": ("a", "k", "x "),
    "trailing no-break space": ("a", "k", "x\u00a0"),
    "equals in key": ("a", "k=v", "x"),
    "colon in key": ("a", "k:v", "x"),
    "bracket in key": ("a", "[k", "x"),
    "blank in key": ("a", "k k", "x"),
    "comment key": ("a", "#k", "x"),
    "empty key": ("a", "", "x"),
    "newline in key": ("a", "k\nj", "x"),
    "closing bracket in section": ("a]b", "k", "x"),
    "opening bracket in section": ("[a", "k", "x"),
    "newline in section": ("a\n[b", "k", "x"),
    "blank around section": (" a", "k", "x"),
    "empty section": ("", "k", "x"),
}


@pytest.mark.parametrize(("section", "key", "value"), INVALID.values(), ids=INVALID.keys())
def test_unsafe_writes_are_refused_before_anything_changes(section: str, key: str, value: str) -> None:
    document = IniDocument.parse(b"[a]\nk = v\n")
    with pytest.raises(IniError) as raised:
        document.set(section, key, value)
    assert isinstance(raised.value, ValueError)
    message = str(raised.value)
    assert repr(key) in message or f"] {key} " in message or repr(section) in message or "empty" in message
    assert document.to_bytes() == b"[a]\nk = v\n"


def test_set_list_writes_commas_oslo_splits() -> None:
    document = IniDocument.parse(b"[libvirt]\n#cpu_models =\n")
    change = document.set_list("libvirt", "cpu_models", ["IvyBridge", "Haswell-noTSX"])
    assert document.to_bytes() == b"[libvirt]\ncpu_models = IvyBridge,Haswell-noTSX\n"
    assert change.new_values == ("IvyBridge,Haswell-noTSX",)
    assert document.get_list("libvirt", "cpu_models") == ["IvyBridge", "Haswell-noTSX"]


@pytest.mark.parametrize("written", [b"a, b", b"a,b,", b"'a,b'", b" a ,b"])
def test_set_list_keeps_a_list_that_already_reads_the_same(written: bytes) -> None:
    data = b"[libvirt]\ncpu_models = " + written + b"\n"
    document = IniDocument.parse(data)
    assert not document.set_list("libvirt", "cpu_models", ["a", "b"]).changed
    assert document.to_bytes() == data


def test_set_list_of_nothing_writes_an_empty_value() -> None:
    document = IniDocument.parse(b"[libvirt]\ncpu_models = a\n")
    document.set_list("libvirt", "cpu_models", [])
    assert document.to_bytes() == b"[libvirt]\ncpu_models =\n"
    assert document.get_list("libvirt", "cpu_models") == []


@pytest.mark.parametrize("item", ["a,b", "", " a", "a\n"])
def test_set_list_refuses_items_oslo_would_split_or_strip(item: str) -> None:
    with pytest.raises(IniError, match="cpu_models"):
        IniDocument.parse(b"").set_list("libvirt", "cpu_models", ["x", item])


def test_set_multi_writes_one_line_per_value_where_the_last_was() -> None:
    data = b"[pci]\ndevice_spec = a\nalias = x\n[PCI]\ndevice_spec = b\n# end\n"
    document = IniDocument.parse(data)
    change = document.set_multi("pci", "device_spec", ["c", "d"])
    assert document.to_bytes() == b"[pci]\nalias = x\n[PCI]\ndevice_spec = c\ndevice_spec = d\n# end\n"
    assert document.get_all("pci", "device_spec") == ["c", "d"]
    assert change.old_values == ("a", "b")
    assert change.new_line_numbers == (4, 5)
    assert not document.set_multi("pci", "device_spec", ["c", "d"]).changed


def test_set_multi_replaces_the_sample_with_one_line_per_value_and_empty_means_unset() -> None:
    document = IniDocument.parse(b"[pci]\n#device_spec = []\n# next\n")
    document.set_multi("pci", "device_spec", ["a", "b"])
    assert document.to_bytes() == b"[pci]\ndevice_spec = a\ndevice_spec = b\n# next\n"
    document.set_multi("pci", "device_spec", [])
    assert document.to_bytes() == b"[pci]\n# next\n"


UNSET_CASES = {
    "single line": (b"[a]\nk = 1\nj = 2\n", b"[a]\nj = 2\n"),
    "every repeat": (b"[a]\nk = 1\n[b]\nk = 9\n[A]\nk = 2\n", b"[a]\n[b]\nk = 9\n[A]\n"),
    "continuation lines": (b"[a]\nk = 1\n  2\n\t# 3\nj = 2\n", b"[a]\nj = 2\n"),
    "last line without newline": (b"[a]\nj = 2\nk = 1", b"[a]\nj = 2\n"),
    "crlf": (b"[a]\r\nk = 1\r\nj = 2\r\n", b"[a]\r\nj = 2\r\n"),
    "comments and samples stay": (b"[a]\n# help\n#k = 0\nk = 1\n\n", b"[a]\n# help\n#k = 0\n\n"),
    "absent": (b"[a]\nj = 2\n", b"[a]\nj = 2\n"),
    "other section": (b"[b]\nk = 1\n", b"[b]\nk = 1\n"),
}


@pytest.mark.parametrize(("before", "after"), UNSET_CASES.values(), ids=UNSET_CASES.keys())
def test_unset_removes_only_the_option_lines(before: bytes, after: bytes) -> None:
    document = IniDocument.parse(before)
    change = document.unset("a", "k")
    assert document.to_bytes() == after
    assert document.get("a", "k") is None
    assert change.changed == (before != after)
    assert change.new_value is None


def test_line_numbers_of_each_change_point_at_its_lines() -> None:
    document = IniDocument.parse(NOVA_SAMPLE)
    edits = [
        ("DEFAULT", "compute_driver", "libvirt.LibvirtDriver"),
        ("libvirt", "virt_type", "kvm"),
        ("libvirt", "images_type", "rbd"),
        ("libvirt", "images_rbd_pool", "vms"),
        ("libvirt", "virt_type", None),
        ("libvirt", "virt_type", "qemu"),
        ("libvirt", "images_type", "lvm"),
    ]
    for section, key, value in edits:
        before = document.to_bytes().decode().splitlines()
        change = document.unset(section, key) if value is None else document.set(section, key, value)
        after = document.to_bytes().decode().splitlines()
        assert [before[number - 1] for number in change.old_line_numbers] == list(change.old_lines)
        assert [after[number - 1] for number in change.new_line_numbers] == list(change.new_lines)
    assert len(document.changes) == len(edits)
    assert_reads_like_oslo(document.to_bytes())
