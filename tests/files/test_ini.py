"""Reading oslo INI files: byte-exact round trips and values exactly as oslo.config reads them."""

from __future__ import annotations

import pytest

from tests.files.ini_fixtures import NOVA_SAMPLE, assert_reads_like_oslo, oslo_read
from wizard.files.ini import IniDocument, IniEntry, IniError

ODD_FILES = {
    "empty": b"",
    "blank lines only": b"\n\n  \n\t\n",
    "nova sample": NOVA_SAMPLE,
    "crlf": b"[DEFAULT]\r\ndebug = true\r\n\r\n[libvirt]\r\nvirt_type = kvm\r\n",
    "mixed endings": b"[DEFAULT]\r\ndebug = true\n[libvirt]\rvirt_type = kvm\r\n",
    "lone carriage returns": b"[libvirt]\rvirt_type = kvm\r",
    "no final newline": b"[libvirt]\nvirt_type = kvm",
    "no final newline after crlf": b"[libvirt]\r\nvirt_type = kvm",
    "comments both kinds": b"# hash\n; semicolon\n[a]\n#k = v\n;k = v\nk = v\n",
    "spacing and separators": b"[a]\nk1=v\nk2 =v\nk3= v\nk4\t=\tv\nk5: v\nk6 : v\nk7:v\n",
    "repeated keys": b"[a]\nk = 1\nk = 2\n[b]\nk = 3\n[a]\nk = 4\n",
    "repeated sections in other case": b"[Libvirt]\nvirt_type = qemu\n[LIBVIRT]\nvirt_type = kvm\n",
    "default in lower case": b"[DEFAULT]\nk = 1\n[default]\nk = 2\n[Default]\nk = 3\n",
    "continuation lines": b"[a]\nk = one\n  two\n\t# three\n    four\nother = x\n",
    "continuation of empty value": b"[a]\nk =\n  one\n  two\n",
    "quotes": b"[a]\nq1 = 'x'\nq2 = \"x\"\nq3 = \"x'\nq4 = \"\nq5 = ''\nq6 = ' x '\n",
    "inline comment is a value": b"[libvirt]\nvirt_type = kvm # note\n",
    "one-line typo": b"[libvirt]\ncpu_mode = host-model cpu_model_extra_flags = vmx\n",
    "colon before equals": b"[a]\nurl = http://host:80/x\nb:c = d\n",
    "dash and case in keys": b"[a]\nvirt-type = kvm\nVirt_Type = qemu\nvirt_type = lxc\n",
    "section name with blanks": b"[ libvirt ]\nvirt_type = kvm\n",
    "whitespace only value": b"[a]\nk =    \nj = \t\n",
    "unicode whitespace stripped": "[a]\nk = \u00a0v\u00a0\n".encode(),
    "form feed and line separator inside lines": "[a]\nk = a\x0cb\u2028c\x85d\n\x0cj = x\n".encode(),
    "trailing whitespace on header": b"[a]   \nk = v\n",
    "utf-8 values": "[a]\nk = caf\u00e9 \u2603\n".encode(),
    "byte order mark": "\ufeff[a]\nk = v\n".encode(),
    "not utf-8": b"[a]\nk = caf\xe9\n# \xff\xfe comment\n",
    "key before first section": b"k = v\n[a]\nj = w\n",
    "indented line after blank": b"[a]\nk = v\n\n  orphan\n",
    "indented comment after header": b"[a]\n  # indented\nk = v\n",
    "line without separator": b"[a]\njust words\n",
    "empty key": b"[a]\n= v\n",
    "unterminated header": b"[a\nk = v\n",
    "header with comment": b"[a] # note\nk = v\n",
    "empty header": b"[]\nk = v\n",
}


@pytest.mark.parametrize("data", ODD_FILES.values(), ids=ODD_FILES.keys())
def test_unchanged_file_round_trips_byte_for_byte(data: bytes) -> None:
    assert IniDocument.parse(data).to_bytes() == data


@pytest.mark.parametrize("data", ODD_FILES.values(), ids=ODD_FILES.keys())
def test_reader_agrees_with_oslo(data: bytes) -> None:
    assert_reads_like_oslo(data)


