"""Secret masking for INI previews, diffs, logs and command output: the value goes, the key stays."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

# wizard.options is imported where it is needed: mask_text() masks log lines during the probe, and the probe
# should not load the option schema for that.
if TYPE_CHECKING:
    from wizard.option_types import FileKind

MASK = "****"  # always the same: a mask must not reveal the length of what it hides

# The fallback for options the bundled data does not flag: unknown files, sections created at run time
# (glance's multi-store backends), and real secrets whose definition forgot secret=True (oslo.messaging's
# [oslo_messaging_kafka] ssl_client_key_password, osprofiler's [profiler] connection_string). Masking a
# harmless value costs a look at the file; showing a password cannot be undone, so the patterns are broad.
_SECRET_SUFFIXES = ("password", "passwd", "_secret", "_key", "_token")
_SECRET_NAMES = frozenset(
    {
        "key",  # ceph keyrings: `key = AQ...==`
        "secret",
        "token",
        "transport_url",
        "connection",
        "slave_connection",
        "connection_string",
        "backend_argument",
        "hmac_keys",
        "auth_key",
    }
)
# Known options the patterns catch that hold no secret (booleans and file paths): masking them would hide
# settings an operator needs to read. tests/options/test_secrets.py keeps this list in step with the data.
_NOT_SECRET = frozenset(
    {
        ("nova.conf", "DEFAULT", "key"),  # path of the console proxy's TLS key file
        ("nova.conf", "api", "enable_instance_password"),
        ("nova.conf", "libvirt", "inject_password"),
        ("nova.conf", "libvirt", "inject_key"),
        ("nova.conf", "vnc", "vencrypt_client_key"),
        ("nova.conf", "barbican", "send_service_user_token"),
        ("nova.conf", "service_user", "send_service_user_token"),
        ("glance-api.conf", "barbican", "send_service_user_token"),
    }
)


@functools.cache
def _secret_table(file_kind: str) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
    """(section, name) pairs flagged secret, and the names flagged in any section, lower-cased."""
    from wizard import option_data
    from wizard.option_types import FILE_KINDS

    kinds = [file_kind] if file_kind in FILE_KINDS else list(FILE_KINDS)
    pairs = {
        (section.lower(), name.lower())
        for kind in kinds
        for section, names in option_data.SECRET_OPTIONS[kind].items()
        for name in names.split()
    }
    return frozenset(pairs), frozenset(name for _, name in pairs)


# Parts of names that may hold a credential, misspelt too ("pasword"). The options nova and glance define
# are judged by their data and the patterns above; the purpose of a name nobody defines is a guess, so it is
# guessed broadly: my_passphrase, api_credential, auth_code, sso_pwd, a vendor's private_signature.
CREDENTIAL_WORDS = (
    "pas",
    "pw",
    "secr",
    "tok",
    "key",
    "cred",
    "auth_code",
    "authcode",
    "signature",
    "private",
)


def unknown_name_looks_secret(option: str) -> bool:
    """The broad guess for an option no schema defines: does any part of its name suggest a credential?"""
    name = option.strip().lower()
    return any(word in name for word in CREDENTIAL_WORDS)


def name_looks_secret(option: str) -> bool:
    """The pattern fallback alone: does this option name suggest a credential?"""
    name = option.strip().lower().replace("-", "_")
    return name in _SECRET_NAMES or name.endswith(_SECRET_SUFFIXES)


def is_secret(file_kind: str, section: str, option: str) -> bool:
    """Whether the value of `option` in `section` must never be shown (any file kind; unknown ones use patterns)."""
    from wizard.options import normalize_section

    name = option.strip().lower().replace("-", "_")
    # [default] is a section of its own for oslo, but it is masked like [DEFAULT].
    section_key = normalize_section(section).lower()
    pairs, names = _secret_table(file_kind)
    if (section_key, name) in pairs:
        return True
    if (file_kind, normalize_section(section), option.strip()) in _NOT_SECRET:
        return False
    # A name flagged in one section is masked in every section: glance's multi-store backends put the store
    # options (swift_store_key, ...) in sections named by the operator.
    if name in names or name_looks_secret(name):
        return True
    return _unknown(file_kind, section, option) and unknown_name_looks_secret(name)


def _unknown(file_kind: str, section: str, option: str) -> bool:
    """No schema defines ``option`` in ``section`` of this kind of file (unknown kinds define nothing)."""
    from wizard.option_types import FILE_KINDS
    from wizard.options import known_options

    if file_kind not in FILE_KINDS:
        return True
    kind: FileKind = "glance-api.conf" if file_kind == "glance-api.conf" else "nova.conf"
    return option.strip() not in known_options(kind, section)


# oslo's INI syntax: `key = value` or `key: value`, whichever separator comes first.
_ASSIGNMENT = re.compile(r"^(?P<key>[^=:\s][^=:]*?)(?P<sep>\s*[=:]\s*)(?P<value>.*?)(?P<end>\s*)$", re.DOTALL)
_COMMENTED_ASSIGNMENT = re.compile(r"^(?P<lead>[#;]\s*)(?P<rest>.*)$", re.DOTALL)


def _mask_assignment(file_kind: str, section: str, line: str) -> tuple[str, bool] | None:
    """The masked line and whether its key is secret, or None when the line is not an assignment."""
    match = _ASSIGNMENT.match(line)
    if match is None or " " in match["key"].strip():
        return None
    key, value = match["key"], match["value"]
    if is_secret(file_kind, section, key):
        # Empty stays empty and oslo's sample placeholder stays itself: neither hides anything.
        masked = MASK if value not in ("", "<None>") else value
        return f"{key}{match['sep']}{masked}{match['end']}", True
    return f"{key}{match['sep']}{mask_urls(value)}{match['end']}", False


def mask_ini_line(file_kind: str, section: str, line: str) -> str:
    """One line of an INI file with the value masked when its option is secret (commented-out ones too)."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    stripped = body.lstrip()
    if not stripped or stripped.startswith("["):
        return line
    if body[:1] in (" ", "\t"):
        # A continuation line: without its key we cannot tell, so only credentials in text are masked.
        return mask_text(body) + ending
    commented = _COMMENTED_ASSIGNMENT.match(body)
    if commented is not None:
        masked = _mask_assignment(file_kind, section, commented["rest"])
        inner = masked[0] if masked is not None else mask_text(commented["rest"])
        return commented["lead"] + inner + ending
    masked = _mask_assignment(file_kind, section, body)
    return (masked[0] if masked is not None else mask_text(body)) + ending


