"""Static bytes with content-hashed URLs: the stylesheet (base CSS plus the
theme and size rules generated from `themes/`) and the demo images."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .preferences import SIZES
from .themes import Theme, theme_css

STATIC = Path(__file__).resolve().parent / "static"


def size_css() -> str:
    return "".join(f':root[data-size="{s}"]{{font-size:{s}%}}' for s in SIZES if s != 100) + "\n"


def build_css(themes_dir: Path, themes: dict[str, Theme]) -> bytes:
    base = (themes_dir / "base.css").read_text(encoding="utf-8")
    return (theme_css(themes) + size_css() + base).encode()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]
