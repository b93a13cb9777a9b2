"""nova.conf and glance-api.conf as host facts record them: settings only, real line numbers, secrets masked.

The probe keeps what the option rules read (section headers, assignments, continuation lines, lines oslo
would refuse) and drops comments and blank lines, writing ``# line N`` before a kept line whose number does
not follow the previous one. Secret values are masked before anything is recorded, so facts recordings,
``check --save-facts`` files and support bundles never hold a password. oslo.config ends an assignment at a
comment or a blank line alike, so restore_ini() gives text that an INI reader reads exactly as the file,
line numbers included, apart from the masked values.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

# The option schema and the masking rules are imported where they are used: `kvm-wizard check` on a host
# without nova.conf (the first-boot case) should not pay for loading them.
if TYPE_CHECKING:
    from wizard.option_types import FileKind

# The configuration files the probe records this way, and how each is parsed and masked.
RECORDED_CONFIGS: dict[str, FileKind] = {
    "/etc/nova/nova.conf": "nova.conf",
    "/etc/glance/glance-api.conf": "glance-api.conf",
}
CONFIG_PATHS: dict[FileKind, str] = {kind: path for path, kind in RECORDED_CONFIGS.items()}
# The prefix of the finding ids of each file's lint ("nova-conf-unknown-option:libvirt.foo").
ID_PREFIXES: dict[FileKind, str] = {"nova.conf": "nova-conf", "glance-api.conf": "glance-api-conf"}
LINE_MARKER = "# line "
_MARKER = re.compile(r"^# line (\d+)$")


def finding_id(file: FileKind, path: str, name: str, key: str = "") -> str:
    """A lint finding's id: nova-conf-RULE[:PATH][:KEY]; the path only for a file other than the kind's own
    (/etc/nova/nova.conf, /etc/glance/glance-api.conf), so that an id stays unique across a service's files."""
    parts = [f"{ID_PREFIXES[file]}-{name}"]
    if path != CONFIG_PATHS[file]:
        parts.append(path)
    if key:
        parts.append(key)
    return ":".join(parts)


def file_name(file: FileKind, path: str) -> str:
    """How a title names a file: "nova.conf" for the kind's own file, else its path."""
    return file if path == CONFIG_PATHS[file] else path


def record_ini(file_kind: str, text: str) -> str:
    """What the facts keep of an INI file: its settings with their line numbers, secret values masked."""
    from wizard.files.lines import split_lines, without_ending

    kept: list[str] = []
    expected = 1
    for number, ending_line in enumerate(split_lines(text)[0], start=1):
        line = without_ending(ending_line)
        if not line.strip() or line[0] in "#;":
            continue
        if number != expected:
            kept.append(f"{LINE_MARKER}{number}")
        kept.append(line)
        expected = number + 1
    return mask_config_text(file_kind, "".join(line + "\n" for line in kept))


def restore_ini(recorded: str) -> str:
    """The recorded settings back at their line numbers, blank lines where comments and blanks were."""
    lines: list[str] = []
    for line in recorded.splitlines():
        marker = _MARKER.match(line)
        if marker is not None:
            lines.extend([""] * max(0, int(marker[1]) - 1 - len(lines)))
            continue
        lines.append(line)
    return "".join(line + "\n" for line in lines)


def looks_secret(file: FileKind, section: str, key: str) -> bool:
    """wizard.secrets.is_secret: nova's and glance's own flags, and a broad guess for names they do not define."""
    from wizard.secrets import is_secret

    return is_secret(file, section, key)


def shown_line(text: str) -> str:
    """A line oslo cannot parse, masked: after a word that looks like a credential's name, nothing is shown."""
    from wizard.secrets import MASK, mask_text, unknown_name_looks_secret

    # Bytes that are not UTF-8 (kept as lone surrogates) are shown as escapes: printable, and not hidden.
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    words = text.split(None, 1)
    if len(words) == 2 and unknown_name_looks_secret(words[0]):
        return f"{words[0]} {MASK}"
    return mask_text(text)


def mask_config_line(file_kind: str, section: str, line: str) -> str:
    """One line of a configuration file for a preview: wizard.secrets' masking, plus the guessed credentials
    of names nova does not define (`pasword = ...`) and of lines oslo cannot parse (`password s3cret`)."""
    from wizard.files.ini_syntax import separator_at
    from wizard.secrets import MASK, mask_ini_line

    masked = mask_ini_line(file_kind, section, line)
    if file_kind not in RECORDED_CONFIGS.values():
        return masked
    body = masked.rstrip("\r\n")
    ending = masked[len(body) :]
    stripped = body.strip()
    if not stripped or stripped.startswith(("[", "#", ";")) or body[:1] in " \t":
        return masked
    separator = separator_at(body)
    if separator < 0:
        return shown_line(body) + ending
    kind: FileKind = "glance-api.conf" if file_kind == "glance-api.conf" else "nova.conf"
    if looks_secret(kind, section, body[:separator].strip()):
        return body[: separator + 1] + " " + MASK + ending
    return masked


def mask_config_text(file_kind: str, text: str) -> str:
    """A whole configuration file masked as mask_config_line() masks a line, continuation lines of a masked
    value included (sections followed)."""
    from wizard.secrets import MASK, mask_ini_line, mask_ini_text

    section = "DEFAULT"
    hidden = False  # the last assignment's value was masked here: its continuation lines are part of it
    lines = []
    for line in mask_ini_text(file_kind, text).splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body[:1] in (" ", "\t") and body.strip():
            lines.append(
                body[: len(body) - len(body.lstrip())] + MASK + line[len(body) :] if hidden else line
            )
            continue
        header = re.match(r"^\[(?P<name>[^\]]*)\]", line)
        if header is not None:
            section = header["name"]
        masked = mask_config_line(file_kind, section, line)
        hidden = masked != mask_ini_line(file_kind, section, line)
        lines.append(masked)
    return "".join(lines)
