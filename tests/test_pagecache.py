"""The page cache as readers meet it: a miss compresses only what the request
accepts, concurrent misses build once, a page asked for again is upgraded to
brotli 11 in the background (never on the event loop, never ahead of a miss),
every body decodes to the page, and an upgrade changes only the brotli ETag."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import brotli
import pytest
from starlette.testclient import TestClient

from service import Settings, create_app, delivery, pagecache
from service.delivery import BROTLI_FAST, BROTLI_QUALITY, Entry, make_entry
from service.pagecache import UPGRADE_AFTER, PageCache
from tests.support.aio import run

WORDS = [
    "thư",
    "viện",
    "mở",
    "cửa",
    "đến",
    "giờ",
    "hội",
    "nghị",
    "giao",
    "ban",
    "kiểm",
    "sát",
    "nhân",
    "dân",
    "thành",
    "phố",
    "bảo",
    "hiểm",
]
PAGE = "".join(  # a page of text, about 6 KB: varied enough to compress as pages do
    f"<p>{' '.join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(12 + i % 5))}.</p>"
    for i in range(60)
).encode()
ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
TOKEN = "tok"


def page_build(calls: list[int] | None = None, body: bytes = PAGE) -> Callable[[], Entry]:
    def build() -> Entry:
        if calls is not None:
            calls.append(1)
        return make_entry(body, "text/html", ["t"], eager=False)

    return build


async def settled(cache: PageCache, upgrades: int, limit: float = 10.0) -> None:
    """Until the cache has swapped in `upgrades` upgrades (bounded, not a timing test)."""
    deadline = time.monotonic() + limit
    while cache.upgrades < upgrades:
        assert time.monotonic() < deadline, "the upgrade never arrived"
        await asyncio.sleep(0.01)


def test_a_miss_compresses_only_what_the_request_accepts_then_adds_the_rest() -> None:
    cache = PageCache(10_000_000)
    calls: list[int] = []

    async def main() -> tuple[Entry, Entry]:
        first = await cache.get("k", page_build(calls), "br")
        second = await cache.get("k", page_build(calls), "gzip")
        return first, second

    first, second = run(main())
    assert set(first.bodies) == {"identity", "br"}
    assert set(second.bodies) == {"identity", "br", "gzip"}
    assert len(calls) == 1  # gzip was added to the entry, not rendered again
    assert cache.peek("k") is second
    assert (
        second.etags["br"] == first.etags["br"]
        and second.etags["identity"] == first.etags["identity"]
    )


def test_every_body_decodes_to_the_identity_body_before_and_after_the_upgrade() -> None:
    entry = make_entry(PAGE, "text/html", eager=False).with_encoding("br").with_encoding("gzip")
    upgraded = entry.with_upgrade(entry.upgraded_brotli())
    for e in (entry, upgraded):
        assert brotli.decompress(e.bodies["br"]) == PAGE
        assert gzip.decompress(e.bodies["gzip"]) == PAGE
        assert e.bodies["identity"] == PAGE
    assert not entry.final and upgraded.final
    assert len(upgraded.bodies["br"]) <= len(entry.bodies["br"])


def test_an_upgrade_gives_the_brotli_body_a_new_etag_and_keeps_the_others() -> None:
    entry = make_entry(PAGE, "text/html", eager=False).with_encoding("br").with_encoding("gzip")
    upgraded = entry.with_upgrade(entry.upgraded_brotli())
    assert entry.bodies["br"] != upgraded.bodies["br"]  # different bytes ...
    assert entry.etags["br"] != upgraded.etags["br"]  # ... never share a strong ETag
    assert entry.etags["gzip"] == upgraded.etags["gzip"]
    assert entry.etags["identity"] == upgraded.etags["identity"]
    assert len(set(upgraded.etags.values())) == 3
    eager = make_entry(PAGE, "text/html")  # stylesheets and the widget: brotli 11 at once
    assert eager.final and eager.etags == upgraded.etags and eager.bodies == upgraded.bodies


def test_quality_and_names_of_the_brotli_bodies() -> None:
    assert BROTLI_FAST < BROTLI_QUALITY == 11
    entry = make_entry(PAGE, "text/html", eager=False).with_encoding("br")
    assert entry.etags["br"].endswith(f'-br{BROTLI_FAST}"')


def test_single_flight_holds_under_concurrent_misses_wanting_different_encodings() -> None:
    cache = PageCache(10_000_000)
    calls: list[int] = []
    release = threading.Event()

    def slow() -> Entry:
        release.wait(5)
        return page_build(calls)()

    async def main() -> list[Entry]:
        wants = ["br", "gzip", "identity", None] * 15
        tasks = [asyncio.create_task(cache.get("k", slow, w)) for w in wants]
        await asyncio.sleep(0.05)
        tasks[0].cancel()  # a reader who goes away must not cancel the others
        release.set()
        return await asyncio.gather(*tasks[1:])

    entries = run(main())
    assert len(calls) == 1 and cache.builds == 1
    for entry in entries:
        assert entry.bodies["identity"] == PAGE
    final = cache.peek("k")
    assert final is not None and set(final.bodies) == {"identity", "br", "gzip"}


def test_the_page_most_readers_wait_for_is_built_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a deploy every page misses: a popular one must not queue behind the tail."""
    monkeypatch.setattr(pagecache, "BUILD_THREADS", 1)  # one thread: builds run in turn
    cache = PageCache(10_000_000)
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def blocker() -> Entry:
        started.set()
        release.wait(5)
        return page_build()()

    def named(name: str) -> Callable[[], Entry]:
        def build() -> Entry:
            order.append(name)
            return page_build()()

        return build

    async def main() -> None:
        busy = asyncio.create_task(cache.get("busy", blocker))
        while not started.is_set():  # the only build thread is taken
            await asyncio.sleep(0.01)
        tail = [asyncio.create_task(cache.get(f"tail{i}", named(f"tail{i}"))) for i in range(3)]
        await asyncio.sleep(0.01)
        readers = [asyncio.create_task(cache.get("popular", named("popular"))) for _ in range(4)]
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(busy, *tail, *readers)

    run(main())
    assert order == ["popular", "tail0", "tail1", "tail2"]
    assert cache.builds == 5


