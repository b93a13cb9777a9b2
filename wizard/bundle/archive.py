"""The bundle written as one tar.gz: built in memory, then written atomically with mode 0600."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from wizard.apply.atomic import Attributes, write_atomic
from wizard.bundle.contents import Member
from wizard.regular_files import check_output

BUNDLE_MODE = 0o600  # masked, yet still a description of the host: for its owner only


def top_directory(created: datetime) -> str:
    return f"kvm-wizard-bundle-{created:%Y%m%d-%H%M%S}"


def default_name(created: datetime) -> str:
    return f"{top_directory(created)}.tar.gz"


def archive_bytes(members: Sequence[Member], created: datetime) -> bytes:
    top = top_directory(created)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for member in members:
            info = tarfile.TarInfo(f"{top}/{member.name}")
            info.size = len(member.data)
            info.mode = BUNDLE_MODE
            info.mtime = int(created.timestamp())
            archive.addfile(info, io.BytesIO(member.data))
    return buffer.getvalue()


def write_bundle(members: Sequence[Member], path: Path, created: datetime) -> None:
    """Write the archive at ``path`` (replacing a regular file there, never a device, a FIFO or a symbolic
    link: NotRegularFileError) so that it appears whole or not at all."""
    check_output(path)
    write_atomic(path, archive_bytes(members, created), Attributes(os.geteuid(), os.getegid(), BUNDLE_MODE))