LineMasker = Callable[[str, str, str], str]  # (file kind, section, line) -> the line, its secret masked


def mask_lines(
    file_kind: str, section: str, lines: Sequence[str], mask_line: LineMasker | None = None
) -> list[str]:
    """A run of consecutive lines of one section (an option and its continuation lines, a diff's context):
    each masked by ``mask_line`` (mask_ini_line by default), and a continuation line of a value that was
    masked masked whole: oslo reads it as part of that value."""
    masker = mask_line or mask_ini_line
    out: list[str] = []
    hidden = False  # the last assignment's value was masked: its continuation lines are part of it
    for line in lines:
        body = line.rstrip("\r\n")
        if body[:1] in (" ", "\t") and body.strip():
            indent = body[: len(body) - len(body.lstrip())]
            out.append(indent + MASK + line[len(body) :] if hidden else masker(file_kind, section, line))
            continue
        masked = masker(file_kind, section, line)
        hidden = masked != line and bool(body.strip()) and not body.startswith(("#", ";", "["))
        out.append(masked)
    return out


def mask_ini_text(file_kind: str, text: str) -> str:
    """A whole INI file masked line by line, following sections and the continuation lines of secret values."""
    section = "DEFAULT"
    secret_value = False  # the last assignment was secret: its continuation lines are part of the secret
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body[:1] in (" ", "\t") and body.strip():
            indent = body[: len(body) - len(body.lstrip())]
            lines.append(
                indent + MASK + line[len(body) :] if secret_value else mask_ini_line(file_kind, section, line)
            )
            continue
        header = re.match(r"^\[(?P<name>[^\]]*)\]", body)
        if header is not None:
            section, secret_value = header["name"], False
        elif body.strip() and not body.lstrip().startswith(("#", ";")):
            masked = _mask_assignment(file_kind, section, body)
            secret_value = masked is not None and masked[1]
        lines.append(mask_ini_line(file_kind, section, line))
    return "".join(lines)


