"""A real TPM 2.0 for the tests: swtpm on loopback, one fresh instance per test, stopped with SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

NEEDED = ("swtpm", "swtpm_ioctl", "tpm2")
HEALTHY_FLAGS = "not-need-init,startup-clear"


@dataclass
class Swtpm:
    """A running swtpm: its TCTI for tpm2-tools and its control port for swtpm_ioctl."""

    port: int
    control_port: int
    state: Path
    process: subprocess.Popen[bytes]

    @property
    def tcti(self) -> str:
        return f"swtpm:host=127.0.0.1,port={self.port}"

    @property
    def environment(self) -> dict[str, str]:
        return {"TPM2TOOLS_TCTI": self.tcti, "LC_ALL": "C"}


SwtpmFactory = Callable[..., Swtpm]


def require_real_tpm_tools() -> None:
    """Fail (never skip): these tests are the proof that verification works against a real TPM."""
    missing = [name for name in NEEDED if shutil.which(name) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: the TPM tests need a real software TPM. ./check (and .ci/run, "
            "which calls it) installs them; by hand: apt-get install -y swtpm swtpm-tools tpm2-tools",
            pytrace=False,
        )


def free_port_pair() -> tuple[int, int]:
    """A port P from the kernel with P+1 also free (swtpm's control channel), both on loopback."""
    for _ in range(100):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port, port + 1
    raise RuntimeError("no two consecutive free ports on 127.0.0.1")


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, deadline: float = 10.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if process.poll() is not None:
            pytest.fail(f"swtpm exited with status {process.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                return
        except OSError:
            time.sleep(0.005)  # a poll interval, not a wait for a guessed duration
    pytest.fail(f"swtpm did not listen on port {port} within {deadline:g} s")


@pytest.fixture
def swtpm_factory(tmp_path: Path) -> Iterator[SwtpmFactory]:
    """Start swtpm instances: ``start()`` is a healthy TPM, ``start(flags=None)`` one never initialised."""
    require_real_tpm_tools()
    started: list[Swtpm] = []

    def start(flags: str | None = HEALTHY_FLAGS) -> Swtpm:
        port, control_port = free_port_pair()
        state = tmp_path / f"swtpm-{port}"
        state.mkdir()
        argv = [
            "swtpm",
            "socket",
            "--tpm2",
            "--tpmstate",
            f"dir={state}",
            "--server",
            f"type=tcp,port={port},bindaddr=127.0.0.1",
            "--ctrl",
            f"type=tcp,port={control_port},bindaddr=127.0.0.1",
        ]
        if flags:
            argv += ["--flags", flags]
        # A daemon that inherits a captured pipe makes every later capture_output=True run hang.
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        instance = Swtpm(port, control_port, state, process)
        started.append(instance)
        _wait_until_listening(process, port)
        return instance

    yield start
    for instance in started:
        if instance.process.poll() is None:
            instance.process.send_signal(signal.SIGTERM)
            try:
                instance.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait()


@pytest.fixture
def swtpm(swtpm_factory: SwtpmFactory) -> Swtpm:
    """A healthy, started TPM 2.0."""
    return swtpm_factory()


def tpm2(instance: Swtpm, *args: str) -> subprocess.CompletedProcess[str]:
    """Run tpm2-tools against ``instance`` to set up a test (the code under test uses the runner)."""
    return subprocess.run(
        ["tpm2", *args],
        env={**os.environ, **instance.environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
