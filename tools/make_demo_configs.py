"""Build the demo hosts' shared nova.conf and glance-api.conf from oslo-config-generator samples.

The files imitate what distributions ship: every option commented out as `#option = default` with its help
above, plus the settings an install guide adds (with passwords, which previews must mask). Run once when
the samples change; the output is committed under assets/demo/_common/root/etc/.

    python -m venv /tmp/nova && /tmp/nova/bin/pip install nova==34.0.0 glance==33.0.0
    /tmp/nova/bin/oslo-config-generator --summarize --wrap-width 80 --output-file /tmp/nova.conf.sample \
        --namespace nova.conf --namespace oslo.log --namespace oslo.messaging --namespace oslo.policy \
        --namespace oslo.privsep --namespace oslo.service.periodic_task --namespace oslo.service.service \
        --namespace oslo.middleware --namespace oslo.concurrency --namespace keystonemiddleware.auth_token \
        --namespace osprofiler
    /tmp/nova/bin/oslo-config-generator --summarize --wrap-width 80 --output-file /tmp/glance-api.conf.sample \
        --namespace glance.api --namespace glance.store --namespace glance.multi_store \
        --namespace oslo.concurrency --namespace oslo.db --namespace keystonemiddleware.auth_token
    python tools/make_demo_configs.py /tmp/nova.conf.sample /tmp/glance-api.conf.sample
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

COMMON = Path(__file__).resolve().parent.parent / "assets" / "demo" / "_common" / "root" / "etc"

# The sections a compute node's nova.conf needs (the full sample has 60; these cover every option the
# wizard writes and the ones an install guide sets).
NOVA_SECTIONS = (
    "DEFAULT",
    "compute",
    "database",
    "glance",
    "key_manager",
    "keystone_authtoken",
    "libvirt",
    "neutron",
    "oslo_concurrency",
    "oslo_messaging_notifications",
    "placement",
    "service_user",
    "vnc",
)
KEYSTONE = {
    "auth_url": "http://controller:5000/v3",
    "auth_type": "password",
    "project_domain_name": "Default",
    "user_domain_name": "Default",
    "project_name": "service",
}
# Settings a deployment adds: (section, option, value), inserted after the commented default.
NOVA_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("DEFAULT", "my_ip", "10.0.0.31"),
    ("DEFAULT", "state_path", "/var/lib/nova"),
    ("DEFAULT", "log_dir", "/var/log/nova"),
    ("DEFAULT", "transport_url", "rabbit://openstack:Rabb1t-Pass-2024@controller:5672/"),
    ("database", "connection", "mysql+pymysql://nova:N0va-DB-Pass-2024@controller/nova"),
    ("glance", "api_servers", "http://controller:9292"),
    ("keystone_authtoken", "www_authenticate_uri", "http://controller:5000/"),
    ("keystone_authtoken", "memcached_servers", "controller:11211"),
    *(("keystone_authtoken", key, value) for key, value in KEYSTONE.items()),
    ("keystone_authtoken", "username", "nova"),
    ("keystone_authtoken", "password", "N0va-Keystone-Pass-2024"),
    ("neutron", "region_name", "RegionOne"),
    *(("neutron", key, value) for key, value in KEYSTONE.items()),
    ("neutron", "username", "neutron"),
    ("neutron", "password", "Neutr0n-Keystone-Pass-2024"),
    ("oslo_concurrency", "lock_path", "/var/lib/nova/tmp"),
    ("placement", "region_name", "RegionOne"),
    *(("placement", key, value) for key, value in KEYSTONE.items()),
    ("placement", "username", "placement"),
    ("placement", "password", "Plac3ment-Keystone-Pass-2024"),
    ("service_user", "send_service_user_token", "true"),
    *(("service_user", key, value) for key, value in KEYSTONE.items()),
    ("service_user", "username", "nova"),
    ("service_user", "password", "N0va-Keystone-Pass-2024"),
    ("vnc", "enabled", "true"),
    ("vnc", "server_listen", "0.0.0.0"),  # noqa: S104 - a value written to a demo file, not a bind
    ("vnc", "server_proxyclient_address", "$my_ip"),
    ("vnc", "novncproxy_base_url", "http://controller:6080/vnc_auto.html"),
)
GLANCE_SECTIONS = (
    "DEFAULT",
    "database",
    "glance_store",
    "keystone_authtoken",
    "oslo_concurrency",
    "paste_deploy",
)
GLANCE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("database", "connection", "mysql+pymysql://glance:Gl4nce-DB-Pass-2024@controller/glance"),
    ("glance_store", "stores", "file,http"),
    ("glance_store", "default_store", "file"),
    ("glance_store", "filesystem_store_datadir", "/var/lib/glance/images/"),
    ("keystone_authtoken", "www_authenticate_uri", "http://controller:5000"),
    ("keystone_authtoken", "memcached_servers", "controller:11211"),
    *(("keystone_authtoken", key, value) for key, value in KEYSTONE.items()),
    ("keystone_authtoken", "username", "glance"),
    ("keystone_authtoken", "password", "Gl4nce-Keystone-Pass-2024"),
    ("paste_deploy", "flavor", "keystone"),
)


def split_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = re.fullmatch(r"\[([^\]]+)\]", line)
        if match:
            current = sections.setdefault(match.group(1), [])
        if current is not None:
            current.append(line)
    return sections


def add_settings(lines: list[str], settings: list[tuple[str, str]]) -> list[str]:
    """Each `option = value` right after `#option = default`, or at the end of the section."""
    result = list(lines)
    for option, value in settings:
        commented = next(
            (index for index, line in enumerate(result) if re.match(rf"#{re.escape(option)} = ", line)), None
        )
        if commented is None:
            while result and result[-1] == "":
                result.pop()
            result += [f"{option} = {value}", ""]
        else:
            result.insert(commented + 1, f"{option} = {value}")
    return result


def build(sample: str, sections: tuple[str, ...], settings: tuple[tuple[str, str, str], ...]) -> str:
    parsed = split_sections(sample)
    missing = [name for name in sections if name not in parsed]
    if missing:
        raise SystemExit(f"the sample has no section(s) {', '.join(missing)}")
    out: list[str] = []
    for name in sections:
        wanted = [(option, value) for section, option, value in settings if section == name]
        out += add_settings(parsed[name], wanted)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    nova = build(Path(argv[0]).read_text(encoding="utf-8"), NOVA_SECTIONS, NOVA_SETTINGS)
    glance = build(Path(argv[1]).read_text(encoding="utf-8"), GLANCE_SECTIONS, GLANCE_SETTINGS)
    (COMMON / "nova").mkdir(parents=True, exist_ok=True)
    (COMMON / "glance").mkdir(parents=True, exist_ok=True)
    (COMMON / "nova" / "nova.conf").write_text(nova, encoding="utf-8")
    (COMMON / "glance" / "glance-api.conf").write_text(glance, encoding="utf-8")
    print(f"nova.conf: {nova.count(chr(10))} lines; glance-api.conf: {glance.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
