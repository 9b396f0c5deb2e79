"""What a source lists: the entries of an RSS or Atom feed, and the URLs of a sitemap
(a sitemap index, a news sitemap), parsed from bytes already fetched.

Nothing here touches the network. Every document is first read by defusedxml with
entities and external references forbidden, so an entity bomb ("billion laughs")
or an external entity is refused before any parser expands it; only then does
feedparser read a feed (it handles every RSS and Atom dialect, and resolves
relative links). A sitemap is read by defusedxml alone. A feed that is not
well-formed XML is still given to feedparser's forgiving parser (real feeds carry
a stray `&` now and then); a sitemap must be well-formed. A gzip file
(`sitemap.xml.gz`) is unpacked first, up to 50 MB, the most sitemaps.org allows.
"""

from __future__ import annotations

import calendar
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import ImportFailed

MAX_ENTRIES = 50_000  # what one sitemap file may list (sitemaps.org)
MAX_GUNZIPPED = 50_000_000  # what one sitemap file may weigh, uncompressed (sitemaps.org)
_ROOT = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF|urlset|sitemapindex)\b")
_HTML = re.compile(rb"<(!doctype\s+html|html[\s>])", re.IGNORECASE)
_FEED_TYPES = ("rss", "atom", "rdf")


@dataclass(frozen=True, slots=True)
class Entry:
    """One article a source lists, with what the source says of it."""

    url: str
    headline: str = ""
    issued: str = ""  # ISO 8601 publication date, as the feed or a news sitemap gives it
    modified: str = ""  # a sitemap's lastmod, or a feed's updated
    writer: str = ""
    abstract: str = ""  # HTML or text, as the feed gives it
    content: str = ""  # a feed entry's full content: used when the page cannot be fetched
    terms: tuple[str, ...] = ()  # a feed entry's categories
    language: str = ""

    def day(self) -> date | None:
        """The day the entry was last changed or published, when the source says."""
        return day_of(self.modified or self.issued)


@dataclass(slots=True)
class Listing:
    """A parsed source: `kind` is "feed", "sitemap" or "index" (whose `children` are
    sitemaps, each with its lastmod); "page" when the document is HTML, an article."""

    kind: str
    entries: list[Entry] = field(default_factory=list)
    children: list[tuple[str, str]] = field(default_factory=list)


def day_of(when: str) -> date | None:
    if not when:
        return None
    try:
        return datetime.fromisoformat(when.strip().replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(when.strip()[:10])
        except ValueError:
            return None


def gunzipped(body: bytes, limit: int = MAX_GUNZIPPED) -> bytes:
    """A gzip file's contents (`sitemap.xml.gz`), cut off past `limit` bytes; other
    bodies as they are. (A Content-Encoding is undone by the Fetcher already.)"""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ImportFailed(f"is a damaged gzip file ({exc})") from None
    if len(out) > limit:
        raise ImportFailed(f"decompresses to more than {limit // 1_000_000} MB: not read")
    return out


def parse_listing(body: bytes, url: str, media_type: str = "") -> Listing:
    """The listing in `body` (fetched from `url`); ImportFailed saying why it is not one."""
    body = gunzipped(body)
    head = body[:2048].lstrip()
    found = _ROOT.search(body[:4096])
    if found is None:
        if media_type in ("text/html", "application/xhtml+xml") or _HTML.search(head):
            return Listing("page")
        raise ImportFailed("is neither a feed, a sitemap nor an HTML page")
    root = found.group(1).decode()
    try:
        tree: Element | None = fromstring(body, forbid_dtd=False, forbid_entities=True)
    except DefusedXmlException as exc:
        raise ImportFailed(
            f"refused: it declares XML entities, which are never expanded ({type(exc).__name__};"
            " an entity bomb is one)"
        ) from None
    except ParseError as exc:
        if root in ("urlset", "sitemapindex"):
            raise ImportFailed(f"is not well-formed XML ({exc})") from None
        tree = None  # a feed: feedparser's forgiving parser may still read it
    if root in ("urlset", "sitemapindex"):
        assert tree is not None
        return _sitemap(tree)
    return _feed(body, url, broken=tree is None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: Element | None, *path: str) -> str:
    for name in path:
        if element is None:
            return ""
        element = _child(element, name)
    return (element.text or "").strip() if element is not None else ""


def _sitemap(tree: Element) -> Listing:
    if _local(tree.tag) == "sitemapindex":
        children = [
            (_text(s, "loc"), _text(s, "lastmod")) for s in tree if _local(s.tag) == "sitemap"
        ]
        return Listing("index", children=[c for c in children if c[0]][:MAX_ENTRIES])
    entries = []
    for u in tree:
        if _local(u.tag) != "url" or not (loc := _text(u, "loc")):
            continue
        news = _child(u, "news")
        entries.append(
            Entry(
                url=loc,
                headline=_text(news, "title"),
                issued=_text(news, "publication_date"),
                modified=_text(u, "lastmod"),
                language=_text(news, "publication", "language"),
            )
        )
        if len(entries) == MAX_ENTRIES:
            break
    return Listing("sitemap", entries)


def _feed(body: bytes, url: str, broken: bool) -> Listing:
    parsed = feedparser.parse(
        body, response_headers={"content-location": url, "content-type": "application/xml"}
    )
    if not parsed.version and not parsed.entries:
        raise ImportFailed("is not an RSS or Atom feed feedparser can read")
    lang = str(parsed.feed.get("language", "") or "")
    entries = []
    for item in parsed.entries[:MAX_ENTRIES]:
        link = str(item.get("link", "") or "").strip()
        if not link:
            continue
        content = item.get("content") or []
        entries.append(
            Entry(
                url=link,
                headline=str(item.get("title", "") or ""),
                issued=_iso(item.get("published_parsed")),
                modified=_iso(dict.get(item, "updated_parsed")),  # not published again
                writer=str(item.get("author", "") or ""),
                abstract=str(item.get("summary", "") or ""),
                content=str(content[0].get("value", "")) if content else "",
                terms=tuple(str(t.get("term", "")) for t in item.get("tags", []) if t.get("term")),
                language=str(item.get("language", "") or lang),
            )
        )
    if broken and not entries:
        why = parsed.get("bozo_exception") or "no entry with a link could be read"
        raise ImportFailed(f"is not well-formed XML ({why})")
    return Listing("feed", entries)


def _iso(parsed: Any) -> str:
    """feedparser's UTC time.struct_time as ISO 8601, or "" when the feed gave none."""
    if not isinstance(parsed, time.struct_time):
        return ""
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
