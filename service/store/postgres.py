"""Articles in PostgreSQL (`LEGIBLE_DB=postgresql://…`): one store shared by replicas.

The same behaviour as the SQLite store: versioned migrations, one transaction
per article, revisions, and ranked search that ignores case and diacritics.
The search vector is built here from the same folded words a query is made of
(`text.words`), so đ, Vietnamese tones and case fold exactly as in SQLite,
whatever the server's locale; weights A, B and D rank title, summary and body.

Every write sends a NOTIFY inside its transaction, so it is heard only once
committed; each replica's `listener.Listener` turns it into cache evictions.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from ..articles import Article
from ..errors import SettingsInvalid, StoreUnavailable
from ..fieldtypes import NUL
from ..text import words
from .common import (
    MAX_TERMS,
    READ,
    STREAM_ROWS,
    VALUE_COLUMNS,
    Changes,
    Hit,
    Store,
    WriteResult,
    article_from_row,
    column_list,
    html_to_text,
    published_instant,
    snippet,
    stored_values,
)
from .listener import CHANNEL, Listener
from .pg_migrations import MIGRATIONS
from .pgurl import redacted

MIGRATION_LOCK = 0x1E61B1E  # pg_advisory_xact_lock keys: replicas migrate one at a time
WRITE_LOCK = 0x1E61B1F  # with hashtext(slug): one writer per slug, even for a new slug
POOL_SIZE = 8  # connections a process may open; requests wait for one up to POOL_WAIT
POOL_WAIT = 2.0  # seconds; then the request gets a 503
DOWN_WAIT = 0.2  # seconds, while the last attempt failed: an outage answers 503 at once
CONNECT_TIMEOUT = 3  # seconds, for each new connection
# Without its LISTEN connection a replica cannot hear other writers, so it would serve
# (and Varnish would cache) old pages: /healthz turns 503 after this many seconds.
LISTENER_GRACE = 1.0
# The pool retries a failed connection with doubling delays until this many seconds,
# then gives up until a request asks again. Left at psycopg's 300 s, a minute's outage
# grows the delay to a minute, and a replica served 503s for that long after PostgreSQL
# came back (tests/test_varnish.py); bounded, a request starts a fresh attempt at once.
RECONNECT_GIVE_UP = 5.0
# Statements from the schema's column names (common.py), built once.
ARTICLE = column_list(READ)
SELECT_STORED = f"SELECT id, revision, {column_list(VALUE_COLUMNS)} FROM articles WHERE slug = %s"
INSERT = (
    f"INSERT INTO articles (slug, {column_list(VALUE_COLUMNS)}, body_text, search, published_at)"
    f" VALUES ({'%s, ' * (len(VALUE_COLUMNS) + 2)}%s::tsvector, %s)"
)
UPDATE = (
    f"UPDATE articles SET {', '.join(f'{name}=%s' for name in VALUE_COLUMNS)}, body_text=%s,"
    " search=%s::tsvector, published_at=%s, revision=%s, modified_at=now() WHERE id=%s"
)
# A tsvector keeps 256 positions a lexeme, positions up to 16383, lexemes under 2 KB,
# and 1 MB in all: words past VECTOR_BYTES (far beyond any article) are not indexed.
MAX_POSITIONS, LAST_POSITION, LONGEST_WORD, VECTOR_BYTES = 256, 16383, 500, 800_000
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D (body), C, B (summary), A (title), as SQLite's bm25


class _OneLine(logging.Filter):
    """The pool's warnings (libpq's messages run over several lines) on one line each,
    like every other line Legible logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = " ".join(record.getMessage().split()), None
        return True


logging.getLogger("psycopg.pool").addFilter(_OneLine())


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def search_vector(title: str, summary: str, body: str) -> str:
    """A tsvector literal of the folded words, title weighted A, summary B, body D."""
    spots: dict[str, list[str]] = {}
    position = size = 0
    for weight, text in (("A", title), ("B", summary), ("D", body)):
        for word in words(text):
            if len(word) > LONGEST_WORD:
                continue
            position = min(position + 1, LAST_POSITION)
            found = spots.get(word)
            if found is None:
                size += len(word.encode()) + 8  # the lexeme, its entry, alignment
                if size > VECTOR_BYTES:
                    continue
                found = spots[word] = []
            if len(found) < MAX_POSITIONS:
                found.append(f"{position}{weight}")
                size += 2
    return " ".join(f"'{w}':{','.join(p)}" for w, p in spots.items())


