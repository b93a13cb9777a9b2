"""The full screen's side of what became of an apply or a rollback: the words of screens/steps/fates.py (one
home for them, shared with the line mode), styled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screens.steps.fates import headline
from screens.widgets.text import line

if TYPE_CHECKING:
    from rich.text import Text

    from wizard.apply.results import ApplyResult
    from wizard.apply.settlement import Settlement


def headline_text(state: Settlement, result: ApplyResult) -> Text:
    word, sentence = headline(state, result)
    return line(word, sentence)
