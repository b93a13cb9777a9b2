"""Byte-exact line handling shared by the INI and module-file editors."""

from __future__ import annotations

import re

_FILE_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def decode(data: bytes) -> str:
    """Text for any bytes; undecodable bytes become lone surrogates so that encode() gives them back."""
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """The exact bytes of text made by decode()."""
    return text.encode("utf-8", "surrogateescape")


def split_lines(text: str) -> tuple[list[str], str]:
    """Lines as a file reader sees them, each keeping its ending, and the ending new lines should get.

    \\r\\n, \\n and a lone \\r end a line; new lines get the most common ending ("\\n" on a tie or with none).
    """
    lines = text.splitlines(keepends=True)
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    unterminated = 1 if text and not text.endswith(("\n", "\r")) else 0
    if len(lines) != crlf + lf + cr + unterminated:
        # str.splitlines() also broke at \v, \f, \x1c-\x1e, \x85, \u2028 or \u2029, which a file reader
        # (oslo.config, kmod) keeps inside the line: this rare file needs the slower, exact split.
        lines = _FILE_LINE.findall(text)
    if crlf > lf and crlf >= cr:
        return lines, "\r\n"
    if cr > lf and cr > crlf:
        return lines, "\r"
    return lines, "\n"


def ending_of(line: str) -> str:
    """The line ending a line carries: "\\r\\n", "\\n", "\\r" or "" for a last line without one."""
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""


def without_ending(line: str) -> str:
    """The line's text without its line ending."""
    return line[: len(line) - len(ending_of(line))]


def split_newline_lines(text: str) -> list[str]:
    """Lines as kmod and systemd-modules-load see them: only "\\n" ends a line (a "\\r" stays in it)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
