"""Suite-wide set-up: every temporary file the code under test makes goes under pytest's own temporary
directory (kept for the last three runs, then removed), not loose in /tmp."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

from tests.libvirt_daemon import DEBIAN_PACKAGES, PrivateLibvirtd, missing_programs, private_libvirtd

# The machine's own temporary directory, for what another user must reach (pytest's is private to root).
SYSTEM_TEMP = tempfile.gettempdir()


@pytest.fixture(autouse=True, scope="session")
def _temporary_files_under_pytest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Demo copies made with no --root (mkdtemp), the pty tests' children and their watchers included."""
    where = str(tmp_path_factory.mktemp("tmp"))
    saved_env = os.environ.get("TMPDIR")
    saved_dir = tempfile.tempdir
    os.environ["TMPDIR"] = where
    tempfile.tempdir = where
    yield
    tempfile.tempdir = saved_dir
    if saved_env is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved_env


@pytest.fixture(scope="session")
def libvirt_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateLibvirtd]:
    """A real libvirtd with QEMU, private to this test session (tests/libvirt_daemon.py). It fails, never skips,
    where it cannot start: the tests that use it are the proof that libvirt's judgement is asked for real."""
    missing = missing_programs()
    if missing or os.geteuid() != 0:
        why = f"{', '.join(missing)} not found" if missing else "not running as root"
        pytest.fail(
            f"a private libvirtd cannot start here ({why}): ./check installs the Debian packages "
            f"({DEBIAN_PACKAGES}) and CI runs it as root",
            pytrace=False,
        )
    with private_libvirtd(tmp_path_factory.mktemp("libvirtd")) as daemon:
        yield daemon
