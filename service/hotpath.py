"""Cache hits served before routing, over ASGI or RSGI.

A page the app has rendered registers its exact URL here with its cache key.
A later request for that URL, if the entry is still cached, is answered from
the pre-compressed bytes without a Request, a route match or a template: the
same negotiation and validators as the full path (`delivery.prepare`).
Anything unusual (a bare URL with a preference cookie, a method other than
GET/HEAD, a host that needs checking, a miss) goes down the full path.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .delivery import Entry, RawHeaders, etag_matches, negotiate_cached, prepare_headers
from .middleware.accesslog import AccessLog, log_target
from .preferences import COOKIE

if TYPE_CHECKING:
    from .app import Legible
    from .rsgi import RSGIHeaders, RSGIProtocol, RSGIScope

MAX_ROUTES = 20_000
_COOKIE_NAME = COOKIE + "="


@dataclass(frozen=True, slots=True)
class Answer:
    """One prepared response. `headers` is ASGI's (bytes, bytes) list or RSGI's
    (str, str) one: a route keeps only the form its server asks for."""

    status: int
    headers: list[tuple[Any, Any]]
    body: bytes  # what GET sends; HEAD sends nothing


@dataclass(frozen=True)
class Tail:
    """Headers every hot answer ends with (the security headers), built once in
    both forms and shared by every route."""

    raw: RawHeaders
    pairs: list[tuple[str, str]]

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Tail:
        pairs = [(_name(k), v) for k, v in headers.items()]
        return cls([(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs], pairs)


_NAMES: dict[str, str] = {}


def _name(header: str) -> str:
    """The lower-case header name, one shared string per name."""
    found = _NAMES.get(header)
    if found is None:
        found = _NAMES[header] = sys.intern(header.lower())
    return found


class HotRoute:
    """One URL's cached page; each answer is built by `delivery.prepare_headers`
    on first use and kept, so a hit only picks prepared headers and bytes."""

    __slots__ = (
        "answers",
        "available",
        "entry",
        "headers",
        "key",
        "log_target",
        "plain",
        "tail",
        "tick",
        "vary_cookie",
    )  # fmt: skip

    def __init__(
        self,
        key: Hashable,
        entry: Entry,
        headers: Mapping[str, str],
        vary_cookie: bool,
        tail: Tail,
        path: str,
        query: str,
    ) -> None:
        self.key = key
        self.entry = entry
        self.headers = headers
        self.vary_cookie = vary_cookie  # a bare URL: a reader with a preference cookie
        self.tail = tail
        self.available = tuple(entry.bodies)
        self.log_target = log_target(path, query)  # the access log's path and query, as JSON
        self.answers: dict[tuple[str | None, bool, bool], Answer] = {}
        # (Accept-Encoding, RSGI?) -> answer when there is no If-None-Match.
        self.plain: dict[tuple[str | None, bool], Answer] = {}
        self.tick = -1  # when the cache last heard this entry was used (Legible.tick)

    def answer(self, encoding: str | None, not_modified: bool, rsgi: bool) -> Answer:
        """The response for (encoding, or None for 406; a 304?) in one server's form."""
        found = self.answers.get((encoding, not_modified, rsgi))
        if found is None:
            accept = encoding if encoding is not None else "*;q=0"
            etag = self.entry.etags[encoding] if not_modified and encoding else None
            status, out, body = prepare_headers(self.entry, accept, etag, self.headers)
            pairs = [(_name(k), sys.intern(v)) for k, v in out.items()]
            if rsgi:
                headers: list[tuple[Any, Any]] = pairs + self.tail.pairs
            else:
                headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
                headers += self.tail.raw
            found = Answer(status, headers, body)
            self.answers[(encoding, not_modified, rsgi)] = found
        return found

    def respond(self, accept: str | None, inm: str | None, rsgi: bool) -> Answer:
        if inm is None:
            found = self.plain.get((accept, rsgi))
            if found is not None:
                return found
        if accept is not None:
            accept = accept[:512]
        encoding = negotiate_cached(accept, self.available)
        if encoding is None:
            return self.answer(None, False, rsgi)
        if inm is not None:
            return self.answer(encoding, etag_matches(inm, self.entry.etags[encoding]), rsgi)
        found = self.answer(encoding, False, rsgi)
        if len(self.plain) < 16:  # the few Accept-Encoding spellings browsers send
            self.plain[(accept, rsgi)] = found
        return found


class HotRoutes:
    """URL -> route, kept in step with the page cache: `drop(key)` is called for
    every entry that leaves it, so a route found here is always still cached.

    Keys are (decoded path, raw query string); only ASCII query strings are
    registered, so ASGI (bytes) and RSGI (str) keys agree."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], HotRoute] = {}
        self._urls: dict[Hashable, set[tuple[str, str]]] = {}

    def add(self, path: str, query: bytes, route: HotRoute) -> None:
        if not query.isascii():
            return
        if len(self._routes) >= MAX_ROUTES:
            self.clear()
        url = (path, query.decode("ascii"))
        self._routes[url] = route
        self._urls.setdefault(route.key, set()).add(url)

    def get(self, path: str, query: str) -> HotRoute | None:
        return self._routes.get((path, query))

    def drop(self, key: Hashable | None) -> None:
        """The cache let go of `key` (None: of everything)."""
        if key is None:
            self.clear()
            return
        for url in self._urls.pop(key, ()):
            route = self._routes.get(url)
            if route is not None and route.key == key:
                del self._routes[url]

    def clear(self) -> None:
        self._routes.clear()
        self._urls.clear()

    def __len__(self) -> int:
        return len(self._routes)


class HotPath:
    """The ASGI hot path, and `rsgi` for granian's RSGI interface."""

    def __init__(
        self,
        app: ASGIApp,
        legible: Legible,
        access_log: AccessLog | None = None,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.legible = legible
        self.access_log = access_log
        # Hosts a hit may answer without the trusted-host middleware: exact names
        # only; anything else (a wildcard pattern, an unknown host) takes the full path.
        self.any_host = not allowed_hosts or "*" in allowed_hosts
        self.exact_hosts = frozenset(h for h in allowed_hosts if "*" not in h)

    def _route(self, path: str, query: str) -> HotRoute | None:
        legible = self.legible
        legible.sync()
        route = legible.hot.get(path, query)
        if route is not None and route.tick != legible.tick:
            # Tell the LRU this page is in use, at most once per sync period.
            route.tick = legible.tick
            legible.cache.peek(route.key)
        return route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            query = scope["query_string"]
            route = self._route(scope["path"], query.decode("latin-1")) if query.isascii() else None
            if route is not None:
                accept = inm = None
                cookie = False
                for name, value in scope["headers"]:  # the first of each, as Starlette reads
                    if name == b"accept-encoding" and accept is None:
                        accept = value.decode("latin-1")
                    elif name == b"if-none-match" and inm is None:
                        inm = value.decode("latin-1")
                    elif name == b"cookie" and _COOKIE_NAME.encode() in value:
                        cookie = True
                if not (cookie and route.vary_cookie):
                    answer = route.respond(accept, inm, False)
                    body = b"" if scope["method"] == "HEAD" else answer.body
                    status, raw = answer.status, answer.headers
                    await send({"type": "http.response.start", "status": status, "headers": raw})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)

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
        answer = route.respond(headers.get("accept-encoding"), headers.get("if-none-match"), True)
        body = answer.body if method == "GET" else b""
        proto.response_bytes(answer.status, answer.headers, body)
        if self.access_log is not None:
            self.access_log.hit(method, route, answer.status, len(body), start, scope.client)
        return True
