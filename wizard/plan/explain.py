"""Explained diffs: unified diffs per file, hunks grouped by INI section, reasons under each change, secrets masked.

The engine produces structured lines; the CLI colours them with rich and the TUI draws them, so both show
exactly the same text.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from wizard.files.line_diff import grouped_opcodes
from wizard.plan.model import Action, FileEdit, LineChange, Plan
from wizard.secrets import mask_lines

REASON_WIDTH = 76  # fits an 80-column console with the views' borders and padding
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


class LineKind(StrEnum):
    FILE = "file"  # the file header: path, symlink note, new file note
    SECTION = "section"  # "[libvirt]": the INI section the following hunk belongs to
    HUNK = "hunk"  # @@ -a,b +c,d @@
    CONTEXT = "context"
    REMOVED = "removed"
    ADDED = "added"
    REASON = "reason"  # why the change above was made
    NOTE = "note"  # anything else the operator should know (actions, remaining work)


@dataclass(frozen=True)
class DiffLine:
    kind: LineKind
    text: str

    def plain(self) -> str:
        if self.kind is LineKind.REASON:
            # Reasons are prose: wrapped here with a hanging indent, so that they stay readable at 80 columns
            # in every view (a terminal would wrap them back to column 0, under the diff's own lines).
            return textwrap.fill(
                self.text,
                width=REASON_WIDTH,
                initial_indent="    # why: ",
                subsequent_indent="    #      ",
                break_on_hyphens=False,
                break_long_words=False,
            )
        prefix = {LineKind.CONTEXT: " ", LineKind.REMOVED: "-", LineKind.ADDED: "+"}.get(self.kind, "")
        return prefix + self.text


LineMasker = Callable[
    [str, str, str], str
]  # (file kind, section, line) -> the line with secret values masked


def _shown(
    kind: str, lines: list[str], sections: list[str], index: int, *, ini: bool, mask: LineMasker
) -> str:
    """Line ``index`` masked; a continuation line with the assignment it continues (secret value, secret
    continuation), found by walking back over the indented lines above it."""
    line = lines[index]
    if not (ini and line[:1] in (" ", "\t") and line.strip()):
        return mask(kind, sections[index], line)
    owner = index
    while owner > 0 and lines[owner][:1] in (" ", "\t") and lines[owner].strip():
        owner -= 1
    return mask_lines(kind, sections[owner], lines[owner : index + 1], mask)[-1]


def _default_masker(file_kind: str, section: str, line: str) -> str:
    # The strict masker: besides the options nova and glance mark secret, it hides misspelt secret names
    # (`pasword = ...`) and lines oslo cannot parse (`password s3cret`) that a hand edit may have left.
    from wizard.host.ini_record import mask_config_line

    return mask_config_line(file_kind, section, line)


def _sections(lines: list[str]) -> list[str]:
    """The INI section each line is in ("" before the first header)."""
    current = ""
    result: list[str] = []
    for line in lines:
        match = _SECTION.match(line)
        if match:
            current = match.group(1).strip()
        result.append(current)
    return result


def _decode(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", "surrogateescape").splitlines()


def _display(line: str) -> str:
    # Bytes that are not UTF-8 are shown as escapes, never as replacement characters that hide them.
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _reasons_for(line: str, removed: bool, changes: Iterable[LineChange]) -> LineChange | None:
    stripped = line.strip()
    if not stripped or _SECTION.match(line):
        return None  # blank lines and headers belong to no one change; matching them would misplace reasons
    for change in changes:
        pool = change.old_lines if removed else change.new_lines
        if any(candidate.strip() == stripped for candidate in pool):
            return change
    return None


def explain_edit(edit: FileEdit, *, context: int = 2, mask: LineMasker = _default_masker) -> list[DiffLine]:
    """One file's change as structured lines, ready to print or draw."""
    out: list[DiffLine] = []
    header = edit.path
    if edit.target:
        header += f" (a symbolic link: the change is made in {edit.target})"
    if edit.creates:
        attributes = edit.new_file
        header += f" (new file, {attributes.owner}:{attributes.group} {attributes.mode:04o})"
    out.append(DiffLine(LineKind.FILE, header))
    before = _decode(edit.before)
    after = _decode(edit.after)
    sections_before = _sections(before)
    sections_after = _sections(after)
    kind = edit.kind.value
    ini = edit.kind.is_ini
    explained: set[int] = set()
    last_section: str | None = None
    for group in grouped_opcodes(before, after, context):
        first = group[0]
        # The hunk is labelled with the section of its first change, not of the context above it (which may
        # be the end of the section before: a [keystone_authtoken] label over [libvirt] lines).
        changed = next((opcode for opcode in group if opcode[0] != "equal"), first)
        _tag, old_start, _old_end, new_start, new_end = changed
        if new_start < new_end or (new_start < len(after) and not before):
            section = sections_after[new_start]
        else:
            section = sections_before[old_start] if old_start < len(before) else ""
        if edit.kind.is_ini and section and section != last_section:
            out.append(DiffLine(LineKind.SECTION, f"[{section}]"))
            last_section = section
        out.append(
            DiffLine(
                LineKind.HUNK,
                f"@@ -{first[1] + 1},{group[-1][2] - first[1]} +{first[3] + 1},{group[-1][4] - first[3]} @@",
            )
        )
        pending: list[LineChange] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                _flush(out, pending, explained)
                for index in range(i1, i2):
                    text = _shown(kind, before, sections_before, index, ini=ini, mask=mask)
                    out.append(DiffLine(LineKind.CONTEXT, _display(text)))
                continue
            added = [_reasons_for(after[index], False, edit.changes) for index in range(j1, j2)]
            for index in range(i1, i2):
                text = _shown(kind, before, sections_before, index, ini=ini, mask=mask)
                out.append(DiffLine(LineKind.REMOVED, _display(text)))
                change = _reasons_for(before[index], True, edit.changes)
                if change is not None and all(change is not item for item in added):
                    # Removed, not replaced: explained right under its own line, so that its reasons cannot
                    # read as if they explained a neighbour.
                    _flush(out, [change], explained)
                else:
                    _collect(pending, change)
            for index in range(j1, j2):
                text = _shown(kind, after, sections_after, index, ini=ini, mask=mask)
                out.append(DiffLine(LineKind.ADDED, _display(text)))
                change = _reasons_for(after[index], False, edit.changes)
                _collect(pending, change)
                following = _reasons_for(after[index + 1], False, edit.changes) if index + 1 < j2 else None
                if change is not None and following is not change:
                    # The reasons go right under the last line of the change they explain.
                    _flush(out, [change], explained)
                    pending[:] = [item for item in pending if item is not change]
            _flush(out, pending, explained)
    if edit.before is not None and edit.after.endswith(b"\n") != edit.before.endswith(b"\n"):
        out.append(DiffLine(LineKind.NOTE, "the final newline changes"))
    return out


