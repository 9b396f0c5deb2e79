"""Files served from memory: the hashed stylesheet, the demo images, the
widget (`/widget.js`, its hashed copy and `/widget/demo`; older hashed copies
from the store), `/healthz` and `/metrics`."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..delivery import Entry, respond
from ..errors import PageError
from ..version import __version__
from ..widget import BUNDLE_PATH, IMMUTABLE, UNKNOWN_CACHE
from .common import site_of

ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
STATIC_CACHE_CONTROL = "public, max-age=86400"


async def asset(request: Request) -> Response:
    entry = site_of(request).assets.get(request.url.path)
    if entry is None:
        raise PageError(404, "not_found")
    immutable = request.url.path.startswith("/assets/")
    headers = {"Cache-Control": ASSET_CACHE_CONTROL if immutable else STATIC_CACHE_CONTROL}
    return respond(entry, request.headers, request.method, headers)


# Embedded on other origins: CORS and CORP always, not only when Origin is sent,
# so a shared cache never holds a copy without them.
CROSS_ORIGIN = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
UNKNOWN_BUNDLE = b"404 Not Found: this deployment never served a widget bundle with this hash.\n"


async def widget_file(request: Request) -> Response:
    """The current widget (`/widget.js`, its hashed URL) and the demo from memory;
    an older hashed URL from the store (`widget.Bundles`)."""
    site = site_of(request)
    found = site.widget.get(request.url.path)
    if found is not None:
        entry, cache_control = found
        return respond(entry, request.headers, request.method, _headers(cache_control))
    name = BUNDLE_PATH.fullmatch(request.url.path)
    if name is None:
        raise PageError(404, "not_found")
    old = site.bundles.find(name.group(1))
    if old is None:
        old = await asyncio.to_thread(site.bundles.load, name.group(1))
    if isinstance(old, Entry):
        return respond(old, request.headers, request.method, _headers(IMMUTABLE))
    # Short-lived, not immutable: a replica starting with this bundle may store it soon.
    headers = {**_headers(UNKNOWN_CACHE), "Content-Type": "text/plain; charset=utf-8"}
    return Response(b"" if request.method == "HEAD" else UNKNOWN_BUNDLE, 404, headers)


def _headers(cache_control: str) -> dict[str, str]:
    return {"Cache-Control": cache_control, **CROSS_ORIGIN}


async def healthz(request: Request) -> Response:
    site = site_of(request)
    ok = await asyncio.to_thread(site.store.healthy)  # PostgreSQL: over the network
    stale = site.store.stale_reason() if ok else None
    body: dict[str, object] = {
        "status": "ok" if ok and stale is None else "degraded",
        "store": "ok" if ok else "unavailable",
        "version": __version__,
        "cached_pages": len(site.cache),
        "cached_bytes": site.cache.current_bytes,
        "cache_builds": site.cache.builds,  # pages rendered since start: the misses
    }
    if stale is not None:
        body["reason"] = stale  # it answers, but may serve pages older than the store's
    return JSONResponse(
        body,
        status_code=200 if body["status"] == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )


async def metrics(request: Request) -> Response:
    """Prometheus' text format, every worker summed (service/metrics.py); 404 unless
    LEGIBLE_METRICS=1."""
    exporter = request.app.state.metrics
    if exporter is None:
        raise PageError(404, "not_found")
    body, media_type = await asyncio.to_thread(exporter.scrape)
    return Response(body, headers={"Content-Type": media_type, "Cache-Control": "no-store"})
