"""Files served from memory: the hashed stylesheet, the demo images, the
widget (`/widget.js`, its hashed copy and `/widget/demo`), `/healthz` and `/metrics`."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..delivery import respond
from ..errors import PageError
from ..version import __version__
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


async def widget_file(request: Request) -> Response:
    found = site_of(request).widget.get(request.url.path)
    if found is None:
        raise PageError(404, "not_found")
    entry, cache_control = found
    # Embedded on other origins: CORS and CORP always, not only when Origin is sent,
    # so a shared cache never holds a copy without them.
    headers = {
        "Cache-Control": cache_control,
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    return respond(entry, request.headers, request.method, headers)


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
