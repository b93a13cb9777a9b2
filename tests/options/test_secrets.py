"""Secret masking: which options are secret, INI lines and files, free text, and that no fixture secret survives."""

from __future__ import annotations

import pytest

from wizard import option_data
from wizard.option_types import FILE_KINDS
from wizard.options import lookup_name
from wizard.secrets import _NOT_SECRET, MASK, is_secret, mask_ini_line, mask_ini_text, mask_text


@pytest.mark.parametrize(
    ("file_kind", "section", "option", "secret"),
    [
        ("nova.conf", "DEFAULT", "transport_url", True),
        ("nova.conf", "database", "connection", True),
        ("nova.conf", "DATABASE", "connection", True),
        ("nova.conf", "api_database", "slave_connection", True),
        ("nova.conf", "keystone_authtoken", "password", True),
        ("nova.conf", "keystone_authtoken", "memcache_secret_key", True),
        ("nova.conf", "placement", "password", True),
        ("nova.conf", "cache", "memcache_password", True),  # a deprecated name of a secret option
        ("nova.conf", "vault", "approle_secret_id", True),
        ("nova.conf", "neutron", "metadata_proxy_shared_secret", True),
        ("nova.conf", "key_manager", "fixed_key", True),
        # Real secrets whose definitions lack secret=True: caught by the name patterns.
        ("nova.conf", "oslo_messaging_kafka", "ssl_client_key_password", True),
        ("nova.conf", "profiler", "connection_string", True),
        # A glance multi-store backend section named by the operator.
        ("glance-api.conf", "fast_swift", "swift_store_key", True),
        ("glance-api.conf", "DEFAULT", "transport_url", True),
        ("ceph.keyring", "client.nova", "key", True),
        ("nova.conf", "my_plugin", "api_token", True),
        ("nova.conf", "my_plugin", "admin-password", True),
        ("nova.conf", "libvirt", "rbd_user", False),
        ("nova.conf", "libvirt", "rbd_secret_uuid", False),  # names a libvirt secret, is not one
        ("nova.conf", "libvirt", "images_type", False),
        ("nova.conf", "libvirt", "inject_password", False),  # a bool
        ("nova.conf", "DEFAULT", "key", False),  # a path
        ("nova.conf", "cors", "allow_credentials", False),
        ("glance-api.conf", "glance_store", "rbd_store_user", False),
        ("glance-api.conf", "DEFAULT", "show_image_direct_url", False),
    ],
)
def test_is_secret(file_kind: str, section: str, option: str, secret: bool) -> None:
    assert is_secret(file_kind, section, option) is secret


def test_the_not_secret_exceptions_are_known_options_that_nova_does_not_flag() -> None:
    for file_kind, section, option in _NOT_SECRET:
        assert file_kind in FILE_KINDS
        assert lookup_name(file_kind, section, option).status == "known", (section, option)
        assert option not in option_data.SECRET_OPTIONS[file_kind].get(section, "").split()


def test_the_patterns_add_only_these_known_options_to_the_flagged_ones() -> None:
    added = set()
    for file_kind in FILE_KINDS:
        flagged = option_data.SECRET_OPTIONS[file_kind]
        for section, names in option_data.KNOWN_OPTIONS[file_kind].items():
            for name in names.split():
                if name not in flagged.get(section, "").split() and is_secret(file_kind, section, name):
                    added.add((file_kind, section, name))
    assert added == {
        (file_kind, section, name)
        for file_kind in FILE_KINDS
        for section, name in (
            ("oslo_messaging_kafka", "ssl_client_key_password"),
            ("profiler", "connection_string"),
        )
    }


