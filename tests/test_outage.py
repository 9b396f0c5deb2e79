"""The store goes away while serving: cached pages stay up, the rest says 503, then it recovers."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.testclient import TestClient

from service import Settings, create_app

CACHED = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
UNCACHED = "/articles/tuan-le-doc-sach-cho-hoc-sinh-khiem-thi"


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


def test_outage_serves_cached_pages_and_recovers(tmp_path: Path) -> None:
    db = tmp_path / "legible.db"
    client = TestClient(create_app(Settings(db=str(db))))
    cached = client.get(CACHED)
    assert cached.status_code == 200
    assert "stale-if-error" in cached.headers["cache-control"]

    _break(db, tmp_path / "aside.db")
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

    _restore(db, tmp_path / "aside.db")
    assert client.get("/healthz").json()["status"] == "ok"
    up = client.get(UNCACHED)
    assert up.status_code == 200 and "Tuần lễ đọc sách" in up.text
