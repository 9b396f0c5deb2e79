"""Photos for articles: every upload opened, bounded and re-encoded by Pillow.

An upload becomes an `Image`: the same picture at a few widths (`WIDTHS`, never
larger than the upload), re-encoded in its own family (JPEG, PNG or WebP; a still
GIF becomes PNG), with the camera's orientation applied and every piece of
metadata left behind (EXIF with its GPS position, ICC, XMP, text chunks).
Resizing happens here, once, at upload: a request only ever reads stored bytes.

Refused, with the status the API answers and a sentence a person can act on:
not an image, SVG, or a format outside JPEG/PNG/WebP/GIF (415); an animated
image (415: motion a reader cannot pause fails WCAG 2.2.2, and a still frame
would silently change the picture); more pixels than the limit, checked from the
header before any pixel is decoded (422). The byte limit is the API's (413).

Each image is named by `digest`, a hash of all its encoded widths: its URLs
(`/media/DIGEST-WIDTH.EXT`) never change their bytes, so they are immutable.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

WIDTHS = (480, 960, 1600)  # px: a phone, a column at 2x, a wide screen at 2x
# The <img>'s rendered width, for every variant at once (a page's photos are rendered
# once per article): the column is about 35 em at 100 % text and grows with the reader's
# size, while `em` here is the browser's 16 px. 60 em (960 px) serves 100-150 % sharply
# on a 1x screen and picks 1600 on a 2x one; at 200 % a 1x screen scales 960 up a little.
SIZES = "(min-width: 60em) 60em, 100vw"
# family -> (extension, content type); a still GIF is kept as PNG (lossless too).
FAMILIES = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(FAMILIES.values())
OPENED = ("JPEG", "PNG", "WEBP", "GIF")  # Pillow tries only these decoders
URL = re.compile(
    r"/media/(?P<digest>[0-9a-f]{20})-(?P<width>[1-9][0-9]{0,4})\.(?P<ext>jpg|png|webp)"
)
_NAME_BAD = re.compile(r"[/\\\x00-\x1f\x7f]")
MAX_NAME = 200
_SAVE: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"compress_level": 6},  # level 9 (optimize) took 2.7x as long for 0.5 % fewer bytes
    "WEBP": {"quality": 80, "method": 4},
}


class MediaRefused(ValueError):
    """An upload the media store does not take; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Rendition:
    """One width of an image, encoded."""

    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Image:
    """An image as stored: its digest, extension and widths (smallest first)."""

    digest: str
    ext: str
    renditions: tuple[Rendition, ...]

    @property
    def largest(self) -> Rendition:
        return self.renditions[-1]

    @property
    def url(self) -> str:
        return url_of(self.digest, self.largest.width, self.ext)

    def srcset(self) -> str:
        return ", ".join(
            f"{url_of(self.digest, r.width, self.ext)} {r.width}w" for r in self.renditions
        )


def media_tag(digest: str) -> str:
    """The purge tag of an image's URLs and of the pages that show it (sent as xkey, like
    `article:SLUG`)."""
    return f"media:{digest}"


# Also on a page showing a photo not stored yet: a process that hears of other writers'
# commits without being told what changed (SQLite's workers) drops these pages then.
PHOTO_PENDING = "media:pending"


def url_of(digest: str, width: int, ext: str) -> str:
    return f"/media/{digest}-{width}.{ext}"


def digest_of(renditions: tuple[Rendition, ...], ext: str) -> str:
    """The image's name in URLs: a hash of every width's bytes, so the bytes behind a
    URL never change, and an export read back can be checked against it."""
    h = hashlib.sha256(ext.encode())
    for r in renditions:
        h.update(f"|{r.width}x{r.height}|{len(r.data)}|".encode())
        h.update(r.data)
    return h.hexdigest()[:20]


def check_name(name: str) -> str:
    """The name an operator uploads under (`photo.jpg`): one plain file name."""
    if not name or len(name) > MAX_NAME:
        raise MediaRefused(400, f"the name must be 1 to {MAX_NAME} characters")
    if _NAME_BAD.search(name) or ".." in name:
        raise MediaRefused(
            400, "the name must be a plain file name: no '/', '\\', '..' or control characters"
        )
    return name


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") or b"<svg" in head


def _open(data: bytes, max_pixels: int) -> PILImage.Image:
    """Open the header only, and refuse before decoding anything too large."""
    if _looks_like_svg(data):
        raise MediaRefused(
            415, "SVG is not accepted (it can carry scripts): upload a PNG, JPEG or WebP"
        )
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns at MAX_IMAGE_PIXELS; our limit is checked below.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data), formats=OPENED)
    except PILImage.DecompressionBombError:
        raise MediaRefused(422, f"the image has more than {max_pixels:,} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise MediaRefused(
            415, "not an image Legible accepts: upload a JPEG, PNG, WebP or still GIF"
        ) from None
    width, height = image.size
    if width * height > max_pixels:
        raise MediaRefused(
            422,
            f"the image is {width}x{height} ({width * height:,} pixels), more than the"
            f" limit of {max_pixels:,}: scale it down before uploading",
        )
    if getattr(image, "n_frames", 1) > 1:
        raise MediaRefused(
            415, "animated images are not accepted (readers cannot pause them): upload a still"
        )
    return image


def _mode_for(family: str, image: PILImage.Image) -> str:
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if family == "JPEG":
        return "L" if image.mode in ("L", "1") else "RGB"
    if family == "PNG" and image.mode in ("L", "1") and not alpha:
        return "L"
    return "RGBA" if alpha else "RGB"


def _draft(image: PILImage.Image) -> None:
    """Let a JPEG decode at 1/2, 1/4 or 1/8 scale when even that is wider than the widest
    rendition (libjpeg's DCT scaling): a 12-megapixel photo decodes about 4x faster."""
    if image.format != "JPEG":
        return
    width, height = image.size
    orientation = image.getexif().get(0x0112, 1)
    shown_width = height if orientation in (5, 6, 7, 8) else width
    if shown_width > WIDTHS[-1]:
        scale = WIDTHS[-1] / shown_width
        image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))


def process(data: bytes, max_pixels: int) -> Image:
    """The upload re-encoded at every width up to its own (slow: off the event loop)."""
    image = _open(data, max_pixels)
    family = "PNG" if image.format == "GIF" else str(image.format)
    ext, _type = FAMILIES[family]
    try:
        _draft(image)
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError):
        raise MediaRefused(415, "the image is damaged or truncated and cannot be read") from None
    clean = upright.convert(_mode_for(family, image))
    clean.info = {}  # nothing of the upload's metadata is written back
    full_w, full_h = clean.size
    largest = min(full_w, WIDTHS[-1])
    widths = [w for w in WIDTHS if w < largest] + [largest]
    renditions = []
    sized = clean
    for width in reversed(widths):  # each from the next larger one: less to resample
        height = max(1, round(full_h * width / full_w))
        if sized.size != (width, height):
            sized = sized.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        sized.save(out, family, **_SAVE[family])
        renditions.append(Rendition(width, height, out.getvalue()))
    kept = tuple(reversed(renditions))
    return Image(digest_of(kept, ext), ext, kept)
