"""A store as Legible wrote it before `source_url` (git 68fa19e), on either engine:
its migrations and its writer's SQL, copied verbatim from that commit's
service/store/sqlite.py and postgres.py, so an upgrade test opens a real old store.

    old_store.create(db)                      # the old schema, at its old version
    old_store.put(db, slug, title=…, …)       # the old put(): insert, or update + revision

tests/test_store_upgrade.py checks that these migrations are still the first
entries of today's (a shipped migration is never edited), then opens the old store
with today's code.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import psycopg

from service.store import is_postgres
from service.store.common import html_to_text, published_instant
from service.store.postgres import search_vector
from service.text import fold_for_index

SQLITE_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        lang TEXT NOT NULL DEFAULT 'vi',
        published TEXT NOT NULL,
        updated TEXT,
        summary TEXT NOT NULL DEFAULT '',
        byline TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        body_html TEXT NOT NULL,
        body_text TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 1,
        modified_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX articles_by_date ON articles (published DESC, id DESC);
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, summary, body, tokenize = 'unicode61 remove_diacritics 2'
    );
    """,
    # Order by the instant, not the text: offsets differ between sources.
    """
    ALTER TABLE articles ADD COLUMN published_at TEXT
        GENERATED ALWAYS AS (datetime(published)) VIRTUAL;
    DROP INDEX articles_by_date;
    CREATE INDEX articles_by_instant ON articles (published_at DESC, id DESC);
    """,
)

POSTGRES_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        slug text NOT NULL UNIQUE,
        title text NOT NULL,
        lang text NOT NULL DEFAULT 'vi',
        published text NOT NULL,
        published_at timestamp,
        updated text,
        summary text NOT NULL DEFAULT '',
        byline text NOT NULL DEFAULT '',
        tags text NOT NULL DEFAULT '[]',
        body_html text NOT NULL,
        body_text text NOT NULL,
        search tsvector NOT NULL,
        revision integer NOT NULL DEFAULT 1,
        modified_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX articles_by_instant ON articles (published_at DESC NULLS LAST, id DESC);
    CREATE INDEX articles_search ON articles USING gin (search);
    """,
)

# The old writer's column list (its common.stored_fields order) and statements.
FIELDS = "title, lang, published, updated, summary, byline, tags, body_html"
SQLITE_INSERT = (
    "INSERT INTO articles (slug, title, lang, published, updated, summary,"
    " byline, tags, body_html, body_text) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
SQLITE_UPDATE = (
    "UPDATE articles SET title=?, lang=?, published=?, updated=?, summary=?,"
    " byline=?, tags=?, body_html=?, body_text=?, revision=?,"
    " modified_at=strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id=?"
)
SQLITE_INDEX = "INSERT INTO articles_fts (rowid, title, summary, body) VALUES (?,?,?,?)"
POSTGRES_INSERT = (
    f"INSERT INTO articles (slug, {FIELDS}, body_text, search, published_at)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s::tsvector,%s)"
)
POSTGRES_UPDATE = (
    "UPDATE articles SET title=%s, lang=%s, published=%s, updated=%s,"
    " summary=%s, byline=%s, tags=%s, body_html=%s, body_text=%s,"
    " search=%s::tsvector, published_at=%s, revision=%s, modified_at=now()"
    " WHERE id=%s"
)


def create(db: str) -> None:
    """An empty store with the old schema, migrated the way the old code migrated."""
    if is_postgres(db):
        with psycopg.connect(db) as conn, conn.transaction():
            conn.execute("CREATE TABLE IF NOT EXISTS legible_schema (version integer)")
            for number, script in enumerate(POSTGRES_MIGRATIONS, start=1):
                for statement in filter(str.strip, script.split(";\n")):
                    conn.execute(statement.encode())
                conn.execute("DELETE FROM legible_schema")
                conn.execute("INSERT INTO legible_schema VALUES (%s)", (number,))
        return
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for number, script in enumerate(SQLITE_MIGRATIONS, start=1):
            conn.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, script.split(";\n")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
    finally:
        conn.close()


def put(db: str, slug: str, **article: Any) -> None:
    """Write one article as the old `put` did: create it, or update it and count a revision.
    `article` holds the old fields (title, published and body_html at least)."""
    values = (
        article["title"],
        article.get("lang", "vi"),
        article["published"],
        article.get("updated"),
        article.get("summary", ""),
        article.get("byline", ""),
        json.dumps(list(article.get("tags", ())), ensure_ascii=False),
        article["body_html"],
    )
    body_text = html_to_text(article["body_html"])
    if is_postgres(db):
        vector = search_vector(values[0], values[4], body_text)
        instant = published_instant(values[2])
        with psycopg.connect(db) as conn, conn.transaction():
            row = conn.execute("SELECT id, revision FROM articles WHERE slug = %s", (slug,))
            found = row.fetchone()
            if found is None:
                conn.execute(POSTGRES_INSERT, (slug, *values, body_text, vector, instant))
            else:
                conn.execute(
                    POSTGRES_UPDATE, (*values, body_text, vector, instant, found[1] + 1, found[0])
                )
        return
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        found = conn.execute("SELECT id, revision FROM articles WHERE slug = ?", (slug,)).fetchone()
        if found is None:
            rowid = conn.execute(SQLITE_INSERT, (slug, *values, body_text)).lastrowid
        else:
            rowid = found[0]
            conn.execute(SQLITE_UPDATE, (*values, body_text, found[1] + 1, rowid))
            conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
        index = (fold_for_index(values[0]), fold_for_index(values[4]), fold_for_index(body_text))
        conn.execute(SQLITE_INDEX, (rowid, *index))
        conn.execute("COMMIT")
    finally:
        conn.close()
