"""What the terminal can draw: the glyph profile of a Linux console, a serial line or a terminal emulator.

Textual 8 has no ASCII mode and draws glyphs that Linux console fonts lack (eighth blocks for input and
button borders, round corners, bullets). On a limited terminal this module makes it draw only what every
Debian console font has, in an ANSI theme that keeps pass, warn and fail apart in 16 colours, without
animations. Profiles:

    full     a terminal emulator: Textual as it is
    console  TERM=linux (the VGA console, a BMC's console): box drawing, a few blocks, 16 colours
    ascii    a serial line, vt100/vt220, dumb, or a locale that is not UTF-8: 7-bit ASCII only

Order matters: ``prepare_environment`` sets Textual's switches and must run before ``import textual``
(they are read at import time); ``apply_glyphs`` and ``remap_borders`` change Textual's classes and run
before the app is built; ``toggle_glyphs`` and ``markdown_glyphs`` run before the first screen that uses
those widgets (they are costly imports). This module imports Textual only inside those functions.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from textual.app import App
    from textual.theme import Theme

ConsoleProfile = Literal["full", "console", "ascii"]
PROFILES: tuple[ConsoleProfile, ...] = ("full", "console", "ascii")

ASCII = frozenset(chr(code) for code in range(0x20, 0x7F))
# What every Debian console font has (the kernel's VGA font, console-setup Lat15/Uni2/Uni3, kbd lat0/lat1/lat9w):
# light and double lines, full, light and medium shade, the middle dot. Half blocks are not reliable.
PORTABLE = ASCII | frozenset("─│┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬█░▒·")

_SERIAL_TTY = re.compile(
    r"^/dev/(ttyS|ttyAMA|ttyUSB|ttyACM|ttymxc|ttyO|ttySAC|ttyMSM|hvc|hvsi|ttysclp|xvc)\d*"
)
_ASCII_TERMS = re.compile(
    r"^(dumb|unknown|ansi|vt52|vt1\d\d|vt2\d\d|vt3\d\d|vt4\d\d|serial|cons25|sun)(-.*)?$"
)
OVERRIDE = "KVM_WIZARD_GLYPHS"  # full | console | ascii: for a terminal the detection gets wrong


def _locale_is_utf8(environ: Mapping[str, str]) -> bool | None:
    """True or False when the locale names a character set; None when it is unset or C (unknown)."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(name)
        if value:
            break
    else:
        return None
    if value in ("C", "POSIX"):
        return None
    charset = value.partition(".")[2].partition("@")[0].lower().replace("-", "")
    if not charset:
        return False  # "en_US" means ISO-8859-1 to glibc
    return charset == "utf8"


def original_environment() -> dict[str, str]:
    """The environment this process started with: Python's C-locale coercion (PEP 538) rewrites LC_CTYPE in
    os.environ, which would hide a console started without a locale."""
    try:
        with open("/proc/self/environ", "rb") as stream:
            items = stream.read().split(b"\0")
    except OSError:
        return dict(os.environ)
    pairs = (item.decode("utf-8", "replace").partition("=") for item in items if b"=" in item)
    return {name: value for name, _, value in pairs}


