"""The exported playbook's module (library/kvm_wizard_files.py): kvm-wizard's own file editing, carried verbatim.

At export time the module is generated from the engine that exports: the source of wizard.export.on_node and of
every module of ours it imports (found by reading their import statements, the lazy ones included) is embedded
as text, byte for byte, and served to Python's import system on the node under its own name. So the playbook
edits nova.conf with the same code as `kvm-wizard apply`, and it cannot drift from it: export again after an
upgrade. The module needs Python 3.11 or later on the node, as kvm-wizard itself.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import wizard
from assets import asset
from wizard import __version__

MODULE_NAME = "kvm_wizard_files"
MODULE_PATH = f"library/{MODULE_NAME}.py"
ENTRY = "wizard.export.on_node"
_PACKAGE_DIR = Path(wizard.__file__).parent


def _source_path(name: str) -> str | None:
    """The package-relative path of one of our modules ("wizard/plan/model.py"), None when it is not one."""
    if name != "wizard" and not name.startswith("wizard."):
        return None
    relative = name.split(".")[1:]
    module = _PACKAGE_DIR.joinpath(*relative).with_suffix(".py") if relative else None
    if module is not None and module.is_file():
        return "/".join(["wizard", *relative]) + ".py"
    package = _PACKAGE_DIR.joinpath(*relative, "__init__.py")
    if package.is_file():
        return "/".join(["wizard", *relative, "__init__.py"])
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST) -> list[str]:
    """The modules an import statement anywhere in ``tree`` names (also inside functions), except those only
    imported for the type checker; ``from a import b`` names both a and a.b (b may be a module)."""
    names: list[str] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return names


def engine_sources(entry: str = ENTRY) -> dict[str, str]:
    """Package-relative path -> source text of ``entry`` and every module of ours it needs, with the packages
    that hold them, in a stable order."""
    found: dict[str, str] = {}
    pending = [entry]
    while pending:
        name = pending.pop()
        path = _source_path(name)
        if path is None or path in found:
            continue
        text = (_PACKAGE_DIR.parent / path).read_text(encoding="utf-8")
        found[path] = text
        parts = name.split(".")
        pending.extend(".".join(parts[:end]) for end in range(1, len(parts)))
        pending.extend(_imported(ast.parse(text, filename=path)))
    return dict(sorted(found.items()))


def _literal(text: str) -> str:
    """A Python literal of ``text`` a reader can read: a raw triple-quoted string when that gives the text back
    exactly, else the escaped form."""
    candidate = f"r'''{text}'''"
    if "'''" not in text and not text.endswith("\\") and "\r" not in text:
        try:
            if ast.literal_eval(candidate) == text:
                return candidate
        except (SyntaxError, ValueError):
            pass
    return repr(text)


# The module's own code is a template in the assets (a real Python file, linted and type-checked); its ENGINE
# line is replaced by the sources.
_ENGINE_LINE = "ENGINE: dict[str, str] = {}  # @ENGINE@\n"


# Texts by which Ansible would take the file for another kind of module than a WANT_JSON one
# (ansible.executor.module_common): none may appear anywhere in it, the engine's sources included.
ANSIBLE_MARKERS = (
    re.compile(r"from +ansible\.module_utils.* +import |import +ansible\.module_utils\."),
    re.compile(
        r"from +\.{2,} *module_utils.* +import |ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils"
    ),
    re.compile(
        r"<<INCLUDE_ANSIBLE_MODULE_|# POWERSHELL_COMMON|#Requires -|#AnsibleRequires -", re.IGNORECASE
    ),
)


def module_text() -> str:
    """The whole module file."""
    template = asset("ansible", f"{MODULE_NAME}.py").read_text(encoding="utf-8")
    if template.count(_ENGINE_LINE) != 1:  # pragma: no cover - the template is ours
        raise ValueError(f"the module template has no line {_ENGINE_LINE!r}")
    entries = "".join(f"    {path!r}: {_literal(text)},\n" for path, text in engine_sources().items())
    engine = (
        "# kvm-wizard's own code that this module runs, verbatim: each file's path in the kvm-wizard package and\n"
        "# its source text, served to Python's import system by EngineImporter.\n"
        "ENGINE = {\n" + entries + "}\n"
    )
    text = template.replace(_ENGINE_LINE, engine)
    text = text.replace("@VERSION@", __version__).replace("@MODULE@", MODULE_NAME)
    for marker in ANSIBLE_MARKERS:
        found = marker.search(text)
        if found:  # pragma: no cover - a guard against a change of the engine's text
            raise ValueError(f"the module would hold {found.group()!r}, which makes Ansible misread it")
    return text
