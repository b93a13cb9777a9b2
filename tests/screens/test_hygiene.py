"""The screens show and collect: no file written, no command run, no engine internal used by a screen.

import-linter keeps the engine free of the UI; this keeps the UI free of doing the engine's work.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCREENS = Path(__file__).resolve().parents[2] / "screens"
WRITING_CALLS = {
    "write_text",
    "write_bytes",
    "mkdir",
    "unlink",
    "rename",
    "rmdir",
    "touch",
    "chmod",
}
FORBIDDEN_MODULES = ("subprocess", "shutil", "wizard.cli", "wizard.files")
ENGINE_INTERNALS = ("atomic", "engine", "journal", "lock", "pending", "watcher", "spec", "faults")


def sources() -> list[Path]:
    return sorted(SCREENS.rglob("*.py"))


@pytest.mark.parametrize("path", sources(), ids=lambda path: str(path.relative_to(SCREENS)))
def test_a_screen_module_neither_writes_nor_runs_anything(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in WRITING_CALLS, f"{path.name}:{node.lineno} calls .{node.func.attr}()"
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "os":
                assert node.func.attr in {"ttyname", "read"}, (
                    f"{path.name}:{node.lineno} calls os.{node.func.attr}()"
                )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            mode = node.args[1] if len(node.args) > 1 else None
            assert isinstance(mode, ast.Constant), f"{path.name}:{node.lineno} opens a file without a mode"
            assert set(str(mode.value)) <= {"r", "b", "t"}, f"{path.name}:{node.lineno} opens a file to write"
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        line = getattr(node, "lineno", 0)
        for name in names:
            assert not name.startswith(FORBIDDEN_MODULES), f"{path.name}:{line} imports {name}"
            assert not any(name == f"wizard.apply.{part}" for part in ENGINE_INTERNALS), (
                f"{path.name}:{line} imports the engine's internal {name}"
            )
