"""Static bytes with content-hashed URLs: the stylesheet (base CSS plus the
theme, size and font rules generated from `themes/` and `fonts.py`), the font
files and the demo images."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .fonts import FONTS, shipped
from .preferences import SIZES
from .themes import Theme, theme_css

STATIC = Path(__file__).resolve().parent / "static"


def size_css() -> str:
    return "".join(f':root[data-size="{s}"]{{font-size:{s}%}}' for s in SIZES if s != 100) + "\n"


def font_css() -> str:
    """@font-face for the self-hosted faces, and `--font` per choice (base.css uses it).
    A face is downloaded only by a page whose `data-font` asks for it."""
    choices = "".join(
        f':root[data-font="{name}"]{{--font:{font.stack}}}'
        for name, font in FONTS.items()
        if font.family is not None
    )
    default = next(font.stack for font in FONTS.values() if font.family is None)
    return shipped().css + f":root{{--font:{default}}}{choices}\n"


def build_css(themes_dir: Path, themes: dict[str, Theme]) -> bytes:
    base = (themes_dir / "base.css").read_text(encoding="utf-8")
    return (theme_css(themes) + size_css() + font_css() + base).encode()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]
