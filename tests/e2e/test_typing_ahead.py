"""The installed kvm-wizard at 80x24 under TERM=linux, fed keys faster than it draws: every step's keys in one
write, as a laggy IPMI serial console or an operator typing ahead delivers them. Nothing crashes, no step is
skipped: what each step's keys chose is what the wizard applied."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.e2e.terminal import KEYS, Terminal
from tests.e2e.test_terminal import start, unportable

STEPS = (
    ("Welcome", ("f10",)),
    ("Host check", ("f10",)),
    ("Hypervisor", ("f10",)),
    ("Storage", ("down", "down", "space", "f10")),  # lvm
    ("Nested guests", ("space", "f10")),  # nested guests off (the demo host has them on)
    ("Ceph direct download", ("space", "f10")),  # on
    ("TPM", ("space", "f10")),  # install tpm2-tools: on
    ("Performance", ("space", "f10")),  # vhost_net: off
    ("Review", ("f10", "y")),  # apply, once the plan is made, and say yes to the question before it
)


def test_every_steps_keys_in_one_write(tmp_path: Path, terminals: list[Terminal]) -> None:
    root = tmp_path / "root"
    wizard = start(terminals, "--demo", "intel-ready", "--root", str(root))
    wizard.wait_for("DEMO intel-ready")
    # Not even the first screen is ready when they arrive: the demo's files are still being copied.
    wizard.child.send("".join(KEYS.get(key, key) for _title, keys in STEPS for key in keys))
    wizard.wait_for("[PASS] Apply done", timeout=60)
    assert "Traceback" not in wizard.raw.decode("utf-8", "replace")
    assert wizard.child.isalive()

    answers = tomllib.loads((root / "var/lib/kvm-wizard/answers.toml").read_text())
    assert answers["hypervisor"]["virt_type"] == "kvm"
    assert answers["storage"]["backend"] == "lvm"
    assert answers["nested"]["enabled"] is False
    assert answers["ceph_download"]["enabled"] is True
    assert answers["tpm"]["install_tools"] is True
    assert answers["performance"]["vhost_net"] is False
    nova = (root / "etc/nova/nova.conf").read_text()
    assert "\nimages_type = lvm\n" in nova
    assert "\nenable_rbd_download = True\n" in nova

    wizard.child.send(KEYS["f10"] + "y")  # to Confirm, and keep it, in one write too
    wizard.wait_for("Kept: the apply of generation 1 stays")
    assert unportable(wizard.seen) == []
