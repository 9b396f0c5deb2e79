"""The store on both engines, SQLite and PostgreSQL: migrations, writes by slug, ordering,
a write that fails midway, and diacritic-free search. Each test runs once per backend."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

import service.store.postgres as postgres_module
import service.store.sqlite as sqlite_module
from service.articles import Article
from service.errors import StoreUnavailable
from service.store import Store, is_postgres, open_store
from tests.support import portal_article as portal


def make(slug: str, **fields: Any) -> Article:
    values: dict[str, Any] = {
        "title": f"Bài {slug}",
        "published": "2023-09-21",
        "body_html": f"<p>Nội dung bài {slug}.</p>",
    }
    values.update(fields)
    return Article(slug=slug, **values)


def raw(db: str, sql: str) -> list[tuple[Any, ...]]:
    """Ask the database directly, the way another process would."""
    if is_postgres(db):
        with psycopg.connect(db) as pg_conn:
            return pg_conn.execute(sql.encode()).fetchall()
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def schema_version(db: str) -> int:
    if is_postgres(db):
        return int(raw(db, "SELECT max(version) FROM legible_schema")[0][0])
    return int(raw(db, "PRAGMA user_version")[0][0])


def index_rows(db: str) -> int:
    """Rows in the search index: SQLite's FTS5 table, PostgreSQL's vectors in the rows."""
    if is_postgres(db):
        return int(raw(db, "SELECT count(*) FROM articles WHERE search <> ''::tsvector")[0][0])
    return int(raw(db, "SELECT count(*) FROM articles_fts")[0][0])


def migrations_of(db: str) -> tuple[Any, tuple[str, ...]]:
    module = postgres_module if is_postgres(db) else sqlite_module
    return module, module.MIGRATIONS


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


# -- the schema -----------------------------------------------------------------------------------
def test_sqlite_runs_in_wal_mode(db_path: Path) -> None:
    open_store(db_path).close()
    assert raw(str(db_path), "PRAGMA journal_mode") == [("wal",)]


def test_schema_version_is_the_number_of_migrations(store: Store, db: str) -> None:
    _, migrations = migrations_of(db)
    assert schema_version(db) == len(migrations)
    assert store.migrate() == len(migrations)
    assert schema_version(db) == len(migrations)


def test_reopening_keeps_the_data_and_does_not_migrate_again(db: str) -> None:
    first = open_store(db)
    first.put(make("giu-lai"))
    first.close()

    again = open_store(db)  # a re-run of the first migration would fail: the table exists
    found = again.get("giu-lai")
    again.close()
    assert found is not None and found.revision == 1
    assert schema_version(db) == len(migrations_of(db)[1])


def test_a_new_migration_runs_exactly_once(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(db).close()
    module, migrations = migrations_of(db)
    # Not idempotent on purpose: a second run would fail with "duplicate column".
    newer = (*migrations, "ALTER TABLE articles ADD COLUMN note TEXT")
    monkeypatch.setattr(module, "MIGRATIONS", newer)
    open_store(db).close()
    open_store(db).close()
    assert schema_version(db) == len(newer)
    if is_postgres(db):
        sql = "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'"
        columns = [row[0] for row in raw(db, sql)]
    else:
        columns = [row[1] for row in raw(db, "PRAGMA table_info(articles)")]
    assert columns.count("note") == 1


# -- writes ---------------------------------------------------------------------------------------
def test_put_creates_then_reports_unchanged_then_updates(store: Store) -> None:
    original = make("bai-viet", tags=("a", "b"), byline="HQ - TL")
    assert store.put(original) == ("created", 1)
    assert store.put(original) == ("unchanged", 1)
    assert store.get("bai-viet") == replace(original, revision=1)

    changed = replace(original, title="Tiêu đề mới")
    assert store.put(changed) == ("updated", 2)
    assert store.put(changed) == ("unchanged", 2)
    assert store.get("bai-viet") == replace(changed, revision=2)
    assert store.count() == 1
    assert store.revisions() == [("bai-viet", 2)]


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Khác"},
        {"lang": "en"},
        {"published": "2023-09-22"},
        {"updated": "2023-09-22T08:00:00+07:00"},
        {"summary": "Tóm tắt khác"},
        {"byline": "AB - CD"},
        {"tags": ("c",)},
        {"body_html": "<p>Khác.</p>"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_change_in_any_field_bumps_the_revision(store: Store, change: dict[str, Any]) -> None:
    original = make("mot-bai", tags=("a",))
    store.put(original)
    assert store.put(replace(original, **change)) == ("updated", 2)
    found = store.get("mot-bai")
    assert found is not None
    for name, value in change.items():
        assert getattr(found, name) == value


def test_delete_removes_the_article_and_its_search_entry(store: Store, db: str) -> None:
    store.put(make("xoa-toi", title="Bài sẽ bị xóa khỏi kho"))
    store.put(make("o-lai", title="Bài ở lại"))
    assert store.search("xoa", 10)[1] == 1

    assert store.delete("xoa-toi") is True
    assert store.get("xoa-toi") is None
    assert store.count() == 1
    assert store.search("xoa", 10) == ([], 0)
    assert index_rows(db) == 1
    assert store.delete("xoa-toi") is False
    assert store.get("o-lai") is not None


def test_a_slug_no_article_can_have_is_simply_absent(store: Store) -> None:
    store.put(make("co-that"))
    for slug in ("co\x00that", "\x00", "co-that\x00"):
        assert store.get(slug) is None
        assert store.delete(slug) is False
    assert store.get("co-that") is not None


def test_writers_of_one_new_slug_at_once_take_turns(store: Store, db: str) -> None:
    """Two processes create the same article at the same instant: one creates it, the
    other updates it; neither fails (PostgreSQL: the per-slug lock; SQLite: BEGIN IMMEDIATE)."""
    others = [open_store(db) for _ in range(4)]
    start = threading.Barrier(len(others))
    results: list[tuple[str, int]] = []

    def write(n: int) -> None:
        start.wait()
        results.append(others[n].put(make("cung-luc", title=f"Bản {n}")))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(others))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for other in others:
        other.close()
    assert sorted(results) == [("created", 1), ("updated", 2), ("updated", 3), ("updated", 4)]
    found = store.get("cung-luc")
    assert found is not None and found.revision == 4


def test_latest_is_newest_first_and_pages(store: Store) -> None:
    dates = ["2023-01-05", "2024-03-01", "2022-12-31", "2024-03-01T09:30:00+07:00", "2023-07-14"]
    for n, day in enumerate(dates):
        store.put(make(f"bai-{n}", published=day))
    newest_first = sorted(dates, reverse=True)

    articles, total = store.latest(10)
    assert total == len(dates)
    assert [a.published for a in articles] == newest_first

    page_two, total = store.latest(2, offset=2)
    assert total == len(dates)
    assert [a.published for a in page_two] == newest_first[2:4]


# -- a failed write leaves nothing behind ---------------------------------------------------------
class _FailingFtsWrite:
    """A SQLite connection that fails the search-index write, after the article row is written."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith("INSERT INTO ARTICLES_FTS"):
            raise sqlite3.OperationalError("disk I/O error")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _fail_next_index_write(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the write's last step, after its row is written: SQLite's index row,
    PostgreSQL's NOTIFY."""
    if isinstance(store, sqlite_module.SQLiteStore):
        store._local.conn = _FailingFtsWrite(store.conn)
        return

    def fail(*args: object) -> None:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    notify: Callable[..., None] = fail
    monkeypatch.setattr(store, "_notify", notify)


def test_a_create_that_fails_midway_leaves_nothing(
    store: Store, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_next_index_write(store, monkeypatch)
    with pytest.raises(StoreUnavailable):
        store.put(make("nua-chung", title="Bài viết dở dang"))

    assert raw(db, "SELECT count(*) FROM articles WHERE slug = 'nua-chung'") == [(0,)]
    assert index_rows(db) == 0
    assert store.get("nua-chung") is None
    assert store.search("dang", 10) == ([], 0)
    monkeypatch.undo()
    # The write lock was released: the next write goes through.
    assert store.put(make("nua-chung", title="Bài viết dở dang")) == ("created", 1)


def test_an_update_that_fails_midway_keeps_the_old_version(
    store: Store, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = make("cap-nhat", title="Tiêu đề cũ")
    store.put(original)
    _fail_next_index_write(store, monkeypatch)
    with pytest.raises(StoreUnavailable):
        store.put(replace(original, title="Tiêu đề mới toanh"))

    assert store.get("cap-nhat") == replace(original, revision=1)
    assert store.search("toanh", 10) == ([], 0)
    assert [h.article.slug for h in store.search("tieu de cu", 10)[0]] == ["cap-nhat"]
    assert index_rows(db) == 1


# -- search ---------------------------------------------------------------------------------------
@pytest.fixture
def filled(store: Store, portal_path: Path) -> Store:
    """The portal article and one unrelated article."""
    from service.importers import import_paths

    assert import_paths(store, [portal_path]).ok
    store.put(make("khong-lien-quan", title="Thời tiết cuối tuần", body_html="<p>Trời nắng.</p>"))
    return store


@pytest.mark.parametrize(
    "query",
    ["vien kiem sat", "Viện kiểm sát", "Phạm Thu Hằng", "pham thu hang", "PHAM THU HANG",
     "ky so van ban to tung", "dong chi", "tap huan ky nang so", "kiem sa"],
)  # fmt: skip
def test_search_ignores_diacritics_and_case(filled: Store, query: str) -> None:
    hits, total = filled.search(query, 10)
    assert total == 1
    assert [h.article.title for h in hits] == [portal.TITLE]


def test_d_with_stroke_folds_to_d(store: Store) -> None:
    store.put(make("dong-chi", title="Đồng chí Giám đốc phát biểu"))
    store.put(make("song", title="Dòng sông quê"))
    for query in ("dong chi", "Đồng chí", "ĐỒNG CHÍ"):
        hits, _ = store.search(query, 10)
        assert [h.article.slug for h in hits] == ["dong-chi"], query
    hits, total = store.search("dong", 10)
    assert total == 2
    assert {h.article.slug for h in hits} == {"dong-chi", "song"}


def test_title_match_ranks_above_body_only_match(store: Store) -> None:
    filler = " ".join(["Nội dung khác không liên quan."] * 8)
    store.put(
        make(
            "trong-than-bai",
            title="Tin tổng hợp trong tuần",
            published="2024-05-01",  # newer, so date order alone would put it first
            body_html=f"<p>{filler} Thư viện mở cửa muộn hơn.</p>",
        )
    )
    store.put(
        make(
            "trong-tieu-de",
            title="Thư viện mở cửa đến 21 giờ",
            published="2023-01-01",
            body_html=f"<p>{filler} Giờ phục vụ kéo dài.</p>",
        )
    )
    hits, total = store.search("thu vien", 10)
    assert total == 2
    assert [h.article.slug for h in hits] == ["trong-tieu-de", "trong-than-bai"]


def test_snippet_marks_matches_and_escapes_the_text(store: Store) -> None:
    body = "<p>Giá vé &lt;b&gt;giảm&lt;/b&gt; 5 &lt; 6 &amp; thư viện mở cửa “muộn”.</p>"
    store.put(make("doan-trich", title="Tin ngắn", body_html=body))
    hits, _ = store.search("thu vien", 10)
    snippet = hits[0].snippet_html

    assert "<mark>thư</mark> <mark>viện</mark>" in snippet
    assert set(re.findall(r"</?([a-zA-Z]+)", snippet)) == {"mark"}
    assert "&lt;b&gt;giảm&lt;/b&gt;" in snippet
    assert "5 &lt; 6 &amp; " in snippet


def test_snippet_of_a_long_body_is_cut_around_the_match(store: Store) -> None:
    before = " ".join(f"từ{n}" for n in range(200))
    store.put(make("dai", body_html=f"<p>{before} kiểm sát viên {before}.</p>"))
    snippet = store.search("kiem sat", 10)[0][0].snippet_html
    assert "<mark>kiểm</mark> <mark>sát</mark>" in snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert len(snippet) < 400


# Queries made only of FTS5 syntax: they must never raise, and find nothing or something.
SYNTAX_ONLY = ['"', '""', "*", "NEAR(", "NEAR(a b", "AND", "OR", "NOT", "-", "^", "title:",
               "(((", ")", "{title body}:", "a:b:c", "'", "\\", "%", "\x00"]  # fmt: skip


@pytest.mark.parametrize("query", SYNTAX_ONLY)
def test_fts_syntax_never_raises(filled: Store, query: str) -> None:
    hits, total = filled.search(query, 10)
    assert isinstance(hits, list)
    assert total >= len(hits)


# Real words wrapped in FTS5 syntax: the words are still searched for.
WRAPPED = ['"vien kiem sat"', '"vien kiem sat', "vien*", "(vien kiem sat", "vien kiem sat)",
           "-vien", "^vien", "vien: kiem", "{vien}", "vien + kiem", "kiem-sat"]  # fmt: skip


@pytest.mark.parametrize("query", WRAPPED)
def test_fts_syntax_around_words_still_finds_them(filled: Store, query: str) -> None:
    hits, total = filled.search(query, 10)
    assert [h.article.title for h in hits] == [portal.TITLE]
    assert total == 1


def test_search_pages_and_counts_all_matches(store: Store) -> None:
    for n in range(13):
        store.put(make(f"tin-{n:02d}", title=f"Thư viện tin số {n}"))
    first, total = store.search("thu vien", 10)
    second, total_again = store.search("thu vien", 10, offset=10)
    assert total == total_again == 13
    assert len(first) == 10 and len(second) == 3
    assert {h.article.slug for h in first} | {h.article.slug for h in second} == {
        f"tin-{n:02d}" for n in range(13)
    }


def test_a_huge_word_finds_nothing_and_never_raises(filled: Store) -> None:
    for query in ("a" * 5000, "vien " + "kiem" * 1000, "ư" * 3000):
        assert filled.search(query, 10) == ([], 0)


def test_an_empty_or_punctuation_query_finds_nothing(filled: Store) -> None:
    for query in ("", "   ", "?!.,", "…"):
        assert filled.search(query, 10) == ([], 0)


def test_all_reads_every_article_oldest_first_a_batch_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.store.common as common

    for n in range(7):
        store.put(make(f"bai-{n}"))
    store.put(make("bai-2", title="Sửa"))  # an update keeps its place
    store.delete("bai-4")
    reads: list[str] = []
    real_read = store._read
    monkeypatch.setattr(common, "ALL_BATCH", 3)
    monkeypatch.setattr(store, "_read", lambda sql, *a: reads.append(sql) or real_read(sql, *a))
    found = list(store.all())
    assert [a.slug for a in found] == ["bai-0", "bai-1", "bai-2", "bai-3", "bai-5", "bai-6"]
    assert found[2].title == "Sửa"
    assert len(reads) == 3 and all(sql.endswith("LIMIT 3") for sql in reads)  # 3, 3, none


# -- what the sitemap reads ------------------------------------------------------------------------
def test_stamps_are_each_articles_slug_and_dates_newest_first_paged_and_streamed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the order the lists use (by instant: an offset counts), the same page `latest`
    gives, read a few rows at a time (the sitemap of 50,000 articles holds no list)."""
    import service.store.common as common

    monkeypatch.setattr(common, "STREAM_ROWS", 2)
    monkeypatch.setattr(postgres_module, "STREAM_ROWS", 2)
    monkeypatch.setattr(sqlite_module, "STREAM_ROWS", 2)
    store.put(make("cu", published="2023-09-20"))
    store.put(make("muoi", published="2023-09-21T10:00:00+00:00"))
    store.put(make("som", published="2023-09-21T15:00:00+07:00", updated="2023-09-23"))
    store.put(make("moi", published="2023-09-22"))
    store.put(make("cung-ngay", published="2023-09-22"))
    stamps = list(store.stamps(10))
    assert [s.slug for s in stamps] == [a.slug for a in store.latest(10)[0]]
    assert [s.slug for s in stamps] == ["cung-ngay", "moi", "muoi", "som", "cu"]
    assert stamps[3] == ("som", "2023-09-21T15:00:00+07:00", "2023-09-23")
    assert stamps[0].updated is None
    assert [s.slug for s in store.stamps(2, 2)] == ["muoi", "som"]
    assert list(store.stamps(5, 5)) == []
    rows = store.stamps(10)
    assert next(rows).slug == "cung-ngay"  # a generator: the rest are fetched as read
    rows.close()  # abandoned: the connection goes back to the pool
    assert [s.slug for s in store.stamps(1)] == ["cung-ngay"]


def test_teasers_are_what_the_feed_shows_of_the_newest_articles(store: Store) -> None:
    from service.articles import Teaser

    store.put(make("cu", published="2023-09-20", summary="Tóm tắt cũ.", lang="en"))
    store.put(make("moi", published="2023-09-22", updated="2023-09-23T08:00:00+07:00"))
    store.put(make("giua", published="2023-09-21"))
    articles = store.latest(2)[0]
    teasers = store.teasers(2)
    assert teasers == [Teaser(*(getattr(a, f) for f in Teaser._fields)) for a in articles]
    assert [t.slug for t in teasers] == ["moi", "giua"] and teasers[0].updated is not None
    assert store.teasers(5)[-1] == ("cu", "Bài cu", "en", "2023-09-20", None, "Tóm tắt cũ.")
