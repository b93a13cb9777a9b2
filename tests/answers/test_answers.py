"""The answers file: parsing, every validation rule, and re-saving with comments kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.answers import (
    KEYS,
    Answers,
    AnswersError,
    AnswersVersionError,
    NestedAnswers,
    dumps_answers,
    load_answers,
    parse_answers,
    save_answers,
)

PRODUCT_EXAMPLE = """\
version = 2
[hypervisor]
virt_type = "kvm"              # kvm | qemu
allow_emulation = false        # must be true to choose qemu on a host where KVM works or could work
[storage]
backend = "qcow2"              # qcow2 | flat | lvm | rbd
volume_group = "nova-vg"       # lvm only
rbd_pool = "vms"               # rbd only
ceph_conf = "/etc/ceph/ceph.conf"
rbd_user = "nova"
rbd_secret_uuid = "457eb676-33da-42ec-9a8c-9293d545c337"
[nested]
enabled = true
cpu_mode = "host-passthrough"  # host-passthrough | host-model | custom
cpu_models = []                # custom only, e.g. ["IvyBridge"]
extra_flags = []               # e.g. ["pcid"]; vmx/svm is added for the host's vendor when needed
[ceph_download]
enabled = false
rbd_user = "glance"
rbd_pool = "images"
ceph_conf = "/etc/ceph/ceph.conf"
connect_timeout = 5
glance_api_node = false        # also set show_image_direct_url in this host's glance-api.conf
[tpm]
verify = true
install_tools = true
vtpm = false                   # nova's emulated TPM for guests (swtpm)
swtpm_user = ""                # "": mirror libvirt's (swtpm_user in qemu.conf, else tss)
swtpm_group = ""
secure_boot = false            # guests may require TPM 2.0 and UEFI Secure Boot (needs vtpm)
measure = false                # extend each applied generation into a TPM PCR (kvm-wizard attest)
measure_pcr = 23               # 23 or 16: resettable, unused by the boot chain
[performance]
vhost_net = true
"""


def messages(text: str) -> list[str]:
    with pytest.raises(AnswersError) as caught:
        parse_answers(text, "test.toml")
    return [str(problem) for problem in caught.value.problems]


def test_the_product_example_is_valid_and_read_exactly() -> None:
    answers, _ = parse_answers(PRODUCT_EXAMPLE)
    assert answers.nested.enabled is True
    assert answers.nested.cpu_mode == "host-passthrough"
    assert answers.storage.rbd_secret_uuid == "457eb676-33da-42ec-9a8c-9293d545c337"
    assert answers.ceph_download.connect_timeout == 5
    assert answers.performance.vhost_net is True


def test_missing_keys_are_not_given_and_keep_the_nodes_values() -> None:
    answers, _ = parse_answers('version = 2\n[nested]\ncpu_mode = "custom"\n')
    assert answers.given == frozenset({"nested.cpu_mode"})
    node = Answers(
        nested=NestedAnswers(enabled=True, cpu_mode="host-model", cpu_models=(), extra_flags=("pcid",))
    )
    resolved = answers.resolved(node)
    assert resolved.nested == NestedAnswers(True, "custom", (), ("pcid",))
    assert resolved.given == answers.given


def test_a_rule_between_keys_is_judged_only_when_the_file_gives_them_all() -> None:
    # cpu_mode = custom needs models, but the node may have them: only a host can tell (answers check --demo).
    assert parse_answers('version = 2\n[nested]\ncpu_mode = "custom"\n').answers.nested.cpu_mode == "custom"
    assert messages('version = 2\n[nested]\ncpu_mode = "custom"\ncpu_models = []\n') == [
        'nested.cpu_models: is empty, but cpu_mode = custom needs at least one CPU model, e.g. ["IvyBridge"]'
    ]


def test_resaving_keeps_comments_and_order(tmp_path: Path) -> None:
    answers, document = parse_answers(PRODUCT_EXAMPLE)
    path = tmp_path / "answers.toml"
    save_answers(answers, path, document)
    assert path.read_text() == PRODUCT_EXAMPLE


def test_a_change_is_written_in_place_with_the_comment_kept() -> None:
    answers, document = parse_answers(PRODUCT_EXAMPLE)
    changed = Answers(
        storage=answers.storage.__class__(backend="lvm", volume_group="nova-vg"),
        nested=answers.nested,
    )
    text = dumps_answers(changed, document)
    assert 'backend = "lvm"              # qcow2 | flat | lvm | rbd' in text


def test_a_fresh_file_round_trips() -> None:
    text = dumps_answers(Answers())
    answers, _ = parse_answers(text)
    assert answers == Answers()
    for spec in KEYS:
        assert f"{spec.key} = " in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[storage]\nbackend = "qcow"',
            "storage.backend: 'qcow' is not allowed; choose one of: qcow2, flat, lvm, rbd",
        ),
        ('[storage]\nbackend = "raw"', "raw is the deprecated name of flat"),
        ('[hypervisor]\nvirt_type = "KVM"', "did you mean 'kvm'?"),
        (
            '[storage]\nvolume_grup = "x"',
            "storage.volume_grup: is not a known key; did you mean 'volume_group'?",
        ),
        ("[storag]\n", "storag: is not a known section; did you mean 'storage'?"),
        ('[performance]\nvhost_net = "yes"', "performance.vhost_net: expected true or false, found 'yes'"),
        ('[ceph_download]\nconnect_timeout = "5"', "ceph_download.connect_timeout: expected a whole number"),
        (
            "[ceph_download]\nenabled = true\nconnect_timeout = 0",
            "must be a positive number of seconds, not 0",
        ),
        (
            "[ceph_download]\nenabled = true\nconnect_timeout = -3",
            "must be a positive number of seconds, not -3",
        ),
        ('[nested]\ncpu_models = "IvyBridge"', "nested.cpu_models: expected a list of strings"),
        ('[nested]\ncpu_mode = "custom"\ncpu_models = []', "cpu_mode = custom needs at least one CPU model"),
        (
            '[nested]\ncpu_mode = "host-model"\ncpu_models = ["IvyBridge"]',
            "nova-compute refuses to start with models outside custom mode",
        ),
        (
            '[nested]\ncpu_mode = "custom"\ncpu_models = ["Ivy Bridge"]',
            "'Ivy Bridge' is not a CPU model name",
        ),
        ('[nested]\nextra_flags = ["pc id"]', "'pc id' is not a CPU flag name"),
        (
            '[storage]\nbackend = "lvm"\nvolume_group = ""',
            "storage.volume_group: is required when storage.backend is lvm",
        ),
        ('[storage]\nbackend = "lvm"\nvolume_group = "-vg"', "is not a valid LVM volume group name"),
        ('[storage]\nbackend = "lvm"\nvolume_group = ".."', "is not a valid LVM volume group name"),
        ('[storage]\nbackend = "rbd"\nrbd_secret_uuid = ""', "storage.rbd_secret_uuid: is required"),
        (
            '[storage]\nbackend = "rbd"\nrbd_secret_uuid = "not-a-uuid"',
            "storage.rbd_secret_uuid: 'not-a-uuid' is not a UUID",
        ),
        ('[storage]\nbackend = "rbd"\nrbd_user = "client.nova"', "write 'nova' (nova adds 'client.' itself)"),
        ('[storage]\nbackend = "rbd"\nceph_conf = "etc/ceph.conf"', "must be an absolute path"),
        ('[storage]\nbackend = "rbd"\nrbd_pool = "my pool"', "is not a usable Ceph pool name"),
        (
            '[storage]\nbackend = "rbd"\n[ceph_download]\nenabled = true',
            "ceph_download.enabled: is true, but storage.backend is rbd",
        ),
        ('[storage]\nvolume_group = "vg\\nx"', "must be one line without control characters"),
        ('[storage]\nvolume_group = "[DEFAULT]"', "may not start with '['"),
        ('[storage]\nrbd_pool = " vms"', "may not start or end with spaces"),
        ('[storage]\nrbd_user = "nova # the user"', "may not contain ' #' or ' ;'"),
        ("[storage]\nbackend = 3", "storage.backend: expected a string, found 3"),
        ("storage = 3", "storage: must be a table"),
    ],
)
def test_each_rule_names_the_key_the_value_and_what_is_allowed(text: str, expected: str) -> None:
    found = messages("version = 2\n" + text + "\n")
    assert any(expected in message for message in found), found


def test_all_problems_are_reported_at_once() -> None:
    found = messages(
        'version = 2\n[storage]\nbackend = "qcow"\nvolume_grup = "x"\n[nested]\ncpu_mode = "custom"\ncpu_models = []\n'
    )
    assert len(found) == 3


def test_a_value_that_could_inject_ini_is_reported_once() -> None:
    found = messages('version = 2\n[nested]\nextra_flags = ["vmx\\n[libvirt]"]\n')
    assert found == [
        "nested.extra_flags: 'vmx\\n[libvirt]' must be one line without control characters; it contains a newline "
        "(U+000A)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version = 3\n", "is 3, written by a newer kvm-wizard; this one reads up to version 2"),
        ("[storage]\n", "version: missing: an answers file starts with `version = 2`"),
        ('version = "1"\n', "version: must be a whole number"),
        ("version = 0\n", "versions start at 1"),
    ],
)
def test_versions(text: str, expected: str) -> None:
    with pytest.raises(AnswersVersionError) as caught:
        parse_answers(text)
    assert expected in str(caught.value)


def test_not_toml() -> None:
    assert "not valid TOML" in messages("version = = 1")[0]


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(AnswersError, match="no such file"):
        load_answers(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(AnswersError, match="is not UTF-8 text"):
        load_answers(binary)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "state" / "answers.toml"
    save_answers(Answers(), path)
    save_answers(Answers(), path)
    assert [entry.name for entry in path.parent.iterdir()] == ["answers.toml"]


def test_a_value_of_the_wrong_type_is_one_problem_not_two() -> None:
    """cpu_models = "IvyBridge" (a string, not a list): said once, not also as "is empty"."""
    text = 'version = 2\n[nested]\nenabled = true\ncpu_mode = "custom"\ncpu_models = "IvyBridge"\n'
    assert messages(text) == [
        "nested.cpu_models: expected a list of strings, e.g. [\"pcid\"], found 'IvyBridge'"
    ]
