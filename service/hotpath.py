"""Cached answers and article misses, served before routing, over ASGI or RSGI.

A page the app has served registers its exact URL (`answers.HotRoutes`). A
later request for that URL, if the entry is still cached, is answered from the
pre-compressed bytes without a Request, a route match or a template: the
serving unit's prepared answer (`serving.Pages`), with the same negotiation
and validators as the view's.
A request for an article in a canonical variant that is not a hit goes to the
serving unit too (`Pages.article`, which the view calls as well), without the
router, which over RSGI also skips the ASGI bridge: both cost more than the
page's build itself.
Anything unusual (a bare URL with a preference cookie, a method other than
GET/HEAD, a host that needs checking, a non-canonical URL, an error) goes
down the full path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from .answers import Answer, HotRoute
from .counters import Hits
from .middleware.accesslog import AccessLog
from .preferences import COOKIE
from .site import Site

if TYPE_CHECKING:
    from .rsgi import RSGIHeaders, RSGIProtocol, RSGIScope

_COOKIE_NAME = COOKIE + "="
_COOKIE_BYTES = _COOKIE_NAME.encode()
_ARTICLES = "/articles/"


class HotPath:
    """The ASGI hot path, and `rsgi` for granian's RSGI interface."""

    def __init__(
        self,
        app: ASGIApp,
        site: Site,
        access_log: AccessLog | None = None,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.site = site
        self.access_log = access_log
        # Hosts a hit may answer without the trusted-host middleware: exact names
        # only; anything else (a wildcard pattern, an unknown host) takes the full path.
        self.any_host = not allowed_hosts or "*" in allowed_hosts
        self.exact_hosts = frozenset(h for h in allowed_hosts if "*" not in h)
        self.hits = Hits()  # read by metrics.Exporter; counting is all a hit pays for it

    def _route(self, path: str, query: str) -> HotRoute | None:
        site = self.site
        site.sync()
        route = site.hot.get(path, query)
        if route is not None and route.tick != site.tick:
            # Tell the LRU this page is in use, at most once per sync period.
            route.tick = site.tick
            site.cache.peek(route.key)
        return route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            raw_query = scope["query_string"]
            if raw_query.isascii():
                path, query = scope["path"], raw_query.decode("latin-1")
                route = self._route(path, query)
                if route is not None or path.startswith(_ARTICLES):
                    answer = await self._asgi(scope, path, query, route)
                    if answer is not None:
                        body = b"" if scope["method"] == "HEAD" else answer.body
                        start = {"type": "http.response.start", "status": answer.status,
                                 "headers": answer.headers}  # fmt: skip
                        await send(start)
                        await send({"type": "http.response.body", "body": body})
                        if route is not None:
                            hits = self.hits
                            hits.count += 1
                            hits.bytes += len(body)
                            self._asked_again(route)
                        return
        await self.app(scope, receive, send)

    async def _asgi(
        self, scope: Scope, path: str, query: str, route: HotRoute | None
    ) -> Answer | None:
        """The answer for a hit (`route`) or an article's miss over ASGI, or None."""
        accept = inm = None
        cookie = False
        for name, value in scope["headers"]:  # the first of each, as Starlette reads
            if name == b"accept-encoding" and accept is None:
                accept = value.decode("latin-1")
            elif name == b"if-none-match" and inm is None:
                inm = value.decode("latin-1")
            elif name == b"cookie" and _COOKIE_BYTES in value:
                cookie = True
        if route is None:
            if cookie and not query:
                return None  # the reader's cookie choice: a private redirect
            route = await self._article(path, query, accept)
            if route is None:
                return None
        elif cookie and route.vary_cookie:
            return None
        return route.respond(accept, inm, False)

    async def _article(self, path: str, query: str, accept: str | None) -> HotRoute | None:
        """An article page in a canonical variant from the serving unit (built once on
        a miss), or None to leave the request to the full path."""
        pref = self.site.variant_queries.get(query)
        if pref is None:
            return None  # not canonical: a redirect or a 400
        slug = path[len(_ARTICLES) :]
        try:
            route = await self.site.pages.article(slug, pref, not query, accept, path, query)
        except Exception:
            return None  # the full path tries again and renders the error page
        if route is None or route.entry.status != 200:
            return None  # no such article: the full path's 404 (or its redirect)
        return route

    def _exact_host(self, host: str) -> bool:
        """An allowed name, with at most a numeric port; anything odder takes the
        full path and its trusted-host middleware."""
        name, colon, port = host.partition(":")
        return name in self.exact_hosts and (not colon or (port.isascii() and port.isdigit()))

    @staticmethod
    def _pref_cookie(headers: RSGIHeaders) -> bool:
        return any(k == "cookie" and _COOKIE_NAME in v for k, v in headers.items())

    def rsgi(self, scope: RSGIScope, proto: RSGIProtocol) -> bool:
        """Answer an RSGI request from the cache if it is a plain hit; True if answered."""
        method = scope.method
        if method != "GET" and method != "HEAD":
            return False
        start = time.perf_counter()
        headers = scope.headers
        if not self.any_host and not self._exact_host(headers.get("host", "")):
            return False
        route = self._route(scope.path, scope.query_string)
        if route is None:
            return False
        if route.vary_cookie and "cookie" in headers and self._pref_cookie(headers):
            return False
        if not self._answer(scope, proto, route, start, self.hits):
            return False
        self._asked_again(route)
        return True

    def _asked_again(self, route: HotRoute) -> None:
        """A hit answered (once per request: a declined one is counted by the cache)."""
        if not route.final:  # worth brotli 11 if asked for often enough, in the background
            self.site.cache.upgrade(route.key, route.entry)

    def _answer(
        self,
        scope: RSGIScope,
        proto: RSGIProtocol,
        route: HotRoute,
        start: float,
        hits: Hits | None = None,
    ) -> bool:
        """Send `route`'s prepared answer (counted in `hits` if it is a hit); False when
        its encoding is not made yet."""
        headers = scope.headers
        answer = route.respond(headers.get("accept-encoding"), headers.get("if-none-match"), True)
        if answer is None:
            return False
        body = answer.body if scope.method == "GET" else b""
        proto.response_bytes(answer.status, answer.headers, body)
        if hits is not None:
            hits.count += 1
            hits.bytes += len(body)
        if self.access_log is not None:
            self.access_log.hit(
                scope.method,
                route.log_target,
                answer.status,
                len(body),
                start,
                scope.client,
                headers,
            )
        return True

    async def rsgi_article(self, scope: RSGIScope, proto: RSGIProtocol) -> bool:
        """Answer an RSGI request for an article page in a canonical variant that was
        not a hit; True if answered. Anything else is left to the full path."""
        method, path = scope.method, scope.path
        if (method != "GET" and method != "HEAD") or not path.startswith(_ARTICLES):
            return False
        start = time.perf_counter()
        headers, query = scope.headers, scope.query_string
        if query not in self.site.variant_queries:
            return False  # not canonical: 400 or a redirect
        if not self.any_host and not self._exact_host(headers.get("host", "")):
            return False
        if not query and "cookie" in headers and self._pref_cookie(headers):
            return False  # the reader's cookie choice: a private redirect
        route = await self._article(path, query, headers.get("accept-encoding"))
        return route is not None and self._answer(scope, proto, route, start)
