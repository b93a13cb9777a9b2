"""Module lists and modprobe.d files: byte-exact round trips, merged options lines, "-" equal to "_"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.files.modules import ModprobeConf, ModuleChange, ModuleFileError, ModulesList

MODULES_FILES = {
    "empty": b"",
    "debian default": b'# /etc/modules: kernel modules to load at boot time.\n#\n# This file contains the names of kernel modules that should be loaded\n# at boot time, one per line. Lines beginning with "#" are ignored.\n\n',
    "modules and arguments": b"kvm_intel\nloop max_loop=64\n  vhost-net  \n",
    "semicolon comments": b"; comment\nkvm\n",
    "crlf": b"kvm\r\nkvm_intel\r\n",
    "no final newline": b"kvm\nkvm_amd",
    "not utf-8": b"# caf\xe9\nkvm\n",
    "lone carriage return": b"kvm\rtun\n",
}


@pytest.mark.parametrize("data", MODULES_FILES.values(), ids=MODULES_FILES.keys())
def test_modules_list_round_trips(data: bytes) -> None:
    assert ModulesList.parse(data).to_bytes() == data


def test_modules_are_the_first_words_of_non_comment_lines() -> None:
    modules = ModulesList.parse(b"# kvm_amd\n; tun\nkvm_intel\nloop max_loop=64\n  vhost-net  \n\n")
    assert modules.modules() == ["kvm_intel", "loop", "vhost-net"]
    assert modules.contains("kvm-intel")
    assert modules.contains("vhost_net")
    assert not modules.contains("kvm_amd")
    assert not modules.contains("kvm")


ADD_CASES = {
    "append": (b"# modules\nkvm\n", b"# modules\nkvm\nkvm_intel\n"),
    "empty file": (b"", b"kvm_intel\n"),
    "crlf": (b"kvm\r\n", b"kvm\r\nkvm_intel\r\n"),
    "no final newline": (b"kvm", b"kvm\nkvm_intel\n"),
    "already there in the other spelling": (b"kvm-intel\n", b"kvm-intel\n"),
    "already there with arguments": (b"kvm_intel foo=1\n", b"kvm_intel foo=1\n"),
    "only commented out": (b"#kvm_intel\n", b"#kvm_intel\nkvm_intel\n"),
}


@pytest.mark.parametrize(("before", "after"), ADD_CASES.values(), ids=ADD_CASES.keys())
def test_add_lists_a_module_once(before: bytes, after: bytes) -> None:
    modules = ModulesList.parse(before)
    change = modules.add("kvm_intel")
    assert modules.to_bytes() == after
    assert change.changed == (before != after)
    assert modules.contains("kvm-intel")


def test_add_records_the_new_line() -> None:
    assert ModulesList.parse(b"kvm\n").add("vhost_net") == ModuleChange(
        "vhost_net", None, None, "vhost_net", (), ("vhost_net",), (), (2,)
    )


REMOVE_CASES = {
    "one line": (b"kvm\nkvm_intel\ntun\n", b"kvm\ntun\n"),
    "every spelling": (b"kvm-intel\nkvm\nkvm_intel nested=1\n", b"kvm\n"),
    "comments stay": (b"# kvm_intel for VT-x\nkvm_intel\n", b"# kvm_intel for VT-x\n"),
    "crlf": (b"kvm_intel\r\nkvm\r\n", b"kvm\r\n"),
    "absent": (b"kvm\n", b"kvm\n"),
    "last line without newline": (b"kvm\nkvm_intel", b"kvm\n"),
}


@pytest.mark.parametrize(("before", "after"), REMOVE_CASES.values(), ids=REMOVE_CASES.keys())
def test_remove_drops_only_the_module_lines(before: bytes, after: bytes) -> None:
    modules = ModulesList.parse(before)
    change = modules.remove("kvm-intel")
    assert modules.to_bytes() == after
    assert change.changed == (before != after)
    assert not modules.contains("kvm_intel")


@pytest.mark.parametrize("name", ["", "kvm intel", "#kvm", "kvm\n", "../kvm", "kvm.ko"])
def test_add_refuses_what_is_not_a_module_name(name: str) -> None:
    with pytest.raises(ModuleFileError):
        ModulesList.parse(b"").add(name)


MODPROBE_FILES = {
    "empty": b"",
    "comments and commands": b"# nested virtualisation\noptions kvm_intel nested=1\nblacklist nouveau\nalias pci:v* vfio-pci\n",
    "continuation": b"options kvm_intel \\\n    nested=1 \\\n    ept=1\n",
    "crlf": b"options kvm_amd nested=1\r\n",
    "no final newline": b"options kvm_amd nested=1",
    "quotes and tabs": b'options\tmy_mod\tnames="a b"  flag\n',
    "not utf-8": b"# \xff\noptions kvm nx_huge_pages=off\n",
}


@pytest.mark.parametrize("data", MODPROBE_FILES.values(), ids=MODPROBE_FILES.keys())
def test_modprobe_conf_round_trips(data: bytes) -> None:
    assert ModprobeConf.parse(data).to_bytes() == data


GET_CASES = [
    (b"options kvm_intel nested=1\n", "kvm_intel", "nested", "1"),
    (b"options kvm-intel nested=Y\n", "kvm_intel", "nested", "Y"),
    (b"options kvm_intel nested=1\n", "kvm-intel", "nested", "1"),
    (b"options kvm_intel enable-apicv=0\n", "kvm_intel", "enable_apicv", "0"),
    (b"options kvm_intel nested=0\noptions kvm_intel nested=1\n", "kvm_intel", "nested", "1"),
    (b"options kvm_intel nested=0 nested=1\n", "kvm_intel", "nested", "1"),
    (b"options kvm_intel \\\n  nested=1\n", "kvm_intel", "nested", "1"),
    (b"options kvm_intel nested=1\r\n", "kvm_intel", "nested", "1"),
    (b'options my_mod names="a b"\n', "my_mod", "names", "a b"),
    (b"options my_mod flag\n", "my_mod", "flag", ""),
    (b"# options kvm_intel nested=1\n", "kvm_intel", "nested", None),
    (b"options kvm_amd nested=1\n", "kvm_intel", "nested", None),
    (b"options kvm_intel_x nested=1\n", "kvm_intel", "nested", None),
    (b"options kvm_intel ept=1\n", "kvm_intel", "nested", None),
    (b"install kvm_intel nested=1\n", "kvm_intel", "nested", None),
]


@pytest.mark.parametrize(("data", "module", "key", "expected"), GET_CASES)
def test_get_option_reads_what_modprobe_passes(
    data: bytes, module: str, key: str, expected: str | None
) -> None:
    assert ModprobeConf.parse(data).get_option(module, key) == expected


SET_CASES = {
    "new line": (b"# kvm\n", b"# kvm\noptions kvm_intel nested=1\n"),
    "empty file": (b"", b"options kvm_intel nested=1\n"),
    "replace in place": (
        b"options kvm_intel ept=1 nested=0 x=2\n",
        b"options kvm_intel ept=1 nested=1 x=2\n",
    ),
    "other spellings": (b"options kvm-intel Nested=0 nested=0\n", b"options kvm-intel Nested=0 nested=1\n"),
    "merge into the existing line": (b"options kvm_intel ept=1\n", b"options kvm_intel ept=1 nested=1\n"),
    "merge keeps crlf": (b"options kvm_intel ept=1  \r\n", b"options kvm_intel ept=1 nested=1\r\n"),
    "merge into the last of several lines": (
        b"options kvm_intel ept=1\nblacklist x\noptions kvm-intel pml=0\n# end\n",
        b"options kvm_intel ept=1\nblacklist x\noptions kvm-intel pml=0 nested=1\n# end\n",
    ),
    "conflicting lines merged": (
        b"options kvm_intel nested=0 ept=1\noptions kvm_intel nested=Y\n",
        b"options kvm_intel ept=1\noptions kvm_intel nested=1\n",
    ),
    "conflicting line dropped when emptied": (
        b"options kvm_intel nested=0\noptions kvm_intel ept=1 nested=Y\n",
        b"options kvm_intel ept=1 nested=1\n",
    ),
    "continuation lines kept": (
        b"options kvm_intel \\\n    nested=0 \\\n    ept=1\n",
        b"options kvm_intel \\\n    nested=1 \\\n    ept=1\n",
    ),
    "merge after continuation lines": (
        b"options kvm_intel \\\n    ept=1\n",
        b"options kvm_intel \\\n    ept=1 nested=1\n",
    ),
    "no final newline": (b"blacklist x", b"blacklist x\noptions kvm_intel nested=1\n"),
    "crlf new line": (b"blacklist x\r\n", b"blacklist x\r\noptions kvm_intel nested=1\r\n"),
    "already set": (b"options kvm_intel nested=1\n", b"options kvm_intel nested=1\n"),
    "commented line is not merged into": (
        b"#options kvm_intel nested=0\n",
        b"#options kvm_intel nested=0\noptions kvm_intel nested=1\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), SET_CASES.values(), ids=SET_CASES.keys())
def test_set_option_merges_into_the_module_options(before: bytes, after: bytes) -> None:
    conf = ModprobeConf.parse(before)
    change = conf.set_option("kvm_intel", "nested", "1")
    assert conf.to_bytes() == after
    assert conf.get_option("kvm-intel", "nested") == "1"
    assert change.changed == (before != after)


def test_set_option_records_lines() -> None:
    conf = ModprobeConf.parse(b"# x\noptions kvm_intel nested=0\noptions kvm_intel ept=1 nested=0\n")
    assert conf.set_option("kvm_intel", "nested", "1") == ModuleChange(
        module="kvm_intel",
        key="nested",
        old_value="0",
        new_value="1",
        old_lines=("options kvm_intel nested=0", "options kvm_intel ept=1 nested=0"),
        new_lines=("options kvm_intel ept=1 nested=1",),
        old_line_numbers=(2, 3),
        new_line_numbers=(2,),
    )


REMOVE_CASES_MODPROBE = {
    "one of several": (b"options kvm_intel ept=1 nested=1 x=2\n", b"options kvm_intel ept=1 x=2\n"),
    "the only one drops the line": (b"# n\noptions kvm_intel nested=1\n# m\n", b"# n\n# m\n"),
    "every line": (
        b"options kvm_intel nested=1\noptions kvm-intel x=1 nested=0\n",
        b"options kvm-intel x=1\n",
    ),
    "continuation drops the logical line": (
        b"options kvm_intel \\\n  nested=1\nblacklist y\n",
        b"blacklist y\n",
    ),
    "continuation keeps the rest": (
        b"options kvm_intel \\\n  nested=1 \\\n  ept=1\n",
        b"options kvm_intel \\\n  ept=1\n",
    ),
    "absent": (b"options kvm_amd nested=1\n", b"options kvm_amd nested=1\n"),
    "crlf": (b"options kvm_intel nested=1\r\nblacklist y\r\n", b"blacklist y\r\n"),
}


@pytest.mark.parametrize(
    ("before", "after"), REMOVE_CASES_MODPROBE.values(), ids=REMOVE_CASES_MODPROBE.keys()
)
def test_remove_option_drops_it_and_empty_lines(before: bytes, after: bytes) -> None:
    conf = ModprobeConf.parse(before)
    change = conf.remove_option("kvm-intel", "nested")
    assert conf.to_bytes() == after
    assert conf.get_option("kvm_intel", "nested") is None
    assert change.changed == (before != after)
    assert change.new_value is None


@pytest.mark.parametrize(
    ("module", "key", "value"),
    [
        ("kvm intel", "nested", "1"),
        ("kvm_intel", "nes ted", "1"),
        ("kvm_intel", "nested=", "1"),
        ("kvm_intel", "nested", ""),
        ("kvm_intel", "nested", "a b"),
        ("kvm_intel", "nested", '"1"'),
        ("kvm_intel", "nested", "1\n"),
        ("kvm_intel", "nested", "1\\"),
        ("kvm_intel", "nested", "1#x"),
        ("kvm_intel", "nested", "1\x00"),
    ],
)
def test_set_option_refuses_what_would_not_read_back(module: str, key: str, value: str) -> None:
    conf = ModprobeConf.parse(b"options kvm_intel nested=0\n")
    with pytest.raises(ModuleFileError):
        conf.set_option(module, key, value)
    assert conf.to_bytes() == b"options kvm_intel nested=0\n"


def test_a_backslash_at_the_end_of_the_file_is_dropped_like_kmod_does() -> None:
    conf = ModprobeConf.parse(b"options kvm_intel nested=1 \\\n")
    assert conf.get_option("kvm_intel", "nested") == "1"
    conf.remove_option("kvm_intel", "nested")
    assert conf.to_bytes() == b""


MODULE_FILE_LINES = st.lists(
    st.sampled_from(
        [
            *(b"kvm", b"kvm-intel", b"kvm_intel nested=1", b"# kvm_intel", b"; x", b"", b"  "),
            *(b"options kvm_intel nested=0", b"options kvm-intel ept=1 \\", b"  nested=Y"),
            *(b"blacklist kvm_intel", b"\xff\xfe", b"a\rb"),
        ]
    ),
    max_size=8,
)


@st.composite
def module_file(draw: st.DrawFn) -> bytes:
    lines = draw(MODULE_FILE_LINES)
    endings = [draw(st.sampled_from([b"\n", b"\r\n"])) for _ in lines]
    unterminated = draw(st.booleans())
    if lines and unterminated:
        endings[-1] = b""
    return b"".join(line + ending for line, ending in zip(lines, endings, strict=True))


@settings(max_examples=150, deadline=None)
@given(module_file())
def test_any_module_file_round_trips_and_edits_only_its_lines(data: bytes) -> None:
    assert ModulesList.parse(data).to_bytes() == data
    assert ModprobeConf.parse(data).to_bytes() == data
    modules = ModulesList.parse(data)
    others = [name for name in modules.modules() if name.replace("-", "_") != "kvm_intel"]
    modules.remove("kvm_intel")
    modules.add("kvm-intel")
    assert modules.modules() == [*others, "kvm-intel"]
    conf = ModprobeConf.parse(data)
    conf.set_option("kvm-intel", "nested", "1")
    assert conf.get_option("kvm_intel", "nested") == "1"
    conf.remove_option("kvm_intel", "nested")
    assert conf.get_option("kvm_intel", "nested") is None