# scheme://user:password@host, including oslo.messaging's multi-host form rabbit://u:p@h1,u:p@h2/ and
# redis://:password@host. The password runs to the last `@` of its comma-separated part: an unencoded `@`
# in a password then hides part of the host name rather than showing the rest of the password.
_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>[^\s'\"<>]+)")
_URL_CREDENTIAL = re.compile(r"(?P<user>(?:^|,)[^:@,/]*):(?P<password>[^,\s]*)@")


# A query parameter of a URL whose name says credential: ?password=..., &token=..., ;sig=...
_URL_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;][A-Za-z0-9_.\-]*(?:password|passwd|passphrase|secret|token|key|credential|auth_?code|sig"
    r"|signature)[A-Za-z0-9_.\-]*=)(?P<value>[^&;#\s'\"<>]*)",
    re.IGNORECASE,
)


def mask_urls(text: str) -> str:
    """Credentials in URLs masked: `rabbit://nova:****@host`, `https://host/x?password=****&a=1`."""

    def mask_one(match: re.Match[str]) -> str:
        rest = _URL_CREDENTIAL.sub(lambda m: f"{m['user']}:{MASK}@", match["rest"])
        rest = _URL_QUERY_SECRET.sub(lambda m: m["key"] + (MASK if m["value"] else ""), rest)
        return match["scheme"] + rest

    return _URL.sub(mask_one, text)


_KEY_WORDS = r"[A-Za-z0-9_.\-]*(?:password|passwd|passphrase|secret|token|key|keys|credentials?|authorization|auth_?code)"
# `key = value` at the start of a line (INI files, keyrings): the value runs to the end of the line.
_LINE_PAIR = re.compile(
    rf"(?im)^(?P<key>\s*[#;]?\s*{_KEY_WORDS})(?P<sep>[ \t]*[=:][ \t]*)(?P<value>\S[^\r\n]*?)[ \t]*$"
)
# `password=value`, `"password": "value"` and `X-Auth-Token: value` inside a line: to the closing quote, or
# to the next space, comma, semicolon, ampersand or bracket.
_INLINE_PAIR = re.compile(
    rf"(?i)(?P<key>(?<![A-Za-z0-9_.\-]){_KEY_WORDS}[\"']?)(?P<sep>[ \t]*[=:][ \t]*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;&)\]}]+)"
)
# --password value, --os-password=value
_OPTION_PAIR = re.compile(rf"(?i)(?P<key>--{_KEY_WORDS})(?P<sep>=|[ \t]+)(?P<value>\"[^\"]*\"|'[^']*'|\S+)")
# A ceph key (base64 of 28 bytes, starting with AQ) anywhere, such as `virsh secret-get-value` output.
_CEPH_KEY = re.compile(r"\bAQ[A-Za-z0-9+/]{36}==")


def _mask_pair(match: re.Match[str]) -> str:
    value = match["value"]
    if value[:1] in "\"'" and len(value) >= 2 and value[-1] == value[0]:
        masked = value[0] + MASK + value[0]
    else:
        masked = MASK
    return match["key"] + match["sep"] + masked


def mask_text(text: str) -> str:
    """Free text (log lines, command output, a pasted file) with credentials masked."""
    text = mask_urls(text)
    text = _CEPH_KEY.sub(MASK, text)
    text = _OPTION_PAIR.sub(_mask_pair, text)
    text = _LINE_PAIR.sub(_mask_pair, text)
    return _INLINE_PAIR.sub(
        lambda m: m[0] if m["value"] in (MASK, f'"{MASK}"', f"'{MASK}'") else _mask_pair(m), text
    )
