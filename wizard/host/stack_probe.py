"""What the probe asks the virtualization stack: libvirt's answers through virsh (live host only, read-only
questions), and the files that say which nova and which Ceph pieces are installed.

libvirt is asked the questions of wizard.virsh over nova's own connection (qemu:///system, or the
LIBVIRT_DEFAULT_URI given to the probe when it names that driver, as a test's private daemon does). Nothing here
changes libvirt: every question only reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from threading import Thread

from wizard.commands import CommandResult, CommandRunner
from wizard.host.collect import Collector
from wizard.host.facts import CommandRun, StackFacts
from wizard.virsh import DEFAULT_URI, queries, trim_capabilities, virsh_argv
from wizard.virsh_domcaps import trim_domain_capabilities

# domcapabilities can take seconds while libvirt probes QEMU for the first time after it started.
LIBVIRT_TIMEOUT = 20.0
CEPH_DIR = "/etc/ceph"
CEPH_CONF = "/etc/ceph/ceph.conf"
SMT_FILES = (
    "/sys/devices/system/cpu/smt/control",
    "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list",
)
PACKAGE_DIRS = ("/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages")
# nova's own distribution record, and the Ceph bindings nova's rbd code imports (python3-rbd, python3-rados).
PACKAGE_NAMES = re.compile(
    r"^(?:nova-\d[\w.+]*?(?:-py\d+\.\d+)?\.(?:dist|egg)-info"
    r"|(?:rbd|rados)(?:\.cpython-[\w-]+\.so|\.so|\.py|-[\d.]+[\w.+-]*\.(?:dist|egg)-info)?)$"
)
_CEPH_KEEP = re.compile(r"^\s*(\[|keyring\s*=)")


# Where the QEMU driver listens for qemu:///system: the monolithic libvirtd, or the modular virtqemud (systemd
# creates them for socket activation, so a socket that exists is answered).
SYSTEM_SOCKETS = ("/run/libvirt/libvirt-sock", "/run/libvirt/virtqemud-sock", "/var/run/libvirt/libvirt-sock")


def libvirt_sockets(uri: str) -> tuple[str, ...]:
    """The sockets a connection to ``uri`` would use (the one its ?socket= names, else the system ones)."""
    for part in uri.partition("?")[2].split("&"):
        key, _, value = part.partition("=")
        if key == "socket" and value:
            return (value,)
    return SYSTEM_SOCKETS


def libvirt_uri(environment: Mapping[str, str]) -> str:
    """The connection nova-compute uses: qemu:///system, or LIBVIRT_DEFAULT_URI when it points at that same
    driver through another socket (a private test daemon); any other driver is not nova's."""
    given = environment.get("LIBVIRT_DEFAULT_URI", "")
    return given if given.startswith(DEFAULT_URI) else DEFAULT_URI


def _record(result: CommandResult, keep: str = "") -> CommandRun:
    stdout = result.stdout
    if keep == "capabilities" and result.ok:
        stdout = trim_capabilities(stdout)
    elif keep == "domcapabilities" and result.ok:
        stdout = trim_domain_capabilities(stdout)
    return CommandRun(
        argv=result.argv,
        returncode=result.returncode,
        stdout=stdout,
        stderr=result.stderr[-2000:],
        error=result.error,
    )


