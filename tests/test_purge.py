"""LEGIBLE_PURGE_URLS: writes purge the caches in front by tag, in the background,
retried, never failing or delaying the write (service/purge.py). The cache here is a
small HTTP server that records PURGE requests; tests/test_varnish.py uses varnishd."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service import cli, counters, purge
from service.app import create_app
from service.errors import SettingsInvalid
from service.purge import Purger, chunks, write_tags
from service.settings import Settings
from tests.support.live import free_port
from tests.support.purges import FakeCache, running

TOKEN = "t0ken"
SLUG = "thu-vien-thanh-pho-mo-cua-den-21-gio"


@pytest.fixture
def cache() -> Iterator[FakeCache]:
    with running() as server:
        yield server


def article(title: str = "Thư viện") -> dict[str, str]:
    return {"title": title, "published": "2023-09-21", "body_html": "<p>x</p>"}


def test_the_tags_are_the_ones_pages_carry(tmp_path: Path) -> None:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db")))
    with TestClient(app) as client:
        page = client.get(f"/articles/{SLUG}?theme=dark")
        index = client.get("/")
    assert page.headers["xkey"] == f"article:{SLUG}" == write_tags([SLUG])[0]
    assert index.headers["xkey"] == "lists" == write_tags([])[0]
    assert page.headers["xkey"] == page.headers["surrogate-key"]


def test_a_put_and_a_delete_purge_the_article_and_the_lists(
    tmp_path: Path, cache: FakeCache
) -> None:
    settings = Settings(
        demo=True, db=str(tmp_path / "t.db"), admin_token=TOKEN, purge_urls=(cache.url,)
    )
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings)) as client:
        assert client.put("/api/articles/moi", json=article(), headers=auth).status_code == 201
        assert cache.wait_for(1)
        assert client.put("/api/articles/moi", json=article(), headers=auth).status_code == 200
        assert client.delete("/api/articles/moi", headers=auth).status_code == 204
        assert cache.wait_for(2)
    assert cache.seen[0][:2] == ("PURGE", "/")
    assert cache.tags()[0] == {"article:moi", "lists"}
    assert cache.tags()[1] == {"article:moi", "lists"}  # the unchanged PUT sent nothing


def test_a_dead_cache_neither_fails_nor_delays_the_write(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = Settings(demo=True, db=str(tmp_path / "t.db"), admin_token=TOKEN, purge_urls=(dead,))
    app = create_app(settings)
    failed = counters.COUNTERS.purges_failed
    with TestClient(app) as client:
        start = time.monotonic()
        auth = {"Authorization": f"Bearer {TOKEN}"}
        r = client.put("/api/articles/moi", json=article(), headers=auth)
        took = time.monotonic() - start
        assert r.status_code == 201 and took < 1.0
        deadline = time.monotonic() + 5
        while counters.COUNTERS.purges_failed == failed and time.monotonic() < deadline:
            time.sleep(0.05)
    assert counters.COUNTERS.purges_failed > failed


def test_a_failed_purge_is_retried_with_what_came_meanwhile(
    cache: FakeCache, caplog: pytest.LogCaptureFixture
) -> None:
    cache.statuses = [503, 503]
    purger = Purger([cache.url], backoff=0.2, repeat=0)
    sent, failed = counters.COUNTERS.purges_sent, counters.COUNTERS.purges_failed
    purger.purge(write_tags(["a"]))
    assert cache.wait_for(1)
    purger.purge(write_tags(["b"]))  # while the first waits for its retry
    assert purger.flush(5)
    assert [len(t) for t in cache.tags()][-1] == 3  # a, b and lists together
    assert cache.tags()[-1] == {"article:a", "article:b", "lists"}
    assert len(cache.seen) == 3
    assert counters.COUNTERS.purges_failed - failed == 2
    assert counters.COUNTERS.purges_sent - sent == 1
    assert "HTTP 503" in caplog.text and "retry 1 of 5" in caplog.text
    purger.stop()


def test_it_gives_up_after_the_retries_and_says_which_tags(
    cache: FakeCache, caplog: pytest.LogCaptureFixture
) -> None:
    cache.statuses = [500] * 3
    purger = Purger([cache.url], retries=2, backoff=0.01, repeat=0)
    purger.purge(["article:x"])
    assert purger.flush(5)
    assert len(cache.seen) == 3 and purger.given_up() == [cache.url]
    assert "gave up on" in caplog.text and "article:x" in caplog.text
    purger.stop()


def test_each_tag_is_purged_again_for_a_replica_that_had_not_heard(cache: FakeCache) -> None:
    purger = Purger([cache.url], repeat=0.2)
    start = time.monotonic()
    purger.purge(["article:x"])
    assert purger.flush(5)
    assert time.monotonic() - start >= 0.2
    assert cache.tags() == [{"article:x"}, {"article:x"}]
    purger.stop()


def test_long_tag_lists_are_split_below_varnishs_header_limit() -> None:
    tags = [f"article:bai-viet-so-{n}" for n in range(1000)]
    lines = chunks(tags)
    assert all(len(line) <= purge.MAX_HEADER for line in lines)
    assert sorted(t for line in lines for t in line.split()) == sorted(tags)
    assert chunks(["b", "a", "a"]) == ["a b"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ftp://varnish", "is not an http:// or https:// URL"),
        ("varnish:80", "is not an http:// or https:// URL"),
        ("http://", "names no host"),
        ("http://varnish:99999", "is not a URL"),
        ("http://varnish/?all=1", "use scheme, host, port and path only"),
    ],
)
def test_a_bad_purge_url_is_refused_clearly(raw: str, message: str) -> None:
    with pytest.raises(SettingsInvalid, match=message) as caught:
        Settings.from_env({"LEGIBLE_PURGE_URLS": f"http://ok:6081,{raw}"})
    assert str(caught.value).startswith("LEGIBLE_PURGE_URLS: ")


def test_purge_urls_keep_their_case_and_order() -> None:
    given = {"LEGIBLE_PURGE_URLS": " http://Varnish-A:6081/Purge , https://b "}
    assert Settings.from_env(given).purge_urls == ("http://Varnish-A:6081/Purge", "https://b")


def test_import_purges_what_it_changed_before_it_exits(
    tmp_path: Path,
    cache: FakeCache,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "a.json"
    source.write_text(json.dumps({**article(), "slug": "nhap"}), encoding="utf-8")
    monkeypatch.setenv("LEGIBLE_PURGE_URLS", cache.url)
    monkeypatch.setenv("LEGIBLE_DEMO", "0")
    assert cli.main(["--db", str(tmp_path / "t.db"), "import", str(source)]) == 0
    assert {"article:nhap", "lists"} in cache.tags()  # sent before main returned
    assert "purged 1 articles at 1 caches" in capsys.readouterr().out


def test_import_says_when_a_cache_was_not_purged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "a.json"
    source.write_text(json.dumps({**article(), "slug": "nhap"}), encoding="utf-8")
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("LEGIBLE_PURGE_URLS", dead)
    monkeypatch.setattr(purge, "RETRIES", 1)
    monkeypatch.setattr(purge, "BACKOFF", 0.01)
    monkeypatch.setattr(purge, "REPEAT", 0.0)
    start = time.monotonic()
    assert cli.main(["--db", str(tmp_path / "t.db"), "import", str(source)]) == 0  # stored
    assert time.monotonic() - start < cli.PURGE_WAIT_SECONDS
    err = capsys.readouterr().err
    assert f"purging 1 articles at {dead} failed" in err and "s-maxage" in err


def test_serve_with_a_bad_purge_url_stops_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEGIBLE_PURGE_URLS", "varnish:80")
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "legible: LEGIBLE_PURGE_URLS: 'varnish:80' is not an http:// or https:// URL"
        " (e.g. http://varnish:80)"
    ]
