"""Long lines in the scrolling views wrap under their own text, never back to column 0."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from screens.widgets.diff_view import Hanging, hang_of


def rendered(text: str, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(Hanging(Text(text)))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return [line.rstrip() for line in output.splitlines()]


def test_hangs() -> None:
    assert hang_of("+compute_driver = libvirt") == 1
    assert hang_of("-#virt_type = kvm") == 1
    assert hang_of(" # a context line") == 1
    assert hang_of("  - On the target: Restart nova-compute") == 4
    assert hang_of("    $ chmod 0660 /dev/kvm") == 6
    assert hang_of("[PASS] Apply done") == 7
    assert hang_of("@@ -1,4 +1,8 @@") == 0


def test_a_long_diff_line_continues_clear_of_the_prefix_column() -> None:
    assert rendered("+option = one two three four", 16) == ["+option = one", " two three four"]


def test_a_bullet_continues_under_its_text_and_short_lines_are_untouched() -> None:
    assert rendered("  - a note that goes on\nshort", 14) == [
        "  - a note",
        "    that goes",
        "    on",
        "short",
    ]
