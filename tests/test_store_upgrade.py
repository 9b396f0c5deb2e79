"""A store written before `source_url` existed (git 68fa19e, tests/support/old_store.py), opened
by today's code on both engines: it is migrated in place, every article is intact with
`source_url` empty, search and revisions go on, and re-importing changes nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import service.store.postgres as postgres_module
import service.store.sqlite as sqlite_module
from service.articles import Article
from service.cli import main
from service.store import is_postgres, open_store
from tests.support import old_store

OLD = {
    "vien-kiem-sat": {
        "title": "Viện kiểm sát nhân dân tối cao tập huấn kỹ năng số",
        "published": "2023-09-21T08:00:00+07:00",
        "summary": "Đồng chí Phạm Thu Hằng phát biểu tại hội nghị.",
        "byline": "HQ - TL",
        "tags": ("kiểm sát", "chuyển đổi số"),
        "body_html": "<p>Ngày 21/9/2023, Viện kiểm sát tổ chức tập huấn.</p>",
    },
    "thu-vien": {
        "title": "Thư viện mở cửa đến 21 giờ",
        "lang": "en",
        "published": "2024-01-02",
        "updated": "2024-01-03T09:00:00+00:00",
        "body_html": "<p>Thư viện kéo dài giờ phục vụ.</p>",
    },
}


@pytest.fixture
def old_db(db: str) -> str:
    """`db` holding an old store: two articles, the second updated twice (revision 3)."""
    old_store.create(db)
    for slug, fields in OLD.items():
        old_store.put(db, slug, **fields)
    for _ in range(2):
        old_store.put(db, "thu-vien", **dict(OLD["thu-vien"], summary="Giờ mới."))
    return db


def expected(slug: str, revision: int, **changes: object) -> Article:
    return Article(slug=slug, revision=revision, **{**OLD[slug], **changes})  # type: ignore[arg-type]


def test_the_old_migrations_are_still_todays_first_entries() -> None:
    """A shipped migration is never edited: an old store is today's schema at an
    earlier version, so migrating it runs only the entries after its own."""
    sqlite_now, pg_now = sqlite_module.MIGRATIONS, postgres_module.MIGRATIONS
    assert sqlite_now[: len(old_store.SQLITE_MIGRATIONS)] == old_store.SQLITE_MIGRATIONS
    assert pg_now[: len(old_store.POSTGRES_MIGRATIONS)] == old_store.POSTGRES_MIGRATIONS
    assert len(sqlite_now) > len(old_store.SQLITE_MIGRATIONS)
    assert len(pg_now) > len(old_store.POSTGRES_MIGRATIONS)


def test_an_old_store_opens_with_every_article_intact(old_db: str) -> None:
    store = open_store(old_db)
    try:
        assert store.get("vien-kiem-sat") == expected("vien-kiem-sat", 1)
        assert store.get("thu-vien") == expected("thu-vien", 3, summary="Giờ mới.")
        assert all(a.source_url == "" for a in store.all())
        assert store.count() == 2
        assert [a.slug for a in store.latest(10)[0]] == ["thu-vien", "vien-kiem-sat"]
        assert sorted(store.revisions()) == [("thu-vien", 3), ("vien-kiem-sat", 1)]
        # The tag index is built from the old rows, and kept by the next writes.
        assert store.tagged("kiểm sát", 10) == ([expected("vien-kiem-sat", 1)], 1)
        store.put(replace(expected("thu-vien", 0), tags=("kiểm sát",)))
        assert [a.slug for a in store.tagged("kiểm sát", 10)[0]] == ["thu-vien", "vien-kiem-sat"]
        # The old search index still answers, diacritics and all.
        for query in ("vien kiem sat", "Phạm Thu Hằng", "ky nang so"):
            assert [h.article.slug for h in store.search(query, 10)[0]] == ["vien-kiem-sat"]
    finally:
        store.close()
    module = postgres_module if is_postgres(old_db) else sqlite_module
    reopened = open_store(old_db)  # migrated once: a second start runs nothing
    assert reopened.migrate() == len(module.MIGRATIONS)
    reopened.close()


def test_an_old_article_rewritten_unchanged_is_unchanged(old_db: str) -> None:
    """A re-import of the same article after the upgrade writes nothing (no revision,
    no purge): the new column's default is the field's default."""
    store = open_store(old_db)
    try:
        same = expected("vien-kiem-sat", 0)
        assert store.put(same) == ("unchanged", 1)
        sourced = replace(same, source_url="https://vksndtc.gov.vn/tin/1")
        assert store.put(sourced) == ("updated", 2)
        found = store.get("vien-kiem-sat")
        assert found is not None and found.source_url == "https://vksndtc.gov.vn/tin/1"
        assert [h.article.slug for h in store.search("tap huan", 10)[0]] == ["vien-kiem-sat"]
    finally:
        store.close()


def test_an_upgraded_store_exports_source_url_and_imports_it_back(
    old_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = tmp_path / "export.json"
    assert main(["--db", old_db, "export", "-o", str(exported)]) == 0
    text = exported.read_text(encoding="utf-8")
    assert text.count('"source_url": ""') == 2
    fresh = str(tmp_path / "fresh.db")
    assert main(["--db", fresh, "import", str(exported)]) == 0
    capsys.readouterr()
    store = open_store(fresh)
    try:
        assert store.get("thu-vien") == expected("thu-vien", 1, summary="Giờ mới.")
    finally:
        store.close()
