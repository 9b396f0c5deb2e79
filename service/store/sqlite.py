"""Articles in SQLite (the embedded default): WAL, versioned migrations, FTS5 search.

One connection per thread (WAL lets readers run beside one writer). Every
article is written in its own transaction, so a crash leaves each article
either complete or absent.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import quote

from ..articles import Article
from ..errors import StoreUnavailable
from ..text import fold_for_index, words
from .common import (
    MAX_TERMS,
    READ,
    VALUE_COLUMNS,
    Changes,
    Hit,
    Store,
    WriteResult,
    article_from_row,
    column_list,
    html_to_text,
    snippet,
    stored_values,
)

# Each entry moves the schema one version up; never edit a shipped entry.
MIGRATIONS: tuple[str, ...] = (
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
    "ALTER TABLE articles ADD COLUMN source_url TEXT NOT NULL DEFAULT ''",
    # Every widget bundle served, so a URL pinned with SRI outlives upgrades (widget.py).
    """
    CREATE TABLE widget_bundles (
        digest TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )
    """,
    # The media store (store/media.py): each width of an image, and the uploaded names.
    """
    CREATE TABLE media (
        digest TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        ext TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (digest, width)
    ) WITHOUT ROWID;
    CREATE TABLE media_names (name TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID
    """,
    # Ingest (service/ingest/): the hash an import compares, each source page's origin,
    # article and validators for the next conditional GET (store/ingested.py).
    """
    ALTER TABLE articles ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
    CREATE TABLE ingested (url TEXT PRIMARY KEY, origin TEXT NOT NULL, slug TEXT NOT NULL,
        etag TEXT, last_modified TEXT, listed TEXT) WITHOUT ROWID
    """,
)

# Statements from the schema's column names (common.py), built once.
SELECT = f"SELECT {column_list(READ)} FROM articles"
SELECT_STORED = f"SELECT id, revision, {column_list(VALUE_COLUMNS)} FROM articles WHERE slug = ?"
INSERT = (
    f"INSERT INTO articles (slug, {column_list(VALUE_COLUMNS)}, body_text)"
    f" VALUES ({', '.join('?' * (len(VALUE_COLUMNS) + 2))})"
)
UPDATE = (
    f"UPDATE articles SET {', '.join(f'{name}=?' for name in VALUE_COLUMNS)}, body_text=?,"
    " revision=?, modified_at=strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id=?"
)


class SQLiteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._watch: sqlite3.Connection | None = None
        self._created = False
        self._generation = 0
        self._seen: int | None = None  # data_version at the last poll
        if self.path != ":memory:" and not self.path.startswith("file:"):
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.migrate()
        self._created = True

    # -- connections -------------------------------------------------------
    def _target(self) -> str:
        """After start-up, open the file read-write but never create it: a store
        that vanished is an outage to report, not an empty database to serve."""
        if self.path == ":memory:" or self.path.startswith("file:") or not self._created:
            return self.path
        return f"file:{quote(str(Path(self.path).resolve()))}?mode=rw"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._target(), timeout=10, isolation_level=None, uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA cache_size=-1024")  # 1 MB a connection; one per worker thread
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "generation", 0) != self._generation:
            conn.close()  # reset() since this thread connected: reopen the file
            conn = None
        if conn is None:
            try:
                conn = self._connect()
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
            self._local.conn = conn
            self._local.generation = self._generation
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def migrate(self) -> int:
        conn = self.conn
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";\n")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return len(MIGRATIONS)

    def data_version(self) -> int:
        """Changes whenever another connection (thread or process) commits.

        The value only compares with earlier values from the same connection,
        so it is read from one connection kept for this purpose.
        """
        try:
            if self._watch is None:
                self._watch = sqlite3.connect(self._target(), uri=True, check_same_thread=False)
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as exc:
            self._watch = None
            raise StoreUnavailable(str(exc)) from exc

    def poll(self) -> Changes | None:
        """SQLite cannot say what changed, only that something did: re-read all."""
        try:
            version = self.data_version()
        except StoreUnavailable:
            self._seen = None  # resync once it is back
            raise
        if version == self._seen:
            return None
        self._seen = version
        return Changes(slugs=None)

    def reset(self) -> None:
        """Make every thread reopen the file on its next query (after an outage)."""
        self._generation += 1
        self._watch = None

    def healthy(self) -> bool:
        """Open the file afresh and read it: an open connection can outlive a
        file that was moved or replaced, so it proves nothing."""
        try:
            probe = sqlite3.connect(self._target(), timeout=2, uri=True)
            try:
                probe.execute("SELECT count(*) FROM articles").fetchone()
            finally:
                probe.close()
        except sqlite3.Error:
            self.reset()
            return False
        return True

    # -- reads ---------------------------------------------------------------
    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            self.close()
            raise StoreUnavailable(str(exc)) from exc

    def get(self, slug: str) -> Article | None:
        rows = self._read(f"{SELECT} WHERE slug = ?", (slug,))
        return article_from_row(rows[0]) if rows else None

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM articles")[0][0])

    def latest(self, limit: int, offset: int = 0) -> tuple[list[Article], int]:
        rows = self._read(
            f"{SELECT} ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [article_from_row(r) for r in rows], self.count()

    def tagged(self, tag: str, limit: int, offset: int = 0) -> tuple[list[Article], int]:
        has = " WHERE EXISTS (SELECT 1 FROM json_each(articles.tags) WHERE value = ?)"
        total = int(self._read(f"SELECT count(*) FROM articles{has}", (tag,))[0][0])
        rows = self._read(
            f"{SELECT}{has} ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?",
            (tag, limit, offset),
        )
        return [article_from_row(r) for r in rows], total

    def revisions(self) -> list[tuple[str, int]]:
        return [(r[0], int(r[1])) for r in self._read("SELECT slug, revision FROM articles")]

    def all(self) -> Iterator[Article]:
        for row in self._read(f"{SELECT} ORDER BY id"):
            yield article_from_row(row)

    def search(self, query: str, limit: int, offset: int = 0) -> tuple[list[Hit], int]:
        terms = words(query)[:MAX_TERMS]
        if not terms:
            return [], 0
        # Each term is quoted, so the reader's text is never FTS5 syntax; the
        # last one is a prefix so "kiem sa" already finds "kiểm sát".
        match = " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*'
        total = int(
            self._read("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (match,))[0][
                0
            ]
        )
        rows = self._read(
            f"SELECT {column_list(READ, 'a.')}, a.body_text,"
            " bm25(articles_fts, 10.0, 4.0, 1.0) AS score"
            " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
            " WHERE articles_fts MATCH ? ORDER BY score, a.published_at DESC LIMIT ? OFFSET ?",
            (match, limit, offset),
        )
        hits = []
        for row in rows:
            article = article_from_row(row)
            hits.append(Hit(article, snippet(row["body_text"] or article.summary, terms)))
        return hits, total

    # -- writes ----------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back when it
        raises; a SQLite error closes the connection and is StoreUnavailable."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self.close()
            raise StoreUnavailable(str(exc)) from exc

    def _media_write(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._writing()

    def put(self, article: Article) -> tuple[WriteResult, int]:
        """Create or update by slug; the revision goes up only when something changed."""
        body_text = html_to_text(article.body_html)
        values = stored_values(article)
        with self._writing() as conn:
            row = conn.execute(SELECT_STORED, (article.slug,)).fetchone()
            if row is not None and tuple(row)[2:] == values:
                return "unchanged", int(row["revision"])
            if row is None:
                cur = conn.execute(INSERT, (article.slug, *values, body_text))
                rowid, revision, result = cur.lastrowid, 1, "created"
            else:
                rowid, revision, result = row["id"], row["revision"] + 1, "updated"
                conn.execute(UPDATE, (*values, body_text, revision, rowid))
                conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
            conn.execute(
                "INSERT INTO articles_fts (rowid, title, summary, body) VALUES (?,?,?,?)",
                (
                    rowid,
                    fold_for_index(article.title),
                    fold_for_index(article.summary),
                    fold_for_index(body_text),
                ),
            )
        return result, revision  # type: ignore[return-value]

    def delete(self, slug: str) -> bool:
        with self._writing() as conn:
            row = conn.execute("SELECT id FROM articles WHERE slug = ?", (slug,)).fetchone()
            if row is not None:
                conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (row["id"],))
                conn.execute("DELETE FROM articles WHERE id = ?", (row["id"],))
        return row is not None

    # -- the widget's bundles ----------------------------------------------------
    def keep_bundle(self, digest: str, body: bytes) -> bool:
        if self._read("SELECT 1 FROM widget_bundles WHERE digest = ?", (digest,)):
            return False  # the usual start-up: no write lock taken
        with self._writing() as conn:
            cur = conn.execute(
                "INSERT INTO widget_bundles (digest, body) VALUES (?, ?)"
                " ON CONFLICT (digest) DO NOTHING",
                (digest, body),
            )
        return cur.rowcount == 1