def _collect(pending: list[LineChange], change: LineChange | None) -> None:
    if change is not None and all(change is not seen for seen in pending):
        pending.append(change)


def _flush(out: list[DiffLine], pending: list[LineChange], explained: set[int]) -> None:
    for change in pending:
        if id(change) in explained:
            continue
        explained.add(id(change))
        out.extend(DiffLine(LineKind.REASON, f"{reason.text} ({reason.source})") for reason in change.reasons)
    pending.clear()


def explain_actions(actions: Iterable[Action], *, live: bool) -> list[DiffLine]:
    """Actions in order; the ones that cannot be undone are marked, and under a staging root they are listed
    as what remains to be done on the target."""
    out: list[DiffLine] = []
    for action in actions:
        flags = [] if action.reversible else ["CANNOT BE UNDONE"]
        if action.live_only and not live:
            flags.append("not run under --root: to do on the target")
        suffix = f" [{'; '.join(flags)}]" if flags else ""
        out.append(DiffLine(LineKind.NOTE, f"{action.title}: {' '.join(action.argv)}{suffix}"))
        out.extend(DiffLine(LineKind.REASON, f"{reason.text} ({reason.source})") for reason in action.reasons)
    return out


def explain_plan(plan: Plan, *, live: bool, mask: LineMasker = _default_masker) -> list[DiffLine]:
    out: list[DiffLine] = []
    for edit in plan.edits:
        out.extend(explain_edit(edit, mask=mask))
    if plan.actions:
        out.append(DiffLine(LineKind.FILE, "Actions"))
        out.extend(explain_actions(plan.actions, live=live))
    irreversible = plan.irreversible_here(live=live)
    if irreversible:
        out.append(DiffLine(LineKind.FILE, "Cannot be undone by a rollback"))
        out.extend(DiffLine(LineKind.NOTE, action.title) for action in irreversible)
    return out


def plain_text(lines: Iterable[DiffLine]) -> str:
    return "\n".join(line.plain() for line in lines) + "\n"
