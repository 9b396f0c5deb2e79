"""Folding Vietnamese text for search and slugs.

`fold` maps each character to exactly one character (or keeps it), so an
offset in the folded text is the same offset in the original. Search uses that
to highlight matches in the original text.
"""

from __future__ import annotations

import re
import unicodedata

# FTS5's remove_diacritics strips combining marks but đ/Đ is a letter of its
# own, not d plus a mark, so it is folded by hand.
_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O"})


def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    ch = ch.translate(_EXTRA)
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[0] if decomposed else ch
    return base.lower() if len(base.lower()) == 1 else base


def fold(text: str) -> str:
    """Lower-case and strip diacritics, keeping the length of `text`."""
    return "".join(_fold_char(ch) for ch in text)


def fold_for_index(text: str) -> str:
    """What the FTS index sees: NFC text with đ folded (FTS5 does the rest)."""
    return unicodedata.normalize("NFC", text).translate(_EXTRA)


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The folded words of a reader's query; never FTS5 syntax."""
    return _WORD.findall(fold(unicodedata.normalize("NFC", text)))


def slugify(text: str, max_length: int = 80) -> str:
    """`Hội nghị giao ban Quý IV/2023` -> `hoi-nghi-giao-ban-quy-iv-2023`."""
    slug = "-".join(re.findall(r"[a-z0-9]+", fold(unicodedata.normalize("NFC", text))))
    return slug[:max_length].strip("-")


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_slug(value: str) -> bool:
    return len(value) <= 120 and bool(SLUG_RE.fullmatch(value))
