"""The <img> elements of an article's body: alt text, local files, and the sizes a
page gives the stored photos.

Everything here reads HTML the sanitiser wrote (sanitize.py: html5ever's
serialiser), whose attributes are always double-quoted with `"` and `&` escaped,
so a regular expression reads them exactly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

from .media import SIZES, URL, Image, url_of

_IMG = re.compile(r"<img\b([^>]*)>")
_ATTR = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FALLBACK_WIDTH = 960  # the src a browser without srcset loads


def attributes(tag_body: str) -> dict[str, str]:
    return {m[1].lower(): html.unescape(m[2] or "") for m in _ATTR.finditer(tag_body)}


def _tag(attrs: Mapping[str, str | int]) -> str:
    return "<img " + " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items()) + ">"


def without_alt(body_html: str) -> list[str]:
    """The src of every image with no alt attribute (alt="" is decorative: allowed)."""
    return [a.get("src", "") for a in map(attributes, _IMG.findall(body_html)) if "alt" not in a]


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def is_local_file(src: str) -> bool:
    """A photo's path relative to the file it was imported from: no scheme, not /site or
    //host, and named as an image (other relative URLs are left as they were)."""
    path = src.split("?")[0].split("#")[0].lower()
    return (
        path.endswith(IMAGE_SUFFIXES)
        and not _SCHEME.match(src)
        and not src.startswith(("/", "#", "?"))
    )


def replace_sources(body_html: str, new_src: Callable[[str], str | None]) -> str:
    """Each <img>'s src through `new_src` (None: keep it)."""

    def one(m: re.Match[str]) -> str:
        attrs = attributes(m[1])
        replaced = new_src(attrs.get("src", ""))
        if replaced is None:
            return m[0]
        return _tag({**attrs, "src": replaced})

    return _IMG.sub(one, body_html)


def media_digests(body_html: str) -> list[str]:
    """The stored photos an article shows (by URL), in order."""
    out = []
    for body in _IMG.findall(body_html):
        found = URL.fullmatch(attributes(body).get("src", ""))
        if found is not None:
            out.append(found["digest"])
    return out


def with_sizes(body_html: str, images: Mapping[str, Image]) -> str:
    """Each stored photo's <img> with srcset, sizes, width and height (the space is
    kept before it loads: no layout shift); photos after the first load lazily."""
    seen = 0

    def one(m: re.Match[str]) -> str:
        nonlocal seen
        attrs = attributes(m[1])
        found = URL.fullmatch(attrs.get("src", ""))
        image = images.get(found["digest"]) if found is not None else None
        if image is None:
            return m[0]
        seen += 1
        fallback = max(
            (r for r in image.renditions if r.width <= FALLBACK_WIDTH),
            key=lambda r: r.width,
            default=image.renditions[0],
        )
        largest = image.largest
        out: dict[str, str | int] = {
            "src": url_of(image.digest, fallback.width, image.ext),
            "srcset": image.srcset(),
            "sizes": SIZES,
            "width": largest.width,
            "height": largest.height,
            "alt": attrs.get("alt", ""),
        }
        if "lang" in attrs:
            out["lang"] = attrs["lang"]
        if seen > 1:
            out["loading"] = "lazy"
        out["decoding"] = "async"
        return _tag(out)

    return _IMG.sub(one, body_html)
