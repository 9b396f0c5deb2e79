"""The app factory: routes and middleware around the shared `Site`.

A request flows one way: security headers (the edge, on ASGI and RSGI alike)
-> trusted hosts -> access log -> hot path (a cached answer, or an article's
miss, both from the serving unit `serving.Pages`) -> route -> view
(preference -> the serving unit -> response). The views live in `views/`, one
module per page family; `views/errors.py` renders every error response.
Every write ends in `writes.WritePath.wrote`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .clientaddr import TrustedProxies
from .hotpath import HotPath
from .metrics import Exporter
from .middleware.accesslog import AccessLog
from .middleware.clientaddr import ClientAddress
from .middleware.security import SecurityHeaders
from .middleware.trustedhost import HealthzOrTrustedHost
from .rsgi import Lifespan, RSGIProtocol, RSGIScope, serve_asgi
from .settings import Settings
from .site import Site
from .views import api, files, forms, pages
from .views.errors import HANDLERS

ROUTES = [
    Route("/", pages.index, methods=["GET"]),
    Route("/articles/{slug}", pages.article, methods=["GET"]),
    Route("/search", pages.search, methods=["GET"]),
    Route("/preferences", forms.preferences_form, methods=["GET"]),
    Route("/preferences", forms.preferences_submit, methods=["POST"]),
    Route("/healthz", files.healthz, methods=["GET"]),
    Route("/metrics", files.metrics, methods=["GET"]),
    Route("/assets/{path:path}", files.asset, methods=["GET"]),
    Route("/static/{path:path}", files.asset, methods=["GET"]),
    Route("/widget.js", files.widget_file, methods=["GET"]),
    Route("/widget/{path:path}", files.widget_file, methods=["GET"]),
    Route("/api/articles/{slug}", api.put_article, methods=["PUT"]),
    Route("/api/articles/{slug}", api.delete_article, methods=["DELETE"]),
]


SHUTDOWN_PURGE_SECONDS = 2.0  # a stopping worker waits this long for its queued purges


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    site = app.state.site
    await asyncio.to_thread(site.purger.flush, SHUTDOWN_PURGE_SECONDS)
    await asyncio.to_thread(site.purger.stop)
    if app.state.metrics is not None:
        app.state.metrics.stop()


def create_app(settings: Settings | None = None) -> LegibleApp:
    settings = settings or Settings.from_env()
    site = Site(settings)
    app = Starlette(
        routes=ROUTES,
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # its redirect would echo the Host header
    app.state.site = site
    hot = HotPath(app, site, allowed_hosts=settings.allowed_hosts)
    app.state.metrics = Exporter(site, hot.hits) if settings.metrics else None
    outer: ASGIApp = hot
    proxies = TrustedProxies(settings.trusted_proxies)
    if settings.access_log:
        outer = hot.access_log = AccessLog(outer, proxies)
    if proxies:  # the client's address from a trusted proxy's X-Forwarded-For, once
        outer = ClientAddress(outer, proxies)
    if settings.allowed_hosts:
        outer = HealthzOrTrustedHost(outer, settings.allowed_hosts)
    return LegibleApp(SecurityHeaders(outer, https=settings.https), app, hot)


class LegibleApp:
    """The app, over ASGI (`__call__`) or granian's RSGI (`__rsgi__`): the security
    headers, the trusted hosts, the access log and the hot path around the Starlette app."""

    def __init__(self, security: SecurityHeaders, inner: Starlette, hot: HotPath) -> None:
        self.security = security
        self.outer = security.app  # below the headers: over RSGI they wrap the protocol
        self.inner = inner
        self.hot = hot
        self.state = inner.state
        self._lifespan = Lifespan(security)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.security(scope, receive, send)

    # RSGI: a cache hit is one response_bytes call; the rest goes through ASGI.
    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self._lifespan.startup())
        site = self.state.site
        site.renderer.warm(site.variant_queries.values())  # before the first request

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self._lifespan.shutdown())

    async def __rsgi__(self, scope: RSGIScope, proto: RSGIProtocol) -> None:
        if scope.proto != "http":
            raise RuntimeError("legible serves HTTP only")  # granian runs without websockets
        proto = self.security.rsgi(proto)
        if not self.hot.rsgi(scope, proto) and not await self.hot.rsgi_article(scope, proto):
            await serve_asgi(self.outer, scope, proto)
