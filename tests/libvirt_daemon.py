"""A real libvirtd (with virtlogd and QEMU from Debian's packages) that a test can start and stop, private to it.

A root libvirtd reads and writes fixed paths: /etc/libvirt (its configuration), /run/libvirt (state and
sockets), /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt. No option moves them. So the daemon runs
in a mount and PID namespace of its own (made with util-linux's unshare), where those directories are private
ones under ``base`` bound over the real paths; /run and /var are overlays whose writes land under ``base`` too,
and, when the host has no ``libvirt-qemu`` account (libvirtd refuses to start without it even when qemu.conf
names another one), the namespace sees a private copy of /etc/passwd and /etc/group that has it. The host's own
files are never written.

The process tree: this process -> unshare -> keeper (pid 1 of the namespace) -> virtlogd, libvirtd -> QEMU.
The keeper reaps every child (QEMU is re-parented to it) and, on SIGTERM, stops the daemons; when it exits the
kernel kills whatever is left in the namespace, and the mounts go with the namespace. ``unshare`` dies with
the thread that started it (PR_SET_PDEATHSIG) and takes the keeper with it (--kill-child), so even a test
process killed with SIGKILL leaves no daemon behind.

Clients connect from outside with ``virsh -c URI`` (the sockets are in ``base/sock``, the same path inside and
outside), or with LIBVIRT_DEFAULT_URI=URI, which virsh and so the probe under test read.

Needs root (namespaces and mounts) and the Debian packages libvirt-daemon, libvirt-daemon-driver-qemu,
libvirt-clients and qemu-system-x86; ./check installs them.
"""

from __future__ import annotations

import contextlib
import ctypes
import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

NEEDED_PROGRAMS = ("libvirtd", "virtlogd", "virsh", "unshare", "qemu-system-x86_64")
DEBIAN_PACKAGES = "libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils"
# A socket path is at most 107 bytes: the base directory must stay short.
MAX_BASE_LENGTH = 60

# Private directories under base, and where the namespace sees them.
PRIVATE_DIRECTORIES = {
    "etc": "/etc/libvirt",
    "run": "/run/libvirt",
    "lib": "/var/lib/libvirt",
    "log": "/var/log/libvirt",
    "cache": "/var/cache/libvirt",
}
OVERLAID = ("/run", "/var")  # writes below them (swtpm's CA, pid files) land in base/overlay/NAME/upper

LIBVIRTD_CONF = """\
# The test's private libvirtd (tests/libvirt_daemon.py).
unix_sock_dir = "{sockets}"
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
unix_sock_admin_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
"""
# QEMU and swtpm run as root: /dev/kvm may be root-only, and the daemon is a throwaway. No cgroups: libvirt
# would leave machine slices behind on the host.
QEMU_CONF = """\
# The test's private libvirtd (tests/libvirt_daemon.py).
user = "root"
group = "root"
swtpm_user = "root"
swtpm_group = "root"
security_driver = "none"
remember_owner = 0
cgroup_controllers = [ ]
"""
VIRTLOGD_CONF = 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\n'

