"""The reader's font choices as data, and the self-hosted files they need.

`sans` is the system's own sans-serif: nothing to download. `serif` is Literata,
made for long reading on screens. `legible` is Andika (SIL), made for literacy
so that letters are not confused (I l 1, b d p q); Atkinson Hyperlegible, made
for low vision, lacks 96 Vietnamese letters (ơ, ư, ạ, ể, ...). SIL reserves the
name "Andika" for unmodified copies (OFL 1.1, condition 3) and a subset is a
modification, so ours is named "Legible Reading".

The woff2 files in static/fonts/ are subsets (Latin and Vietnamese, exactly
UNICODE_RANGES) made by scripts/subset-fonts from pinned npm packages, and are
committed: nothing here needs fontTools or the network. Browsers download a face
only when a page uses it, so a reader who keeps the default downloads no font.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent / "static" / "fonts"
URL_PREFIX = "/assets/fonts/"
MEDIA_TYPE = "font/woff2"  # already compressed: serve it as is

# Google Fonts' "latin" and "vietnamese" subsets, plus the combining circumflex,
# breve and horn of decomposed (NFD) Vietnamese. Inclusive (first, last) pairs.
UNICODE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x00FF), (0x0102, 0x0103), (0x0110, 0x0111), (0x0128, 0x0129),
    (0x0131, 0x0131), (0x0152, 0x0153), (0x0168, 0x0169), (0x01A0, 0x01A1),
    (0x01AF, 0x01B0), (0x02BB, 0x02BC), (0x02C6, 0x02C6), (0x02DA, 0x02DA),
    (0x02DC, 0x02DC), (0x0300, 0x0304), (0x0306, 0x0306), (0x0308, 0x0309),
    (0x031B, 0x031B), (0x0323, 0x0323), (0x0329, 0x0329), (0x1EA0, 0x1EF9),
    (0x2000, 0x206F), (0x20AB, 0x20AC), (0x2122, 0x2122), (0x2191, 0x2191),
    (0x2193, 0x2193), (0x2212, 0x2212), (0x2215, 0x2215), (0xFEFF, 0xFEFF),
    (0xFFFD, 0xFFFD),
)  # fmt: skip

SYSTEM_SANS = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, '
    "sans-serif"
)


@dataclass(frozen=True)
class Face:
    """One woff2 file in static/fonts/."""

    file: str
    weight: int  # 400 or 700; the CSS asks for 600 too, which browsers match to 700
    style: str  # "normal" or "italic" (figcaption); bold italic is left to the browser


@dataclass(frozen=True)
class Font:
    """One choice of the `font` preference."""

    family: str | None  # the @font-face family (and the files' own name); None: system
    stack: str  # the CSS font-family value, fallbacks included
    faces: tuple[Face, ...] = ()


def _faces(stem: str) -> tuple[Face, ...]:
    return tuple(
        Face(f"{stem}-{weight}-{style}.woff2", weight, style)
        for weight, style in ((400, "normal"), (700, "normal"), (400, "italic"))
    )


DEFAULT = "sans"
FONTS: dict[str, Font] = {
    "sans": Font(None, SYSTEM_SANS),
    "serif": Font(
        "Literata",
        '"Literata", "Noto Serif", Georgia, "Times New Roman", serif',
        _faces("literata"),
    ),
    "legible": Font(
        "Legible Reading", f'"Legible Reading", {SYSTEM_SANS}', _faces("legible-reading")
    ),
}


@dataclass(frozen=True)
class FontFile:
    """A font file at its immutable URL."""

    url: str
    body: bytes
    media_type: str = MEDIA_TYPE


@dataclass(frozen=True)
class FontAssets:
    files: tuple[FontFile, ...]  # serve each at its url, `immutable`, uncompressed
    css: str  # the @font-face rules, one per file, pointing at those urls


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]  # the same as assets.content_hash


def unicode_range() -> str:
    """UNICODE_RANGES as a CSS `unicode-range` value."""
    return ", ".join(
        f"U+{first:X}" if first == last else f"U+{first:X}-{last:X}"
        for first, last in UNICODE_RANGES
    )


def font_assets(fonts: Mapping[str, Font] = FONTS, fonts_dir: Path = FONTS_DIR) -> FontAssets:
    """The files every choice in `fonts` needs, at content-hashed URLs, and their CSS.

    `font-display: swap` shows the text at once in the fallback and swaps when
    the file arrives, so a font never delays the first paint.
    """
    files: list[FontFile] = []
    rules: list[str] = []
    span = unicode_range()
    for font in fonts.values():
        for face in font.faces:
            body = (fonts_dir / face.file).read_bytes()
            url = f"{URL_PREFIX}{face.file.removesuffix('.woff2')}.{content_hash(body)}.woff2"
            files.append(FontFile(url, body))
            rules.append(
                f'@font-face{{font-family:"{font.family}";font-style:{face.style};'
                f"font-weight:{face.weight};font-display:swap;"
                f'src:url("{url}") format("woff2");unicode-range:{span}}}\n'
            )
    return FontAssets(tuple(files), "".join(rules))


@cache
def shipped() -> FontAssets:
    """The bundled fonts' files and CSS, read once per process (the stylesheet and the
    asset table both need them)."""
    return font_assets()
