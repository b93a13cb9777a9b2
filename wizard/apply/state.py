"""Where kvm-wizard keeps its state under a root: generations, journal, lock, pending confirmation, log."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.rootfs import PathEscapeError, resolve

STATE_DIRECTORY = "/var/lib/kvm-wizard"
LOG_FILE = "/var/log/kvm-wizard.log"
PRIVATE_DIRECTORY_MODE = 0o700  # nova.conf holds passwords: snapshots of it are for root only
PRIVATE_FILE_MODE = 0o600


@dataclass(frozen=True)
class StatePaths:
    """The on-disk places of the wizard's state for one root (resolved inside it)."""

    root: Path
    directory: Path

    @property
    def generations(self) -> Path:
        return self.directory / "generations"

    @property
    def journal(self) -> Path:
        return self.directory / "journal"

    @property
    def lock(self) -> Path:
        return self.directory / "lock"

    @property
    def pending(self) -> Path:
        return self.directory / "pending-confirm.toml"

    @property
    def revert_record(self) -> Path:
        return self.directory / "last-revert.toml"

    @property
    def answers(self) -> Path:
        return self.directory / "answers.toml"

    def generation(self, number: int) -> Path:
        return self.generations / str(number)


def pending_file(root: Path | str) -> Path:
    """Where a confirmation waits under ``root`` (a quick look: read it with confirm.pending_confirmation)."""
    return Path(root).absolute() / STATE_DIRECTORY.lstrip("/") / "pending-confirm.toml"


def state_paths(root: Path | str) -> StatePaths:
    """The state places under ``root``; a symlinked /var/lib may not lead outside the root (PathEscapeError,
    saying so: kvm-wizard's generations of one root are never written into another tree)."""
    root_path = Path(root).absolute()
    try:
        directory, _ = resolve(root_path, STATE_DIRECTORY)
    except PathEscapeError as error:
        raise PathEscapeError(
            f"the state directory {STATE_DIRECTORY} under {root_path} leads outside that root ({error}); "
            "kvm-wizard keeps its snapshots inside the root: make it a directory there"
        ) from error
    return StatePaths(root_path, directory)


def ensure_private_directory(path: Path) -> None:
    """Create ``path`` (and missing parents, 0755) and make sure only its owner can enter it."""
    parent = path.parent
    if not parent.is_dir():
        parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=PRIVATE_DIRECTORY_MODE)
    # mkdir's mode is filtered by the umask only downwards, but an existing directory may be too open.
    if (path.stat().st_mode & 0o777) != PRIVATE_DIRECTORY_MODE:
        os.chmod(path, PRIVATE_DIRECTORY_MODE)


def dump_toml(data: dict[str, Any]) -> str:
    """The TOML of machine-written state (manifests, status, the lock, the pending confirmation).

    tomli-w writes it in a fraction of tomlkit's time; tomlkit stays for the answers file, whose comments must
    survive a re-save. Multi-line strings keep the answers inside a manifest readable.
    """
    import tomli_w

    return tomli_w.dumps(data, multiline_strings=True)
