"""Cache hits served straight from ASGI, before routing.

A page the app has rendered registers its exact URL here with its cache key.
A later request for that URL, if the entry is still cached, is answered from
the pre-compressed bytes without a Request, a route match or a template: the
same negotiation and validators as the full path (`delivery.prepare`).
Anything unusual (a bare URL with a preference cookie, a method other than
GET/HEAD, a miss) goes down the full path.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from .delivery import REFUSED, Entry, RawHeaders, etag_matches, negotiate_cached, prepare
from .preferences import COOKIE

if TYPE_CHECKING:
    from .app import Legible

MAX_ROUTES = 20_000
_COOKIE_NAME = COOKIE.encode() + b"="


@dataclass(frozen=True, slots=True)
class HotRoute:
    """One URL's cached page; each answer is built by `delivery.prepare` on first
    use and kept, so a hit only picks prepared headers and bytes."""

    key: Hashable
    entry: Entry
    headers: Mapping[str, str]
    vary_cookie: bool  # a bare URL: a reader with a preference cookie takes the full path
    tail: RawHeaders  # the security headers, shared by every route
    available: tuple[str, ...]
    answers: dict[tuple[str | None, bool], RawHeaders] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        key: Hashable,
        entry: Entry,
        headers: Mapping[str, str],
        vary_cookie: bool,
        tail: RawHeaders,
    ) -> HotRoute:
        return cls(key, entry, headers, vary_cookie, tail, tuple(entry.bodies))

    def answer(self, encoding: str | None, not_modified: bool) -> RawHeaders:
        """Headers for (encoding or None for 406, 304?)."""
        found = self.answers.get((encoding, not_modified))
        if found is None:
            accept = encoding if encoding is not None else "*;q=0"
            etag = self.entry.etags[encoding] if not_modified and encoding else None
            found = prepare(self.entry, accept, etag, "GET", self.headers)[1] + self.tail
            self.answers[(encoding, not_modified)] = found
        return found


class HotRoutes:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, bytes], HotRoute] = {}

    def add(self, path: str, query: bytes, route: HotRoute) -> None:
        if len(self._routes) >= MAX_ROUTES:
            self._routes.clear()
        self._routes[(path, query)] = route

    def get(self, path: str, query: bytes) -> HotRoute | None:
        return self._routes.get((path, query))

    def clear(self) -> None:
        self._routes.clear()

    def __len__(self) -> int:
        return len(self._routes)


class HotPath:
    def __init__(self, app: ASGIApp, legible: Legible) -> None:
        self.app = app
        self.legible = legible

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            legible = self.legible
            legible.sync()
            route = legible.hot.get(scope["path"], scope["query_string"])
            # `peek` also keeps the entry fresh in the LRU; an evicted or replaced
            # entry sends the request down the full path, which re-registers it.
            if route is not None and legible.cache.peek(route.key) is route.entry:
                accept = inm = None
                cookie = False
                for name, value in scope["headers"]:
                    if name == b"accept-encoding":
                        accept = value.decode("latin-1")
                    elif name == b"if-none-match":
                        inm = value.decode("latin-1")
                    elif name == b"cookie" and _COOKIE_NAME in value:
                        cookie = True
                if not (cookie and route.vary_cookie):
                    encoding = negotiate_cached(accept, route.available)
                    if encoding is None:
                        status, headers, body = 406, route.answer(None, False), REFUSED
                    elif inm is not None and etag_matches(inm, route.entry.etags[encoding]):
                        status, headers, body = 304, route.answer(encoding, True), b""
                    else:
                        status, headers = 200, route.answer(encoding, False)
                        body = b"" if scope["method"] == "HEAD" else route.entry.bodies[encoding]
                    await send(
                        {"type": "http.response.start", "status": status, "headers": headers}
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)
