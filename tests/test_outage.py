"""The store goes away while serving: cached pages stay up, the rest says 503, writes fail
clearly, then everything recovers without a restart. On SQLite the file is swapped for
garbage; on PostgreSQL the real server is stopped and started again."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.store import is_postgres
from tests.support import pg

CACHED = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
UNCACHED = "/articles/tuan-le-doc-sach-cho-hoc-sinh-khiem-thi"
TOKEN = "outage-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW = {"title": "Bài viết sau sự cố", "published": "2024-01-02", "body_html": "<p>Mới.</p>"}


def _break(db: Path, aside: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            os.replace(f"{db}{suffix}", f"{aside}{suffix}")
    db.write_bytes(b"this is not a database " * 200)


def _restore(db: Path, aside: Path) -> None:
    db.unlink()
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{aside}{suffix}").exists():
            os.replace(f"{aside}{suffix}", f"{db}{suffix}")


Outage = tuple[Callable[[], None], Callable[[], None]]


@pytest.fixture
def outage(db: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Outage]:
    """(take the store away, bring it back) for `db`'s backend."""
    if is_postgres(db):
        cluster: pg.Cluster = request.getfixturevalue("pg_cluster")
        yield cluster.stop, cluster.resume
        if not (cluster.data / "postmaster.pid").exists():
            cluster.resume()  # the test failed midway: later tests need the server
        return
    aside = tmp_path / "aside.db"
    yield (lambda: _break(Path(db), aside)), (lambda: _restore(Path(db), aside))


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_outage_serves_cached_pages_fails_writes_and_recovers(db: str, outage: Outage) -> None:
    take_away, bring_back = outage
    app = create_app(Settings(demo=True, db=db, admin_token=TOKEN))
    client = TestClient(app)
    try:
        cached = client.get(CACHED)
        assert cached.status_code == 200
        assert "stale-if-error" in cached.headers["cache-control"]

        take_away()
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded"

        again = client.get(CACHED)
        assert again.status_code == 200 and again.text == cached.text
        down = client.get(UNCACHED)
        assert down.status_code == 503
        assert down.headers["retry-after"] == "30"
        assert "<h1>" in down.text and "Tạm thời" in down.text
        assert client.get("/search?q=sach").status_code == 503
        write = client.put("/api/articles/sau-su-co", json=NEW, headers=AUTH)
        assert write.status_code == 503
        assert write.headers["retry-after"] == "30"
        assert write.json() == {"error": "the store is unavailable; retry"}

        bring_back()
        assert _until(lambda: client.get("/healthz").status_code == 200, 20)
        assert client.get("/healthz").json()["status"] == "ok"
        up = client.get(UNCACHED)
        assert up.status_code == 200 and "Tuần lễ đọc sách" in up.text
        assert client.put("/api/articles/sau-su-co", json=NEW, headers=AUTH).status_code == 201
        assert "Bài viết sau sự cố" in client.get("/").text
        if is_postgres(db):  # the listener came back too, and dropped what it may have missed
            assert _until(lambda: app.state.site.store.reconnects >= 1, 10)
    finally:
        app.state.site.store.close()
