"""wizard.xml_text makes the same text as xml.sax.saxutils (which `check` no longer imports for its cost)."""

from __future__ import annotations

import itertools
from xml.sax.saxutils import escape as sax_escape
from xml.sax.saxutils import quoteattr as sax_quoteattr

from wizard.xml_text import escape, quoteattr

PIECES = ("a", "&", "<", ">", '"', "'", "\n", "\r", "\t", "é", "]]>")


def test_the_same_as_saxutils_for_every_mix_of_the_characters_xml_treats_apart() -> None:
    for size in range(4):
        for parts in itertools.product(PIECES, repeat=size):
            text = "".join(parts)
            assert escape(text) == sax_escape(text), text
            assert quoteattr(text) == sax_quoteattr(text), text
