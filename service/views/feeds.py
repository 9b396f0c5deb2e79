"""/sitemap.xml (and its numbered parts), /feed.xml and /robots.txt: built by
`feeds.py`, served through the serving unit like pages (cached, with an ETag per
encoding and 304s), tagged `lists`, so every write drops and purges them.

They have no variants: a reader's preference cookie does not apply (no redirect,
no `Vary: Cookie`), and a query string is redirected away, so each has one URL."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import feeds
from ..delivery import Entry, make_entry
from ..errors import PageError
from ..preferences import DEFAULT
from ..purge import LISTS
from .common import query_of, respond, site_of

XML = "application/xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


async def _serve(request: Request, key: str, build: Callable[[], Entry]) -> Response:
    if request.url.query:  # one URL each: /sitemap.xml?x is not a second copy
        return RedirectResponse(request.url.path, 301, {"Cache-Control": "public, max-age=3600"})
    site = site_of(request)
    site.sync()
    route = await site.pages.page(
        ("feeds", key), (LISTS,), build, DEFAULT, False,
        request.headers.get("accept-encoding"), request.url.path, query_of(request),
    )  # fmt: skip
    if route.entry.status == 404:
        raise PageError(404, "not_found")
    return respond(request, route)


def _origin(request: Request) -> str:
    """The public origin; a 404 without one (see feeds.py)."""
    origin = site_of(request).identity.public_url
    if origin is None:
        raise PageError(404, "not_found")
    return origin


async def sitemap(request: Request) -> Response:
    """One sitemap of every article, or past SITEMAP_URLS the index of numbered ones."""
    origin, site = _origin(request), site_of(request)

    def build() -> Entry:
        per, total = feeds.SITEMAP_URLS, site.store.count()
        if total <= per:
            urls = feeds.urlset(origin, site.store.stamps(per))
            return make_entry(urls, XML, [LISTS], eager=False)
        return make_entry(feeds.sitemap_index(origin, -(-total // per)), XML, [LISTS], eager=False)

    return await _serve(request, "sitemap", build)


async def sitemap_part(request: Request) -> Response:
    """`/sitemap-N.xml`: the Nth SITEMAP_URLS articles, newest first."""
    origin, site = _origin(request), site_of(request)
    n = request.path_params["n"]
    if n < 1 or request.url.path != f"/sitemap-{n}.xml":  # not /sitemap-01.xml
        raise PageError(404, "not_found")

    def build() -> Entry:
        per, total = feeds.SITEMAP_URLS, site.store.count()
        if total <= per or (n - 1) * per >= total:  # one sitemap (/sitemap.xml), or past the end
            return make_entry(b"", TEXT, [LISTS], status=404, eager=False)
        urls = feeds.urlset(origin, site.store.stamps(per, (n - 1) * per))
        return make_entry(urls, XML, [LISTS], eager=False)

    return await _serve(request, f"sitemap-{n}", build)


async def feed(request: Request) -> Response:
    origin, site = _origin(request), site_of(request)

    def build() -> Entry:
        entries = site.store.teasers(feeds.FEED_ENTRIES)
        return make_entry(feeds.atom(site.identity, origin, entries), ATOM, [LISTS], eager=False)

    return await _serve(request, "feed", build)


async def robots(request: Request) -> Response:
    site = site_of(request)

    def build() -> Entry:
        return make_entry(feeds.robots(site.identity.public_url), TEXT, [LISTS], eager=False)

    return await _serve(request, "robots", build)
