"""Sections and tags: an article's tags as links, `/tags/TAG` (newest first, paged,
in every variant), the sections named in the header, and the store's query on both
engines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from service import create_app
from service.articles import Article
from service.settings import Settings
from service.store import Store

if TYPE_CHECKING:
    from conftest import Node

Parse = Callable[[str], "Node"]
TOKEN = "tok-0123456789abcdefghijklmnopqrstu"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TAG = "kiểm sát"
TAG_PATH = "/tags/" + quote(TAG, safe="")  # /tags/ki%E1%BB%83m%20s%C3%A1t
DEMO = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"  # tags: thư viện, văn hóa, …


def article(n: int, *tags: str) -> Article:
    return Article(slug=f"bai-{n:02d}", title=f"Bài {n:02d}", published=f"2031-01-{n:02d}",
                   tags=tags, body_html=f"<p>Bài {n}.</p>")  # fmt: skip


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=str(tmp_path / "t.db"), demo=True, admin_token=TOKEN,
                        sections=(TAG, "văn hóa"))  # fmt: skip
    with TestClient(create_app(settings), follow_redirects=False) as client:
        for n in range(1, 13):  # 12 with the tag, one without
            body = article(n, TAG).to_json()
            assert client.put(f"/api/articles/bai-{n:02d}", json=body, headers=AUTH).status_code
        client.put("/api/articles/bai-13", json=article(13, "khác").to_json(), headers=AUTH)
        yield client


def slugs(doc: Node) -> list[str]:
    teasers = doc.one("main").one("ol", class_="teasers").find_all("li")
    found = [li.one("h2").one("a").attrs["href"] or "" for li in teasers]
    return [href.split("?")[0].removeprefix("/articles/") for href in found]


def test_an_article_shows_its_tags_as_links_in_its_variant(
    client: TestClient, parse_html: Parse
) -> None:
    doc = parse_html(client.get(DEMO + "?theme=dark&size=150").text)
    links = doc.one("article").one("div", class_="tags").find_all("a")
    assert [a.text for a in links][:2] == ["thư viện", "văn hóa"]
    assert all(a.attrs["rel"] == "tag" for a in links)
    assert links[1].attrs["href"] == "/tags/v%C4%83n%20h%C3%B3a?theme=dark&size=150"
    bare = parse_html(client.get(DEMO).text).one("article").one("div", class_="tags")
    assert bare.find_all("a")[1].attrs["href"] == "/tags/v%C4%83n%20h%C3%B3a"
    assert client.get("/tags/v%C4%83n%20h%C3%B3a").status_code == 200


def test_a_tag_page_lists_its_articles_newest_first_paged(
    client: TestClient, parse_html: Parse
) -> None:
    first = parse_html(client.get(TAG_PATH).text)
    assert first.one("h1").text == f"Chủ đề: {TAG}"
    assert slugs(first) == [f"bai-{n:02d}" for n in range(12, 2, -1)]  # 10 a page
    following = first.one("nav", class_="pagination").one("a").attrs["href"]
    assert following == f"{TAG_PATH}?page=2"
    second = parse_html(client.get(following).text)
    assert slugs(second) == ["bai-02", "bai-01"]
    assert client.get(f"{TAG_PATH}?page=3").status_code == 404
    assert client.get("/tags/kh%C3%B4ng%20c%C3%B3").status_code == 404  # no such tag
    assert client.get(f"{TAG_PATH}?page=x").status_code == 400


def test_a_tag_page_works_in_every_variant_and_keeps_it(
    client: TestClient, parse_html: Parse
) -> None:
    queries = list(client.app.state.site.variant_queries)  # type: ignore[attr-defined]
    assert len(queries) >= 500
    for query in queries:
        response = client.get(f"{TAG_PATH}?{query}" if query else TAG_PATH)
        assert response.status_code == 200, query
        doc = parse_html(response.text)
        hrefs = [a.attrs["href"] or "" for a in doc.one("main").find_all("a")]
        assert hrefs and all(h.endswith(f"?{query}") or f"&{query}" in h for h in hrefs if query)
    redirected = client.get(f"{TAG_PATH}?size=150&theme=dark")  # not the canonical order
    assert redirected.status_code == 301
    assert redirected.headers["location"] == f"{TAG_PATH}?theme=dark&size=150"


def test_sections_are_in_the_header_and_marked_where_the_reader_is(
    client: TestClient, parse_html: Parse
) -> None:
    nav = parse_html(client.get("/?theme=dark").text).one("header").one("nav")
    links = [(a.text, a.attrs["href"]) for a in nav.find_all("a")][:2]
    assert links == [
        (TAG, f"{TAG_PATH}?theme=dark"),
        ("văn hóa", "/tags/v%C4%83n%20h%C3%B3a?theme=dark"),
    ]
    here = parse_html(client.get(TAG_PATH).text).one("header").one("nav")
    assert [a.text for a in here.find_all("a") if a.attrs.get("aria-current") == "page"] == [TAG]


def test_a_write_changes_the_tag_page(client: TestClient, parse_html: Parse) -> None:
    assert slugs(parse_html(client.get(TAG_PATH).text))[0] == "bai-12"
    client.put("/api/articles/bai-20", json=article(20, TAG).to_json(), headers=AUTH)
    assert slugs(parse_html(client.get(TAG_PATH).text))[0] == "bai-20"
    client.delete("/api/articles/bai-20", headers=AUTH)
    assert slugs(parse_html(client.get(TAG_PATH).text))[0] == "bai-12"


def test_the_store_finds_tagged_articles_on_both_engines(any_store: Store) -> None:
    for n, tags in ((1, (TAG, "b")), (2, ("b",)), (3, (TAG,)), (4, ("kiểm sát viên",))):
        any_store.put(article(n, *tags))
    found, total = any_store.tagged(TAG, 10)
    assert [a.slug for a in found] == ["bai-03", "bai-01"] and total == 2  # exact, newest first
    assert ([a.slug for a in any_store.tagged(TAG, 1, 1)[0]], any_store.tagged(TAG, 1, 1)[1]) == (
        ["bai-01"],
        2,
    )
    assert any_store.tagged(TAG, 10, 5) == ([], 2)
    assert any_store.tagged("không", 10) == ([], 0)
    assert any_store.tagged("a\0b", 10) == ([], 0)


def test_every_write_keeps_the_tag_index_in_step(any_store: Store) -> None:
    """article_tags is kept by the engine's triggers: a tag taken off or added, a new
    date (the order), a delete, on both engines."""
    for n in (1, 2, 3):
        any_store.put(article(n, TAG, "b"))
    assert [a.slug for a in any_store.tagged(TAG, 10)[0]] == ["bai-03", "bai-02", "bai-01"]
    any_store.put(article(2, "b"))  # TAG taken off
    any_store.put(article(1, TAG, "mới"))  # one added
    assert any_store.tagged(TAG, 10)[1] == 2 and any_store.tagged("b", 10)[1] == 2
    assert [a.slug for a in any_store.tagged("mới", 10)[0]] == ["bai-01"]
    moved = article(1, TAG, "mới")
    any_store.put(Article(**{**moved.to_json(), "published": "2031-02-01", "tags": moved.tags}))
    assert [a.slug for a in any_store.tagged(TAG, 10)[0]] == ["bai-01", "bai-03"]
    assert any_store.delete("bai-01")
    assert any_store.tagged(TAG, 10)[1] == 1 and any_store.tagged("mới", 10) == ([], 0)


def test_a_tag_page_is_read_from_an_index_not_a_scan(any_store: Store, db: str) -> None:
    """The query plan: article_tags' index gives the tag's rows in order (no sort, no
    JSON read of every article)."""
    from service.store import is_postgres

    for n in range(1, 30):
        any_store.put(article(n, TAG if n % 3 else "khác"))
    if is_postgres(db):
        import psycopg

        with psycopg.connect(db) as conn:
            conn.execute("SET enable_seqscan = off")  # a tiny table: make the choice visible
            sql = "EXPLAIN SELECT a.slug FROM article_tags t JOIN articles a ON a.id = t.article_id"
            sql += " WHERE t.tag = %s ORDER BY t.published_at DESC NULLS LAST, t.article_id DESC"
            plan = "\n".join(r[0] for r in conn.execute(sql + " LIMIT 10", (TAG,)))
        assert "article_tags_newest" in plan and "Sort" not in plan, plan
    else:
        import sqlite3

        conn = sqlite3.connect(db)
        sql = "EXPLAIN QUERY PLAN SELECT a.slug FROM article_tags t JOIN articles a"
        sql += " ON a.id = t.article_id WHERE t.tag = ?"
        sql += " ORDER BY t.published_at DESC, t.article_id DESC LIMIT 10"
        plan = "\n".join(r[3] for r in conn.execute(sql, (TAG,)))
        conn.close()
        assert "INDEX article_tags_newest (tag=?)" in plan and "TEMP B-TREE" not in plan, plan
    found, total = any_store.tagged(TAG, 5, 5)
    assert total == 20 and [a.slug for a in found] == [f"bai-{n:02d}" for n in (22, 20, 19, 17, 16)]
