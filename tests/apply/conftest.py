"""Fixtures of the apply tests: fresh tmp roots, a real child process, an unprivileged user."""

from __future__ import annotations

import os
import subprocess
import sys
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
    # Each child imports the engine: cached bytecode makes that 3x faster (the cache is gitignored).
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment.update(extra)
    return environment


def _unprivileged_python() -> tuple[str, dict[str, str]]:
    """An interpreter the unprivileged user may run (the venv's may live under /root) and its module path."""
    site = next(Path(sys.prefix, "lib").glob("python3*/site-packages"))
    extra = {"PYTHONPATH": f"{REPOSITORY}:{site}"}
    for candidate in (sys.executable, "/usr/bin/python3"):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import tomlkit, wizard"],
                cwd="/",
                env=child_environment(**extra),
                capture_output=True,
                user=NOBODY,
                group=NOBODY,
                extra_groups=[],
                check=False,
            )
        except PermissionError:
            continue  # this interpreter lives where the user cannot go (e.g. under /root)
        if probe.returncode == 0:
            return candidate, extra
    raise AssertionError(f"no Python interpreter the unprivileged user {NOBODY} can run the engine with")


def run_child(
    root: Path, *arguments: str, crash_at: str = "", user: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run tests.apply.child in a real process; ``crash_at`` arms KVM_WIZARD_CRASH_AT, ``user`` drops root."""
    extra = {"KVM_WIZARD_CRASH_AT": crash_at} if crash_at else {}
    python = sys.executable
    if user is not None:
        python, path = _unprivileged_python()
        extra.update(path, TMPDIR=SYSTEM_TEMP)
    return subprocess.run(
        [python, "-m", "tests.apply.child", str(root), *arguments],
        cwd=REPOSITORY,
        env=child_environment(**extra),
        capture_output=True,
        text=True,
        timeout=60,
        user=user,
        group=user,
        extra_groups=[] if user is not None else None,
        check=False,
    )
