"""User and group names of the root's own /etc/passwd and /etc/group (a staging tree is not this host)."""

from __future__ import annotations

from pathlib import Path

from wizard.rootfs import PathEscapeError, read_under

MAX_TABLE_BYTES = 16 * 1024 * 1024


def _table(root: Path, system_path: str) -> dict[str, int]:
    try:
        data = read_under(root, system_path, limit=MAX_TABLE_BYTES).decode("utf-8", "replace")
    except (OSError, PathEscapeError):
        return {}
    table: dict[str, int] = {}
    for line in data.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[2].isdigit():
            table.setdefault(fields[0], int(fields[2]))
    return table


class Accounts:
    """Name <-> number lookups in one root, read once."""

    def __init__(self, root: Path) -> None:
        self.users = _table(root, "/etc/passwd")
        self.groups = _table(root, "/etc/group")
        self._user_names = {number: name for name, number in reversed(self.users.items())}
        self._group_names = {number: name for name, number in reversed(self.groups.items())}

    def uid(self, name: str) -> int | None:
        return self.users.get(name)

    def gid(self, name: str) -> int | None:
        return self.groups.get(name)

    def user_name(self, uid: int) -> str:
        return self._user_names.get(uid, str(uid))

    def group_name(self, gid: int) -> str:
        return self._group_names.get(gid, str(gid))