# pid 1 of the namespace: mounts, starts the daemons, reaps, and stops them on SIGTERM.
KEEPER = r"""
import os, signal, subprocess, sys, time
base, overlaid, private = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")

def mount(*arguments):
    subprocess.run(["mount", *arguments], check=True)

for target in overlaid:
    layer = os.path.join(base, "overlay", target.strip("/"))
    mount("-t", "overlay", "overlay", "-o",
          f"lowerdir={target},upperdir={layer}/upper,workdir={layer}/work", target)
if not os.path.isdir("/etc/libvirt"):
    layer = os.path.join(base, "overlay", "etc")
    mount("-t", "overlay", "overlay", "-o", f"lowerdir=/etc,upperdir={layer}/upper,workdir={layer}/work", "/etc")
for name in ("passwd", "group"):
    copy = os.path.join(base, "accounts", name)
    if os.path.exists(copy):
        mount("--bind", copy, "/etc/" + name)
for pair in private:
    name, target = pair.split("=", 1)
    os.makedirs(target, exist_ok=True)  # inside an overlay: the host's directory stays as it is
    mount("--bind", os.path.join(base, name), target)

logd = subprocess.Popen(["virtlogd", "-f", "/etc/libvirt/virtlogd.conf", "-p", "/run/libvirt/virtlogd.pid"])
for _ in range(500):
    if os.path.exists("/run/libvirt/virtlogd-sock"):
        break
    time.sleep(0.01)
daemon = subprocess.Popen(["libvirtd", "-f", "/etc/libvirt/libvirtd.conf", "-p", "/run/libvirt/libvirtd.pid"])
print("started", flush=True)

class Stop(Exception):
    pass

def stop(number, frame):
    raise Stop  # a handler that returns would let waitpid() wait on (PEP 475)

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
try:
    while True:
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == daemon.pid:
            print("libvirtd exited", flush=True)
            break
except Stop:
    pass
signal.signal(signal.SIGTERM, signal.SIG_IGN)
for process in (daemon, logd):
    if process.poll() is None:
        process.terminate()
deadline = time.monotonic() + 10
while time.monotonic() < deadline and (daemon.poll() is None or logd.poll() is None):
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    time.sleep(0.02)
# Exiting as pid 1 makes the kernel kill the rest of the namespace (QEMU, swtpm).
"""


class LibvirtdError(RuntimeError):
    """The private libvirtd could not be started (the message says why and where its log is)."""


def missing_programs() -> list[str]:
    return [name for name in NEEDED_PROGRAMS if shutil.which(name) is None]


