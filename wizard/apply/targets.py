"""One planned file edit checked against the disk and written: the part of a transaction that the Ansible export's
module also runs on each node (it carries this file verbatim), so that both write a file the same way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.accounts import Accounts
from wizard.apply.atomic import (
    Attributes,
    FileState,
    NotAFileError,
    create_directories,
    describe_os_error,
    install,
    missing_directories,
    read_state,
    remove_leftover,
)
from wizard.plan.model import FileEdit
from wizard.rootfs import PathEscapeError, resolve, under


@dataclass(frozen=True)
class Target:
    """One file of a transaction: where it is, what it holds now, what it must hold after."""

    path: str
    written_path: str
    kind: str
    before: FileState
    after: FileState
    link: str = ""
    created_directories: tuple[str, ...] = ()


class StaleEditError(ValueError):
    """The file no longer holds what the plan was made from."""

    def __init__(self, written_path: str, now: FileState) -> None:
        super().__init__(f"{written_path} changed since the plan was made; make the plan again")
        self.written_path = written_path
        self.now = now


def plan_directories(root: Path, written_path: str) -> tuple[str, ...]:
    """System paths of the directories a new file needs created (recorded so an undo removes them)."""
    return tuple(
        "/" + str(item.relative_to(root)) for item in missing_directories(under(root, written_path), root)
    )


def new_file_attributes(edit: FileEdit, accounts: Accounts, notes: list[str]) -> Attributes:
    """The owner, group and mode of a file the edit creates, as the root's own accounts name them."""
    wanted = edit.new_file
    uid, gid = accounts.uid(wanted.owner), accounts.gid(wanted.group)
    if uid is None:
        notes.append(
            f"{edit.path}: user {wanted.owner} does not exist under this root; the new file belongs to root"
        )
        uid = 0
    if gid is None:
        notes.append(
            f"{edit.path}: group {wanted.group} does not exist under this root; the new file gets group root"
        )
        gid = 0
    if os.geteuid() != 0:
        # Without root only our own user and groups can be given; say so instead of failing a demo or staging run.
        if uid != os.geteuid():
            notes.append(
                f"{edit.path}: not running as root, the new file belongs to uid {os.geteuid()}, not {wanted.owner}"
            )
            uid = os.geteuid()
        if gid != os.getegid() and gid not in os.getgroups():
            notes.append(
                f"{edit.path}: not running as root, the new file gets gid {os.getegid()}, not {wanted.group}"
            )
            gid = os.getegid()
    return Attributes(uid, gid, wanted.mode)


def file_target(root: Path, edit: FileEdit, accounts: Accounts, notes: list[str]) -> Target:
    """One edit checked against the disk; ValueError says why it cannot be applied (StaleEditError: the file
    changed since the plan was made)."""
    try:
        on_disk, system = resolve(root, edit.path)
    except PathEscapeError as error:
        raise ValueError(f"{edit.path} is refused: {error}") from error
    if edit.target and edit.target != system:
        raise ValueError(
            f"{edit.path}: the plan edits {edit.target}, but the link now leads to {system}; plan again"
        )
    link_path = under(root, edit.path)
    link = os.readlink(link_path) if link_path.is_symlink() else ""
    if system != edit.path:
        notes.append(f"{edit.path} is a symbolic link: its target {system} is edited, the link stays")
    try:
        before = read_state(on_disk)
    except NotAFileError as error:
        raise ValueError(f"{system} {error}") from error
    except OSError as error:
        raise ValueError(f"{system}: {describe_os_error(error)}") from error
    if (edit.before is None) == before.exists or (before.exists and before.content != edit.before):
        raise StaleEditError(system, before)
    if before.exists and before.attributes is not None:
        attributes = before.attributes
        if os.lstat(on_disk).st_nlink > 1:
            notes.append(f"{system} has other hard links; they keep the old content")
    else:
        attributes = new_file_attributes(edit, accounts, notes)
    after = FileState(True, edit.after, attributes)
    directories = () if before.exists else plan_directories(root, system)
    return Target(edit.path, system, edit.kind.value, before, after, link, directories)


def write_target(root: Path, target: Target) -> None:
    """Write one target on its own (no journal): atomically, keeping owner, mode, ACL and labels."""
    path = under(root, target.written_path)
    remove_leftover(path)
    create_directories([under(root, item) for item in target.created_directories])
    install(path, target.after)
