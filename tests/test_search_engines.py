"""What search engines and feed readers get: one canonical link on every variant of
an article, the sitemap (and its index past SITEMAP_URLS), the Atom feed and
robots.txt, each cached with an ETag and dropped by a write."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from service import create_app, feeds
from service.settings import Settings

if TYPE_CHECKING:
    from conftest import Node

Parse = Callable[[str], "Node"]
ORIGIN = "https://news.example"
TOKEN = "tok-0123456789abcdefghijklmnopqrstu"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
A = "{http://www.w3.org/2005/Atom}"
EN_SLUG = "how-to-change-text-size-and-contrast"
NEW = {"title": "Bài mới nhất", "published": "2030-01-02", "updated": "2030-01-03T09:30:00+07:00",
       "summary": "Tóm tắt <mới> & đủ", "body_html": "<p>Nội dung.</p>"}  # fmt: skip


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=str(tmp_path / "t.db"), demo=True, admin_token=TOKEN,
                        public_url=ORIGIN, site_name="Cổng tin")  # fmt: skip
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def xml_of(body: bytes) -> ET.Element:
    """Our own server's answer, parsed (no entities: nothing to expand)."""
    assert b"<!ENTITY" not in body and b"<!DOCTYPE" not in body
    return ET.fromstring(body)  # noqa: S314


def canonicals(doc: Node) -> list[str]:
    return [
        n.attrs["href"] or "" for n in doc.find_all("link") if n.attrs.get("rel") == "canonical"
    ]


def locs(body: bytes) -> list[str]:
    return [n.text or "" for n in xml_of(body).iter(f"{SM}loc")]


def test_every_variant_of_an_article_names_its_bare_url(
    client: TestClient, parse_html: Parse
) -> None:
    queries = list(client.app.state.site.variant_queries)  # type: ignore[attr-defined]
    assert len(queries) >= 500
    for query in queries:
        response = client.get(f"/articles/{EN_SLUG}" + (f"?{query}" if query else ""))
        assert response.status_code == 200, query
        assert canonicals(parse_html(response.text)) == [f"{ORIGIN}/articles/{EN_SLUG}"], query


def test_without_a_public_url_there_is_no_canonical_sitemap_or_feed(
    tmp_path: Path, parse_html: Parse
) -> None:
    """No guess from the Host header: a cached page must not name a forged origin."""
    with TestClient(create_app(Settings(db=str(tmp_path / "t.db"), demo=True))) as client:
        page = client.get(f"/articles/{EN_SLUG}", headers={"Host": "evil.example"})
        assert canonicals(parse_html(page.text)) == [] and "evil" not in page.text
        assert client.get("/sitemap.xml").status_code == 404
        assert client.get("/feed.xml").status_code == 404
        robots = client.get("/robots.txt")
    assert robots.status_code == 200 and "Sitemap" not in robots.text


def test_the_sitemap_lists_every_bare_article_url_with_lastmod(client: TestClient) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    root = xml_of(response.content)
    assert root.tag == f"{SM}urlset"
    urls = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root}
    revisions = client.app.state.site.revisions  # type: ignore[attr-defined]
    assert set(urls) == {f"{ORIGIN}/articles/{slug}" for slug in revisions}
    assert urls[f"{ORIGIN}/articles/{EN_SLUG}"] == "2024-06-14T00:00:00Z"
    assert client.get("/robots.txt").text.splitlines() == [
        "User-agent: *", "Disallow: /api/", f"Sitemap: {ORIGIN}/sitemap.xml",
    ]  # fmt: skip


def test_past_the_limit_the_sitemap_is_an_index(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 4)  # 6 demo articles: two sitemaps
    root = xml_of(client.get("/sitemap.xml").content)
    assert root.tag == f"{SM}sitemapindex"
    parts = locs(client.get("/sitemap.xml").content)
    assert parts == [f"{ORIGIN}/sitemap-1.xml", f"{ORIGIN}/sitemap-2.xml"]
    listed: list[str] = []
    for part in parts:
        response = client.get(part.removeprefix(ORIGIN))
        assert response.status_code == 200
        assert xml_of(response.content).tag == f"{SM}urlset"
        listed += locs(response.content)
    assert len(listed) == 6 == len(set(listed))
    for missing in ("/sitemap-3.xml", "/sitemap-0.xml", "/sitemap-01.xml"):
        assert client.get(missing).status_code == 404, missing


def test_the_feed_is_atom_with_the_newest_articles(client: TestClient) -> None:
    assert client.put("/api/articles/bai-moi", json=NEW, headers=AUTH).status_code in (200, 201)
    response = client.get("/feed.xml")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = xml_of(response.content)
    assert feed.tag == f"{A}feed"
    # RFC 4287 4.1.1: exactly one id, title and updated; an author (here the feed's,
    # so every entry has one); a self link.
    for name in ("id", "title", "updated", "author"):
        assert len(feed.findall(f"{A}{name}")) == 1, name
    assert feed.findtext(f"{A}title") == "Cổng tin"
    assert feed.findtext(f"{A}author/{A}name") == "Cổng tin"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{A}link")}
    assert links == {"self": f"{ORIGIN}/feed.xml", "alternate": f"{ORIGIN}/"}
    entries = feed.findall(f"{A}entry")
    assert 0 < len(entries) <= feeds.FEED_ENTRIES
    first = entries[0]  # newest first
    assert first.findtext(f"{A}id") == f"{ORIGIN}/articles/bai-moi"
    assert first.findtext(f"{A}title") == "Bài mới nhất"
    assert first.findtext(f"{A}updated") == "2030-01-03T09:30:00+07:00"
    assert first.findtext(f"{A}published") == "2030-01-02T00:00:00Z"
    assert first.findtext(f"{A}summary") == "Tóm tắt <mới> & đủ"
    assert feed.findtext(f"{A}updated") == "2030-01-03T09:30:00+07:00"
    for entry in entries:  # 4.1.2: each entry's id, title, updated; a link for no content
        for name in ("id", "title", "updated", "summary"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        (link,) = entry.findall(f"{A}link")
        assert link.get("rel") == "alternate" and link.get("href") == entry.findtext(f"{A}id")


@pytest.mark.parametrize("path", ["/sitemap.xml", "/feed.xml", "/robots.txt"])
def test_each_is_cached_validated_and_dropped_on_write(client: TestClient, path: str) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    assert first.headers["xkey"] == "lists" and "max-age" in first.headers["cache-control"]
    assert "cookie" not in first.headers.get("vary", "").lower()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    site = client.app.state.site  # type: ignore[attr-defined]
    assert site.hot.get(path, "") is not None  # cached: the hot path answers it
    assert client.get(path + "?x=1").status_code == 301
    assert client.put("/api/articles/bai-moi", json=NEW, headers=AUTH).status_code in (200, 201)
    assert site.hot.get(path, "") is None  # the write path dropped it
    again = client.get(path)
    if path != "/robots.txt":  # robots.txt's bytes do not depend on the articles
        assert again.headers["etag"] != etag and "bai-moi" in again.text
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 200
    assert client.get(path, headers={"Cookie": "legible=theme:dark"}).status_code == 200
