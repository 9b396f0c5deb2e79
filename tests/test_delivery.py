"""Cache, negotiation and conditional responses, as a CDN or a browser sees them."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from pathlib import Path

import brotli
import httpx
import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.delivery import etag_matches, make_entry, negotiate
from service.pagecache import PageCache
from service.site import SYNC_SECONDS
from tests.support.aio import run

ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
TOKEN = "test-token"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "identity"),
        ("", "identity"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("identity", "identity"),
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.9", "gzip"),
        ("BR;Q=1, GZIP;Q=0.1", "br"),
        ("*", "br"),
        ("*;q=0", None),
        ("*;q=0, identity", "identity"),
        ("identity;q=0", None),
        ("identity;q=0, gzip", "gzip"),
        ("gzip;q=0, br;q=0, identity;q=0", None),
        ("deflate", "identity"),
        ("gzip;q=abc, br;q=2", "identity"),  # malformed q-values are ignored
        ("gzip;q=0.001", "gzip"),
        ("br;q=0.000", "identity"),
        (",,, ;q=1, gzip", "gzip"),
    ],
)
def test_negotiation(header: str | None, expected: str | None) -> None:
    assert negotiate(header) == expected


@pytest.mark.parametrize(
    ("inm", "match"),
    [
        ('"abc-br"', True),
        ('W/"abc-br"', True),
        ('"x", "abc-br"', True),
        ("*", True),
        ('"abc"', False),
        ("garbage", False),
        ("", False),
    ],
)
def test_weak_etag_comparison(inm: str, match: bool) -> None:
    assert etag_matches(inm, '"abc-br"') is match


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), admin_token=TOKEN))
    return TestClient(app, follow_redirects=False)


@pytest.mark.parametrize("url", ["/", ARTICLE, "/search?q=thu+vien", "/?theme=dark&size=150"])
def test_each_encoding_decodes_to_the_identity_body(client: TestClient, url: str) -> None:
    identity = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers
    bodies = {}
    for header, encoding in (("br", "br"), ("br;q=0, gzip", "gzip")):
        with client.stream("GET", url, headers={"Accept-Encoding": header}) as r:
            raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == encoding
        assert int(r.headers["content-length"]) == len(raw)
        bodies[encoding] = raw
    assert brotli.decompress(bodies["br"]) == identity.content
    assert gzip.decompress(bodies["gzip"]) == identity.content
    assert len(bodies["br"]) < len(bodies["gzip"]) < len(identity.content)


def test_gzip_is_reproducible() -> None:
    # mtime=0: every replica serves the same bytes and the same ETag.
    assert (
        make_entry(b"x" * 1000, "text/plain").bodies["gzip"]
        == (make_entry(b"x" * 1000, "text/plain").bodies["gzip"])
    )


def test_etags_differ_per_encoding_and_304_keeps_validators(client: TestClient) -> None:
    etags = {}
    for header in ("br", "gzip", "identity"):
        r = client.get(ARTICLE, headers={"Accept-Encoding": header})
        etags[header] = r.headers["etag"]
        again = client.get(
            ARTICLE, headers={"Accept-Encoding": header, "If-None-Match": r.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == r.headers["etag"]
        assert again.headers["vary"] == r.headers["vary"]
        assert "Accept-Encoding" in again.headers["vary"]
        assert again.headers["cache-control"] == r.headers["cache-control"]
    assert len(set(etags.values())) == 3
    # An ETag of another encoding is a different representation: full response.
    r = client.get(ARTICLE, headers={"Accept-Encoding": "gzip", "If-None-Match": etags["br"]})
    assert r.status_code == 200


def test_if_none_match_lists_weak_and_star(client: TestClient) -> None:
    etag = client.get(ARTICLE, headers={"Accept-Encoding": "br"}).headers["etag"]
    for inm in (f'"nope", W/{etag}', "*"):
        r = client.get(ARTICLE, headers={"Accept-Encoding": "br", "If-None-Match": inm})
        assert r.status_code == 304, inm


def test_head_has_headers_and_no_body(client: TestClient) -> None:
    get = client.get(ARTICLE, headers={"Accept-Encoding": "br"})
    head = client.head(ARTICLE, headers={"Accept-Encoding": "br"})
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "content-length", "content-type", "cache-control", "vary"):
        assert head.headers[name] == get.headers[name]


def test_range_is_ignored_not_failed(client: TestClient) -> None:
    for value in ("bytes=0-10", "bytes=garbage", "bytes=999999-"):
        r = client.get(ARTICLE, headers={"Range": value})
        assert r.status_code == 200


def test_406_only_when_nothing_is_acceptable(client: TestClient) -> None:
    r = client.get(ARTICLE, headers={"Accept-Encoding": "identity;q=0"})
    assert r.status_code == 406
    assert "Accept-Encoding" in r.headers["vary"]


def test_variant_pages_are_publicly_cacheable_with_purge_keys(client: TestClient) -> None:
    r = client.get(ARTICLE + "?theme=dark")
    cc = r.headers["cache-control"]
    for part in ("public", "max-age=", "s-maxage=", "stale-while-revalidate=", "stale-if-error="):
        assert part in cc
    assert r.headers["vary"] == "Accept-Encoding"
    assert "article:thu-vien-thanh-pho-mo-cua-den-21-gio" in r.headers["surrogate-key"]
    assert "article:thu-vien-thanh-pho-mo-cua-den-21-gio" in r.headers["cache-tag"]
    assert r.headers["xkey"] == "article:thu-vien-thanh-pho-mo-cua-den-21-gio"
    assert client.get("/search?q=thu").headers["xkey"] == "lists"
    bare = client.get(ARTICLE)
    assert bare.headers["vary"] == "Accept-Encoding, Cookie"


def test_stylesheet_is_content_hashed_and_immutable(client: TestClient) -> None:
    page = client.get("/").text
    css_url = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css_url.startswith("/assets/legible.") and css_url.endswith(".css")
    r = client.get(css_url, headers={"Accept-Encoding": "br"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"].startswith("text/css")
    assert client.get("/assets/legible.0000000000000000.css").status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example"},
        {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
        {"Forwarded": "host=evil.example;proto=https"},
    ],
)
def test_forged_host_never_reaches_a_cached_body(
    client: TestClient, headers: dict[str, str]
) -> None:
    for url in ("/", ARTICLE, "/search?q=thu", "/articles/khong-co", "/?theme=dark"):
        poisoned = client.get(url, headers=headers)
        assert "evil.example" not in poisoned.text
        clean = client.get(url)
        assert clean.text == poisoned.text


def test_update_is_visible_in_every_cached_variant(client: TestClient) -> None:
    variants = ["", "?theme=dark", "?theme=high-contrast&size=200", "?size=150&spacing=1"]
    for v in variants:
        assert "Thư viện thành phố" in client.get(ARTICLE + v).text
    before = len(client.app.state.site.cache)
    r = client.put(
        "/api/articles/thu-vien-thanh-pho-mo-cua-den-21-gio",
        json={"title": "Tiêu đề mới", "published": "2023-10-12", "body_html": "<p>Mới.</p>"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 200
    assert len(client.app.state.site.cache) < before
    for v in variants:
        page = client.get(ARTICLE + v).text
        assert "<h1>Tiêu đề mới</h1>" in page, v
    assert "Tiêu đề mới" in client.get("/").text  # the index that lists it too


def test_write_by_another_process_is_noticed(client: TestClient, tmp_path: Path) -> None:
    from service.articles import validate
    from service.store import open_store

    assert "Đổi từ ngoài" not in client.get("/").text
    other = open_store(tmp_path / "t.db")  # another connection, as `legible import` would be
    other.put(
        validate({"title": "Đổi từ ngoài", "published": "2030-01-01", "body_html": "<p>x</p>"})
    )
    time.sleep(SYNC_SECONDS * 2)  # another process's commit is noticed within SYNC_SECONDS
    assert "Đổi từ ngoài" in client.get("/").text
    assert client.get("/articles/doi-tu-ngoai").status_code == 200


def test_cache_respects_its_byte_budget() -> None:
    cache = PageCache(max_bytes=50_000)

    async def fill() -> None:
        for i in range(40):
            body = bytes(range(256)) * (20 + i)  # incompressible-ish, a few KB each
            await cache.get(("k", i), lambda body=body: make_entry(body, "text/plain"))
            assert cache.current_bytes <= cache.max_bytes

    run(fill())
    assert 0 < len(cache) < 40


def test_single_flight_fifty_misses_one_render() -> None:
    cache = PageCache(max_bytes=10_000_000)
    release = threading.Event()
    calls = []

    def build() -> object:
        calls.append(1)
        release.wait(5)
        return make_entry(b"<p>page</p>", "text/html")

    async def main() -> list[object]:
        tasks = [asyncio.create_task(cache.get("key", build)) for _ in range(50)]
        await asyncio.sleep(0.05)
        tasks[0].cancel()  # a reader who goes away must not cancel the others
        release.set()
        return await asyncio.gather(*tasks[1:])

    entries = run(main())
    assert len(calls) == 1
    assert len({id(e) for e in entries}) == 1
    assert cache.peek("key") is entries[0]


def test_failed_build_is_not_cached() -> None:
    cache = PageCache(max_bytes=10_000_000)
    attempts = []

    def broken() -> object:
        attempts.append(1)
        raise RuntimeError("render failed")

    async def main() -> None:
        for _ in range(2):
            with pytest.raises(RuntimeError):
                await cache.get("key", broken)

    run(main())
    assert len(attempts) == 2 and cache.peek("key") is None


def test_concurrent_requests_for_a_new_variant_render_once(tmp_path: Path) -> None:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db")))
    cache = app.state.site.cache

    async def main() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            rs = await asyncio.gather(*(c.get(ARTICLE + "?theme=sepia") for _ in range(50)))
        return [r.status_code for r in rs]

    before = cache.builds
    assert run(main()) == [200] * 50
    assert cache.builds - before == 1


def test_cache_hits_skip_routing_and_preference_parsing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get(ARTICLE + "?theme=dark", headers={"Accept-Encoding": "br"})

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cache hit must not resolve preferences again")

    monkeypatch.setattr("service.views.common.resolve", boom)
    hit = client.get(ARTICLE + "?theme=dark", headers={"Accept-Encoding": "br"})
    assert hit.status_code == 200
    assert hit.content == first.content
    for name in ("etag", "cache-control", "vary", "content-security-policy", "surrogate-key",
                 "xkey"):  # fmt: skip
        assert hit.headers[name] == first.headers[name]


def test_hot_path_leaves_cookie_readers_of_bare_urls_to_the_full_path(client: TestClient) -> None:
    assert client.get(ARTICLE).status_code == 200  # now a hot route, for readers with no choice
    client.cookies.set("legible_pref", "dark.150.0")
    r = client.get(ARTICLE)
    assert r.status_code == 302
    assert r.headers["location"] == ARTICLE + "?theme=dark&size=150"
