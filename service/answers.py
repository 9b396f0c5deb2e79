"""Prepared answers for cache hits: one `HotRoute` per URL the app has rendered.

A route holds the cache entry and the response headers the serving unit chose
for it (`serving.Pages`), and builds each (encoding, 304?, server form) answer
once with `delivery.prepare_headers`, so a hit only picks prepared headers and
bytes. `HotRoutes` maps URLs to routes and drops a route the moment its entry
leaves the page cache. Served by `hotpath.HotPath` and the views alike.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from .delivery import Entry, etag_matches, negotiate_cached, prepare_headers
from .middleware.accesslog import log_target

MAX_ROUTES = 20_000


@dataclass(frozen=True, slots=True)
class Answer:
    """One prepared response. `headers` is ASGI's (bytes, bytes) list or RSGI's
    (str, str) one: a route keeps only the form its server asks for."""

    status: int
    headers: list[tuple[Any, Any]]
    body: bytes  # what GET sends; HEAD sends nothing


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
        "final",
        "headers",
        "key",
        "log_target",
        "plain",
        "tick",
        "vary_cookie",
    )  # fmt: skip

    def __init__(
        self,
        key: Hashable,
        entry: Entry,
        headers: Mapping[str, str],
        vary_cookie: bool,
        path: str,
        query: str,
    ) -> None:
        self.key = key
        self.headers = headers
        self.vary_cookie = vary_cookie  # a bare URL: a reader with a preference cookie
        self.log_target = log_target(path, query)  # the access log's path and query, as JSON
        self.tick = -1  # when the cache last heard this entry was used (Site.tick)
        self.swap(entry)

    def swap(self, entry: Entry) -> None:
        """Serve `entry` from now on: the same page with more encodings, or upgraded."""
        self.entry = entry
        self.final = entry.final  # False: a hit asks the cache to upgrade it
        self.available = entry.offers
        self.answers: dict[tuple[str | None, bool, bool], Answer] = {}
        # (Accept-Encoding, RSGI?) -> answer when there is no If-None-Match.
        self.plain: dict[tuple[str | None, bool], Answer] = {}

    def answer(self, encoding: str | None, not_modified: bool, rsgi: bool) -> Answer:
        """The response for (encoding, or None for 406; a 304?) in one server's form."""
        found = self.answers.get((encoding, not_modified, rsgi))
        if found is None:
            accept = encoding if encoding is not None else "*;q=0"
            etag = self.entry.etags[encoding] if not_modified and encoding else None
            status, out, body = prepare_headers(self.entry, accept, etag, self.headers)
            pairs = [(_name(k), sys.intern(v)) for k, v in out.items()]
            if rsgi:
                headers: list[tuple[Any, Any]] = pairs
            else:
                headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
            found = Answer(status, headers, body)
            self.answers[(encoding, not_modified, rsgi)] = found
        return found

    def respond(self, accept: str | None, inm: str | None, rsgi: bool) -> Answer | None:
        """The prepared answer, or None when the encoding it needs is not made yet
        (the full path makes it)."""
        if inm is None:
            found = self.plain.get((accept, rsgi))
            if found is not None:
                return found
        if accept is not None:
            accept = accept[:512]
        encoding = negotiate_cached(accept, self.available)
        if encoding is None:
            return self.answer(None, False, rsgi)
        if encoding not in self.entry.bodies:
            return None
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

    def add(self, path: str, query: str, route: HotRoute) -> None:
        if not query.isascii():
            return
        if len(self._routes) >= MAX_ROUTES:
            self.clear()
        url = (path, query)
        self._routes[url] = route
        self._urls.setdefault(route.key, set()).add(url)

    def get(self, path: str, query: str) -> HotRoute | None:
        return self._routes.get((path, query))

    def replace(self, key: Hashable, entry: Entry) -> None:
        """The cache now holds `entry` for `key` (more encodings, or upgraded)."""
        for url in self._urls.get(key, ()):
            route = self._routes.get(url)
            if route is not None and route.key == key:
                route.swap(entry)

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