@pytest.fixture
def blocked_upgrades(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[threading.Event, list[str]]]:
    """Brotli 11 waits for the event; the threads it ran on are recorded."""
    release = threading.Event()
    threads: list[str] = []
    real = delivery._brotli

    def recording(body: bytes, quality: int) -> bytes:
        if quality == BROTLI_QUALITY:
            threads.append(threading.current_thread().name)
            release.wait(10)
        return real(body, quality)

    monkeypatch.setattr(delivery, "_brotli", recording)
    yield release, threads
    release.set()


def test_a_page_asked_for_again_is_upgraded_in_the_background_without_blocking(
    blocked_upgrades: tuple[threading.Event, list[str]],
) -> None:
    release, threads = blocked_upgrades
    replaced: list[Entry] = []
    cache = PageCache(10_000_000, on_replace=lambda key, entry: replaced.append(entry))

    async def main() -> None:
        loop_thread = threading.current_thread().name
        for _ in range(UPGRADE_AFTER):
            entry = await cache.get("popular", page_build(), "br")
        assert not entry.final and cache.pending_upgrades == 1
        # While brotli 11 is stuck, the loop runs and a miss is built and answered.
        other = await asyncio.wait_for(cache.get("other", page_build(body=b"<p>x</p>"), "br"), 5)
        assert other.bodies["identity"] == b"<p>x</p>"
        assert cache.upgrades == 0 and not cache.peek("popular").final  # type: ignore[union-attr]
        release.set()
        await settled(cache, 1)
        assert loop_thread not in threads

    run(main())
    upgraded = cache.peek("popular")
    assert upgraded is not None and upgraded.final and replaced == [upgraded]
    assert threads and all(name.startswith("legible-upgrade") for name in threads)
    assert brotli.decompress(upgraded.bodies["br"]) == PAGE


def test_a_page_asked_for_once_is_not_upgraded(
    blocked_upgrades: tuple[threading.Event, list[str]],
) -> None:
    cache = PageCache(10_000_000)

    async def main() -> None:
        for _ in range(UPGRADE_AFTER - 1):
            await cache.get("k", page_build(), "br")
        await asyncio.sleep(0.05)

    run(main())
    assert blocked_upgrades[1] == [] and cache.upgrades == 0


