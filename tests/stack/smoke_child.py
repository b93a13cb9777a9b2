"""A real applying process for the smoke guest's crash test: python -m tests.stack.smoke_child ROOT URI COMMAND.

apply: a plan whose only check of the running system is the smoke guest (virt_type qemu, vTPM and Secure Boot
firmware), against the libvirt at URI; KVM_WIZARD_CRASH_AT=smoke-guest kills it while the guest exists.
recover complete|rollback: kvm-wizard recover's engine. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from wizard.apply.recovery import RecoveryDecision, recover
from wizard.apply.transaction import apply_plan
from wizard.commands import CommandRunner
from wizard.plan.model import Check, CheckKind, FileEdit, FileKind, LineChange, Plan, Reason

NOVA = "/etc/nova/nova.conf"
BEFORE = b"[DEFAULT]\n[libvirt]\n"
AFTER = b"[DEFAULT]\n[libvirt]\nvirt_type = qemu\ncpu_mode = host-model\nswtpm_enabled = True\n"
SECURE_BOOT = ("secure-boot", "tpm-model=tpm-crb", "machine=q35")


def smoke_plan(uri: str) -> Plan:
    reason = (Reason("the smoke guest's test wants it", "test"),)
    edit = FileEdit(
        NOVA, FileKind.NOVA_CONF, BEFORE, AFTER, (LineChange("libvirt", "virt_type", (), (), reason),)
    )
    smoke = Check(CheckKind.SMOKE_GUEST, NOVA, expected=uri, live_only=False, options=SECURE_BOOT)
    return Plan(edits=(edit,), checks=(smoke,))


def main(argv: list[str]) -> int:
    root, uri, command = Path(argv[0]), argv[1], argv[2]
    if command == "apply":
        result = apply_plan(smoke_plan(uri), root, runner=CommandRunner())
        print(json.dumps({"ok": result.ok, "error": result.error}), flush=True)
        return 0 if result.ok else 1
    recovery = recover(root, RecoveryDecision(argv[3]), runner=CommandRunner())
    print(json.dumps({"decision": recovery.decision if recovery else None}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
