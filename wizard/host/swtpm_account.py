"""The account libvirt runs swtpm as: qemu.conf's swtpm_user and swtpm_group, else libvirt's default (tss).

Read from qemu.conf's text alone, so that the probe's facts and the Ansible export's module on a node (which
carries this file) read it the same way."""

from __future__ import annotations

import re

QEMU_CONF = "/etc/libvirt/qemu.conf"
LIBVIRT_DEFAULT_SWTPM = (
    "tss"  # the account libvirt runs swtpm as when qemu.conf does not say (swtpm_user/group)
)
_SWTPM = re.compile(r'^\s*(swtpm_user|swtpm_group)\s*=\s*"([^"]*)"')


def swtpm_accounts_in(qemu_conf: str | None) -> tuple[str, str, str]:
    """(user, group, where it was read) of swtpm, from the text of qemu.conf (None: there is none)."""
    user = group = LIBVIRT_DEFAULT_SWTPM
    source = "libvirt's default"
    for line in (qemu_conf or "").splitlines():
        match = _SWTPM.match(line)
        if match:
            source = QEMU_CONF
            if match[1] == "swtpm_user":
                user = match[2]
            else:
                group = match[2]
    return user, group, source
