"""Record a real libvirt's answers for the demo hosts: tools/libvirt_answers/debian12-x86_64.toml.

It starts the tests' private libvirtd (tests/libvirt_daemon.py: Debian 12's libvirt 9.0 and QEMU 7.2, nothing of
the machine's own libvirt touched), defines the Ceph secret the demo answers name, and asks it the probe's own
questions (wizard.host.stack_probe.ask_libvirt). Only the answers that do not depend on the machine's CPU are
kept: `version`, `cpu-models x86_64`, `domcapabilities --virttype qemu` (TCG emulates its own CPU), the same
for q35 guests (`--machine q35`: their UEFI firmware, with Debian's OVMF installed, and their TPM) and
`secret-list`. KVM's answers (`domcapabilities --virttype kvm`, `capabilities`, the CPU baseline) describe the
recording machine's CPU, not a demo host's, and are left out. The connection is recorded as qemu:///system, the
one a demo host's nova would use (the private daemon is reached through another socket of the same driver).

Needs root and the Debian packages ./check installs:

    sudo .venv/bin/python tools/record_libvirt.py      # then tools/make_demo_facts.py, and review the diff
"""

from __future__ import annotations

import datetime
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tomlkit  # noqa: E402

from tests.libvirt_daemon import private_libvirtd  # noqa: E402
from wizard.commands import CommandRunner  # noqa: E402
from wizard.host.stack_probe import ask_libvirt  # noqa: E402
from wizard.virsh import DEFAULT_URI  # noqa: E402

TARGET = ROOT / "tools" / "libvirt_answers" / "debian12-x86_64.toml"
KEPT = ("version", "cpu-models", "domcapabilities qemu", "domcapabilities qemu q35", "secret-list")
# The answers example's secret: a UUID names it, it holds no key.
DEMO_UUID = "457eb676-33da-42ec-9a8c-9293d545c337"
SECRET_XML = f"""<secret ephemeral='no' private='yes'>
  <uuid>{DEMO_UUID}</uuid>
  <usage type='ceph'><name>client.nova secret</name></usage>
</secret>
"""
PACKAGES = ("libvirt-daemon", "libvirt-clients", "qemu-system-x86")


def _package_versions() -> str:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Version}\n", *PACKAGES],
        capture_output=True,
        text=True,
        check=False,
    )
    return ", ".join(result.stdout.split("\n")[:-1])


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="lv-", dir="/tmp"))
    with private_libvirtd(base) as daemon:
        secret = base / "secret.xml"
        secret.write_text(SECRET_XML)
        defined = daemon.virsh("secret-define", str(secret))
        if defined.returncode != 0:
            print(f"secret-define failed: {defined.stderr}", file=sys.stderr)
            return 1
        facts = ask_libvirt(
            CommandRunner(),
            {"virsh": shutil.which("virsh") or ""},
            "x86_64",
            live=True,
            environment=daemon.environment,
        )
    document = tomlkit.document()
    document.add(
        tomlkit.comment(f"Recorded by tools/record_libvirt.py on {datetime.date.today().isoformat()}:")
    )
    document.add(tomlkit.comment(f"{_package_versions()} ({platform.machine()})."))
    document.add(tomlkit.comment(f"Kept: {', '.join(KEPT)}; the connection recorded as {DEFAULT_URI}."))
    answers = tomlkit.table()
    for key in KEPT:
        run = facts.libvirt[key]
        entry = tomlkit.table()
        entry.add("argv", ["virsh", "-c", DEFAULT_URI, *run.argv[3:]])
        entry.add("returncode", run.returncode if run.returncode is not None else -1)
        entry.add("stdout", tomlkit.string(run.stdout, multiline=True))
        entry.add("stderr", run.stderr)
        answers.add(key, entry)
    document.add("answers", answers)
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(tomlkit.dumps(document), encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {', '.join(KEPT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
