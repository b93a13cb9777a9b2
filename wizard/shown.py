"""Text as it may be shown to an operator: control characters made visible, echoed values cut to a length.

Answers keys, config values, paths and command output come from files and people kvm-wizard does not
control. Printed raw, an escape sequence in them could clear the screen and draw a fake "all good", a
carriage return could overwrite a warning, a 5 MB value could flood a console. Every line the command line
prints goes through visible() (wizard.cli.output does it for the whole stream), and every value echoed in a
message goes through shorten() where the message is made.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls (U+0085 NEL among them), the line and paragraph
# separators, the bidirectional overrides and isolates (they reorder what follows on the line), and lone
# surrogates (undecodable bytes kept by "surrogateescape": printing them raises, or shows U+FFFD).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\r": "\\r", "\x0b": "\\v", "\x0c": "\\f", "\x1b": "\\x1b"}
# The styles kvm-wizard paints with (wizard.cli.plain, rich's rendering of them): bold, dim, italic,
# underline, their resets, red/green/yellow/magenta/cyan and the default colour. Nothing else passes, not
# even with colour on: no cursor movement, no screen clearing, no title, no concealed or invisible text.
_OWN_SGR = re.compile(
    r"\x1b\[(?:(?:0|1|2|3|4|22|23|24|31|32|33|35|36|39)(?:;(?:0|1|2|3|4|22|23|24|31|32|33|35|36|39))*)?m"
)

SHORT_VALUE = 200  # characters of an echoed value shown in a message ("'aaaa…' (100,000 characters)")


def _escape(character: str) -> str:
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape: show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def visible(text: str, *, keep_styles: bool = False) -> str:
    """``text`` with every control character shown as an escape (ESC as \\x1b, CR as \\r, U+2028 as \\u2028).

    With ``keep_styles`` the colour and weight sequences kvm-wizard itself paints with are kept (and only
    those): a file's own escape sequence is shown as text even when colour is on.
    """
    if not _UNSAFE.search(text):
        return text
    if not keep_styles or "\x1b" not in text:
        return _UNSAFE.sub(lambda match: _escape(match[0]), text)
    parts: list[str] = []
    position = 0
    for style in _OWN_SGR.finditer(text):
        parts.append(_UNSAFE.sub(lambda match: _escape(match[0]), text[position : style.start()]))
        parts.append(style[0])
        position = style.end()
    parts.append(_UNSAFE.sub(lambda match: _escape(match[0]), text[position:]))
    return "".join(parts)


def json_visible(text: str) -> str:
    """JSON text (made with ensure_ascii=False) with the characters visible() would escape written as JSON's
    own \\uXXXX escapes: still valid JSON, still the same strings, and safe on a terminal."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None


def shorten(value: object, limit: int = SHORT_VALUE) -> str:
    """``repr(value)`` for a message, at most about ``limit`` characters: a huge value is cut, and says so."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(value) if isinstance(value, str) else text
    head = text[:limit]
    shown = repr(head) if isinstance(value, str) else head
    return f"{shown}… ({len(text):,} characters)"


def shorten_path(path: object, limit: int = SHORT_VALUE) -> str:
    """A path for a message, without quotes when short; a huge one cut to ``limit`` characters."""
    text = str(path)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
