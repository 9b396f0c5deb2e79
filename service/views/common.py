"""What every page view shares: the site, the preference preflight, redirects,
and serving a page through the cache (registering it for the hot path)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..answers import HotRoute
from ..delivery import ENCODINGS, Entry, negotiate_cached, respond
from ..errors import PageError
from ..i18n import strings
from ..preferences import COOKIE, Preference, Resolved, resolve
from ..site import Site

MAX_URL = 4096
URL_TOO_LONG = "địa chỉ quá dài"
# Browsers revalidate after a minute; shared caches keep pages 5 minutes and
# are purged by tag on change (xkey, Surrogate-Key, Cache-Tag: service/purge.py);
# stale copies bridge a slow or failing origin.
PAGE_CACHE_CONTROL = (
    "public, max-age=60, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400"
)
NOT_FOUND_CACHE_CONTROL = "public, max-age=60"


def site_of(request: Request) -> Site:
    return cast(Site, request.app.state.site)


def first_values(request: Request) -> dict[str, str]:
    """Each query parameter's first value."""
    out: dict[str, str] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, v)
    return out


def too_long(request: Request) -> bool:
    scope = request.scope
    return len(scope.get("raw_path") or b"") + len(scope["query_string"]) > MAX_URL


def lenient_pref(request: Request, themes: Sequence[str]) -> Preference:
    """For error pages: every valid choice of the reader's (URL, then cookie)."""
    cookie = request.cookies.get(COOKIE)
    return resolve("/", request.query_params.multi_items(), cookie, themes).preference


def page_param(raw: dict[str, str]) -> tuple[int, str | None]:
    """(page number, canonical value) from ?page=; raises a 400 when invalid."""
    value = raw.get("page")
    if value is None:
        return 1, None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) < 1:
        raise PageError(400, "bad_request", ["page: dùng số nguyên từ 1"])
    return int(value), (str(int(value)) if int(value) > 1 else None)


def preflight(request: Request, route_params: dict[str, str | None]) -> Resolved:
    """The request's variant (or the redirect to its canonical URL); bad values raise a 400."""
    if too_long(request):
        raise PageError(414, "bad_request", [URL_TOO_LONG])
    site = site_of(request)
    site.sync()
    resolved = resolve(
        request.url.path,
        request.query_params.multi_items(),
        request.cookies.get(COOKIE),
        site.theme_names,
        route_params,
    )
    if resolved.errors:
        raise PageError(400, "bad_request", resolved.errors)
    return resolved


def redirect(resolved: Resolved) -> Response:
    assert resolved.redirect is not None
    if resolved.private:
        headers = {"Cache-Control": "private, no-cache", "Vary": "Cookie"}
        return RedirectResponse(resolved.redirect, status_code=302, headers=headers)
    headers = {"Cache-Control": "public, max-age=3600"}
    if resolved.vary_cookie:
        headers["Vary"] = "Cookie"
    return RedirectResponse(resolved.redirect, status_code=301, headers=headers)


def page_headers(resolved: Resolved, tags: Sequence[str]) -> dict[str, str]:
    headers = {"Cache-Control": PAGE_CACHE_CONTROL}
    if resolved.vary_cookie:
        headers["Vary"] = "Cookie"
    keys = " ".join(tags)
    headers["Surrogate-Key"] = keys  # Fastly
    headers["Cache-Tag"] = keys.replace(" ", ",")  # Cloudflare
    headers["xkey"] = keys  # Varnish's xkey vmod (deploy/varnish/default.vcl)
    return headers


async def serve_page(
    request: Request,
    key: tuple[Any, ...],
    resolved: Resolved,
    tags: Sequence[str],
    build: Callable[[], Entry],
) -> Response:
    """The page from the cache (built once on a miss), answered with its validators.
    A stored 200 registers its URL for the hot path."""
    site = site_of(request)
    full_key, entry = await cached(
        site, key, resolved.preference, build, request.headers.get("accept-encoding")
    )
    headers = page_headers(resolved, tags)
    if entry.status == 404:
        headers["Cache-Control"] = NOT_FOUND_CACHE_CONTROL
    else:
        register(
            site,
            full_key,
            entry,
            headers,
            resolved.vary_cookie,
            request.url.path,
            request.scope["query_string"],
        )
    return respond(entry, request.headers, request.method, headers)


async def cached(
    site: Site,
    key: tuple[Any, ...],
    pref: Preference,
    build: Callable[[], Entry],
    accept: str | None,
) -> tuple[tuple[Any, ...], Entry]:
    """(the full cache key, the entry) for a page in `pref`, built once on a miss and
    compressed the way `accept` (the Accept-Encoding header) wants it."""
    full_key = (*key, pref, site.version)
    encoding = negotiate_cached(accept[:512] if accept is not None else None, ENCODINGS)
    return full_key, await site.cache.get(full_key, build, encoding)


def register(
    site: Site,
    full_key: tuple[Any, ...],
    entry: Entry,
    headers: dict[str, str],
    vary_cookie: bool,
    path: str,
    query: bytes,
) -> HotRoute:
    """The page's hot route; registered for the hot path when its entry is a stored 200
    (so the cache's drop of this key will also reach the route)."""
    route = HotRoute(
        full_key, entry, headers, vary_cookie, site.tail, path, query.decode("latin-1")
    )
    if entry.status == 200 and site.cache.peek(full_key) is entry:
        site.hot.add(path, query, route)
    return route


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None once it passes `limit` bytes (checked while streaming)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def not_found_context() -> dict[str, Any]:
    """The error template's values for a 404, rendered into a cached entry."""
    t = strings("vi")
    return {
        "title": t["not_found_title"],
        "message": t["not_found_body"],
        "details": [],
        "page": "error",
    }