def _die_with_this_thread() -> None:
    """In the child before exec: SIGKILL it when the thread that started it ends (PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _has_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _keeper_of(process: subprocess.Popen[str]) -> int | None:
    """The host pid of the namespace's pid 1: unshare's only child."""
    with contextlib.suppress(OSError, ValueError):
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        return int(children[0]) if children else None
    return None


class PrivateLibvirtd:
    """One private libvirtd under ``base``. ``start()`` returns once `virsh version` answers; ``stop()`` ends
    every process of its namespace. Use it as a context manager, which stops it on every path."""

    def __init__(self, base: Path, *, start_timeout: float = 60.0, libvirtd_conf: str | None = None) -> None:
        if len(str(base)) > MAX_BASE_LENGTH:
            raise ValueError(f"{base}: longer than {MAX_BASE_LENGTH} characters (socket paths are short)")
        self.base = base
        self.start_timeout = start_timeout
        self.libvirtd_conf = libvirtd_conf  # None: the usual one (a test of a failing start gives another)
        self.process: subprocess.Popen[str] | None = None
        self.started_in: float | None = None

    @property
    def sockets(self) -> Path:
        return self.base / "sock"

    @property
    def uri(self) -> str:
        return f"qemu:///system?socket={self.sockets}/libvirt-sock"

    @property
    def environment(self) -> dict[str, str]:
        """What a child process needs to talk to this daemon through virsh (and nothing else)."""
        return {"LIBVIRT_DEFAULT_URI": self.uri}

    @property
    def log(self) -> Path:
        return self.base / "log" / "libvirtd.log"

    def _prepare(self) -> None:
        for name in (*PRIVATE_DIRECTORIES, "sock", "accounts"):
            (self.base / name).mkdir(parents=True, exist_ok=True)
        for layer in (*(target.strip("/") for target in OVERLAID), "etc"):
            for part in ("upper", "work"):
                (self.base / "overlay" / layer / part).mkdir(parents=True, exist_ok=True)
        conf = (
            LIBVIRTD_CONF.format(sockets=self.sockets) if self.libvirtd_conf is None else self.libvirtd_conf
        )
        (self.base / "etc" / "libvirtd.conf").write_text(conf)
        (self.base / "etc" / "qemu.conf").write_text(QEMU_CONF)
        (self.base / "etc" / "virtlogd.conf").write_text(VIRTLOGD_CONF)
        if not _has_account("libvirt-qemu"):
            # Debian's usual ids; only this namespace sees the account.
            passwd = Path("/etc/passwd").read_text().rstrip("\n")
            group = Path("/etc/group").read_text().rstrip("\n")
            (self.base / "accounts" / "passwd").write_text(
                passwd + "\nlibvirt-qemu:x:64055:64055:test account:/nonexistent:/usr/sbin/nologin\n"
            )
            (self.base / "accounts" / "group").write_text(group + "\nlibvirt-qemu:x:64055:\n")

    def start(self) -> None:
        if os.geteuid() != 0:
            raise LibvirtdError("a private libvirtd needs root (mount and PID namespaces)")
        missing = missing_programs()
        if missing:
            raise LibvirtdError(
                f"{', '.join(missing)} not found: install the Debian packages {DEBIAN_PACKAGES} (./check does)"
            )
        began = time.monotonic()
        self._prepare()
        private = ",".join(f"{name}={target}" for name, target in PRIVATE_DIRECTORIES.items())
        with (self.base / "keeper.stderr").open("w") as errors:
            self.process = subprocess.Popen(
                [
                    "unshare",
                    "--mount",
                    "--propagation",
                    "private",
                    "--pid",
                    "--fork",
                    "--kill-child",
                    "--mount-proc",
                    "--",
                    sys.executable,
                    "-c",
                    KEEPER,
                    str(self.base),
                    ",".join(OVERLAID),
                    private,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                preexec_fn=_die_with_this_thread,  # noqa: PLW1509 - prctl in the child, before exec, is its purpose
            )
        try:
            self._wait_until_answering(began)
        except BaseException:
            self.stop()
            raise

    def _wait_until_answering(self, began: float) -> None:
        process = self.process
        if process is None or process.stdout is None:
            raise LibvirtdError("not started")
        first = process.stdout.readline()
        if first.strip() != "started":
            raise LibvirtdError(f"the namespace did not start: {self._keeper_errors() or first!r}")
        last = ""
        while time.monotonic() - began < self.start_timeout:
            if process.poll() is not None:
                break
            if (self.sockets / "libvirt-sock").exists():
                answer = self.virsh("version", timeout=30)
                if answer.returncode == 0:
                    self.started_in = time.monotonic() - began
                    return
                last = answer.stderr.strip()
            time.sleep(0.05)  # polling for the socket, not a guessed duration
        raise LibvirtdError(f"libvirtd did not answer: {last or self._keeper_errors()} (its log: {self.log})")

    def _keeper_errors(self) -> str:
        with contextlib.suppress(OSError):
            return (self.base / "keeper.stderr").read_text().strip()[-2000:]
        return ""

    def virsh(
        self, *arguments: str, input_text: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """virsh against this daemon, for setting up a test (the code under test runs virsh itself)."""
        return subprocess.run(
            ["virsh", "-c", self.uri, *arguments],
            input=input_text,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env={**os.environ, "LC_ALL": "C"},
        )

    def namespace_pids(self) -> list[int]:
        """Host pids of the processes in the daemon's PID namespace (empty once it is stopped)."""
        keeper = self._keeper_pid()
        if keeper is None:
            return []
        try:
            namespace = os.readlink(f"/proc/{keeper}/ns/pid")
        except OSError:
            return []
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{entry}/ns/pid") == namespace:
                        found.append(int(entry))
        return sorted(found)

    def _keeper_pid(self) -> int | None:
        return None if self.process is None else _keeper_of(self.process)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the daemons and everything else in the namespace; safe to call twice or after a failed start."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            keeper = _keeper_of(process)
            if keeper is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(keeper, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()  # --kill-child takes the keeper, and the kernel the rest of the namespace
                process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> PrivateLibvirtd:
        self.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self.stop()


@contextlib.contextmanager
def private_libvirtd(base: Path) -> Iterator[PrivateLibvirtd]:
    """A started private libvirtd under ``base``, stopped and its directory removed on every way out."""
    daemon = PrivateLibvirtd(base)
    try:
        with daemon:
            yield daemon
    finally:
        shutil.rmtree(base, ignore_errors=True)
