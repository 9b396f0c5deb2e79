"""Hostile sources, in one run: each bad item fails with one line and the rest go on.

The portal is served on loopback but reached as `portal.test`, a name the test's
resolver gives a public address, so the SSRF guard stays on (no --allow-private)
while every connection still lands here: the `jail` sends the public address to
127.0.0.1 and fails the test on any attempt to reach anything else. Some of these
are also covered one fetch at a time in test_fetch.py; here they go through the
whole import: feed and sitemap parsing, the pipeline, the report.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from service.ingest import command
from service.ingest.sync import Options, sync
from service.photos import Photos
from service.store import open_store
from tests.support.jail import PUBLIC
from tests.support.jail import jail as jailed
from tests.support.portal_site import Page, Site, portal_page, serve

MB = 1_000_000
BOMB = (
    b"<!DOCTYPE x ["
    + b"".join(
        b'<!ENTITY e%d "&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;">'
        % ((i + 1,) + (i,) * 10)
        for i in range(9)
    )
    + b'<!ENTITY e0 "lol">]>'
)


@pytest.fixture(autouse=True)
def jail(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return jailed(monkeypatch)


async def resolve(host: str, port: int) -> list[str]:
    if host == "portal.test":
        return [PUBLIC]
    raise OSError(f"{host}: no such name here")


def raw(head: str, body: Any = (), pause: float = 0.0) -> Any:
    """A handler that writes `head` then each piece of `body` until the client leaves."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        try:
            h.wfile.write(head.encode())
            for piece in body:
                h.wfile.write(piece)
                h.wfile.flush()
                sent[h.path] = sent.get(h.path, 0) + len(piece)
                if pause:
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass

    return handle


sent: dict[str, int] = {}


def endless(piece: bytes, limit: int = 2_000 * MB) -> Iterator[bytes]:
    total = 0
    while total < limit:
        total += len(piece)
        yield piece


@pytest.fixture
def site() -> Iterator[Site]:
    portal = Site(host="portal.test")
    portal.pages["/tin/tot.html"] = Page(
        "Bài viết tốt", "2023-09-21", portal_page("Bài viết tốt", ["Một bài viết bình thường."])
    )
    with serve(portal) as running:
        yield running


def test_each_hostile_item_fails_alone_and_the_run_goes_on(site: Site, tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * 100 * MB, 9)  # 100 MB behind ~100 kB
    site.handlers.update(
        {
            "/huge.html": raw(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2147483648\r\n\r\n",
                endless(b"<p>" * 200_000),
            ),
            "/endless.html": raw(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n",
                endless(b"<p>" * 200_000),
            ),
            "/bomb.html": raw(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
                f"Content-Length: {len(bomb)}\r\n\r\n",
                [bomb],
            ),
            "/never.html": raw(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n",
                endless(b"<"),
                pause=0.2,
            ),
            "/moved.html": raw(
                "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/tin/tot.html\r\n"
                "Content-Length: 0\r\n\r\n"
            ),
        }
    )
    entries = ["/tin/tot.html", "/huge.html", "/endless.html", "/bomb.html", "/never.html",
               "/moved.html"]  # fmt: skip
    links = [site.url(p) for p in entries] + ["http://169.254.169.254/latest/meta-data/"]
    items = "".join(
        f"<item><title>T{n}</title><link>{u}</link>"
        "<pubDate>Thu, 21 Sep 2023 08:00:00 +0700</pubDate></item>"
        for n, u in enumerate(links)
    )
    xml = {"Content-Type": "application/xml"}
    site.extra["/feed.xml"] = (200, xml, f"<rss><channel>{items}</channel></rss>".encode())
    site.extra["/broken.xml"] = (200, xml, b"<urlset><url><loc>http://x</loc></url")
    site.extra["/broken-feed.xml"] = (200, xml, b"<rss><channel><item><title>x</rss>")
    site.extra["/bomb-feed.xml"] = (
        200, xml, BOMB + b"<rss><channel><item><title>&e9;</title>"
        b"<link>http://portal.test/a</link></item></channel></rss>",
    )  # fmt: skip
    site.extra["/bomb-sitemap.xml"] = (
        200, xml, BOMB + b"<urlset><url><loc>&e9;</loc></url></urlset>",
    )  # fmt: skip
    site.extra["/sitemap.xml.gz"] = (200, {}, gzip.compress(b" " * 60 * MB, 9))  # a bomb file
    sources = ["/feed.xml", "/broken.xml", "/broken-feed.xml", "/bomb-feed.xml",
               "/bomb-sitemap.xml", "/sitemap.xml.gz"]  # fmt: skip

    store = open_store(tmp_path / "t.db")
    photos = Photos(store, 20 * MB, 40_000_000)
    options = Options(delay=0, per_host=8, deadline=4.0, resolver=resolve)
    tracemalloc.start()
    started = time.monotonic()
    try:
        # as `legible import` runs it (a loop of its own, whatever this thread runs)
        outcomes = command._run(sync(store, photos, [site.url(s) for s in sources], options))
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    took = time.monotonic() - started
    found = [a.source_url for a in store.all()]
    store.close()

    reasons = {o.url: o.reason for o in outcomes if o.outcome == "failed"}
    assert found == [site.url("/tin/tot.html")]  # the good page landed
    assert all("\n" not in r for r in reasons.values())  # one line each
    expected = {
        "/huge.html": "larger than 10 MB, the size cap",
        "/endless.html": "larger than 10 MB, the size cap",
        "/bomb.html": "larger than 10 MB, the size cap",
        "/never.html": "not finished within the 4 s deadline",
        "/moved.html": "refused: 127.0.0.1 is loopback, at the redirect to http://127.0.0.1:1/",
        "/broken.xml": "is not well-formed XML",
        "/broken-feed.xml": "is not well-formed XML",
        "/bomb-feed.xml": "refused: it declares XML entities",
        "/bomb-sitemap.xml": "refused: it declares XML entities",
        "/sitemap.xml.gz": "decompresses to more than 50 MB: not read",
    }
    for path, words in expected.items():
        assert words in reasons[site.url(path)], (path, reasons[site.url(path)])
    assert reasons["http://169.254.169.254/latest/meta-data/"] == (
        "refused: 169.254.169.254 is link-local (use --allow-private for an intranet CMS)"
    )
    assert len(reasons) == len(expected) + 1
    # The 2 GB answers were cut near the cap (streamed, never held whole).
    assert sent.get("/huge.html", 0) < 50 * MB and sent.get("/endless.html", 0) < 50 * MB
    assert peak < 120 * MB, f"peak {peak / MB:.0f} MB"
    assert took < 30
