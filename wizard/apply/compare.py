"""Diffs between generations, or a generation and the files now on disk: unified, secrets masked, drift named."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from wizard.apply.atomic import ABSENT, FileState, NotAFileError, describe_os_error, read_state
from wizard.apply.history import Drift, Source, Timeline
from wizard.apply.log import mask_file_lines
from wizard.apply.state import state_paths
from wizard.rootfs import PathEscapeError, resolve


@dataclass(frozen=True)
class FileDiff:
    path: str
    lines: tuple[str, ...]  # unified diff, secrets masked; empty when both sides are the same
    drift: Drift | None = None  # only against the disk: a hand edit since the wizard last wrote the file
    note: str = ""  # where a side came from when the generation itself did not record the file

    @property
    def changed(self) -> bool:
        return bool(self.lines)


@dataclass(frozen=True)
class GenerationDiff:
    old: int
    new: int | None  # None: the files on disk now
    files: tuple[FileDiff, ...]

    @property
    def drift(self) -> tuple[Drift, ...]:
        return tuple(item.drift for item in self.files if item.drift is not None)


def _range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def _text_lines(state: FileState) -> list[str]:
    return state.content.decode("utf-8", "replace").splitlines() if state.exists else []


def masked_unified_diff(
    kind: str, old: FileState, new: FileState, old_label: str, new_label: str
) -> list[str]:
    """A unified diff computed on the real lines and shown with masked ones: a changed secret shows as changed."""
    a, b = _text_lines(old), _text_lines(new)
    if old.exists == new.exists and a == b:
        if old.attributes != new.attributes and old.attributes and new.attributes:
            return [
                f"--- {old_label}",
                f"+++ {new_label}",
                f"owner/mode: {_attributes(old)} -> {_attributes(new)}",
            ]
        return []
    shown_a, shown_b = mask_file_lines(kind, a), mask_file_lines(kind, b)
    lines = [
        f"--- {old_label}" if old.exists else "--- /dev/null",
        f"+++ {new_label}" if new.exists else "+++ /dev/null",
    ]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        lines.append(f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [f" {line}" for line in shown_a[i1:i2]]
                continue
            lines += [f"-{line}" for line in shown_a[i1:i2]]
            lines += [f"+{line}" for line in shown_b[j1:j2]]
    return lines


def _attributes(state: FileState) -> str:
    attributes = state.attributes
    return f"{attributes.uid}:{attributes.gid} {attributes.mode:04o}" if attributes else "absent"


def _note(source: Source | None, number: int) -> str:
    if source is None:
        return ""
    if source.side == "before" and source.generation.number == number:
        return ""
    return f"generation {number} did not record it: {source.describe()}"


def diff_generations(root: Path | str, old: int, new: int | None = None) -> GenerationDiff:
    """What differs between generation ``old`` and ``new`` (or the disk); GenerationError when unusable."""
    paths = state_paths(Path(root).absolute())
    timeline = Timeline(paths)
    first = old if new is None else min(old, new)
    if new is not None:
        timeline.generation(new)
    files: list[FileDiff] = []
    for written_path in timeline.paths_from(first):
        old_source = timeline.source_at(old, written_path)
        old_state = timeline.load(old_source) if old_source else ABSENT
        kind = old_source.file.kind if old_source else "text"
        path = old_source.file.path if old_source else written_path
        notes = [_note(old_source, old)]
        drift = None
        if new is None:
            new_label = f"{written_path} (now)"
            try:
                new_state = read_state(resolve(paths.root, written_path)[0])
            except (NotAFileError, PathEscapeError, OSError) as error:
                detail = describe_os_error(error) if isinstance(error, OSError) else str(error)
                files.append(FileDiff(path, (), note=f"cannot be read now: {detail}"))
                continue
            drift = timeline.drift(written_path, new_state)
        else:
            new_label = f"{written_path} (generation {new})"
            new_source = timeline.source_at(new, written_path)
            new_state = timeline.load(new_source) if new_source else ABSENT
            notes.append(_note(new_source, new))
        lines = masked_unified_diff(
            kind, old_state, new_state, f"{written_path} (generation {old})", new_label
        )
        files.append(FileDiff(path, tuple(lines), drift, "; ".join(note for note in notes if note)))
    return GenerationDiff(old, new, tuple(files))
