"""What search engines and feed readers read: the sitemap (or, past `SITEMAP_URLS`
articles, a sitemap index of numbered sitemaps), the Atom feed of the newest
articles and robots.txt.

Every URL in them is absolute, on `LEGIBLE_PUBLIC_URL`, and names an article's bare
URL (no variant query): the one its pages' `<link rel="canonical">` names. No value
from the request reaches them, so without `LEGIBLE_PUBLIC_URL` there is no sitemap
and no feed (404), and robots.txt names no sitemap: a Host header must not decide
what a cached copy tells a search engine.

They are built here from the few fields each needs, never an article's body: the
sitemap from stamps (slug and dates, streamed), the feed from teasers.
`views/feeds.py` serves them through the serving unit, cached and validated like
pages, tagged `lists`, which the one write path (`writes.py`) drops and purges on
every write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from .articles import Stamp, Teaser
from .identity import Identity

SITEMAP_URLS = 50_000  # the sitemap protocol's limit for one file
FEED_ENTRIES = 20
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"


def article_url(origin: str, slug: str) -> str:
    """An article's canonical URL: its bare URL on the public origin."""
    return f"{origin}/articles/{slug}"


def moment(value: str) -> str:
    """An article's date or datetime as RFC 3339 (Atom and sitemaps want a time zone):
    a date is its midnight, a time without a zone is taken as UTC."""
    if len(value) == 10:
        return f"{value}T00:00:00Z"
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    text = parsed.isoformat()
    return text if parsed.tzinfo else f"{text}Z"


def last_changed(article: Stamp | Teaser) -> str:
    return moment(article.updated or article.published)


def urlset(origin: str, articles: Iterable[Stamp]) -> bytes:
    """One sitemap: each article's canonical URL and when it last changed (read as they
    come: `Store.stamps` streams them)."""
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">']
    for a in articles:
        loc = escape(article_url(origin, a.slug))
        lines.append(f"<url><loc>{loc}</loc><lastmod>{last_changed(a)}</lastmod></url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode()


def sitemap_index(origin: str, count: int) -> bytes:
    """The index of `count` numbered sitemaps (`/sitemap-1.xml`, …)."""
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">']
    for n in range(1, count + 1):
        lines.append(f"<sitemap><loc>{escape(origin)}/sitemap-{n}.xml</loc></sitemap>")
    lines.append("</sitemapindex>\n")
    return "\n".join(lines).encode()


def element(name: str, text: str) -> str:
    """One Atom element holding text, escaped."""
    return f"<{name}>{escape(text)}</{name}>"


def atom(identity: Identity, origin: str, articles: Sequence[Teaser]) -> bytes:
    """The Atom feed (RFC 4287) of `articles`, newest first: the feed's id, title,
    updated, author and self link; each entry's id, title, link, updated, published
    and summary (the title when the article has none)."""
    updated = max((last_changed(a) for a in articles), default="1970-01-01T00:00:00Z")
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<feed xmlns="{ATOM_NS}" xml:lang={quoteattr(identity.lang)}>',
        f"<id>{escape(origin)}/</id>",
        f"<title>{escape(identity.name)}</title>",
    ]
    if identity.tagline:
        head.append(f"<subtitle>{escape(identity.tagline)}</subtitle>")
    head += [
        f"<updated>{updated}</updated>",
        f"<author><name>{escape(identity.name)}</name></author>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(origin + "/feed.xml")}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(origin + "/")}/>',
    ]
    entries = []
    for a in articles:
        url = article_url(origin, a.slug)
        link = f'<link rel="alternate" type="text/html" href={quoteattr(url)}/>'
        parts = [
            element("id", url),
            element("title", a.title),
            link,
            element("updated", last_changed(a)),
            element("published", moment(a.published)),
            element("summary", a.summary or a.title),
        ]
        entries.append(f"<entry xml:lang={quoteattr(a.lang)}>{''.join(parts)}</entry>")
    return "\n".join([*head, *entries, "</feed>\n"]).encode()


def robots(origin: str | None) -> bytes:
    """robots.txt: everything may be crawled but the admin API; the sitemap, when
    there is a public origin to name it on."""
    lines = ["User-agent: *", "Disallow: /api/"]
    if origin:
        lines.append(f"Sitemap: {origin}/sitemap.xml")
    return ("\n".join(lines) + "\n").encode()
