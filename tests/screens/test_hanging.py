"""Long lines in the scrolling views wrap under their own text, never back to column 0."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from screens.steps.wrapping import hang_of
from screens.widgets.text import line
from screens.widgets.wrapping import Hanging


def rendered(text: str, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(Hanging(Text(text)))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return [line.rstrip() for line in output.splitlines()]


def test_hangs() -> None:
    assert hang_of("+compute_driver = libvirt") == 1
    assert hang_of("-#virt_type = kvm") == 1
    assert hang_of(" # a context line") == 3  # a comment in the file: its "#" goes on
    assert hang_of("  - On the target: Restart nova-compute") == 4
    assert hang_of("    $ chmod 0660 /dev/kvm") == 6
    assert hang_of("[PASS] Apply done") == 7
    assert hang_of("[5/8] Write /etc/modules") == 6
    assert hang_of("    # why: the reason") == 11
    assert hang_of("@@ -1,4 +1,8 @@") == 0


def test_a_long_diff_line_keeps_its_gutter_and_marks_where_it_was_cut() -> None:
    """A continuation at column 1 read as a context line: it stays a + line, and the cut says it goes on."""
    assert rendered("+option = one two three four", 16) == ["+option = one\\", "+two three four"]
    assert rendered("-#option = one two three four", 16)[1].startswith("-")


def test_a_reason_and_command_output_keep_their_marker() -> None:
    why = "    # why: nova-compute exits at start when no compute driver is set"
    assert rendered(why, 40) == [
        "    # why: nova-compute exits at start",
        "    #      when no compute driver is set",
    ]
    assert rendered("      | a line a command printed, long", 24) == [
        "      | a line a command",
        "      | printed, long",
    ]


def test_a_progress_step_continues_under_its_title() -> None:
    assert rendered("[5/8] Write /etc/modprobe.d/kvm.conf now", 32) == [
        "[5/8] Write",
        "      /etc/modprobe.d/kvm.conf",
        "      now",
    ]


def test_a_bullet_continues_under_its_text_and_short_lines_are_untouched() -> None:
    assert rendered("  - a note that goes on\nshort", 14) == [
        "  - a note",
        "    that goes",
        "    on",
        "short",
    ]


def styled_rows(text: Text, width: int) -> list[list[tuple[str, str]]]:
    """Each row drawn, as (text, style) pieces."""
    console = Console(file=io.StringIO(), width=width, legacy_windows=False)
    rows = console.render_lines(Hanging(text), console.options.update_width(width), pad=False)
    return [[(segment.text, str(segment.style or "")) for segment in row if segment.text] for row in rows]


def test_a_continuation_takes_the_gutters_colour_not_the_status_words() -> None:
    """A [WARN] line goes on in the console's own colour; a + line's gutter stays green on its pieces."""
    warned = line("warn", "Reverted at noon: not confirmed in time, nothing of it stays")
    rows = styled_rows(warned, 30)
    assert len(rows) > 1
    for row in rows[1:]:
        assert all("yellow" not in style for _text, style in row), row
    added = Text("+option = one two three four five", style="green")
    rows = styled_rows(added, 16)
    assert rows[1][0] == ("+", "green")
