"""The one write path (service/writes.py): every writer ends in `WritePath.wrote`, which
drops this process's pages before it purges the caches in front, purges only for writes
made here, and drops only what the write changed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.app import LegibleApp
from service.articles import validate
from service.site import SYNC_SECONDS
from service.store import open_store
from service.writes import WritePath

TOKEN = "tok"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SLUG = "thu-vien-thanh-pho-mo-cua-den-21-gio"
OTHER = "tram-xe-buyt-moi-co-loi-len-xuong-cho-xe-lan"
PAGE = {"title": "Giờ mở cửa mới", "published": "2024-05-01", "body_html": "<p>Mới.</p>"}


@pytest.fixture
def app(tmp_path: Path) -> LegibleApp:
    return create_app(Settings(db=str(tmp_path / "t.db"), admin_token=TOKEN))


class Recorder:
    """Stands in for the purger: what it was asked to purge, and what this process
    still held of the article at that moment."""

    def __init__(self, app: LegibleApp) -> None:
        self.site = app.state.site
        self.calls: list[tuple[list[str], bool, bool]] = []

    def purge(self, tags: Any) -> None:
        site = self.site
        route = site.hot.get(f"/articles/{SLUG}", "theme=dark")
        cached = any(e.tags & {f"article:{SLUG}"} for e in site.cache._entries.values())
        self.calls.append((sorted(tags), route is not None, cached))

    def __bool__(self) -> bool:
        return True


def warm(client: TestClient) -> None:
    for url in (f"/articles/{SLUG}?theme=dark", f"/articles/{OTHER}?theme=dark", "/"):
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200  # a hot route now


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_write_drops_the_local_pages_before_it_purges(app: LegibleApp, method: str) -> None:
    """A purge makes Varnish fetch the page again at once: from this process too, which
    must not hold the old page by then."""
    recorder = Recorder(app)
    app.state.site.writes.purger = recorder
    with TestClient(app) as client:
        warm(client)
        body = json.dumps(PAGE) if method == "PUT" else None
        answer = client.request(method, f"/api/articles/{SLUG}", content=body, headers=AUTH)
        assert answer.status_code in (200, 204)
    assert recorder.calls == [(sorted([f"article:{SLUG}", "lists"]), False, False)]


def test_a_write_keeps_the_other_articles_hot(app: LegibleApp) -> None:
    """The write path drops only what the write changed. (SQLite's workers then re-read
    every revision, as the file changed, which empties the hot routes; PostgreSQL's
    listener names what changed and skips this process's own writes.)"""
    site = app.state.site
    with TestClient(app) as client:
        warm(client)
        builds = site.cache.builds
        assert client.put(f"/api/articles/{SLUG}", json=PAGE, headers=AUTH).status_code == 200
        assert site.hot.get(f"/articles/{OTHER}", "theme=dark") is not None
        assert site.hot.get(f"/articles/{SLUG}", "theme=dark") is None
        assert site.hot.get("/", "") is None  # the lists changed
        assert len(site.cache) == 1  # the other article's page stays cached
        assert "Giờ mở cửa mới" in client.get(f"/articles/{SLUG}?theme=dark").text
        assert client.get(f"/articles/{OTHER}?theme=dark").status_code == 200
        assert site.cache.builds == builds + 1  # only the written article was built again


def test_a_change_heard_from_another_process_is_not_purged_again(
    app: LegibleApp, tmp_path: Path
) -> None:
    """Its writer purged; a purge from every replica would multiply each purge."""
    recorder = Recorder(app)
    site = app.state.site
    site.writes.purger = recorder
    with TestClient(app) as client:
        warm(client)
        other = open_store(tmp_path / "t.db")  # `legible import`, another worker or replica
        try:
            other.put(validate({**PAGE, "slug": SLUG}))
        finally:
            other.close()
        time.sleep(SYNC_SECONDS * 2)
        assert "Giờ mở cửa mới" in client.get(f"/articles/{SLUG}?theme=dark").text
    assert recorder.calls == []


def test_an_import_purges_through_the_write_path(tmp_path: Path) -> None:
    """`legible import` has no pages: its write path only purges."""
    purged: list[list[str]] = []

    class Purger:
        def purge(self, tags: Any) -> None:
            purged.append(sorted(tags))

    WritePath(Purger()).wrote(["a", "b"])  # type: ignore[arg-type]
    assert purged == [["article:a", "article:b", "lists"]]


def test_a_writer_must_name_what_it_changed(app: LegibleApp) -> None:
    with pytest.raises(ValueError, match="names what it changed"):
        app.state.site.writes.wrote(None)


def test_a_put_keeps_a_newer_revision_heard_while_it_ran(app: LegibleApp) -> None:
    site = app.state.site
    site.writes.wrote([SLUG], revisions={SLUG: 7}, heard=True)
    site.writes.wrote([SLUG], revisions={SLUG: 3})  # this process's write, older
    assert site.revisions[SLUG] == 7
    site.writes.wrote([SLUG], revisions={SLUG: 1}, heard=True)  # deleted and made again
    assert site.revisions[SLUG] == 1
    site.writes.wrote([SLUG], revisions={SLUG: None})
    assert SLUG not in site.revisions
