"""One option as the answers want it to read: what settings.py decides and the INI planners write."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.option_types import FileKind, Value
from wizard.plan.model import Reason


@dataclass(frozen=True)
class Desired:
    """One option as it must read after the apply. ``value`` None: the option must not be set."""

    file: FileKind
    section: str
    key: str
    value: Value | None
    reasons: tuple[Reason, ...]
    also_unset: tuple[str, ...] = ()  # deprecated names of the same option in the same section
    keys: tuple[str, ...] = ()  # the answers keys the value is made of (all given, or taken from the node)


def swtpm_account_setting(
    kind: str, account: str, *, source: str = "", keys: tuple[str, ...] = ("tpm.vtpm",)
) -> Desired:
    """nova's swtpm_user or swtpm_group (``kind`` "user" or "group"): the account named in the answers (its
    ``source``), or with no source the one libvirt runs swtpm as on the host (wizard.host.swtpm_account)."""
    return Desired(
        "nova.conf",
        "libvirt",
        f"swtpm_{kind}",
        account,
        (
            Reason(
                f"mirrors the swtpm_{kind} libvirt runs swtpm as (qemu.conf): nova gives vTPM files back to it "
                "after a migration or a resize",
                source or f"host: libvirt runs swtpm as {kind} {account}",
            ),
        ),
        keys=keys,
    )
