"""Text made safe inside XML (libvirt's CPU and domain descriptions), as xml.sax.saxutils makes it, without
importing it: saxutils pulls in urllib.request and http.client, some 50 ms of every `kvm-wizard check`."""

from __future__ import annotations


def escape(text: str) -> str:
    """&, < and > as entities: character data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An attribute value with its quotes, as saxutils.quoteattr gives it: double quotes unless the value has
    some and no single quote; newlines and tabs as character references."""
    data = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))
