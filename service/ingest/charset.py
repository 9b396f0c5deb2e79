"""A fetched page's bytes as text: which character set, and why.

The order is the HTML standard's, with one safety net: a byte-order mark, then
the charset the server sent (Content-Type), then the page's own
`<meta charset>` or `<meta http-equiv="Content-Type">` in its first 4 KiB.
A declared charset is used only if it names a known codec and decodes the bytes
without error, and a single-byte one (windows-1252, windows-1258, latin-1…) only
if the bytes are not valid UTF-8 with non-ASCII letters in them: such bytes are
UTF-8 (no text in a single-byte charset happens to be valid UTF-8 at length), and
a page that declares one charset and is written in another (a Vietnamese page in
windows-1258 that says UTF-8, or the reverse) is common enough that a wrong label
must not turn every accented letter into mojibake.
When no declaration fits, UTF-8 is tried, then charset-normalizer guesses, and
the last resort is UTF-8 with replacement characters: the page is still read.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""",
    re.IGNORECASE,
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The WHATWG encoding standard reads these labels as windows-1252's superset.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}


def declared(data: bytes) -> str | None:
    """The charset the page names in its first 4 KiB, as written; None if none."""
    found = _META.search(data[:4096])
    return found[1].decode("ascii").lower() if found else None


def _try(data: bytes, label: str | None) -> str | None:
    if not label:
        return None
    name = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return data.decode(name)
    except (LookupError, UnicodeDecodeError):
        return None


def decode_page(data: bytes, header_charset: str | None = None) -> str:
    """The page as text (see the module docstring for the order)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace")
    utf8 = _try(data, "utf-8")
    if utf8 is not None and not data.isascii():
        return utf8  # valid UTF-8 with multi-byte letters: whatever the label says
    for label in (header_charset, declared(data)):
        text = _try(data, label)
        if text is not None:
            return text
    if utf8 is not None:
        return utf8
    guess = from_bytes(data[:200_000]).best()
    if guess is not None and guess.encoding:
        text = _try(data, guess.encoding)
        if text is not None:
            return text
    return data.decode("utf-8", errors="replace")