GET_CASES = [
    (b"[libvirt]\nvirt_type = kvm\n", "libvirt", "virt_type", "kvm"),
    (b"[Libvirt]\nvirt_type = kvm\n", "libvirt", "virt_type", "kvm"),
    (b"[libvirt]\nvirt_type = kvm\n", "LIBVIRT", "virt_type", "kvm"),
    (b"[libvirt]\nvirt_type = qemu\n[LIBVIRT]\nvirt_type = kvm\n", "libvirt", "virt_type", "kvm"),
    (b"[libvirt]\nvirt_type = kvm\nvirt_type = qemu\n", "libvirt", "virt_type", "qemu"),
    (b"[libvirt]\nVirt_Type = kvm\n", "libvirt", "virt_type", None),
    (b"[libvirt]\nvirt-type = kvm\n", "libvirt", "virt_type", None),
    (b"[ libvirt ]\nvirt_type = kvm\n", "libvirt", "virt_type", None),
    (b"[default]\ndebug = true\n", "DEFAULT", "debug", None),
    (b"[default]\ndebug = true\n", "default", "debug", "true"),
    (b"[DEFAULT]\ndebug = true\n", "default", "debug", None),
    (b"[libvirt]\nvirt_type: kvm\n", "libvirt", "virt_type", "kvm"),
    (b"[libvirt]\nvirt_type = 'kvm'\n", "libvirt", "virt_type", "kvm"),
    (b'[libvirt]\nvirt_type = "kvm"\n', "libvirt", "virt_type", "kvm"),
    (b"[libvirt]\nvirt_type = \"kvm'\n", "libvirt", "virt_type", "\"kvm'"),
    (b'[libvirt]\nvirt_type = "\n', "libvirt", "virt_type", ""),
    (b"[libvirt]\nvirt_type = kvm # note\n", "libvirt", "virt_type", "kvm # note"),
    (b"[libvirt]\nvirt_type = a\n  # b\n\tc\n", "libvirt", "virt_type", "a\n# b\nc"),
    (b"[libvirt]\nvirt_type = 'a'\n  'b'\n", "libvirt", "virt_type", "a\n'b'"),
    (b"[a]\nb:c = d\n", "a", "b", "c = d"),
    (b"[a]\nurl = http://h:80\n", "a", "url", "http://h:80"),
    (b"[libvirt]\r\nvirt_type = kvm\r\n", "libvirt", "virt_type", "kvm"),
    (b"[libvirt]\nvirt_type = kvm", "libvirt", "virt_type", "kvm"),
    (b"[libvirt]\n", "libvirt", "virt_type", None),
    (b"", "libvirt", "virt_type", None),
]


@pytest.mark.parametrize(("data", "section", "key", "expected"), GET_CASES)
def test_get_reads_what_oslo_reads(data: bytes, section: str, key: str, expected: str | None) -> None:
    assert IniDocument.parse(data).get(section, key) == expected
    assert (
        oslo_read(data)
        .sections.get(section if section == "DEFAULT" else section.lower(), {})
        .get(key, [None])[-1]
        == expected
    )


def test_get_all_collects_repeats_across_sections_in_file_order() -> None:
    document = IniDocument.parse(b"[pci]\ndevice_spec = a\n[x]\ndevice_spec = no\n[PCI]\ndevice_spec = b\n")
    assert document.get_all("pci", "device_spec") == ["a", "b"]
    assert document.get_all("pci", "alias") == []


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("a,b", ["a", "b"]),
        (" a , b ,", ["a", "b"]),
        ("", []),
        ("a,,b", ["a", "", "b"]),
        ("'a,b'", ["a", "b"]),
    ],
)
def test_get_list_reads_like_listopt(value: str, items: list[str]) -> None:
    document = IniDocument.parse(f"[libvirt]\ncpu_models = {value}\n".encode())
    assert document.get_list("libvirt", "cpu_models") == items
    assert document.get_list("libvirt", "missing") is None


def test_sections_and_has_section_follow_oslo_names() -> None:
    document = IniDocument.parse(b"[DEFAULT]\n[Libvirt]\n[glance]\n[libvirt]\n[default]\n")
    assert document.sections() == ["DEFAULT", "Libvirt", "glance", "default"]
    assert document.has_section("libvirt")
    assert document.has_section("LibVirt")
    assert document.has_section("DEFAULT")
    assert not document.has_section("workarounds")