def ask_libvirt(
    runner: CommandRunner,
    executables: Mapping[str, str],
    machine: str,
    live: bool,
    environment: Mapping[str, str] | None = None,
) -> StackFacts:
    """libvirt's answers on the live host: `version` first (does it answer at all?), then the rest at once."""
    if not live:
        return StackFacts(libvirt_error="not asked: not the live host")
    if not executables.get("virsh"):
        return StackFacts(libvirt_error="not asked: virsh is not installed (libvirt-clients)")
    uri = libvirt_uri(os.environ if environment is None else environment)
    sockets = libvirt_sockets(uri)
    if not any(os.path.exists(path) for path in sockets):
        # Nothing listens: not worth starting virsh to hear that (it costs the probe tens of milliseconds).
        return StackFacts(
            libvirt_uri=uri,
            libvirt_error=f"not asked: libvirt is not running (no socket: {', '.join(sockets)})",
        )
    asked = queries(machine or "x86_64")
    answers: dict[str, CommandRun] = {}

    def ask(key: str, stdin: str | None = None) -> CommandResult:
        result = runner.run(virsh_argv(uri, *asked[key]), timeout=LIBVIRT_TIMEOUT, input_text=stdin)
        answers[key] = _record(result, key.split(maxsplit=1)[0])
        return result

    if not ask("version").ok:
        return StackFacts(libvirt_uri=uri, libvirt=answers)
    threads = [
        Thread(target=ask, args=(key,))
        for key in asked
        if key not in ("version", "hypervisor-cpu-baseline kvm")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kvm = answers.get("domcapabilities kvm")
    if kvm is not None and kvm.returncode == 0:
        # The features of KVM's host-model CPU spelt out: what the hypervisor's CPU provides, which is what
        # nova's comparison at start measures a configured model and its flags against.
        ask("hypervisor-cpu-baseline kvm", kvm.stdout)
    return StackFacts(libvirt_uri=uri, libvirt=dict(sorted(answers.items())))


def read_stack_files(
    collector: Collector, machine: str, executables: Mapping[str, str]
) -> dict[str, tuple[str, ...]]:
    """Ceph's directory and the keyring setting of ceph.conf, POWER's SMT state, and which nova and Ceph Python
    packages are installed (returned: package directory -> the names that matter)."""
    collector.listdir(CEPH_DIR)
    if collector.stats.get(CEPH_CONF) is None:
        collector.stat(CEPH_CONF)
    collector.read(CEPH_CONF, _keep_ceph_conf)
    if machine.startswith("ppc"):
        for path in SMT_FILES:
            collector.read(path)
    found: dict[str, tuple[str, ...]] = {}
    for directory in _package_dirs(collector, executables):
        names = tuple(
            name for name in collector.listdir(directory, record=False) if PACKAGE_NAMES.match(name)
        )
        if names:
            found[directory] = names
    return found


def _keep_ceph_conf(text: str) -> tuple[str, bool]:
    """Section headers and `keyring =` lines only: where the Ceph clients' keys are kept (a path, no secret)."""
    kept = [line for line in text.splitlines() if _CEPH_KEEP.match(line)]
    return "".join(line + "\n" for line in kept), True


def _package_dirs(collector: Collector, executables: Mapping[str, str]) -> list[str]:
    """Debian's and Red Hat's package directories, and the one of the interpreter nova-compute runs with."""
    directories = list(PACKAGE_DIRS)
    for base in ("/usr/lib", "/usr/lib64", "/usr/local/lib"):
        for name in collector.listdir(base, record=False):
            if re.fullmatch(r"python3\.\d+", name):
                directories.append(f"{base}/{name}/site-packages")
                directories.append(f"{base}/{name}/dist-packages")
    script = executables.get("nova-compute", "")
    if script:
        data = collector.read_bytes(script)
        collector.files.pop(script, None)  # only what its first line says is kept
        first = (data or b"")[:256].split(b"\n", 1)[0].decode("utf-8", "replace")
        if first.startswith("#!"):
            interpreter = first[2:].strip().split()[0] if first[2:].strip() else ""
            prefix = interpreter.rsplit("/bin/", 1)[0] if "/bin/" in interpreter else ""
            if prefix and prefix not in ("/usr", "/usr/local", ""):
                for name in collector.listdir(f"{prefix}/lib", record=False):
                    if re.fullmatch(r"python3\.\d+", name):
                        directories.append(f"{prefix}/lib/{name}/site-packages")
    return list(dict.fromkeys(directories))