@pytest.mark.parametrize(
    ("section", "line", "masked"),
    [
        ("DEFAULT", "transport_url = rabbit://nova:s3cret@ctl:5672/\n", "transport_url = ****\n"),
        ("database", "connection=mysql+pymysql://nova:pw@db/nova", "connection=****"),
        ("keystone_authtoken", "password: hunter2", "password: ****"),
        ("keystone_authtoken", "password = hunter2\r\n", "password = ****\r\n"),
        ("keystone_authtoken", 'password = "two words"', "password = ****"),
        ("keystone_authtoken", "#password = hunter2", "#password = ****"),
        ("keystone_authtoken", "# password = hunter2", "# password = ****"),
        ("keystone_authtoken", "#password = <None>", "#password = <None>"),  # oslo's sample placeholder
        ("keystone_authtoken", "password =", "password ="),  # nothing to hide
        ("KEYSTONE_AUTHTOKEN", "password = x", "password = ****"),
        ("libvirt", "rbd_user = nova", "rbd_user = nova"),
        (
            "libvirt",
            "rbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c337",
            "rbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c337",
        ),
        ("glance", "api_servers = http://u:p@glance:9292", "api_servers = http://u:****@glance:9292"),
        ("libvirt", "[keystone_authtoken]", "[keystone_authtoken]"),
        ("libvirt", "", ""),
        ("libvirt", "# The password of the service user.", "# The password of the service user."),
        ("libvirt", "    continued password=abc", "    continued password=****"),
    ],
)
def test_mask_ini_line(section: str, line: str, masked: str) -> None:
    assert mask_ini_line("nova.conf", section, line) == masked


def test_mask_ini_text_follows_sections_and_continuation_lines() -> None:
    text = (
        "transport_url = rabbit://a:b@h\n"
        "[DEFAULT]\n"
        "debug = true\n"
        "[keystone_authtoken]\n"
        "username = nova\n"
        "password = first-part\n"
        "    second-part\n"
        "auth_url = http://keystone:5000\n"
        "[libvirt]\n"
        "rbd_user = nova\n"
        "images_type = rbd\n"
        "    not secret\n"
    )
    assert mask_ini_text("nova.conf", text) == (
        "transport_url = ****\n"
        "[DEFAULT]\n"
        "debug = true\n"
        "[keystone_authtoken]\n"
        "username = nova\n"
        "password = ****\n"
        "    ****\n"
        "auth_url = http://keystone:5000\n"
        "[libvirt]\n"
        "rbd_user = nova\n"
        "images_type = rbd\n"
        "    not secret\n"
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("rabbit://user:pass@host", "rabbit://user:****@host"),
        ("mysql+pymysql://nova:pw@db/nova", "mysql+pymysql://nova:****@db/nova"),
        ("rabbit://u1:p1@h1:5672,u2:p2@h2:5672/vh", "rabbit://u1:****@h1:5672,u2:****@h2:5672/vh"),
        ("redis://:pw@cache:6379", "redis://:****@cache:6379"),
        ("mysql://nova:p@ss@db/nova", "mysql://nova:****@db/nova"),
        ("connecting to 'rabbit://u:p@h:5672/' failed", "connecting to 'rabbit://u:****@h:5672/' failed"),
        ("http://glance:9292/v2/images", "http://glance:9292/v2/images"),
        # At the start of a line (an INI file pasted as text) the value runs to the end of the line.
        ("password=abc other=1", "password=****"),
        ("login password=abc other=1", "login password=**** other=1"),
        ("PASSWORD=abc", "PASSWORD=****"),
        ('{"password": "abc def", "user": "x"}', '{"password": "****", "user": "x"}'),
        ("{'auth_key': 'abc'}", "{'auth_key': '****'}"),
        ("X-Auth-Token: gAAAAABkZ", "X-Auth-Token: ****"),
        ("openstack --os-password s3cret server list", "openstack --os-password **** server list"),
        ("openstack --os-password=s3cret server list", "openstack --os-password=**** server list"),
        ("  password = two words", "  password = ****"),
        (
            "[client.nova]\n\tkey = AQBzkzZfAAAAABAAsk0Z3XzKo0iF2oRAnfmZ2A==\n",
            "[client.nova]\n\tkey = ****\n",
        ),
        ("AQBzkzZfAAAAABAAsk0Z3XzKo0iF2oRAnfmZ2A==", MASK),
        ("?user=nova&secret=xyz&x=1", "?user=nova&secret=****&x=1"),
        ("ERROR nova.compute Connection refused", "ERROR nova.compute Connection refused"),
        ("ssh root@host", "ssh root@host"),
        ("rbd_user = nova", "rbd_user = nova"),
    ],
)
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize("secret", ["a", "abcdefghijklmnopqrstuvwxyz0123456789"])
def test_a_mask_does_not_reveal_the_length(secret: str) -> None:
    assert mask_ini_line("nova.conf", "database", f"connection = {secret}") == "connection = ****"
    assert mask_text(f"rabbit://u:{secret}@h") == "rabbit://u:****@h"
    assert mask_text(f"password={secret}") == "password=****"


