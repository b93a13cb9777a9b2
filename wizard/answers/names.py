"""The real naming rules of the things answers name: LVM volume groups, Ceph pools and clients, UUIDs, paths."""

from __future__ import annotations

import re
import uuid

from wizard.files.ini_syntax import unwritable_character

# Characters that would let a value break out of its INI line or smuggle a section header into it.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_PATH = 4095  # Linux's PATH_MAX less the final NUL


def injection_problem(value: str) -> str | None:
    """Why a free-text value cannot go into an INI file (or the Ansible export's YAML) as one value, or None.

    The rule is the INI writer's own (wizard.files.ini_syntax): no control character, C0 or C1 (U+0085 among
    them), no line or paragraph separator (U+2028, U+2029: YAML and many readers break the line there), no
    byte that is not UTF-8. What the plan and the export cannot carry, `answers check` refuses.
    """
    found = unwritable_character(value)
    if found is not None:
        return f"must be one line without control characters; it contains {found}"
    if value.startswith("["):
        return "may not start with '[' (it would read as a section header)"
    if value != value.strip():
        return "may not start or end with spaces (oslo strips them, so the value would change)"
    if " #" in value or " ;" in value:
        return "may not contain ' #' or ' ;' (it reads like a comment but would become part of the value)"
    return None


# lvm(8): "The following characters are valid for VG and LV names: a-z A-Z 0-9 + _ . -";
# VG names may not begin with a hyphen or be "." or "..", and are limited to 127 characters. (The reserved
# "snapshot"/"pvmove" prefixes apply to logical volumes, not to volume groups.)
_VG_NAME = re.compile(r"[A-Za-z0-9+_.][A-Za-z0-9+_.-]*")


def volume_group_problem(name: str) -> str | None:
    if not name:
        return "is required when storage.backend is lvm"
    if len(name) > 127:
        return "is longer than the 127 characters LVM allows"
    if name in {".", ".."} or not _VG_NAME.fullmatch(name):
        return "is not a valid LVM volume group name (letters, digits and + _ . - only; not starting with -)"
    return None


# Ceph accepts almost any pool name, but libvirt's and nova's configuration formats do not: keep to the
# characters every tool in the chain passes through unquoted.
_CEPH_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def ceph_pool_problem(name: str) -> str | None:
    if not name:
        return "is required"
    if not _CEPH_NAME.fullmatch(name):
        return "is not a usable Ceph pool name (letters, digits, _ . - ; at most 100 characters)"
    return None


def ceph_client_problem(name: str) -> str | None:
    if not name:
        return "is required"
    if name.startswith("client."):
        return f"is given with its type prefix: write {name.removeprefix('client.')!r} (nova adds 'client.' itself)"
    if not _CEPH_NAME.fullmatch(name):
        return "is not a usable Ceph client name (letters, digits, _ . - ; at most 100 characters)"
    return None


def uuid_problem(value: str) -> str | None:
    if not value:
        return (
            "is required: the UUID of the libvirt secret that holds the Ceph client's key (virsh secret-list)"
        )
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return "is not a UUID (expected the form 457eb676-33da-42ec-9a8c-9293d545c337)"
    if str(parsed) != value.lower() or len(value) != 36:
        return "is not in the canonical 8-4-4-4-12 form libvirt prints (e.g. 457eb676-33da-42ec-9a8c-9293d545c337)"
    return None


# useradd(8)'s portable names: a letter or _, then letters, digits, _ and -, at most 32 characters.
_ACCOUNT = re.compile(r"[a-z_][a-z0-9_-]{0,31}")


def account_problem(name: str) -> str | None:
    """A user or group name; empty is allowed (the wizard then mirrors libvirt's own account)."""
    if name and not _ACCOUNT.fullmatch(name):
        return (
            "is not a user or group name (lower-case letters, digits, _ and -, starting with a letter or _)"
        )
    return None


def absolute_path_problem(value: str) -> str | None:
    if not value:
        return "is required"
    if not value.startswith("/"):
        return "must be an absolute path (starting with /)"
    if len(value.encode()) > MAX_PATH:
        return f"is longer than the {MAX_PATH:,} bytes a path may have"
    found = unwritable_character(value)
    if "\x00" in value or _CONTROL.search(value) or found is not None:
        return f"may not contain control characters; it contains {found or 'a control character'}"
    if any(part == ".." for part in value.split("/")):
        return "may not contain '..'"
    return None


def cpu_model_problem(name: str) -> str | None:
    from wizard.cpu_names import validate_cpu_model_name
    from wizard.options import InvalidValue

    checked = validate_cpu_model_name(name)
    if isinstance(checked, InvalidValue):
        return f"is not a CPU model name: expected {checked.allowed}; {checked.fix}"
    return None


def cpu_flag_problem(name: str) -> str | None:
    from wizard.cpu_names import validate_cpu_flag
    from wizard.options import InvalidValue

    checked = validate_cpu_flag(name)
    if isinstance(checked, InvalidValue):
        return f"is not a CPU flag name: expected {checked.allowed}; {checked.fix}"
    return None
