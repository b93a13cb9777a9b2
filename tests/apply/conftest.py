"""Fixtures of the apply tests: fresh tmp roots, a real child process, an unprivileged user."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.apply.scenario import make_root
from tests.conftest import SYSTEM_TEMP

REPOSITORY = Path(__file__).resolve().parents[2]
NOBODY = 65534


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path / "root")


@pytest.fixture
def fresh_root(tmp_path: Path) -> Callable[[str], Path]:
    """More roots in the same test, each made the same way."""
    return lambda name: make_root(tmp_path / name)


def child_environment(**extra: str) -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("KVM_WIZARD_CRASH_AT", None)
    environment.pop("KVM_WIZARD_CRASH_SIGNAL", None)
    # Each child imports the engine: cached bytecode makes that 3x faster (the cache is gitignored).
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.update(extra)
    return environment


def _public_copy(site: Path) -> Path:
    """The engine, the apply tests' child and the libraries it imports, copied where any user can read them:
    a clone under a private directory (mktemp -d is 0700) is out of the unprivileged user's reach."""
    base = Path(tempfile.mkdtemp(prefix="kvm-wizard-engine-", dir=SYSTEM_TEMP))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    base.chmod(0o755)
    cache = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPOSITORY / "wizard", base / "wizard", ignore=cache)
    shutil.copytree(REPOSITORY / "tests" / "apply", base / "tests" / "apply", ignore=cache)
    shutil.copy(REPOSITORY / "tests" / "__init__.py", base / "tests" / "__init__.py")
    for library in ("tomlkit", "tomli_w"):
        shutil.copytree(site / library, base / library, ignore=cache)
    for path in [base, *base.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return base


@functools.cache
def _unprivileged_python() -> tuple[str, dict[str, str], Path]:
    """An interpreter the unprivileged user may run (the venv's may live under /root), its module path, and
    the directory to run it in: the checkout itself when that user can read it, else a public copy."""
    site = next(Path(sys.prefix, "lib").glob("python3*/site-packages"))
    for tree in ("checkout", "copy"):
        base = REPOSITORY if tree == "checkout" else _public_copy(site)
        extra = {"PYTHONPATH": f"{base}:{site}" if tree == "checkout" else str(base)}
        for candidate in (sys.executable, "/usr/bin/python3"):
            try:
                probe = subprocess.run(
                    [candidate, "-c", "import tomlkit, wizard, tests.apply.child"],
                    cwd=base,
                    env=child_environment(**extra),
                    capture_output=True,
                    user=NOBODY,
                    group=NOBODY,
                    extra_groups=[],
                    check=False,
                )
            except PermissionError:
                continue  # this interpreter (or the checkout) lives where the user cannot go (e.g. /root)
            if probe.returncode == 0:
                return candidate, extra, base
    raise AssertionError(f"no Python interpreter the unprivileged user {NOBODY} can run the engine with")


def run_child(
    root: Path, *arguments: str, crash_at: str = "", signal: str = "", user: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run tests.apply.child in a real process; ``crash_at`` arms KVM_WIZARD_CRASH_AT (with ``signal``, e.g.
    "TERM", that signal instead of SIGKILL), ``user`` drops root."""
    extra = {"KVM_WIZARD_CRASH_AT": crash_at} if crash_at else {}
    if signal:
        extra["KVM_WIZARD_CRASH_SIGNAL"] = signal
    python, directory = sys.executable, REPOSITORY
    if user is not None:
        python, path, directory = _unprivileged_python()
        extra.update(path, TMPDIR=SYSTEM_TEMP)
    return subprocess.run(
        [python, "-m", "tests.apply.child", str(root), *arguments],
        cwd=directory,
        env=child_environment(**extra),
        capture_output=True,
        text=True,
        timeout=60,
        user=user,
        group=user,
        extra_groups=[] if user is not None else None,
        check=False,
    )
