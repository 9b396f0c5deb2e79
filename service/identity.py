"""The operator's portal as readers see it: its name, tagline, language, logo,
footer and public origin (from the LEGIBLE_SITE_* settings, `LEGIBLE_POWERED_BY`
and `LEGIBLE_PUBLIC_URL`), read once at start-up.

Every page shows them, so they are part of every cached page's key
(`Identity.digest`, in `Site.version`): a start with another name never serves a
page built with the old one, and the pages' ETags (a hash of their bytes) differ
too, so a browser's or a cache's revalidation gets the new page, not a 304.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SettingsInvalid
from .i18n import N_, translate

if TYPE_CHECKING:
    from .settings import Settings

LOGO_BYTES = 1024 * 1024  # a logo larger than this is a mistake, not a logo
# Raster formats a browser shows in <img>, by their first bytes. Not SVG: as a
# document of its own at its URL it could run script.
FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


@dataclass(frozen=True, slots=True)
class Logo:
    url: str  # /assets/logo.HASH.EXT: immutable, like the stylesheet
    body: bytes
    media_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    tagline: str
    lang: str  # the site's own pages and feed: "vi" or "en"
    footer: str
    powered_by: bool
    public_url: str | None  # the canonical origin, no trailing slash
    logo: Logo | None
    sections: tuple[str, ...] = ()  # tags named in the header's navigation

    @classmethod
    def from_settings(cls, settings: Settings) -> Identity:
        """Raises SettingsInvalid naming LEGIBLE_SITE_LOGO when the logo cannot be used."""
        lang = settings.site_lang
        return cls(
            name=(settings.site_name or "").strip() or translate(lang, N_("News")),  # unnamed
            tagline=(settings.site_tagline or "").strip(),
            lang=lang,
            footer=(settings.site_footer or "").strip(),
            powered_by=settings.powered_by,
            public_url=settings.public_url,
            logo=load_logo(Path(settings.site_logo)) if settings.site_logo else None,
            sections=settings.sections,
        )

    @property
    def digest(self) -> str:
        """Changes with anything a page shows of the identity."""
        logo = self.logo.url if self.logo else ""
        shown = (self.name, self.tagline, self.lang, self.footer, self.powered_by,
                 self.public_url or "", logo, self.sections)  # fmt: skip
        return hashlib.sha256(repr(shown).encode()).hexdigest()[:8]


def load_logo(path: Path) -> Logo:
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise SettingsInvalid(f"LEGIBLE_SITE_LOGO={str(path)!r}: {exc.strerror}") from None
    if len(body) > LOGO_BYTES:
        raise SettingsInvalid(f"LEGIBLE_SITE_LOGO={str(path)!r}: larger than 1 MB")
    found = image_size(body)
    if found is None:
        raise SettingsInvalid(
            f"LEGIBLE_SITE_LOGO={str(path)!r}: not a PNG, JPEG, GIF or WebP image"
        )
    kind, width, height = found
    ext = "jpg" if kind == "jpeg" else kind
    url = f"/assets/logo.{hashlib.sha256(body).hexdigest()[:16]}.{ext}"
    return Logo(url, body, FORMATS[kind], width, height)


def image_size(body: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) read from the image's header; None if it is none of
    FORMATS or its header is cut short."""
    try:
        if body.startswith(b"\x89PNG\r\n\x1a\n") and body[12:16] == b"IHDR":
            return ("png", *struct.unpack(">II", body[16:24]))
        if body[:6] in (b"GIF87a", b"GIF89a"):
            return ("gif", *struct.unpack("<HH", body[6:10]))
        if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
            return _webp(body)
        if body.startswith(b"\xff\xd8"):
            return _jpeg(body)
    except struct.error:
        return None
    return None


def _webp(body: bytes) -> tuple[str, int, int] | None:
    chunk = body[12:16]
    if chunk == b"VP8X":
        w, h = (int.from_bytes(body[i : i + 3], "little") + 1 for i in (24, 27))
        return "webp", w, h
    if chunk == b"VP8 " and body[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", body[26:30])
        return "webp", w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and body[20] == 0x2F:
        bits = int.from_bytes(body[21:25], "little")
        return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg(body: bytes) -> tuple[str, int, int] | None:
    at = 2
    while at + 9 < len(body):
        if body[at] != 0xFF:
            return None
        marker = body[at + 1]
        length = struct.unpack(">H", body[at + 2 : at + 4])[0]
        # Start of frame (baseline, progressive, …), not DHT (C4), JPG (C8) or DAC (CC).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", body[at + 5 : at + 9])
            return "jpeg", w, h
        at += 2 + length
    return None