def _terminal_name() -> str:
    for stream in (sys.stdin, sys.stderr):
        try:
            return os.ttyname(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
    return ""


def detect_profile(environ: Mapping[str, str] | None = None, tty: str | None = None) -> ConsoleProfile:
    """The profile for the terminal this process runs on (KVM_WIZARD_GLYPHS overrides it)."""
    env = original_environment() if environ is None else environ
    forced = env.get(OVERRIDE, "").lower()
    for profile in PROFILES:
        if forced == profile:
            return profile
    device = _terminal_name() if tty is None else tty
    term = env.get("TERM", "")
    if _locale_is_utf8(env) is False:
        return "ascii"
    if _SERIAL_TTY.match(device) or not term or _ASCII_TERMS.match(term):
        return "ascii"
    if (
        term == "linux"
        or term.startswith("linux-")
        or term.endswith(".linux")
        or re.match(r"^con\d+x\d+", term)
    ):
        return "console"
    return "full"


def prepare_environment(profile: ConsoleProfile, environ: dict[str, str] | None = None) -> None:
    """Textual's switches for a slow or limited terminal: no animations, fewer frames. Before importing textual;
    values the operator set are kept."""
    env = os.environ if environ is None else environ
    if profile == "full":
        return
    env.setdefault("TEXTUAL_ANIMATIONS", "none")
    env.setdefault("TEXTUAL_FPS", "15" if profile == "ascii" else "30")
    env.setdefault("TEXTUAL_SMOOTH_SCROLL", "0")


# Textual's widgets draw their borders with eighth blocks ("tall", "wide", "outer"); app CSS beats their
# DEFAULT_CSS, so every state that gets such a border is listed, for the widgets the wizard uses (the border
# table remap below catches any other). {B} is solid (box drawing) or ascii.
_CSS = """
Input, OptionList, ToggleButton, RadioSet {
    border: {B} $border-blurred;
    &:focus { border: {B} $border; }
}
Input.-invalid { border: {B} $error 60%; &:focus { border: {B} $error; } }
Input.-textual-compact, Input.-textual-compact:focus { border: none; }
RadioSet > RadioButton { border: none; }
ToggleButton.-textual-compact, RadioSet.-textual-compact { border: none; &:focus { border: none; } }
Button {
    border: {B} $border-blurred;
    &:focus { border: {B} $border; text-style: bold reverse; }
    &.-primary { border: {B} $primary; }
    &.-success { border: {B} $success; }
    &.-warning { border: {B} $warning; }
    &.-error { border: {B} $error; }
    &.-active { border: {B} $border; }
    &.-textual-compact { border: none; }
}
Toast { border-left: {B} $foreground 30%; }
Toast.-information { border-left: {B} $success; }
Toast.-warning { border-left: {B} $warning; }
Toast.-error { border-left: {B} $error; }
MarkdownBlockQuote { border-left: {B} $text-primary 50%; }
MarkdownHorizontalRule { border-bottom: {B} $secondary; }
CommandPalette #--input { border: {B} $border; }
CommandPalette #--input.--list-visible { border-bottom: none; }
CommandPalette CommandInput, CommandPalette CommandInput:focus { border: blank; }
CommandPalette CommandList, CommandPalette CommandList:focus { border: {B} $border; border-top: none; }
CommandPalette LoadingIndicator { border-bottom: {B} $border; }
CommandPalette SearchIcon { display: none; }
ToggleButton, Label, Static { text-overflow: clip; }
"""

# Colours for an ANSI console whose background may be black (the VGA console) or white (a terminal emulator
# told TERM=linux): nothing is drawn in black or white on the default background, every field has an extent,
# a completion stays apart from what was typed. Controls draw their marks in the default colour, on their own
# background only where it is a colour of its own.
_COLOURS = """
ToggleButton > .toggle--button, ToggleButton:ansi > .toggle--button {
    color: ansi_default;
    background: ansi_default;
    text-style: bold;
}
ToggleButton.-on > .toggle--button, ToggleButton.-on:ansi > .toggle--button {
    color: ansi_green;
    background: ansi_default;
    text-style: none;
}
Input, Input:ansi, Input:focus, Input.-textual-compact {
    background: ansi_blue;
    color: ansi_bright_white;
}
Input > .input--cursor, Input:ansi > .input--cursor { background: ansi_bright_white; color: ansi_blue; }
Input > .input--placeholder, Input > .input--suggestion,
Input:ansi > .input--placeholder, Input:ansi > .input--suggestion {
    color: ansi_cyan;
    text-style: none;
}
Input.-invalid, Input.-invalid:focus, Input.-textual-compact.-invalid { background: ansi_red; color: ansi_bright_white; }
Input.-invalid > .input--suggestion { color: ansi_yellow; }
Toast, Toast:ansi { background: ansi_black; color: ansi_bright_white; }
Toast > .toast--title { color: ansi_bright_white; }
TitleBar { color: ansi_bright_white; }
FooterKey > .footer-key--key { color: ansi_default; background: ansi_default; text-style: bold reverse; }
FooterKey > .footer-key--description { color: ansi_default; background: ansi_default; }
FooterKey:disabled > .footer-key--key { color: ansi_bright_black; text-style: reverse; }
FooterKey:disabled > .footer-key--description { color: ansi_bright_black; }
"""


def stylesheet(profile: ConsoleProfile) -> str:
    """App CSS that replaces Textual's unportable borders (empty for a full terminal)."""
    if profile == "full":
        return ""
    if profile == "console":
        return _CSS.replace("{B}", "solid") + _COLOURS
    # keyline has no ASCII style: Markdown tables lose their rules on a serial line
    return _CSS.replace("{B}", "ascii") + _COLOURS + "MarkdownTableContent { keyline: none; }\n"


def apply_glyphs(profile: ConsoleProfile) -> None:
    """Swap glyphs that Textual draws outside borders: scrollbars and bars (before the first frame)."""
    if profile == "full":
        return
    from textual.renderables.bar import Bar
    from textual.scrollbar import ScrollBarRender

    # Scrollbars: plain (reverse-video) cells instead of eighth blocks.
    ScrollBarRender.VERTICAL_BARS = [" "] * 8
    ScrollBarRender.HORIZONTAL_BARS = [" "] * 8
    line = "─" if profile == "console" else "-"
    Bar.BAR = Bar.HALF_BAR_LEFT = Bar.HALF_BAR_RIGHT = line


def toggle_glyphs() -> None:
    """Toggle state shown by a mark in every profile, never by colour alone: [X] and [ ], (*) and ( ).
    Importing the toggles costs tens of milliseconds: the app does it after its first frame, before any
    screen with a toggle is built."""
    from textual.widgets import Checkbox, RadioButton
    from textual.widgets._toggle_button import ToggleButton

    ToggleButton.BUTTON_LEFT = "["
    ToggleButton.BUTTON_RIGHT = "]"
    Checkbox.BUTTON_INNER = _Mark("X")  # type: ignore[assignment]  # a descriptor in the str attribute's place
    RadioButton.BUTTON_LEFT = "("
    RadioButton.BUTTON_RIGHT = ")"
    RadioButton.BUTTON_INNER = _Mark("*")  # type: ignore[assignment]


def markdown_glyphs(profile: ConsoleProfile) -> None:
    """Markdown's bullets (•, ▪, ‣) as ASCII; called where Markdown is first used (the help)."""
    if profile == "full":
        return
    from textual.widgets import Markdown

    Markdown.BULLETS = ["* ", "- ", "+ ", "* ", "- "]


class _Mark:
    """A toggle's inner glyph: the mark when the toggle is on, a blank when it is off."""

    def __init__(self, mark: str) -> None:
        self.mark = mark

    def __get__(self, instance: object, owner: type) -> str:
        if instance is None:
            return self.mark
        return self.mark if getattr(instance, "value", False) else " "


def remap_borders(profile: ConsoleProfile) -> None:
    """A safety net under stylesheet(): every border style Textual knows is drawn with safe glyphs, so that a
    border no CSS rule caught still shows. Uses Textual's private border table (textual is pinned below 9);
    if it changes, this does nothing and the end-to-end glyph scan says what leaked."""
    if profile == "full":
        return
    try:
        from textual import _border
    except ImportError:  # pragma: no cover - a Textual without the private table
        return
    table = getattr(_border, "BORDER_CHARS", None)
    locations = getattr(_border, "BORDER_LOCATIONS", None)
    get_box = getattr(_border, "get_box", None)
    if not isinstance(table, dict) or not isinstance(locations, dict) or get_box is None:
        return  # pragma: no cover
    safe = {"ascii", "", "none", "hidden", "blank"} | ({"solid", "double"} if profile == "console" else set())
    replacement = table["solid" if profile == "console" else "ascii"]
    plain = locations["solid"]
    for name in list(table):
        if name not in safe:
            table[name] = replacement
            locations[name] = plain
    get_box.cache_clear()


def console_theme() -> Theme:
    """ansi-dark for a black console: unfocused borders visible (ansi-dark draws them black on black) and
    selections in plain blue (the Linux console has no bright backgrounds)."""
    import dataclasses

    from textual.theme import BUILTIN_THEMES

    base = BUILTIN_THEMES["ansi-dark"]
    variables = {
        **base.variables,
        "border-blurred": "ansi_bright_black",
        "input-selection-background": "ansi_blue",
        "screen-selection-background": "ansi_blue",
    }
    return dataclasses.replace(base, name="console-dark", variables=variables)


def ansi_color(profile: ConsoleProfile) -> bool | None:
    """The app's ansi_color: native ANSI colours for the console theme, Textual's choice elsewhere."""
    return None if profile == "full" else True


def use_theme(app: App[Any], profile: ConsoleProfile) -> None:
    """The console theme on a limited terminal; Textual's own theme elsewhere. Call it in the app's __init__,
    the app made with ansi_color=True on a limited terminal (its themes are ANSI themes: no truecolor filter).

    Set as the theme attribute, a theme makes Textual parse all CSS again once the app runs; set here, before
    anything is parsed, it is taken as Textual takes its default theme, and the first parse uses its colours.
    """
    if profile == "full":
        return
    from textual.app import App

    theme = console_theme()
    app.register_theme(theme)
    app.set_reactive(App.theme, theme.name)
    app.stylesheet.set_variables(app.get_css_variables())
    app.add_class(f"-theme-{theme.name}", update=False)


def setup(profile: ConsoleProfile | None = None) -> ConsoleProfile:
    """Detect (unless given), set the environment switches, swap glyphs and borders. Call before building the
    app; the environment part works only before ``import textual``."""
    chosen = profile or detect_profile()
    prepare_environment(chosen)
    apply_glyphs(chosen)
    remap_borders(chosen)
    return chosen


def outside_portable(text: str, profile: ConsoleProfile = "console") -> set[str]:
    """The characters of ``text`` a terminal of ``profile`` may not be able to draw."""
    allowed = PORTABLE if profile == "console" else ASCII if profile == "ascii" else None
    if allowed is None:
        return set()
    return {character for character in text if character not in allowed and character not in "\n"}
