"""A URL given to `legible import`, turned into what it lists.

The URL is fetched once and looked at: an RSS or Atom feed lists its entries, a
sitemap its URLs, a sitemap index its sitemaps (each fetched in turn, one level
down, as sitemaps.org allows), and an HTML page is a single article (the page
fetched here is the one extracted: it is not fetched twice).

- `--since DATE` keeps the entries changed or published on or after that day; an
  entry whose source gives no date is kept. A sitemap of an index whose lastmod is
  before the day is not even fetched, unless `--prune` needs the whole listing.
- `--limit N` keeps the newest N entries (by the source's dates; the source's own
  order when it gives none).
- `listed` is every URL the source lists, before those two filters: what `--prune`
  compares against. `complete` is False when part of the listing could not be read
  (a sitemap of the index failed): then nothing is pruned from that source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import httpx

from ..errors import FetchFailed, ImportFailed
from .fetch import Fetcher, FetchResult
from .listings import Entry, Listing, day_of, parse_listing

MAX_SITEMAPS = 1000  # children of one sitemap index that are followed


@dataclass(slots=True)
class Source:
    origin: str  # the URL as given, normalised: what "from that source" means
    kind: str = ""  # feed, sitemap, page
    entries: list[Entry] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)
    complete: bool = True
    page: FetchResult | None = None  # a single page, already fetched
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def normalised(url: str) -> str:
    """Scheme and host lower-case, no fragment: the same source however it was typed."""
    try:
        return str(httpx.URL(url.strip()).copy_with(fragment=None))
    except (httpx.InvalidURL, TypeError):
        return url.strip()


async def discover(
    fetcher: Fetcher,
    url: str,
    *,
    since: date | None = None,
    limit: int | None = None,
    whole: bool = False,
    known_page: bool = False,
) -> Source:
    """What the source at `url` lists; `whole`: read every sitemap of an index (--prune).
    `known_page`: an earlier run imported this very URL as a page, so it is not fetched
    here (the pipeline fetches it, conditionally). Raises FetchFailed or ImportFailed
    when the source itself cannot be read."""
    source = Source(normalised(url))
    if known_page:
        source.kind, source.entries, source.listed = "page", [Entry(source.origin)], {source.origin}
        return source
    fetched = await fetcher.fetch(source.origin)
    listing = parse_listing(fetched.body, fetched.final_url, fetched.media_type)
    if listing.kind == "page":
        source.kind, source.page = "page", fetched
        source.entries, source.listed = [Entry(source.origin)], {source.origin}
        return source
    source.kind = "feed" if listing.kind == "feed" else "sitemap"
    entries = listing.entries
    if listing.kind == "index":
        entries = await _children(fetcher, listing, source, since, whole)
    entries = list({e.url: e for e in reversed(entries)}.values())[::-1]  # first listing wins
    source.listed = {e.url for e in entries}
    source.entries = _chosen(entries, since, limit)
    return source


async def _children(
    fetcher: Fetcher, index: Listing, source: Source, since: date | None, whole: bool
) -> list[Entry]:
    entries: list[Entry] = []
    for child, lastmod in index.children[:MAX_SITEMAPS]:
        changed = day_of(lastmod)
        if since is not None and not whole and changed is not None and changed < since:
            continue
        try:
            fetched = await fetcher.fetch(child)
            listing = parse_listing(fetched.body, fetched.final_url, fetched.media_type)
            if listing.kind != "sitemap":
                raise ImportFailed("is listed in a sitemap index but is not a sitemap")
        except (FetchFailed, ImportFailed) as exc:
            why = exc.reason if isinstance(exc, FetchFailed) else str(exc)
            source.failed.append((child, why))
            source.complete = False
            continue
        entries.extend(listing.entries)
    if len(index.children) > MAX_SITEMAPS:
        source.failed.append((source.origin, f"lists more than {MAX_SITEMAPS} sitemaps"))
        source.complete = False
    return entries


def _chosen(entries: list[Entry], since: date | None, limit: int | None) -> list[Entry]:
    if since is not None:
        entries = [e for e in entries if (day := e.day()) is None or day >= since]
    if limit is not None:
        if any(e.day() for e in entries):
            newest = sorted(entries, key=lambda e: e.modified or e.issued or "", reverse=True)
            keep = {e.url for e in newest[:limit]}
            entries = [e for e in entries if e.url in keep]
        else:
            entries = entries[:limit]
    return entries
