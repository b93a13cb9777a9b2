"""nova.conf as facts record it: the same assignments at the same line numbers, comments gone, secrets masked."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.files.ini import IniDocument
from wizard.host.ini_record import record_ini, restore_ini

NOVA = """\
# a comment
[DEFAULT]

transport_url = rabbit://openstack:Rabb1t-Secret@controller:5672/
#compute_driver = <None>
compute_driver = libvirt.LibvirtDriver
;another comment

[database]
connection = mysql+pymysql://nova:Db-Secret@controller/nova
[keystone_authtoken]
password = Keystone-Secret
  continued-secret-line
[libvirt]
virt_type = kvm  # an inline comment stays: it is part of the value
broken line without separator
    orphan continuation
"""


def _shape(text: str) -> tuple[list[tuple[str | None, str, int, int]], list[tuple[int, str]]]:
    document = IniDocument(text)
    entries = [(item.section, item.key, item.line_number, item.line_count) for item in document.entries()]
    return entries, [(problem.line_number, problem.message) for problem in document.problems()]


def test_line_numbers_sections_and_problems_survive() -> None:
    recorded = record_ini("nova.conf", NOVA)
    assert "comment\n" not in recorded
    assert "# line 4\n" in recorded
    assert _shape(restore_ini(recorded)) == _shape(NOVA)
    restored = IniDocument(restore_ini(recorded))
    assert restored.get("libvirt", "virt_type") == "kvm  # an inline comment stays: it is part of the value"
    assert restored.get("DEFAULT", "compute_driver") == "libvirt.LibvirtDriver"


def test_secrets_are_masked_before_anything_is_recorded() -> None:
    recorded = record_ini("nova.conf", NOVA)
    for secret in ("Rabb1t-Secret", "Db-Secret", "Keystone-Secret", "continued-secret-line"):
        assert secret not in recorded
    assert "password = ****" in recorded
    assert "transport_url = ****" in recorded


def test_crlf_files_and_a_file_without_comments() -> None:
    text = "[libvirt]\r\nimages_type = qcow\r\n\r\n[DEFAULT]\r\ndebug = true"
    assert _shape(restore_ini(record_ini("nova.conf", text))) == _shape(text)
    plain = "[libvirt]\nvirt_type = kvm\n"
    assert record_ini("nova.conf", plain) == plain


LINES = st.sampled_from(
    ["[libvirt]", "[DEFAULT]", "#sample = 1", "; note", "", "   ", "virt_type = kvm", "  continued", "x: y",
     "password = s3cret", "no separator", "images_type=qcow # c", "[]", "\tcont"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=30))
def test_any_file_reads_the_same_after_recording(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    assert _shape(restore_ini(record_ini("nova.conf", text))) == _shape(text)
