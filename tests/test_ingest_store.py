"""What an import from the web remembers (store/ingested.py) and the content hash, on
both engines: the same sync, first import to prune, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.cli import main
from service.store import Store, open_store
from service.store.ingested import Ingested
from tests.support.portal_site import Page, Site, portal_page, serve


def test_ingested_rows_are_kept_per_origin(any_store: Store) -> None:
    a = Ingested("https://cu.example/1", "https://cu.example/sitemap.xml", "mot", '"e1"', None)
    b = Ingested("https://cu.example/2", "https://cu.example/rss.xml", "hai", None, "Mon, 1 Jan")
    any_store.put_ingested(a)
    any_store.put_ingested(b)
    assert any_store.ingested_row(a.url) == a
    assert any_store.ingested("https://cu.example/rss.xml") == {b.url: b}
    newer = Ingested(a.url, a.origin, a.slug, '"e2"', None, "2023-10-01")
    any_store.put_ingested(newer)
    assert any_store.ingested()[a.url] == newer
    any_store.forget_ingested(a.url)
    assert any_store.ingested_row(a.url) is None and set(any_store.ingested()) == {b.url}


@pytest.fixture
def site() -> Iterator[Site]:
    portal = Site()
    for n in range(3):
        title = f"Bài viết số {n}"
        html = portal_page(title, [f"Nội dung thật của bài viết số {n}."])
        portal.pages[f"/tin/{n}.html"] = Page(title, f"2023-09-2{n}", html)
    with serve(portal) as running:
        yield running


def test_the_sync_on_each_engine(db: str, site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*more: str) -> str:
        argv = ["--db", db, "import", "--allow-private", "--delay", "0", *more]
        assert main([*argv, site.url("/sitemap.xml")]) == 0
        return capsys.readouterr().out.splitlines()[0]

    assert run() == "3 new, 0 updated, 0 unchanged, 0 failed"
    assert run("--recheck") == "0 new, 0 updated, 3 unchanged, 0 failed"
    site.pages["/tin/0.html"].edit(portal_page("Bài viết số 0", ["Đã sửa."]))
    del site.pages["/tin/1.html"]
    assert run("--prune") == "0 new, 1 updated, 1 unchanged, 0 failed, 1 pruned"
    store = open_store(db)
    try:
        kept = {a.source_url: a for a in store.all()}
        assert set(kept) == {site.url("/tin/0.html"), site.url("/tin/2.html")}
        assert all(a.content_hash.startswith("sha256:") for a in kept.values())
        assert set(store.ingested()) == set(kept)
    finally:
        store.close()
