"""Snapshots (F2 from every screen): the generations kept before each change, a generation compared with the
files now, and a rollback through the same preview and the same confirm-or-revert as an apply."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.base import StepScreen, stylesheet
from screens.keys import worker_running
from screens.registry import StepExit
from screens.session import Banner
from screens.widgets.diff_view import DiffView
from screens.widgets.quit_confirm import QuestionScreen
from screens.widgets.text import Cropped, line

if TYPE_CHECKING:
    from wizard.apply.compare import GenerationDiff
    from wizard.apply.events import ProgressEvent
    from wizard.apply.generations import GenerationEntry
    from wizard.apply.results import ApplyResult
    from wizard.apply.rollback import RollbackPreview


class GenerationsListed(Message):
    def __init__(self, entries: list[GenerationEntry]) -> None:
        super().__init__()
        self.entries = entries


class GenerationCompared(Message):
    def __init__(self, diff: GenerationDiff) -> None:
        super().__init__()
        self.diff = diff


class RollbackPreviewed(Message):
    def __init__(self, preview: RollbackPreview) -> None:
        super().__init__()
        self.preview = preview


class RollbackProgressed(Message):
    def __init__(self, event: ProgressEvent) -> None:
        super().__init__()
        self.event = event


class RolledBack(Message):
    def __init__(self, result: ApplyResult) -> None:
        super().__init__()
        self.result = result


def entry_line(entry: GenerationEntry) -> Cropped:
    """One line per generation, cut at the list's edge with a mark: the comparison shows the whole line."""
    from wizard.apply.log import mask

    generation = entry.generation
    if generation is None:
        return Cropped(line("fail", f"{entry.number:>3}  damaged: {entry.problem}"))
    when = generation.created.replace("T", " ")[:16]
    state = generation.status + (", confirmed" if generation.confirmed else "")
    return Cropped(
        Text(f"{generation.number:>3}  {when}  {generation.kind} ({state}): {mask(generation.summary)}")
    )


def diff_text(diff: GenerationDiff) -> Text:
    text = Text(f"Generation {diff.old} against the files now:\n", style="bold")
    for drift in diff.drift:
        text.append_text(line("warn", f"{drift.path} was {drift.detail}"))
        text.append("\n")
    changed = [item for item in diff.files if item.changed or item.note]
    if not changed:
        text.append("No difference: the files are as they were at this generation.\n")
    for item in changed:
        if item.note:
            text.append(f"# {item.path}: {item.note}\n", style="italic")
        for row in item.lines:
            style = "green" if row.startswith("+") else "red" if row.startswith("-") else ""
            text.append(row + "\n", style=style)
    return text


