"""SIGKILL `legible import` in the middle of a 10,000-article batch, then check and resume,
on SQLite and on PostgreSQL.

Each article is written in its own transaction, so after a kill at any instant the database
must open cleanly, every article in it must be complete (row, sanitised body, plain text and
its full-text index entry), none may be half-written, and running the same import again must
finish the batch: exit 0, imported + unchanged = 10,000.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from service.articles import validate
from service.store import is_postgres, open_store

ROOT = Path(__file__).resolve().parents[1]
TOTAL = 10_000
KILL_AFTER = 1_500  # rows committed before the kill (the poll sees 500-9,000)
WORD = "crashmarker"


def _item(i: int) -> dict[str, object]:
    return {
        "slug": f"crash-{i:05d}",
        "title": f"Bài số {i} về thư viện và kiểm sát",
        "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "summary": f"Tóm tắt {i}.",
        "byline": "HQ - TL",
        "tags": ["crash", f"nhom-{i % 7}"],
        "body_html": (
            f"<p>Đoạn một của bài {i}, {WORD} <b>đậm</b>.</p>"
            f"<p onclick=alert(1)>Đoạn hai {i}<script>alert(1)</script>.</p>"
            f"<figure><figcaption>Chú thích {i}</figcaption></figure>"
        ),
    }


def _read_only(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(db))}?mode=ro", uri=True, timeout=5)


def _count(db: str) -> int:
    if is_postgres(db):
        try:
            with psycopg.connect(db) as conn:
                row = conn.execute("SELECT count(*) FROM articles").fetchone()
                return int(row[0]) if row else 0
        except psycopg.Error:
            return 0  # not migrated yet
    try:
        conn = _read_only(db)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created or not migrated yet


def _import(db: str, folder: Path, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "service.cli", "--db", str(db), "import", str(folder)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    finally:
        out.close()


ROWS = "SELECT slug, title, published, summary, byline, tags, body_html, body_text, revision"


def _check_complete_postgres(db: str) -> tuple[int, list[tuple[Any, ...]]]:
    """Every article's search vector finds it; the rows, by slug."""
    with psycopg.connect(db) as conn:
        n = conn.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        matched = conn.execute(
            "SELECT count(*) FROM articles WHERE search @@ %s::tsquery", (WORD,)
        ).fetchall()[0][0]
        assert matched == n, f"the index finds {matched} of {n} articles"
        rows = conn.execute(f"{ROWS} FROM articles ORDER BY slug".encode()).fetchall()
    return n, rows


def _check_complete_sqlite(db: str) -> tuple[int, list[tuple[Any, ...]]]:
    """SQLite's integrity and FTS5's own checks, index rows for every article; the rows."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        # FTS5's own check: the index matches the rows it indexed (raises if corrupt).
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
        n = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        fts = int(conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0])
        assert fts == n, f"{n} articles but {fts} index rows"
        orphans = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS"
            " (SELECT 1 FROM articles_fts f WHERE f.rowid = a.id)"
        ).fetchone()[0]
        assert orphans == 0, f"{orphans} articles without an index row"
        strays = conn.execute(
            "SELECT count(*) FROM articles_fts f WHERE NOT EXISTS"
            " (SELECT 1 FROM articles a WHERE a.id = f.rowid)"
        ).fetchone()[0]
        assert strays == 0, f"{strays} index rows without an article"
        matched = conn.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (WORD,)
        ).fetchone()[0]
        assert matched == n, f"the index finds {matched} of {n} articles"
        rows = conn.execute(f"{ROWS} FROM articles ORDER BY slug").fetchall()
    finally:
        conn.close()
    return n, rows


def _check_complete(db: str, expected_rows: int | None = None) -> int:
    """Integrity, and every article present complete; returns how many there are."""
    if is_postgres(db):
        n, rows = _check_complete_postgres(db)
    else:
        n, rows = _check_complete_sqlite(db)
    # Files are imported in name order, so what landed is exactly a prefix of the batch.
    assert [r[0] for r in rows] == [f"crash-{i:05d}" for i in range(n)]
    for slug, title, published, summary, byline, tags, body_html, body_text, revision in rows:
        want = validate(_item(int(slug.removeprefix("crash-"))))  # what a whole write holds
        assert (title, published, summary, byline) == (
            want.title, want.published, want.summary, want.byline,
        ), slug  # fmt: skip
        assert tuple(json.loads(tags)) == want.tags, slug
        assert body_html == want.body_html and "<script" not in body_html, slug
        number = int(slug.removeprefix("crash-"))
        assert WORD in body_text and body_text.endswith(f"Chú thích {number}"), slug
        assert revision == 1, slug
    if expected_rows is not None:
        assert n == expected_rows
    return n


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch")
    for i in range(TOTAL):
        (folder / f"{i:05d}.json").write_text(json.dumps(_item(i), ensure_ascii=False))
    return folder


def test_sigkill_mid_import_leaves_complete_articles_and_a_rerun_finishes(
    batch: Path, tmp_path: Path, db: str
) -> None:
    proc = _import(db, batch, tmp_path / "first.log")
    seen = 0
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            seen = _count(db)
            if seen >= KILL_AFTER:
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"the import ended before the kill: {seen} rows"
        assert 500 <= seen <= 9_000, f"killed at {seen} rows; the batch is too fast to interrupt"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    survived = _check_complete(db)
    assert seen <= survived < TOTAL, (seen, survived)
    store = open_store(db)  # the service's own view of the survivor
    try:
        assert store.count() == survived
        hits, total = store.search(WORD, 5)
        assert total == survived and len(hits) == 5
        assert store.get(f"crash-{survived - 1:05d}") is not None
        assert store.get(f"crash-{survived:05d}") is None
    finally:
        store.close()

    rerun = subprocess.run(
        [sys.executable, "-m", "service.cli", "--db", str(db), "import", str(batch)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    summary = re.search(r"(\d+) new, (\d+) updated, (\d+) unchanged, (\d+) failed", rerun.stdout)
    assert summary, rerun.stdout[-2000:]
    imported, updated, unchanged, failed = map(int, summary.groups())
    assert (updated, failed) == (0, 0), summary.group(0)
    assert imported + unchanged == TOTAL, summary.group(0)
    assert unchanged == survived and imported == TOTAL - survived, summary.group(0)
    _check_complete(db, expected_rows=TOTAL)
