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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from .delivery import prepare
from .preferences import COOKIE

if TYPE_CHECKING:
    from .app import Legible

MAX_ROUTES = 50_000
_COOKIE_NAME = COOKIE.encode() + b"="


@dataclass(frozen=True, slots=True)
class HotRoute:
    key: Hashable
    headers: Mapping[str, str]
    vary_cookie: bool  # a bare URL: a reader with a preference cookie takes the full path


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
    def __init__(self, app: ASGIApp, legible: Legible, extra_headers: Mapping[str, str]) -> None:
        self.app = app
        self.legible = legible
        # Appended after negotiation, so every status (200, 304, 406) carries them.
        self.extra = [(k.lower().encode(), v.encode()) for k, v in extra_headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            legible = self.legible
            legible.sync()
            route = legible.hot.get(scope["path"], scope["query_string"])
            if route is not None:
                entry = legible.cache.peek(route.key)
                if entry is not None:
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
                        status, headers, body = prepare(
                            entry, accept, inm, scope["method"], route.headers
                        )
                        headers += self.extra
                        await send(
                            {"type": "http.response.start", "status": status, "headers": headers}
                        )
                        await send({"type": "http.response.body", "body": body})
                        return
        await self.app(scope, receive, send)
