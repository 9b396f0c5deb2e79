"""Two replicas on one store: a commit anywhere evicts the changed pages everywhere within 1 s.

Each test runs on SQLite (two workers on one file: `data_version`) and on PostgreSQL (two
replicas on one database: LISTEN/NOTIFY). A PostgreSQL listener that loses its connection
reconnects and drops its whole cache, since it may have missed notifications.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from starlette.testclient import TestClient

import service.store.listener as listener_module
from service import Settings, create_app
from service.app import LegibleApp
from service.articles import validate
from service.counters import COUNTERS
from service.media import process
from service.store import open_store
from tests.support.images import png

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "replica-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SLUG = "thu-vien-thanh-pho-mo-cua-den-21-gio"
ARTICLE = f"/articles/{SLUG}"
VARIANTS = ["", "?theme=high-contrast&size=200", "?theme=sepia"]
WITHIN = 1.0  # seconds: the promise


@pytest.fixture
def replicas(db: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on `db`, as two replicas (or two workers) would be."""
    apps: list[LegibleApp] = []
    clients = []
    for _ in range(2):
        apps.append(create_app(Settings(demo=True, db=db, admin_token=TOKEN)))
        clients.append(TestClient(apps[-1], follow_redirects=False))
    yield clients[0], clients[1]
    for app in apps:
        app.state.site.store.close()


def seen_within(client: TestClient, url: str, check: Callable[[str, int], bool]) -> float:
    """Seconds until `check(body, status)` holds for `url`; fails past 3 s."""
    start = time.monotonic()
    while True:
        response = client.get(url)
        elapsed = time.monotonic() - start
        if check(response.text, response.status_code):
            return elapsed
        assert elapsed < 3, f"{url} still stale after {elapsed:.1f} s"
        time.sleep(0.02)


def warm(client: TestClient) -> int:
    """Cache the article in each variant and the index; the cache's build count after."""
    for v in VARIANTS:
        assert "Thư viện thành phố" in client.get(ARTICLE + v).text
    assert "Thư viện thành phố" in client.get("/").text
    builds = client.app.state.site.cache.builds  # type: ignore[attr-defined]
    client.get(ARTICLE)
    assert client.app.state.site.cache.builds == builds, "not cached"  # type: ignore[attr-defined]
    return int(builds)


def test_a_put_through_one_replica_shows_on_the_other_within_a_second(
    replicas: tuple[TestClient, TestClient],
) -> None:
    a, b = replicas
    warm(b)
    page = {"title": "Giờ mở cửa mới", "published": "2023-10-12", "body_html": "<p>Mới.</p>"}
    assert a.put(f"/api/articles/{SLUG}", json=page, headers=AUTH).status_code == 200
    for v in VARIANTS:
        took = seen_within(b, ARTICLE + v, lambda body, _: "<h1>Giờ mở cửa mới</h1>" in body)
        assert took < WITHIN, v
    assert seen_within(b, "/", lambda body, _: "Giờ mở cửa mới" in body) < WITHIN
    assert seen_within(b, "/search?q=gio+mo+cua", lambda body, _: SLUG in body) < WITHIN


def test_a_delete_through_one_replica_is_a_404_on_the_other_within_a_second(
    replicas: tuple[TestClient, TestClient],
) -> None:
    a, b = replicas
    warm(b)
    assert a.delete(f"/api/articles/{SLUG}", headers=AUTH).status_code == 204
    for v in VARIANTS:
        assert seen_within(b, ARTICLE + v, lambda _, status: status == 404) < WITHIN, v
    assert seen_within(b, "/", lambda body, _: "Thư viện thành phố" not in body) < WITHIN