class SnapshotsScreen(StepScreen["ApplyResult"]):
    CSS_PATH = stylesheet("snapshots")
    HELP = "snapshots"
    NEXT_LABEL = "Roll back"
    BACK_LABEL = "Close"
    rolling: reactive[bool] = reactive(False, bindings=True)  # a rollback is being previewed or run
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "next", "Roll back", show=False),
        Binding("d", "compare", "Compare"),
    ]

    def __init__(self, banner: Banner, root: Path, live: bool, confirm_timeout: float | None = 120.0) -> None:
        super().__init__(banner)
        self.root = root
        self.live = live
        self.confirm_timeout = confirm_timeout
        self.entries: list[GenerationEntry] = []
        self.progress: list[str] = []

    def compose_body(self) -> ComposeResult:
        where = "" if self.root == Path("/") else f" under {self.root}"
        yield Static(
            Text(f"Generations in /var/lib/kvm-wizard{where}. Enter or d compares one with the files now."),
            id="where",
        )
        yield OptionList(id="generations")
        yield DiffView(id="detail")

    def on_mount(self) -> None:
        self.query_one("#generations").focus()
        self.list_generations()

    @work(thread=True, exclusive=True, exit_on_error=False, name="listing", group="read")
    def list_generations(self) -> None:
        from wizard.apply.generations import generations_under

        self.post_message(GenerationsListed(generations_under(self.root)))

    def on_generations_listed(self, event: GenerationsListed) -> None:
        self.entries = list(reversed(event.entries))  # the newest first
        listing = self.query_one("#generations", OptionList)
        listing.set_options(Option(entry_line(entry)) for entry in self.entries)
        if not self.entries:
            self.query_one("#detail", DiffView).show(
                Text("No generations yet: nothing has been applied under this root.")
            )
        else:
            listing.highlighted = 0

    def _selected(self) -> GenerationEntry | None:
        index = self.query_one("#generations", OptionList).highlighted
        return self.entries[index] if index is not None and index < len(self.entries) else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_compare()

    def action_compare(self) -> None:
        entry = self._selected()
        if entry is not None and entry.generation is not None:
            self.query_one("#detail", DiffView).show(line("run", f"Comparing generation {entry.number}..."))
            self.compare(entry.number)

    @work(thread=True, exclusive=True, exit_on_error=False, name="comparison", group="read")
    def compare(self, number: int) -> None:
        from wizard.apply.compare import diff_generations

        self.post_message(GenerationCompared(diff_generations(self.root, number)))

    def on_generation_compared(self, event: GenerationCompared) -> None:
        from wizard.apply.log import mask

        text = Text()
        entry = next((item for item in self.entries if item.number == event.diff.old), None)
        if entry is not None and entry.generation is not None:
            # The list's line is cut at 80 columns: the whole of it here.
            generation = entry.generation
            state = generation.status + (", confirmed" if generation.confirmed else "")
            when = generation.created.replace("T", " ")[:19]
            text.append(f"{generation.kind} ({state}) at {when}: {mask(generation.summary)}\n\n")
        text.append_text(diff_text(event.diff))
        self.query_one("#detail", DiffView).show(text)

    # -- rollback: preview, question, transaction, then the app's confirm-or-revert ---------------------
    def collect(self) -> ApplyResult | None:
        entry = self._selected()
        if self.rolling or entry is None or entry.generation is None:
            return None
        self.rolling = True
        self.preview(entry.number)
        return None  # the rollback leaves the screen by itself when it has run

    @work(thread=True, exclusive=True, exit_on_error=False, name="rollback preview", group="write")
    def preview(self, number: int) -> None:
        from wizard.apply.rollback import preview_rollback

        self.post_message(RollbackPreviewed(preview_rollback(self.root, number)))

    def on_rollback_previewed(self, event: RollbackPreviewed) -> None:
        from wizard.apply.log import mask

        preview = event.preview
        detail = self.query_one("#detail", DiffView)
        if preview.problems:
            self.rolling = False
            detail.show(line("fail", "Cannot roll back: " + "; ".join(preview.problems)))
            return
        if not preview.needed:
            self.rolling = False
            detail.show(line("info", f"Every file is already as it was at generation {preview.number}."))
            return
        # Generation N holds the files as they were before its change: rolling back "to" it undoes that
        # change and every later one (its summary names what it changed, not what the files become).
        text = (
            f"Undo generation {preview.number} and every change after it? The files go back to how they "
            f"were before generation {preview.number} changed them (it applied: {mask(preview.summary)}).\n"
        )
        text += "".join(f"  {path}: {what}\n" for path, what in preview.changes)
        if preview.drift:
            text += (
                "Changed by hand since the wizard wrote them (the rollback's own generation keeps them):\n"
            )
            text += "".join(f"  {item.path}: {item.detail}\n" for item in preview.drift)
        if self.confirm_timeout is None:
            text += "It is a transaction with its own generation, kept at once (--no-confirm)."
        else:
            text += (
                "It is a transaction with its own generation; you confirm it afterwards, or it is reverted."
            )
        self.app.push_screen(
            QuestionScreen(text, yes="Roll back", no="Cancel"),
            lambda yes: self._answered(bool(yes), preview),
        )

    def _answered(self, yes: bool, preview: RollbackPreview) -> None:
        if not yes:
            self.rolling = False
            return
        self.progress = [f"Rolling back to generation {preview.number}..."]
        self.query_one("#detail", DiffView).show(Text("\n".join(self.progress)))
        self.roll_back(preview.number, accept_drift=bool(preview.drift))

    @work(thread=True, exclusive=True, exit_on_error=False, name="rollback", group="write")
    def roll_back(self, number: int, *, accept_drift: bool) -> ApplyResult:
        from wizard.apply.rollback import rollback_generation
        from wizard.commands import CommandRunner

        result = rollback_generation(
            self.root,
            number,
            runner=CommandRunner(),
            progress=self._progressed,
            confirm_timeout=self.confirm_timeout,
            accept_drift=accept_drift,  # only the drift shown in the preview; new drift is refused
        )
        self.post_message(RolledBack(result))
        return result  # also the worker's result: read after a crash, when this screen may not take messages

    def _progressed(self, event: ProgressEvent) -> None:
        self.post_message(RollbackProgressed(event))

    def on_rollback_progressed(self, event: RollbackProgressed) -> None:
        from wizard.apply.progress import progress_lines  # lazy: not before the first frame

        self.progress += [line.text for line in progress_lines(event.event)]
        self.query_one("#detail", DiffView).show(Text("\n".join(self.progress)))

    def on_rolled_back(self, event: RolledBack) -> None:
        self.rolling = False
        if event.result.ok:
            self.dismiss(StepExit("next", event.result))
            return
        self.query_one("#detail", DiffView).show(line("fail", event.result.describe()))
        self.list_generations()

    def worker_failed(self, name: str, error: BaseException | None) -> None:
        self.rolling = False
        self.query_one("#detail", DiffView).show(line("fail", f"The {name} failed: {error}"))

    @property
    def building(self) -> str:
        return "listing the generations" if worker_running(self, "listing") else ""

    @property
    def busy(self) -> str:
        return "a rollback is running" if self.rolling else ""

    def action_back(self) -> None:
        if not self.rolling:
            self.dismiss(StepExit("back", None))
