"""Planning: turn host facts and answers into exact, explained file edits and actions."""

from wizard.plan.model import (
    Action,
    Check,
    CheckKind,
    FileEdit,
    FileKind,
    LineChange,
    NewFileAttributes,
    Plan,
    Reason,
)

__all__ = [
    "Action",
    "Check",
    "CheckKind",
    "FileEdit",
    "FileKind",
    "LineChange",
    "NewFileAttributes",
    "Plan",
    "Reason",
]
