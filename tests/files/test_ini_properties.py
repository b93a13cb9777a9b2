"""Property tests: any INI-like bytes round-trip, read like oslo, and edits touch only their option."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.files.ini_fixtures import assert_reads_like_oslo, oslo_read
from wizard.files.ini import IniChange, IniDocument

# An independent splitter for the checks: universal newlines on bytes.
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

SECTIONS = ["DEFAULT", "default", "libvirt", "Libvirt", "LIBVIRT", "glance", " libvirt "]
KEYS = ["virt_type", "Virt_Type", "virt-type", "images_type", "k"]
# Characters that matter to the grammar, plus ones str.splitlines() would break at but files do not.
TEXT = st.lists(st.sampled_from([*"ab =:#;[]'\"\t\u00a0\u00e9\x0c\x85\u2028", "virt_type"]), max_size=12).map(
    "".join
)
ENDINGS = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r\n", "\r"])

settings.register_profile(
    "ini", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
INI = settings.get_profile("ini")


@st.composite
def ini_line(draw: st.DrawFn) -> bytes:
    kind = draw(
        st.sampled_from(["section", "option", "option", "comment", "blank", "continuation", "junk", "bytes"])
    )
    if kind == "section":
        text = "[" + draw(st.sampled_from(SECTIONS)) + "]" + draw(st.sampled_from(["", " ", "]", " # c"]))
    elif kind == "option":
        separator = draw(st.sampled_from([" = ", "=", " =", "= ", " : ", ":", "\t=\t"]))
        text = draw(st.sampled_from(KEYS)) + separator + draw(TEXT)
    elif kind == "comment":
        text = draw(st.sampled_from(["#", ";", "# ", "#virt_type = ", "# images_type = "])) + draw(TEXT)
    elif kind == "blank":
        text = draw(st.sampled_from(["", " ", "\t", "  \t "]))
    elif kind == "continuation":
        text = draw(st.sampled_from([" ", "\t", "    "])) + draw(TEXT)
    elif kind == "junk":
        text = draw(TEXT)
    else:
        return draw(st.binary(max_size=6)).replace(b"\r", b"").replace(b"\n", b"")
    return text.encode()


@st.composite
def ini_file(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(ini_line(), max_size=14))
    endings = [draw(ENDINGS).encode() for _ in lines]
    unterminated = draw(st.booleans())
    if lines and unterminated:
        endings[-1] = b""
    return b"".join(line + ending for line, ending in zip(lines, endings, strict=True))


_READABLE_LINE = re.compile(rb"(\[[^\]\r\n]+\]|[#;].*|[a-zA-Z_-]+ ?[=:].*|)(\r\n|\r|\n)?")


@st.composite
def readable_ini_file(draw: st.DrawFn) -> bytes:
    """Files oslo reads without error: the same grammar, with the lines it refuses left out."""
    data = draw(ini_file())
    if oslo_read(data).error is not None:
        kept = [line for line in _LINE.findall(data) if _READABLE_LINE.fullmatch(line) and line.isascii()]
        data = b"[DEFAULT]\n" + b"".join(kept)
    return data


VALUES = st.text(alphabet=st.sampled_from(list("abc =:#[]'\",\u00e9")), max_size=8).filter(
    lambda v: v == v.strip()
)


@INI
@given(ini_file())
def test_any_file_round_trips_byte_for_byte(data: bytes) -> None:
    assert IniDocument.parse(data).to_bytes() == data


@INI
@given(ini_file())
def test_any_file_reads_like_oslo(data: bytes) -> None:
    assert_reads_like_oslo(data)


def assert_only_the_change_moved(before: bytes, after: bytes, change: IniChange) -> None:
    """Every line outside the change is the same, in the same order; the change lists its lines exactly."""
    old = _LINE.findall(before)
    new = _LINE.findall(after)
    old_numbers = set(change.old_line_numbers)
    new_numbers = set(change.new_line_numbers)
    kept_old = [line for number, line in enumerate(old, start=1) if number not in old_numbers]
    kept_new = [line for number, line in enumerate(new, start=1) if number not in new_numbers]
    assert [line.rstrip(b"\r\n") for line in kept_old] == [line.rstrip(b"\r\n") for line in kept_new]
    for number, (was, now) in enumerate(zip(kept_old, kept_new, strict=True), start=1):
        # Endings stay, except that a last line may gain one so that lines can follow it, and a lone "\r"
        # may become "\r\n" where a blank "\n" line now follows (it would merge into it otherwise).
        gained = number == len(kept_old) and was[-1:] not in b"\r\n"
        assert was == now or gained or (was.endswith(b"\r") and now == was + b"\n")
    assert [
        old[number - 1].rstrip(b"\r\n").decode("utf-8", "surrogateescape") for number in sorted(old_numbers)
    ] == list(change.old_lines)
    assert [new[number - 1].rstrip(b"\r\n").decode() for number in sorted(new_numbers)] == list(
        change.new_lines
    )


def other_options(document: IniDocument, section: str, key: str) -> dict[tuple[str | None, str], list[str]]:
    target = IniDocument.parse(b"[" + section.encode() + b"]\n").sections()[0].lower()
    values: dict[tuple[str | None, str], list[str]] = {}
    for entry in document.entries():
        name = entry.section if entry.section in (None, "DEFAULT") else entry.section.lower()
        if (name, entry.key) != (target if section != "DEFAULT" else "DEFAULT", key):
            values.setdefault((name, entry.key), []).append(entry.value)
    return values


@INI
@given(
    ini_file(),
    st.sampled_from(["DEFAULT", "libvirt", "Libvirt", "glance", "nova"]),
    st.sampled_from(KEYS),
    VALUES,
)
def test_set_touches_only_the_option(data: bytes, section: str, key: str, value: str) -> None:
    document = IniDocument.parse(data)
    others = other_options(document, section, key)
    change = document.set(section, key, value)
    after = document.to_bytes()
    assert_only_the_change_moved(data, after, change)
    reread = IniDocument.parse(after)
    assert reread.get_all(section, key) == [value]
    assert other_options(reread, section, key) == others
    if not IniDocument.parse(data).problems():
        assert not reread.problems()
        assert_reads_like_oslo(after)


@INI
@given(ini_file(), st.sampled_from(["DEFAULT", "libvirt", "glance"]), st.sampled_from(KEYS))
def test_unset_touches_only_the_option(data: bytes, section: str, key: str) -> None:
    document = IniDocument.parse(data)
    others = other_options(document, section, key)
    change = document.unset(section, key)
    after = document.to_bytes()
    assert_only_the_change_moved(data, after, change)
    reread = IniDocument.parse(after)
    assert reread.get_all(section, key) == []
    assert other_options(reread, section, key) == others


@INI
@given(readable_ini_file(), st.sampled_from(["DEFAULT", "libvirt", "glance"]), VALUES, VALUES)
def test_edits_on_readable_files_stay_readable_by_oslo(
    data: bytes, section: str, first: str, second: str
) -> None:
    document = IniDocument.parse(data)
    assert not document.problems()
    document.set(section, "virt_type", first)
    document.set_list(section, "images_type", [item for item in (first, second) if item and "," not in item])
    document.set_multi(section, "k", [first, second])
    oslo = oslo_read(document.to_bytes())
    assert oslo.error is None
    options = oslo.sections[section if section == "DEFAULT" else section.lower()]
    assert options["virt_type"] == [first]
    assert options["k"] == [first, second]
