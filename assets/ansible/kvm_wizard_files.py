#!/usr/bin/python
# Written by kvm-wizard @VERSION@ (`kvm-wizard export ansible`): do not edit; export again instead.
# (The template of the module, in kvm-wizard's assets: the export replaces the ENGINE line with the sources.)
"""An Ansible module: kvm-wizard's own edits of a compute node's files, made by kvm-wizard's own code."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
import types
from collections.abc import Sequence
from typing import Any

# WANT_JSON: Ansible hands this module its arguments as a JSON file (its path is the first argument) and reads
# the result as JSON on standard output; it needs nothing of Ansible on the node, only Python.

DOCUMENTATION = r"""
module: @MODULE@
short_description: Make a compute node's files say what kvm-wizard's answers want, as kvm-wizard does
description:
  - Plans and writes nova.conf (or the file of the node's nova-compute that takes effect: Debian's
    nova-compute.conf, nova.conf.d), glance-api.conf, the modules loaded at boot and the nested option of the KVM
    module with kvm-wizard @VERSION@'s own code, carried in this file verbatim (ENGINE below): the bytes are those
    C(kvm-wizard apply) writes on that node (a new option takes the place of its commented default line, never of
    help text; every other byte stays). A node whose nova-compute reads files kvm-wizard must not write
    (kolla-ansible, the snap) is refused, with where to make the change instead.
  - Check mode and diff mode show kvm-wizard's explained diff (the text of C(kvm-wizard plan)), secrets masked.
  - Needs Python 3.11 or later on the node.
options:
  root:
    description: Where the node's files are; another directory than / is a staging tree.
    type: path
    default: /
  vendor_flag:
    description: The node's CPU vendor's virtualization flag (vmx, svm, or none off x86); settings that name
      another vendor_flag are not for this node.
    type: str
    default: none
  settings:
    description: Options of nova.conf and glance-api.conf (file, section, option, value or state absent, why,
      also_unset, vendor_flag), in kvm-wizard's order.
    type: list
    elements: dict
    default: []
  debian:
    description: The node's distribution is Debian's family (where its packaging starts nova-compute, modules
      to load at boot go in /etc/modules).
    type: bool
    default: false
  boot_modules:
    description: The modules to load at boot, each with name and why; listed unless a file read at boot lists them.
    type: list
    elements: dict
    default: []
  nested:
    description: The node's nested module and whether it loads with nested=1 or 0 (module, enabled, why); empty
      when the answers leave nested guests as they are.
    type: dict
    default: {}
"""

RETURN = r"""
files:
  description: The files changed (or that would change in check mode), each with path, written_path, kind, created.
  type: list
  returned: always
kinds:
  description: The kinds of file changed (nova.conf, glance-api.conf, modules, modprobe), for handlers.
  type: list
  returned: always
notes:
  description: What an operator should know about the writes (symbolic links followed, owners missing).
  type: list
  returned: always
swtpm_user:
  description: The account libvirt runs swtpm as on the node (swtpm_user in its qemu.conf, or tss).
  type: str
  returned: always
swtpm_group:
  description: The group libvirt runs swtpm as on the node.
  type: str
  returned: always
nested_reload:
  description: The nested parameter's file changed and no kernel command line overrides it (reload the module).
  type: bool
  returned: always
"""

ENGINE: dict[str, str] = {}  # @ENGINE@
MINIMUM_PYTHON = (3, 11)


class EngineImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves kvm-wizard's modules from ENGINE, ahead of anything else of the same name on the node."""

    def _path(self, fullname: str) -> str | None:
        base = fullname.replace(".", "/")
        for path in (base + ".py", base + "/__init__.py"):
            if path in ENGINE:
                return path
        return None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self._path(fullname)
        if source is None:
            if fullname == "wizard" or fullname.startswith("wizard."):
                raise ImportError(f"kvm-wizard's module {fullname} is not carried by this module")
            return None
        return importlib.util.spec_from_loader(
            fullname, self, origin=f"kvm-wizard:{source}", is_package=source.endswith("/__init__.py")
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        source = self._path(module.__name__)
        if source is None:
            raise ImportError(module.__name__)
        exec(compile(ENGINE[source], f"kvm-wizard/{source}", "exec"), module.__dict__)  # noqa: S102 - the engine, verbatim


OPTIONS = ("root", "vendor_flag", "debian", "settings", "boot_modules", "nested")


def respond(result: dict[str, Any]) -> None:
    print(json.dumps(result))
    sys.exit(1 if result.get("failed") else 0)


def main() -> None:
    try:
        with open(sys.argv[1], encoding="utf-8") as handle:
            arguments = json.load(handle)
    except (IndexError, OSError, ValueError) as error:
        respond({"failed": True, "msg": f"the module's arguments could not be read: {error}"})
    unknown = sorted(name for name in arguments if name not in OPTIONS and not name.startswith("_ansible_"))
    if unknown:
        respond({"failed": True, "msg": f"unknown options {', '.join(unknown)}; known: {', '.join(OPTIONS)}"})
    if sys.version_info < MINIMUM_PYTHON:
        respond(
            {
                "failed": True,
                "msg": f"kvm-wizard's code needs Python {'.'.join(map(str, MINIMUM_PYTHON))} or later on the node, "
                f"and {sys.executable} is {sys.version.split()[0]}: set ansible_python_interpreter for this node to "
                "a python3.11 (or later)",
            }
        )
    sys.meta_path.insert(0, EngineImporter())
    on_node: Any = importlib.import_module("wizard.export.on_node")
    params = {name: arguments[name] for name in OPTIONS if name in arguments}
    try:
        result = on_node.run(
            params,
            check_mode=bool(arguments.get("_ansible_check_mode")),
            diff=bool(arguments.get("_ansible_diff")),
        )
    except (on_node.NodeInputError, on_node.PlanningError, ValueError, OSError) as error:
        respond({"failed": True, "msg": str(error)})
    response: dict[str, Any] = {
        "changed": result.changed,
        "files": [vars(item) for item in result.files],
        "kinds": list(result.kinds),
        "notes": list(result.notes),
        "swtpm_user": result.swtpm_user,
        "swtpm_group": result.swtpm_group,
        "nested_reload": result.nested_reload,
    }
    if result.diffs:
        response["diff"] = [{"prepared": text} for text in result.diffs]
    respond(response)


if __name__ == "__main__":
    main()
