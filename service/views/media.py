"""The media store over HTTP: `PUT /api/media/NAME` (the admin token, as the
articles API) and the photos at `/media/DIGEST-WIDTH.EXT`, immutable.

An upload is checked in this order, and nothing is stored unless it passes all:
the token (401), the name (400), the size in bytes (413, while reading), then
Pillow's checks (415, 422: media.py). Re-encoding runs off the event loop.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..delivery import make_entry, respond
from ..errors import ApiError
from ..media import (
    CONTENT_TYPES,
    URL,
    Image,
    MediaRefused,
    check_name,
    media_tag,
    process,
)
from .api import audit_line, authorise
from .common import read_limited, site_of


class AnyName(Convertor[str]):
    """The rest of the path, '/' and line breaks too (`path` stops at a line break),
    so every bad name gets put_media's 400 naming the rule, not the router's 404."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("any_name", AnyName())
# One photo decoded at a time in a process: 40 million pixels take 160 MB while decoded.
_DECODING = threading.Lock()
IMMUTABLE = "public, max-age=31536000, immutable"


async def put_media(request: Request) -> Response:
    authorise(request)
    site = site_of(request)
    settings = site.settings
    try:
        name = check_name(request.path_params["name"])
    except MediaRefused as exc:
        raise ApiError(exc.status, {"errors": {"name": str(exc)}}) from None
    body = await read_limited(request, settings.media_max_bytes)
    if body is None:
        raise ApiError(413, {"error": f"the image is larger than {settings.media_max_mb:g} MB"})
    try:
        image = await asyncio.to_thread(_one_at_a_time, body, settings.media_max_pixels)
    except MediaRefused as exc:
        raise ApiError(exc.status, {"error": str(exc)}) from None
    result = await asyncio.to_thread(site.store.put_media, name, image)
    if result != "unchanged":
        site.writes.wrote_media([image.digest])
    audit_line(request, "put_media", name, result)
    largest = image.largest
    return JSONResponse(
        {
            "name": name,
            "result": result,
            "url": image.url,  # on this site's own origin, as pages link to it
            "width": largest.width,
            "height": largest.height,
            "srcset": image.srcset(),
        },
        200 if result == "unchanged" else 201,
    )


def _one_at_a_time(body: bytes, max_pixels: int) -> Image:
    with _DECODING:
        return process(body, max_pixels)


async def media_file(request: Request) -> Response:
    path = request.url.path
    recent = site_of(request).media_files
    entry = recent.get(path)
    if entry is None:
        found = URL.fullmatch(path)
        stored = None
        if found is not None:
            digest, width = found["digest"], int(found["width"])
            stored = await asyncio.to_thread(site_of(request).store.media_file, digest, width)
        if stored is None or found is None or stored[0] != found["ext"]:
            # Plain (an <img> shows no page) and kept nowhere: the URL may name an
            # image stored later, and no cache in front must hold this answer.
            return Response(
                "no such image\n",
                404,
                media_type="text/plain",
                headers={"Cache-Control": "no-store"},
            )
        entry = make_entry(
            stored[1], CONTENT_TYPES[stored[0]], [media_tag(found["digest"])], compress=False
        )
        recent[path] = entry
    headers = {"Cache-Control": IMMUTABLE, "xkey": " ".join(entry.tags)}
    return respond(entry, request.headers, request.method, headers)
