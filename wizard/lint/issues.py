"""What config lint finds: an issue at its line numbers, and the INI edits that would repair it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from wizard.host.ini_record import CONFIG_PATHS, ID_PREFIXES
from wizard.option_types import FileKind
from wizard.rules import HostContext

Severity = Literal["error", "warning", "info"]
EditKind = Literal["set", "set-list", "unset", "move"]

# The file each kind lives in, and the prefix of its findings' ids.


@dataclass(frozen=True)
class Place:
    """An option an issue is about, where the file sets it (line None: not set), shown with secrets masked."""

    section: str
    option: str
    line: int | None
    shown: str  # "[libvirt] images_type = qcow", "[libvirt] images_volume_group (not set)"


@dataclass(frozen=True)
class IniEdit:
    """One change a repair makes to one option; values are never taken from a masked recording."""

    file: FileKind
    kind: EditKind
    section: str
    key: str
    why: str  # the reason shown under the changed line
    value: str = ""  # set: the text written after "key = "
    items: tuple[str, ...] = ()  # set-list
    to_section: str = ""  # move: where the option goes, its value unchanged
    to_key: str = ""
    comment: str = (
        ""  # set, set-list: a comment written on its own line above the option (an inline one moved)
    )

    def describe(self) -> str:
        """The change in words, for a remedy's settings (the value of a moved option is not repeated)."""
        where = CONFIG_PATHS[self.file]
        if self.kind == "set":
            return f"[{self.section}] {self.key} = {self.value} in {where}"
        if self.kind == "set-list":
            return f"[{self.section}] {self.key} = {','.join(self.items)} in {where}"
        if self.kind == "unset":
            return f"no [{self.section}] {self.key} in {where}"
        return f"[{self.section}] {self.key} becomes [{self.to_section}] {self.to_key} in {where}"

    @property
    def targets(self) -> tuple[tuple[FileKind, str, str], ...]:
        """The options this edit changes (a move changes two)."""
        own = (self.file, self.section.lower(), self.key)
        if self.kind == "move":
            return (own, (self.file, self.to_section.lower(), self.to_key))
        return (own,)


@dataclass(frozen=True)
class LintIssue:
    """One problem in nova.conf or glance-api.conf, at the lines that show it."""

    file: FileKind
    rule: str  # wizard.rules' rule names, and: unparsable, unknown-section, unknown-option, renamed-option,
    # repeated-option, volume-group-missing, deprecated-for-removal
    severity: Severity
    places: tuple[Place, ...]  # the first is the option the issue is about
    message: str  # secrets masked
    fix: str  # what to change, in words
    repair: tuple[IniEdit, ...] = ()  # what kvm-wizard would change; () when only the operator can decide
    key: str = ""  # what makes the id unique: "libvirt.images_type", "line-12"

    @property
    def path(self) -> str:
        return CONFIG_PATHS[self.file]

    @property
    def id(self) -> str:
        """The finding id: nova-conf-invalid-value:libvirt.images_type (the part before ':' is documented)."""
        base = f"{ID_PREFIXES[self.file]}-{self.rule}"
        return f"{base}:{self.key}" if self.key else base

    @property
    def line(self) -> int | None:
        return self.places[0].line if self.places else None


@dataclass(frozen=True)
class ConfigFile:
    """One configuration file as lint saw it: present, readable, how many settings, what is wrong."""

    file: FileKind
    present: bool
    error: str | None  # why its settings are unknown: unreadable, or not recorded in these facts
    settings: int  # assignments read


@dataclass(frozen=True)
class ConfigReview:
    """nova.conf and glance-api.conf checked together (rules span both files)."""

    files: tuple[ConfigFile, ...]
    issues: tuple[LintIssue, ...]

    def issues_of(self, file: FileKind) -> tuple[LintIssue, ...]:
        return tuple(issue for issue in self.issues if issue.file == file)

    def issue(self, issue_id: str) -> LintIssue | None:
        return next((issue for issue in self.issues if issue.id == issue_id), None)


@dataclass(frozen=True)
class ConfigText:
    """A configuration file's text as lint gets it (None: absent, or unreadable with ``error``)."""

    file: FileKind
    text: str | None
    error: str | None = None


@dataclass(frozen=True)
class LintHost:
    """What the rules know of the host, and its LVM volume groups (None: unknown)."""

    rules: HostContext = field(default_factory=HostContext)
    volume_groups: tuple[str, ...] | None = None