SECRETS = [
    "Rabbit-Pw-1",
    "Rabbit-Pw-2",
    "Db-Pw-3",
    "Api-Db-Pw-4",
    "Ks-Pw-5",
    "Memcache-Key-6",
    "Placement-Pw-7",
    "Neutron-Shared-8",
    "Continued-9",
    "Commented-10",
    "Kafka-Key-11",
    "Redis-Profiler-12",
    "Custom-Token-13",
    "Fixed-Key-14",
]
NOVA_CONF = f"""\
[DEFAULT]
debug = true
transport_url = rabbit://nova:{SECRETS[0]}@ctl1:5672,nova:{SECRETS[1]}@ctl2:5672/
compute_driver = libvirt.LibvirtDriver

[database]
connection = mysql+pymysql://nova:{SECRETS[2]}@db/nova

[api_database]
connection: mysql+pymysql://nova:{SECRETS[3]}@db/nova_api

[Keystone_Authtoken]
auth_url = http://keystone:5000
username = nova
password = "{SECRETS[4]}"
memcache_secret_key={SECRETS[5]}

[placement]
password = {SECRETS[6]}
\tand more {SECRETS[8]}
#password = {SECRETS[9]}

[neutron]
metadata_proxy_shared_secret = {SECRETS[7]}

[oslo_messaging_kafka]
ssl_client_key_password = {SECRETS[10]}

[profiler]
connection_string = redis://:{SECRETS[11]}@cache:6379

[my_plugin]
api_token = {SECRETS[12]}

[key_manager]
fixed_key = {SECRETS[13]}

[libvirt]
virt_type = kvm
rbd_user = nova
rbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c337
"""
LOG = f"""\
2026-01-01 12:00:00.000 1 ERROR oslo.messaging._drivers.impl_rabbit [-] Connection failed: rabbit://nova:{SECRETS[0]}@ctl1:5672/
2026-01-01 12:00:01.000 1 DEBUG keystoneauth.session REQ: curl -g -i -X POST http://keystone:5000/v3/auth/tokens -d '{{"password": "{SECRETS[4]}"}}'
2026-01-01 12:00:02.000 1 ERROR nova sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) mysql+pymysql://nova:{SECRETS[2]}@db/nova
2026-01-01 12:00:03.000 1 DEBUG nova X-Auth-Token: {SECRETS[12]} memcache_secret_key={SECRETS[5]}
$ openstack --os-password {SECRETS[6]} server list
"""


def test_no_secret_of_the_fixtures_survives() -> None:
    masked_file = mask_ini_text("nova.conf", NOVA_CONF)
    masked_lines = "".join(
        mask_ini_line("nova.conf", "placement", line) for line in NOVA_CONF.splitlines(True)
    )
    masked_log = mask_text(LOG)
    masked_file_as_text = mask_text(NOVA_CONF)
    for secret in SECRETS:
        assert secret not in masked_file
        assert secret not in masked_log
        if secret != SECRETS[8]:  # a continuation line needs its key, which free text does not have
            assert secret not in masked_file_as_text
        if secret not in (SECRETS[8], SECRETS[12], SECRETS[13]):  # masked only in their own section
            assert secret not in masked_lines, secret
    # Everything else stays readable.
    for kept in (
        "debug = true",
        "username = nova",
        "rbd_user = nova",
        "457eb676-33da-42ec-9a8c-9293d545c337",
        "[Keystone_Authtoken]",
    ):
        assert kept in masked_file
    assert "Connection failed: rabbit://nova:****@ctl1:5672/" in masked_log
