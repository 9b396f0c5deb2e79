"""The PostgreSQL store's edges: a busy pool is not an outage, URLs in messages show no
secret, a listener survives a bad notification and a bug, and a replica that cannot
listen says so on /healthz (it would serve, and Varnish would cache, old pages)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import psycopg
import pytest
from starlette.testclient import TestClient

import service.store.listener as listener_module
import service.store.postgres as postgres_module
from service import Settings, create_app
from service.articles import validate
from service.errors import StoreUnavailable
from service.store.listener import CHANNEL, Listener
from service.store.pgurl import HIDDEN, redacted
from service.store.postgres import POOL_SIZE, PostgresStore
from tests.support import pg


@pytest.fixture
def pg_db(pg_cluster: pg.Cluster) -> Iterator[str]:
    url = pg_cluster.database()
    yield url
    pg_cluster.release(url)


def until(check: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


# -- a busy pool ----------------------------------------------------------------------------
def test_a_busy_pool_is_not_an_outage(pg_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres_module, "POOL_WAIT", 0.3)  # the test waits for it once
    store = PostgresStore(pg_db)
    try:
        with ExitStack() as held:  # every connection taken, the database fine
            for _ in range(POOL_SIZE):
                held.enter_context(store.pool.connection())
            with pytest.raises(StoreUnavailable, match=r"PoolTimeout|couldn't get a connection"):
                store.count()
            assert not store.down  # only busy: the next request still waits POOL_WAIT
        assert store.count() == 0 and not store.down
    finally:
        store.close()


# -- no secret in messages ------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://legible:s3cret@db.example:5433/news",
        "postgresql://legible:s3/cret@db.example:5433/news",
        "postgresql://legible:s3cret@x@db.example:5433/news",
        "postgresql://legible@db.example:5433/news?password=s3cret&sslmode=require",
        "host=db.example port=5433 dbname=news user=legible password=s3cret",
    ],
)
def test_a_url_in_a_message_shows_only_host_port_and_database(url: str) -> None:
    shown = redacted(url)
    assert "s3" not in shown and "cret" not in shown and "legible" not in shown
    assert shown in ("postgresql://db.example:5433/news", HIDDEN), shown
    if "/" not in url.split("@")[0][13:] and url.count("@") < 2:
        assert shown == "postgresql://db.example:5433/news"  # parsed as meant: shown


def test_an_unparsable_url_is_not_shown_at_all() -> None:
    assert redacted("postgresql://legible:s3cret@[::1/news") == HIDDEN


# -- the listener ---------------------------------------------------------------------------
def test_a_bad_notification_is_ignored_and_listening_goes_on(pg_db: str) -> None:
    listener = Listener(pg_db, writer="us")
    try:
        assert listener.connected.wait(5)
        until(lambda: listener.take() is not None)  # the first connect: re-read everything
        with psycopg.connect(pg_db, autocommit=True) as conn:
            bad, good = ['{"slug": "a", "revision": "a"}', "[1]"], '{"slug": "b", "revision": 3}'
            for payload in [*bad, good]:
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        heard: dict[str, int | None] = {}

        def took() -> bool:
            news = listener.take()
            if news is not None and news.slugs:
                heard.update(news.slugs)
            return "b" in heard

        until(took)
        assert heard == {"b": 3}
        assert listener._thread.is_alive()
    finally:
        listener.close()


def test_an_unexpected_error_reconnects_instead_of_ending_the_thread(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listener_module, "AFTER_BUG", 0.1)
    listener = Listener(pg_db, writer="us")
    try:
        assert listener.connected.wait(5)
        original = listener._heard
        calls = []

        def broken(payload: str) -> None:
            calls.append(payload)
            if len(calls) == 1:
                raise RuntimeError("a bug")
            original(payload)

        monkeypatch.setattr(listener, "_heard", broken)
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, '{"slug": "a", "revision": 1}'))
        until(lambda: len(calls) == 1)
        until(lambda: listener.reconnects == 1)  # listening again, and it says so
        assert listener._thread.is_alive()
        news = listener.take()
        assert news is not None and news.clear  # it may have missed notifications
    finally:
        listener.close()


def test_news_waiting_is_set_by_a_notification_and_cleared_by_poll(pg_db: str) -> None:
    store, other = PostgresStore(pg_db), PostgresStore(pg_db)
    try:
        store.poll()
        assert not store.news_waiting
        other.put(
            validate(
                {"slug": "moi", "title": "Mới", "published": "2024-01-02", "body_html": "<p>x</p>"}
            )
        )
        until(lambda: store.news_waiting)
        news = store.poll()
        assert news is not None and news.slugs == {"moi": 1}
        assert not store.news_waiting
    finally:
        store.close()
        other.close()


# -- /healthz while the listener is away ----------------------------------------------------
def _cut_listener(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'legible-listener' AND datname = current_database()"
        )


def test_healthz_is_503_while_the_listener_is_disconnected(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listener_module, "BACKOFF_FIRST", 30.0)  # only a wake ends it
    app = create_app(Settings(db=pg_db))
    client = TestClient(app)
    try:
        assert client.get("/healthz").status_code == 200
        _cut_listener(pg_db)
        time.sleep(0.5)
        assert client.get("/healthz").status_code == 200  # a blip is not an outage
        time.sleep(0.7)
        got = client.get("/healthz")
        assert got.status_code == 503, got.text
        body = json.loads(got.text)
        assert body["status"] == "degraded" and body["store"] == "ok"
        assert body["reason"].startswith("not listening for changes")
        # The database answered /healthz: the listener retries at once, not in 30 s.
        until(lambda: client.get("/healthz").status_code == 200, 5)
    finally:
        app.state.site.store.close()