def search_query(terms: list[str]) -> str:
    """Every term, the last as a prefix: `'kiem' & 'sa':*`. Terms are \\w+ only,
    so quoting them is enough to keep the reader's text out of tsquery syntax."""
    return " & ".join([*(f"'{t}'" for t in terms[:-1]), f"'{terms[-1]}':*"])


class PostgresStore(Store):
    PARAM = "%s"  # the placeholder of the SQL written once for both engines
    NEWEST = "published_at DESC NULLS LAST, id DESC"

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = redacted(url)
        try:
            conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise SettingsInvalid(
                f"LEGIBLE_DB {self.where!r} is not a usable PostgreSQL URL: {one_line(exc)}"
            ) from None
        self.writer = uuid.uuid4().hex  # our own notifications are not news to us
        self.listener: Listener | None = None
        self.news_waiting = False  # set by the listener's thread, cleared by poll()
        self.down = False  # the last query failed: wait DOWN_WAIT, not POOL_WAIT
        self.migrate()  # also proves the database is there, with a clear message if not
        self.pool: ConnectionPool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=POOL_WAIT,
            kwargs={"connect_timeout": CONNECT_TIMEOUT, "application_name": "legible"},
            check=ConnectionPool.check_connection,  # a restart leaves dead idle connections
            reconnect_timeout=RECONNECT_GIVE_UP,
            name="legible",
            open=True,
        )

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"PostgreSQL at {self.where}: {one_line(exc)}")

    # -- connections -----------------------------------------------------------
    def migrate(self) -> int:
        try:
            with (
                psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT) as conn,
                conn.transaction(),
            ):
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                conn.execute("CREATE TABLE IF NOT EXISTS legible_schema (version integer)")
                row = conn.execute("SELECT max(version) FROM legible_schema").fetchone()
                version = int(row[0] or 0) if row else 0
                for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    for statement in filter(str.strip, script.split(";\n")):
                        conn.execute(statement.encode())  # DDL, ours: no parameters
                    conn.execute("DELETE FROM legible_schema")
                    conn.execute("INSERT INTO legible_schema VALUES (%s)", (number,))
        except psycopg.Error as exc:
            raise self._unavailable(exc) from None
        return len(MIGRATIONS)

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        self.pool.close()

    def healthy(self) -> bool:
        try:
            self._read("SELECT 1 FROM articles LIMIT 1")  # readable, without counting
        except StoreUnavailable:
            return False
        return True

    def stale_reason(self) -> str | None:
        listener = self.listener
        if listener is None or listener.disconnected_for() <= LISTENER_GRACE:
            return None
        listener.wake()  # the database answered (healthy() is asked first): listen again
        return f"not listening for changes for {listener.disconnected_for():.0f} s"

    def _news(self) -> None:
        self.news_waiting = True

    def poll(self) -> Changes | None:
        if self.listener is None:  # the first call: serving starts, so listen
            self.listener = Listener(self.url, self.writer, on_news=self._news)
            self.listener.connected.wait(CONNECT_TIMEOUT)
        self.news_waiting = False  # before take(): news heard after it sets it again
        return self.listener.take()

    @property
    def reconnects(self) -> int:
        return self.listener.reconnects if self.listener is not None else 0

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with (
                self.pool.connection(timeout=DOWN_WAIT if self.down else POOL_WAIT) as conn,
                conn.transaction(),
            ):
                yield conn
        except PoolTimeout as exc:  # an outage when no connection is left, else only busy
            # First: PoolTimeout is an OperationalError, which the next branch would take.
            self.down = self.down or not self.pool.get_stats().get("pool_size")
            raise self._unavailable(exc) from exc
        except psycopg.OperationalError as exc:
            self.down = True  # the pool keeps reconnecting in the background
            raise self._unavailable(exc) from exc
        except psycopg.Error as exc:
            raise self._unavailable(exc) from exc
        self.down = False

    # -- reads -------------------------------------------------------------------
    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._transaction() as conn:
            return conn.execute(sql.encode(), params).fetchall()

    def _stream(self, sql: str, params: tuple[object, ...] = ()) -> Iterator[tuple[Any, ...]]:
        with self._transaction() as conn, conn.cursor(name="legible_stream") as cursor:
            cursor.itersize = STREAM_ROWS  # a server-side cursor: never every row at once
            cursor.execute(sql.encode(), params)
            yield from cursor

    def get(self, slug: str) -> Article | None:
        if NUL in slug:  # PostgreSQL refuses it in a parameter; no slug holds it
            return None
        rows = self._read(f"SELECT {ARTICLE} FROM articles WHERE slug = %s", (slug,))
        return article_from_row(rows[0]) if rows else None

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM articles")[0][0])

    def latest(self, limit: int, offset: int = 0) -> tuple[list[Article], int]:
        rows = self._read(
            f"SELECT {ARTICLE}, count(*) OVER () FROM articles"
            f" ORDER BY {self.NEWEST} LIMIT %s OFFSET %s",
            (limit, offset),
        )
        total = int(rows[0][len(READ)]) if rows else self.count()
        return [article_from_row(r) for r in rows], total

    def tagged(self, tag: str, limit: int, offset: int = 0) -> tuple[list[Article], int]:
        if NUL in tag:  # PostgreSQL refuses it in a parameter; no tag holds it
            return [], 0
        # article_tags' index gives the count and the page in order (pg_migrations.py).
        total = self._read("SELECT count(*) FROM article_tags WHERE tag = %s", (tag,))[0][0]
        rows = self._read(
            f"SELECT {column_list(READ, 'a.')} FROM article_tags t"
            " JOIN articles a ON a.id = t.article_id WHERE t.tag = %s"
            " ORDER BY t.published_at DESC NULLS LAST, t.article_id DESC LIMIT %s OFFSET %s",
            (tag, limit, offset),
        )
        return [article_from_row(r) for r in rows], int(total)

    def revisions(self) -> list[tuple[str, int]]:
        return [(r[0], int(r[1])) for r in self._read("SELECT slug, revision FROM articles")]

    def search(self, query: str, limit: int, offset: int = 0) -> tuple[list[Hit], int]:
        terms = words(query)[:MAX_TERMS]
        if not terms or any(len(t) > LONGEST_WORD for t in terms):
            return [], 0  # such a word is not indexed (nor can a tsquery hold it)
        match = search_query(terms)
        total = int(
            self._read("SELECT count(*) FROM articles WHERE search @@ %s::tsquery", (match,))[0][0]
        )
        rows = self._read(
            f"SELECT {ARTICLE}, body_text,"
            f" ts_rank('{RANK_WEIGHTS}', search, %s::tsquery) AS score"
            " FROM articles WHERE search @@ %s::tsquery"
            " ORDER BY score DESC, published_at DESC NULLS LAST, id DESC LIMIT %s OFFSET %s",
            (match, match, limit, offset),
        )
        hits = []
        for row in rows:
            article = article_from_row(row)
            hits.append(Hit(article, snippet(row[len(READ)] or article.summary, terms)))
        return hits, total

    # -- writes ------------------------------------------------------------------
    def _media_write(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return self._transaction()

    def _notify(self, conn: psycopg.Connection[Any], slug: str, revision: int | None) -> None:
        """Heard by every listener once (and only if) the transaction commits."""
        payload = json.dumps({"slug": slug, "revision": revision, "by": self.writer})
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    def _media_stored(self, conn: psycopg.Connection[Any], digest: str) -> None:
        payload = json.dumps({"media": digest, "by": self.writer})
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    def put(self, article: Article) -> tuple[WriteResult, int]:
        body_text = html_to_text(article.body_html)
        values = stored_values(article)
        result: WriteResult
        with self._transaction() as conn:
            conn.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (WRITE_LOCK, article.slug)
            )
            row = conn.execute(SELECT_STORED, (article.slug,)).fetchone()
            if row is not None and tuple(row[2:]) == values:
                return "unchanged", int(row[1])
            vector = search_vector(article.title, article.summary, body_text)
            instant = published_instant(article.published)
            if row is None:
                revision, result = 1, "created"
                conn.execute(INSERT, (article.slug, *values, body_text, vector, instant))
            else:
                revision, result = int(row[1]) + 1, "updated"
                conn.execute(UPDATE, (*values, body_text, vector, instant, revision, row[0]))
            self._notify(conn, article.slug, revision)
        return result, revision

    def delete(self, slug: str) -> bool:
        if NUL in slug:
            return False
        with self._transaction() as conn:
            gone = conn.execute("DELETE FROM articles WHERE slug = %s RETURNING id", (slug,))
            existed = gone.fetchone() is not None
            if existed:
                self._notify(conn, slug, None)
        return existed

    def keep_bundle(self, digest: str, body: bytes) -> bool:
        with self._transaction() as conn:  # the widget's (service/widget.py)
            sql = b"INSERT INTO widget_bundles VALUES (%s, %s) ON CONFLICT (digest) DO NOTHING"
            return conn.execute(sql, (digest, body)).rowcount == 1
