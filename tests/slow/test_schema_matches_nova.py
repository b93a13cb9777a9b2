"""The bundled option data equals nova's and glance's own definitions, checked against a real install of both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.options import data_versions

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-nova"  # gitignored; kept between runs so that only the first run pays for the install
PYTHON = VENV / "bin" / "python"


def installed_versions(names: list[str]) -> dict[str, str | None]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "def version(name):\n"
        "    try:\n"
        "        return m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        return None\n"
        "print(json.dumps({name: version(name) for name in sys.argv[1:]}))\n"
    )
    result = subprocess.run([PYTHON, "-c", code, *names], capture_output=True, text=True, check=True)
    versions: dict[str, str | None] = json.loads(result.stdout)
    return versions


def venv_with_the_recorded_versions() -> Path:
    """A venv holding exactly the nova, glance and library versions the bundled data records."""
    wanted = dict(data_versions())
    if not PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, capture_output=True)
    if installed_versions(list(wanted)) != wanted:
        pins = [f"{name}=={version}" for name, version in sorted(wanted.items())]
        command = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", *pins]
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
        if result.returncode != 0:
            pytest.fail(
                "cannot install nova and glance to compare the bundled option data with their definitions "
                f"(is PyPI reachable?)\n$ {' '.join(command)}\n{result.stderr[-3000:]}",
                pytrace=False,
            )
        assert installed_versions(list(wanted)) == wanted
    return PYTHON


@pytest.mark.slow
def test_the_bundled_option_data_is_what_nova_and_glance_define() -> None:
    python = venv_with_the_recorded_versions()
    command = [str(python), str(REPO / "tools" / "gen_option_schema.py"), "--check"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-3000:]}"
