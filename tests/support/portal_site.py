"""A portal on loopback for the ingest tests and bench/ingest.py: pages behind an RSS
feed, an Atom feed, a sitemap, a sitemap index and a news sitemap, served by a
threaded http.server whose pages a test may edit or take away while it runs.

Each page answers with an ETag (a hash of its bytes) and honours If-None-Match, as
a real CMS behind a cache does, so a re-run sees 304s. `log` keeps every request's
path and whether it was answered 304.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Page:
    title: str
    published: str  # ISO date
    html: str
    content_type: str = "text/html; charset=utf-8"
    feed_content: str = ""  # the RSS item's content:encoded, when given
    modified: str = ""  # ISO date of the last edit: the sitemap's lastmod, Atom's updated

    def edit(self, html: str, day: str = "2023-10-15") -> None:
        """A new version, dated as a CMS dates an edit."""
        self.html, self.modified = html, day


@dataclass
class Site:
    """The pages by path; listings are made from them on each request."""

    pages: dict[str, Page] = field(default_factory=dict)
    extra: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    # path -> a function that writes the whole raw answer itself (hostile servers)
    handlers: dict[str, Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)
    log: list[tuple[str, int]] = field(default_factory=list)
    purges: list[str] = field(default_factory=list)  # the xkey-purge header of each PURGE
    agents: set[str] = field(default_factory=set)  # every User-Agent that asked
    port: int = 0
    host: str = "127.0.0.1"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{escape(p.title)}</title><link>{self.url(path)}</link>"
            f"<pubDate>{_rfc822(p.published)}</pubDate>"
            f"<description>{escape(p.title)}</description>"
            + (
                f"<content:encoded>{escape(p.feed_content)}</content:encoded>"
                if p.feed_content
                else ""
            )
            + "</item>"
            for path, p in self.pages.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Cổng thông tin</title><link>{self.url('/')}</link><language>vi</language>"
            f"{items}</channel></rss>"
        ).encode()

    def atom(self) -> bytes:
        entries = "".join(
            f'<entry><title>{escape(p.title)}</title><link href="{self.url(path)}"/>'
            f"<id>{self.url(path)}</id><published>{p.published}T08:00:00+07:00</published>"
            f"<updated>{p.modified or p.published}T08:00:00+07:00</updated></entry>"
            for path, p in self.pages.items()
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Cổng thông tin</title><id>{self.url('/')}</id>"
            f"<updated>2023-09-30T00:00:00Z</updated>{entries}</feed>"
        ).encode()

    def sitemap(self, news: bool = False) -> bytes:
        urls = "".join(
            f"<url><loc>{self.url(path)}</loc><lastmod>{p.modified or p.published}</lastmod>"
            + (
                "<news:news><news:publication><news:name>Cổng</news:name>"
                "<news:language>vi</news:language></news:publication>"
                f"<news:publication_date>{p.published}</news:publication_date>"
                f"<news:title>{escape(p.title)}</news:title></news:news>"
                if news
                else ""
            )
            + "</url>"
            for path, p in self.pages.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>"
        ).encode()

    def index(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{self.url('/sitemap.xml')}</loc></sitemap></sitemapindex>"
        ).encode()

    def answer(self, path: str) -> tuple[int, Mapping[str, str], bytes]:
        with self.lock:
            if path in self.extra:
                return self.extra[path]
            listings = {
                "/rss.xml": self.rss,
                "/atom.xml": self.atom,
                "/sitemap.xml": self.sitemap,
                "/news-sitemap.xml": lambda: self.sitemap(news=True),
                "/sitemap-index.xml": self.index,
            }
            if path in listings:
                return 200, {"Content-Type": "application/xml"}, listings[path]()
            if path == "/robots.txt":
                return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
            page = self.pages.get(path)
            if page is None:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            return 200, {"Content-Type": page.content_type}, page.html.encode()


def _rfc822(day: str) -> str:
    return format_datetime(datetime.fromisoformat(day).replace(hour=1, tzinfo=UTC))


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms stall

        def do_GET(self) -> None:
            site.agents.add(self.headers.get("User-Agent", ""))
            if self.path in site.handlers:
                site.log.append((self.path, 0))
                site.handlers[self.path](self)
                return
            status, headers, body = site.answer(self.path)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            site.log.append((self.path, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status in (200, 304):
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PURGE(self) -> None:
            site.purges.append(self.headers.get("xkey-purge", ""))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(site: Site, port: int = 0) -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(site))
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def portal_page(title: str, paragraphs: list[str], image: str = "") -> str:
    """A page in the seed portal's shape: menus, share buttons, related links and a
    cookie banner around the article."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - Cổng thông tin</title></head><body>"
        '<header><nav class="menu"><a href="/">Trang chủ</a> <a href="/tin">Tin tức</a>'
        ' <a href="/lien-he">Liên hệ</a></nav></header>'
        '<div class="cookie">Trang web sử dụng cookie. <button>Đồng ý</button></div>'
        f'<main><article class="news-detail"><h1>{escape(title)}</h1>'
        f'<div class="date">21/09/2023</div>{body}{image}</article>'
        '<div class="share">Chia sẻ: Facebook Zalo</div>'
        '<aside class="related"><h2>Tin liên quan</h2><ul><li><a href="/tin/khac">'
        "Tin khác cùng chuyên mục</a></li></ul></aside></main>"
        "<footer>Bản quyền thuộc về Cổng thông tin điện tử</footer></body></html>"
    )