def test_entries_keep_raw_text_for_linting() -> None:
    data = (
        b"[libvirt]\n"
        b"cpu_mode = host-model cpu_model_extra_flags = vmx\n"
        b"virt_type = kvm # note\n"
        b"cpu_models = 'IvyBridge'\n"
        b"  , Haswell\n"
    )
    assert list(IniDocument.parse(data).entries()) == [
        IniEntry(
            "libvirt",
            "cpu_mode",
            "host-model cpu_model_extra_flags = vmx",
            " host-model cpu_model_extra_flags = vmx",
            2,
            1,
        ),
        IniEntry("libvirt", "virt_type", "kvm # note", " kvm # note", 3, 1),
        IniEntry("libvirt", "cpu_models", "IvyBridge\n, Haswell", " 'IvyBridge'\n  , Haswell", 4, 2),
    ]


def test_entries_report_keys_oslo_cannot_place() -> None:
    entries = list(IniDocument.parse(b"early = 1\n[a\nlate = 2\n[b]\nk = 3\n").entries())
    assert [(entry.section, entry.key, entry.line_number) for entry in entries] == [
        (None, "early", 1),
        (None, "late", 3),
        ("b", "k", 5),
    ]
    assert not entries[0].continued


PROBLEMS = {
    "key before first section": (b"k = v\n[a]\n", [(1, "Section must be started before assignment")]),
    "orphan indented line": (b"[a]\nk = v\n\n  x\n", [(4, "Unexpected continuation line")]),
    "indented line after comment": (b"[a]\n# c\n  x\n", [(3, "Unexpected continuation line")]),
    "indented line after header": (b"[a]\n  x = 1\n", [(2, "Unexpected continuation line")]),
    "no separator": (b"[a]\nwords\n", [(2, "No ':' or '=' found in assignment")]),
    "empty key": (b"[a]\n = v\n", [(2, "Unexpected continuation line")]),
    "empty key unindented": (b"[a]\n= v\n", [(2, "Key cannot be empty")]),
    "header not closed": (b"[a\n", [(1, "Invalid section (must end with ])")]),
    "header with comment": (b"[a] # c\n", [(1, "Invalid section (must end with ])")]),
    "empty header": (b"[]\n", [(1, "Empty section name")]),
    "not utf-8": (b"[a]\nk = \xff\n", [(2, "Not valid UTF-8")]),
    "several": (b"k = v\n[a]\nwords\n[b\n", [(1, "Section must"), (3, "No ':'"), (4, "Invalid section")]),
    "all fine": (b"[a]\nk = v\n  w\n", []),
}


@pytest.mark.parametrize(("data", "expected"), PROBLEMS.values(), ids=PROBLEMS.keys())
def test_problems_list_what_oslo_refuses(data: bytes, expected: list[tuple[int, str]]) -> None:
    found = [(problem.line_number, problem.message) for problem in IniDocument.parse(data).problems()]
    assert len(found) == len(expected), found
    for (line, message), (expected_line, prefix) in zip(found, expected, strict=True):
        assert (line, message[: len(prefix)]) == (expected_line, prefix)
    assert (oslo_read(data).error is None) == (not expected)


def test_strict_parse_raises_the_first_problem() -> None:
    with pytest.raises(IniError, match="line 1: Section must be started before assignment"):
        IniDocument.parse(b"k = v\n[a]\n", strict=True)
    assert IniDocument.parse(b"[a]\nk = v\n", strict=True).get("a", "k") == "v"


@pytest.mark.parametrize(
    ("data", "ending"),
    [
        (b"", "\n"),
        (b"[a]\n", "\n"),
        (b"[a]\r\nk = v\r\n", "\r\n"),
        (b"[a]\r\nk = v\n\r\n", "\r\n"),
        (b"a\rb\r", "\r"),
    ],
)
def test_line_ending_is_the_dominant_one(data: bytes, ending: str) -> None:
    assert IniDocument.parse(data).line_ending == ending
