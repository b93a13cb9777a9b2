"""What config lint finds: an issue at its line numbers, and the INI edits that would repair it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from wizard.host.ini_record import CONFIG_PATHS, file_name, finding_id
from wizard.option_types import FileKind
from wizard.rules import HostContext

Severity = Literal["error", "warning", "info"]
EditKind = Literal["set", "set-list", "unset", "move"]


@dataclass(frozen=True)
class Place:
    """An option an issue is about, where the file sets it (line None: not set), shown with secrets masked."""

    section: str
    option: str
    line: int | None
    shown: str  # "[libvirt] images_type = qcow", "[libvirt] images_volume_group (not set)"


@dataclass(frozen=True)
class IniEdit:
    """One change a repair makes to one option of one file; values are never taken from a masked recording."""

    file: FileKind  # the options' schema (and secrets)
    path: str  # the file changed
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
        where = self.path
        if self.kind == "set":
            return f"[{self.section}] {self.key} = {self.value} in {where}"
        if self.kind == "set-list":
            return f"[{self.section}] {self.key} = {','.join(self.items)} in {where}"
        if self.kind == "unset":
            return f"no [{self.section}] {self.key} in {where}"
        return f"[{self.section}] {self.key} becomes [{self.to_section}] {self.to_key} in {where}"

    @property
    def targets(self) -> tuple[tuple[str, str, str], ...]:
        """The options this edit changes, by file (a move changes two)."""
        own = (self.path, self.section.lower(), self.key)
        if self.kind == "move":
            return (own, (self.path, self.to_section.lower(), self.to_key))
        return (own,)


@dataclass(frozen=True)
class LintIssue:
    """One problem in a file nova-compute or glance-api reads, at the lines that show it."""

    file: FileKind  # the service's kind of file (its option schema)
    path: str  # the file the lines are in
    rule: str  # wizard.rules' rule names, and: unparsable, unknown-section, unknown-option, renamed-option,
    # repeated-option, volume-group-missing, deprecated-for-removal
    severity: Severity
    places: tuple[Place, ...]  # the first is the option the issue is about
    message: str  # secrets masked
    fix: str  # what to change, in words
    repair: tuple[IniEdit, ...] = ()  # what kvm-wizard would change; () when only the operator can decide
    key: str = ""  # what makes the id unique: "libvirt.images_type", "line-12"

    @property
    def id(self) -> str:
        """The finding id: nova-conf-invalid-value:libvirt.images_type, and in another file of the chain
        nova-conf-unknown-option:/etc/nova/nova-compute.conf:DEFAULT.foo (the part before ':' is documented)."""
        return finding_id(self.file, self.path, self.rule, self.key)

    @property
    def name(self) -> str:
        """The file as titles name it: "nova.conf", "/etc/nova/nova-compute.conf"."""
        return file_name(self.file, self.path)

    @property
    def line(self) -> int | None:
        return self.places[0].line if self.places else None


@dataclass(frozen=True)
class ConfigFile:
    """One configuration file as lint saw it: present, readable, how many settings, what is wrong."""

    file: FileKind
    path: str
    present: bool
    error: str | None  # why its settings are unknown: unreadable, or not recorded in these facts
    settings: int  # assignments read

    @property
    def name(self) -> str:
        return file_name(self.file, self.path)


@dataclass(frozen=True)
class ConfigReview:
    """Every file nova-compute and glance-api read, checked together (rules span files and services)."""

    files: tuple[ConfigFile, ...]  # each service's files in the order it reads them
    issues: tuple[LintIssue, ...]

    def issues_in(self, path: str) -> tuple[LintIssue, ...]:
        return tuple(issue for issue in self.issues if issue.path == path)

    def issue(self, issue_id: str) -> LintIssue | None:
        return next((issue for issue in self.issues if issue.id == issue_id), None)


@dataclass(frozen=True)
class ConfigText:
    """A configuration file's text as lint gets it (None: absent, or unreadable with ``error``); a service's
    files come in the order it reads them, its primary file (where a new setting goes) first."""

    file: FileKind
    text: str | None
    error: str | None = None
    path: str = ""  # "": the kind's own file (/etc/nova/nova.conf)

    @property
    def where(self) -> str:
        return self.path or CONFIG_PATHS[self.file]


@dataclass(frozen=True)
class LintHost:
    """What the rules know of the host, and its LVM volume groups (None: unknown)."""

    rules: HostContext = field(default_factory=HostContext)
    volume_groups: tuple[str, ...] | None = None