def test_an_upgrade_never_brings_back_an_invalidated_page(
    blocked_upgrades: tuple[threading.Event, list[str]],
) -> None:
    release, threads = blocked_upgrades
    cache = PageCache(10_000_000)

    async def main() -> None:
        for _ in range(UPGRADE_AFTER):
            await cache.get("k", page_build(), "br")
        while not threads:  # the upgrade has started
            await asyncio.sleep(0.01)
        assert cache.invalidate(["t"]) == 1  # the article changed meanwhile
        release.set()
        for _ in range(200):  # the upgrade's answer arrives and is dropped
            await asyncio.sleep(0.01)
            if not cache._upgrading:
                break

    run(main())
    assert cache.peek("k") is None and cache.upgrades == 0


# -- through the app: ETags and 304 across an upgrade, and no stale revision ---------------------
@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), admin_token=TOKEN))
    with TestClient(app, follow_redirects=False) as c:  # one event loop for the whole test
        yield c


def upgraded(client: TestClient, url: str) -> None:
    cache = client.app.state.site.cache  # type: ignore[attr-defined]
    before = cache.upgrades
    deadline = time.monotonic() + 10
    while cache.upgrades == before:
        assert time.monotonic() < deadline, "the upgrade never arrived"
        assert client.get(url, headers={"Accept-Encoding": "br"}).status_code == 200
        time.sleep(0.01)


def test_a_304_works_across_an_upgrade_and_the_old_brotli_etag_gets_the_new_bytes(
    client: TestClient,
) -> None:
    url = ARTICLE + "?theme=dark"
    first = client.get(url, headers={"Accept-Encoding": "br"})
    old_etag = first.headers["etag"]
    gzip_etag = client.get(url, headers={"Accept-Encoding": "gzip"}).headers["etag"]
    revalidated = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": old_etag})
    assert revalidated.status_code == 304 and revalidated.headers["etag"] == old_etag
    upgraded(client, url)

    after = client.get(url, headers={"Accept-Encoding": "br"})
    new_etag = after.headers["etag"]
    assert new_etag != old_etag and after.content == first.content  # same page, new bytes
    # The pre-upgrade ETag names bytes no longer served: a 200 with the new ones.
    stale = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": old_etag})
    assert stale.status_code == 200 and stale.headers["etag"] == new_etag
    fresh = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": new_etag})
    assert fresh.status_code == 304 and fresh.headers["etag"] == new_etag
    assert "Accept-Encoding" in fresh.headers["vary"]
    # gzip's bytes did not change, so its ETag did not either: still a 304.
    kept = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": gzip_etag})
    assert kept.status_code == 304 and kept.headers["etag"] == gzip_etag


def test_nothing_is_served_from_a_stale_revision_after_an_update(client: TestClient) -> None:
    variants = ["", "?theme=dark", "?theme=sepia&size=200&spacing=1"]
    for v in variants:
        assert "Thư viện thành phố" in client.get(ARTICLE + v).text
    upgraded(client, ARTICLE + variants[1])  # a hot, upgraded page
    r = client.put(
        ARTICLE.replace("/articles/", "/api/articles/"),
        json={"title": "Tiêu đề mới", "published": "2023-10-12", "body_html": "<p>Mới.</p>"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 200
    for v in variants:
        for encoding in ("br", "gzip", "identity"):
            page = client.get(ARTICLE + v, headers={"Accept-Encoding": encoding})
            assert "<h1>Tiêu đề mới</h1>" in page.text and "Thư viện thành phố" not in page.text


def test_each_request_counts_once_toward_the_upgrade(
    client: TestClient, blocked_upgrades: tuple[threading.Event, list[str]]
) -> None:
    cache = client.app.state.site.cache  # type: ignore[attr-defined]
    url = ARTICLE + "?size=125"
    # The second asks for gzip, which the hot path declines and the full path adds.
    for n, encoding in enumerate(["br", "gzip", "br"][:UPGRADE_AFTER], start=1):
        assert client.get(url, headers={"Accept-Encoding": encoding}).status_code == 200
        assert cache.pending_upgrades == (1 if n == UPGRADE_AFTER else 0), n
