"""robots.txt, read with protego, fetched once per site (scheme, host, port) per run.

What an answer means follows Google's documentation of its own crawler
(developers.google.com/search/docs/crawling-indexing/robots/robots_txt):

- 2xx: the rules apply (only the first 500 KiB are read, as Google does);
- redirects are followed (fetch.py, up to its redirect cap); too many: as a 404;
- 4xx except 429: there are no rules, everything may be fetched;
- 429, 5xx, or no answer at all (timeout, refused connection, broken body): the
  whole site is treated as disallowed. Google does so while the error lasts; a run
  of `legible import` is short, so here that is for the rest of the run.

The page's own host has passed the SSRF guard before its robots.txt is asked
for (fetch.py); a robots.txt the guard refuses all the same (a redirect to
loopback, a name that now resolves elsewhere) counts as unreachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from protego import Protego

from ..errors import FetchFailed, TooManyRedirects

AGENT = "Legible"  # the product token robots.txt groups are matched against
MAX_BYTES = 500 * 1024
MAX_CRAWL_DELAY = 30.0  # seconds: a site's Crawl-delay is honoured up to this
# robots.txt URL -> (final status, body up to MAX_BYTES); redirects already followed.
Getter = Callable[[httpx.URL], Awaitable[tuple[int, bytes]]]


@dataclass(frozen=True, slots=True)
class Rules:
    """What one site's robots.txt allows Legible."""

    url: str
    parser: Protego | None = None
    closed: str | None = None  # why the whole site is off limits for this run

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be fetched, or None when it may."""
        if self.closed:
            return self.closed
        if self.parser is not None and not self.parser.can_fetch(url, AGENT):
            return f"disallowed for {AGENT} by {self.url}"
        return None

    @property
    def crawl_delay(self) -> float:
        """The site's Crawl-delay for Legible in seconds (0 when none), capped."""
        found = self.parser.crawl_delay(AGENT) if self.parser is not None else None
        return min(float(found or 0.0), MAX_CRAWL_DELAY)

    @property
    def sitemaps(self) -> list[str]:
        """The Sitemap: lines, for the importers' sitemap discovery."""
        return list(self.parser.sitemaps) if self.parser is not None else []


def robots_url(url: httpx.URL) -> httpx.URL:
    return url.copy_with(raw_path=b"/robots.txt", fragment=None)


def rules_from(url: str, status: int, body: bytes) -> Rules:
    """The rules one robots.txt answer gives, by the table in the module docstring."""
    if 200 <= status < 300:
        text = body[:MAX_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
        return Rules(url, parser=Protego.parse(text))
    if status == 429 or status >= 500:
        return Rules(url, closed=f"{url} answered {status}, so the site is closed to robots now")
    return Rules(url)  # 4xx, or a redirect with nowhere to go: no rules


class RobotsCache:
    """Each site's rules, loaded on first use; concurrent first uses share one fetch."""

    def __init__(self, get: Getter) -> None:
        self._get = get
        self._rules: dict[str, Rules] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    async def rules(self, page: httpx.URL) -> Rules:
        url = robots_url(page)
        key = str(url)
        async with self._loading.setdefault(key, asyncio.Lock()):
            if key not in self._rules:
                self._rules[key] = await self._load(url)
            return self._rules[key]

    async def _load(self, url: httpx.URL) -> Rules:
        try:
            status, body = await self._get(url)
        except TooManyRedirects:
            return Rules(str(url))
        except FetchFailed as exc:
            return Rules(
                str(url),
                closed=f"{url} could not be read ({exc.reason}), so the site is closed to robots"
                " for this run",
            )
        return rules_from(str(url), status, body)