def test_legible_import_shows_on_every_replica_within_a_second(
    replicas: tuple[TestClient, TestClient], db: str, tmp_path: Path
) -> None:
    a, b = replicas
    warm(a)
    warm(b)
    changed = tmp_path / "changed.json"
    item = {"slug": SLUG, "title": "Nhập từ dòng lệnh", "published": "2023-10-12"}
    changed.write_text(json.dumps({**item, "body_html": "<p>Mới.</p>"}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "--db", db, "import", str(changed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "1 updated" in done.stdout
    for client in (a, b):
        check = lambda body, _: "<h1>Nhập từ dòng lệnh</h1>" in body  # noqa: E731
        assert seen_within(client, ARTICLE, check) < WITHIN


def test_a_photo_stored_after_its_article_shows_sized_on_every_replica_within_a_second(
    replicas: tuple[TestClient, TestClient],
) -> None:
    """The article names the photo's URL before the photo is uploaded (an operator who
    copies a URL from staging, an import that stores the article first): both replicas
    cache its page without srcset; once the photo is stored through one of them, each
    shows it with srcset, width and height, and the page's tags reach the photo."""
    a, b = replicas
    image = process(png(1200, 800), 10_000_000)
    figure = f'<figure><img src="{image.url}" alt="Ảnh hội nghị"></figure>'
    page = {"title": "Ảnh đến sau", "published": "2023-10-12", "body_html": figure}
    assert a.put(f"/api/articles/{SLUG}", json=page, headers=AUTH).status_code == 200
    for client in (a, b):
        for v in VARIANTS:
            body = seen_within(client, ARTICLE + v, lambda body, _: "Ảnh đến sau" in body)
            assert body < WITHIN and "srcset" not in client.get(ARTICLE + v).text
        assert f"media:{image.digest}" in client.get(ARTICLE).headers["xkey"].split()
    stored = a.put("/api/media/anh.png", content=png(1200, 800), headers=AUTH)
    assert stored.status_code == 201 and stored.json()["url"] == image.url
    sized = f'srcset="{image.srcset()}"'

    def shown(body: str, _: int) -> bool:
        return sized in body and 'width="1200" height="800"' in body

    for client in (a, b):
        for v in VARIANTS:
            assert seen_within(client, ARTICLE + v, shown) < WITHIN, v


# -- PostgreSQL: a listener that loses its connection --------------------------------------------
def _cut_listeners(db: str) -> int:
    """Terminate every listener's connection, as a network cut or a failover would."""
    with psycopg.connect(db, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'legible-listener' AND datname = current_database()"
        ).fetchall()
    return len(rows)


def _until(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_listener_that_reconnects_clears_its_cache_and_misses_nothing(
    replicas: tuple[TestClient, TestClient], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, b = replicas
    store = b.app.state.site.store  # type: ignore[attr-defined]
    builds = warm(b)
    counted = COUNTERS.listener_reconnects
    monkeypatch.setattr(listener_module, "BACKOFF_FIRST", 1.5)  # a gap to miss a write in
    assert _cut_listeners(db) == 2
    # While B's listener is away: the article is deleted and created again, so its
    # revision is 1 again, the same as the page B has cached. Only a cleared cache saves B.
    writer = open_store(db)
    try:
        assert writer.delete(SLUG)
        again = {"slug": SLUG, "title": "Tạo lại khi vắng", "published": "2023-10-12"}
        assert writer.put(validate({**again, "body_html": "<p>Lại.</p>"})) == ("created", 1)
    finally:
        writer.close()
    _until(lambda: store.reconnects == 1, 5)
    # /metrics: both replicas (at least: the counter is process-wide, others may add)
    _until(lambda: COUNTERS.listener_reconnects >= counted + 2, 5)
    assert seen_within(b, ARTICLE, lambda body, _: "<h1>Tạo lại khi vắng</h1>" in body) < WITHIN
    assert b.app.state.site.cache.builds > builds  # type: ignore[attr-defined]
    assert "Tạo lại khi vắng" in b.get("/?theme=sepia").text  # a page it had not cached


def test_a_put_keeps_a_newer_revision_heard_while_it_ran(
    replicas: tuple[TestClient, TestClient],
) -> None:
    a, _ = replicas
    site = a.app.state.site  # type: ignore[attr-defined]
    heard = 10**6  # as if another replica's later write had been heard meanwhile
    site.revisions[SLUG] = heard
    page = {"title": "Giờ mở cửa mới", "published": "2023-10-12", "body_html": "<p>Mới.</p>"}
    response = a.put(f"/api/articles/{SLUG}", json=page, headers=AUTH)
    assert response.status_code == 200 and response.json()["revision"] < heard
    assert site.revisions[SLUG] == heard
