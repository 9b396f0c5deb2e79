"""The RSGI side of the app (what `legible serve` runs under granian), driven with
in-process stand-ins for granian's scope and protocol objects: hits answered in
one call with the same bytes and headers as the ASGI path, everything else
through the bridge, and hot routes that follow the cache."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import brotli
import pytest
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from service import Settings, create_app
from service.app import LegibleApp
from service.rsgi import Lifespan, asgi_scope, serve_asgi
from tests.support.aio import on_own_thread, run
from tests.support.rsgi_double import Headers, Proto, Scope, call, get

SLUG = "thu-vien-thanh-pho-mo-cua-den-21-gio"
ARTICLE = f"/articles/{SLUG}"
TOKEN = "tok"


@pytest.fixture
def app(tmp_path: Path) -> LegibleApp:
    return create_app(Settings(demo=True, db=str(tmp_path / "t.db"), admin_token=TOKEN))


def hits(app: LegibleApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the full path record each request it sees, to tell hits from misses."""
    seen: list[str] = []
    inner = app.hot.app

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await inner(scope, receive, send)

    monkeypatch.setattr(app.hot, "app", recording)
    return seen


def test_a_hit_is_the_same_answer_as_the_asgi_path_without_touching_it(
    app: LegibleApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(app) as client:
        asgi = client.get(ARTICLE + "?theme=dark", headers={"Accept-Encoding": "br"})
    full_path = hits(app, monkeypatch)
    hit = get(app, ARTICLE + "?theme=dark", accept_encoding="br")
    assert full_path == []
    assert hit.status == 200
    assert brotli.decompress(hit.body) == asgi.content  # httpx decoded its copy
    assert len(hit.body) == int(asgi.headers["content-length"])
    for name in ("etag", "vary", "cache-control", "content-encoding", "content-length",
                 "content-type", "surrogate-key", "xkey", "content-security-policy"):  # fmt: skip
        assert hit.header(name) == asgi.headers[name], name


def test_first_request_goes_through_the_bridge_and_the_second_is_a_hit(
    app: LegibleApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_path = hits(app, monkeypatch)
    miss = get(app, "/?theme=dark", accept_encoding="gzip")
    hit = get(app, "/?theme=dark", accept_encoding="gzip")
    assert full_path == ["/"]
    assert miss.status == hit.status == 200
    assert miss.body == hit.body and miss.header("etag") == hit.header("etag")
    assert hit.header("content-encoding") == "gzip"


@pytest.mark.parametrize("query", ["", "theme=sepia&size=150&spacing=1"])
def test_an_article_miss_skips_the_bridge_and_answers_as_the_full_path_does(
    app: LegibleApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, query: str
) -> None:
    url = ARTICLE + (f"?{query}" if query else "")
    other = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), admin_token=TOKEN))
    with TestClient(other) as client:  # the same page through the ASGI app, a miss there too
        asgi = client.get(url, headers={"Accept-Encoding": "br"})
    full_path = hits(app, monkeypatch)
    miss = get(app, url, accept_encoding="br")
    assert full_path == []
    assert miss.status == 200 and app.state.site.cache.builds == 1
    assert brotli.decompress(miss.body) == asgi.content
    for name in ("etag", "vary", "cache-control", "content-encoding", "content-length",
                 "content-type", "surrogate-key", "cache-tag", "xkey",
                 "content-security-policy"):  # fmt: skip
        assert miss.header(name) == asgi.headers[name], name
    assert app.state.site.hot.get(ARTICLE, query) is not None  # the next one is a hit


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (ARTICLE + "?size=150%25", 301),  # not canonical
        (ARTICLE + "?theme=dark&theme=sepia", 301),
        (ARTICLE + "?theme=nope", 400),
        ("/articles/khong-co", 404),
        ("/articles/THU-VIEN-THANH-PHO-MO-CUA-DEN-21-GIO", 301),
        (ARTICLE + "/", 404),
    ],
)
def test_article_urls_the_miss_path_does_not_own_go_to_the_full_path(
    app: LegibleApp, monkeypatch: pytest.MonkeyPatch, url: str, status: int
) -> None:
    full_path = hits(app, monkeypatch)
    assert get(app, url).status == status
    assert full_path == [url.partition("?")[0]]


def test_repeated_accept_encoding_is_read_alike_on_every_path(app: LegibleApp) -> None:
    twice = [("Accept-Encoding", "gzip"), ("Accept-Encoding", "br")]
    with TestClient(app) as client:
        miss = client.get(ARTICLE + "?size=200", headers=twice)  # the full path
        asgi_hit = client.get(ARTICLE + "?size=200", headers=twice)  # the ASGI hot path
    rsgi_hit = call(app, Scope(ARTICLE, "size=200", headers=Headers(twice)))
    assert miss.headers["content-encoding"] == "gzip"  # Starlette reads the first
    assert asgi_hit.headers["content-encoding"] == "gzip"
    assert rsgi_hit.header("content-encoding") == "gzip"


def test_hit_answers_head_304_and_406_like_the_full_path(app: LegibleApp) -> None:
    first = get(app, ARTICLE, accept_encoding="br")
    head = call(app, Scope(ARTICLE, method="HEAD", headers=Headers([("accept-encoding", "br")])))
    assert head.status == 200 and head.body == b""
    assert head.header("content-length") == str(len(first.body))
    etag = first.header("etag")
    assert etag is not None
    not_modified = get(app, ARTICLE, accept_encoding="br", if_none_match=f"W/{etag}")
    assert not_modified.status == 304 and not_modified.body == b""
    assert not_modified.header("etag") == etag
    assert "Accept-Encoding" in (not_modified.header("vary") or "")
    refused = get(app, ARTICLE, accept_encoding="identity;q=0")
    assert refused.status == 406
    assert "Accept-Encoding" in (refused.header("vary") or "")


def test_a_preference_cookie_on_a_bare_url_is_not_answered_from_the_hot_path(
    app: LegibleApp,
) -> None:
    assert get(app, ARTICLE).status == 200
    other = [("host", "legible.test"), ("cookie", "a=1"), ("cookie", "legible_pref=dark.150.0")]
    answer = call(app, Scope(ARTICLE, headers=Headers(other)))
    assert answer.status == 302
    assert answer.header("location") == ARTICLE + "?theme=dark&size=150"


def test_an_evicted_page_leaves_the_hot_path(tmp_path: Path) -> None:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), cache_mb=0.02))
    site = app.state.site
    get(app, ARTICLE)
    route = site.hot.get(ARTICLE, "")
    assert route is not None
    for theme in ("dark", "sepia", "high-contrast"):  # each page is ~10 KB: ARTICLE is evicted
        get(app, f"{ARTICLE}?theme={theme}")
    assert site.cache.peek(route.key) is None
    assert site.hot.get(ARTICLE, "") is None
    assert len(site.hot) <= len(site.cache)


def test_an_update_through_the_api_empties_the_hot_path_for_that_article(
    app: LegibleApp,
) -> None:
    get(app, ARTICLE + "?size=150")
    assert app.state.site.hot.get(ARTICLE, "size=150") is not None
    page = {"title": "Giờ mở cửa mới", "published": "2024-05-01", "body_html": "<p>Mới.</p>"}
    body = json.dumps(page).encode()
    put = Scope(f"/api/articles/{SLUG}", method="PUT", headers=Headers([
        ("authorization", f"Bearer {TOKEN}"), ("content-type", "application/json"),
    ]))  # fmt: skip
    # The body arrives in pieces, as a socket delivers it.
    answer = call(app, put, Proto([body[:7], body[7:30], body[30:]]))
    assert answer.status == 200, answer.body
    assert app.state.site.hot.get(ARTICLE, "size=150") is None
    assert "Giờ mở cửa mới" in get(app, ARTICLE + "?size=150").body.decode()


def test_no_variant_is_served_from_a_stale_revision_after_an_update(
    app: LegibleApp, tmp_path: Path
) -> None:
    """Through the RSGI miss path and hits, after an API write and another process's."""
    variants = ["", "theme=dark", "theme=sepia&size=200&spacing=1", "size=125"]

    def pages(accept: str = "identity") -> list[str]:
        urls = [ARTICLE + (f"?{v}" if v else "") for v in variants]
        return [get(app, url, accept_encoding=accept).body.decode() for url in urls]

    assert all("Thư viện thành phố" in p for p in pages() + pages())  # misses, then hits
    page = {"title": "Giờ mở cửa mới", "published": "2024-05-01", "body_html": "<p>Mới.</p>"}
    put = Scope(f"/api/articles/{SLUG}", method="PUT", headers=Headers([
        ("authorization", f"Bearer {TOKEN}"), ("content-type", "application/json"),
    ]))  # fmt: skip
    assert call(app, put, Proto([json.dumps(page).encode()])).status == 200
    for body in pages() + pages():
        assert "Giờ mở cửa mới" in body and "Thư viện thành phố" not in body

    from service.articles import validate
    from service.site import SYNC_SECONDS
    from service.store import open_store

    other = open_store(tmp_path / "t.db")  # `legible import` in another process
    other.put(validate({**page, "title": "Lần thứ ba", "slug": SLUG}))
    time.sleep(SYNC_SECONDS * 2)
    for body in pages("identity") + pages("identity"):
        assert "Lần thứ ba" in body and "Giờ mở cửa mới" not in body


def test_a_form_post_goes_through_the_bridge(app: LegibleApp) -> None:
    form = Scope("/preferences", method="POST", headers=Headers([
        ("content-type", "application/x-www-form-urlencoded"),
    ]))  # fmt: skip
    answer = call(app, form, Proto([b"theme=high-contrast&si", b"ze=200&return=%2F"]))
    assert answer.status == 303
    assert answer.header("location") == "/?theme=high-contrast&size=200#main"
    assert "legible_pref=high-contrast.200.0" in (answer.header("set-cookie") or "")


def test_an_oversized_body_is_refused_while_streaming(tmp_path: Path) -> None:
    app = create_app(
        Settings(demo=True, db=str(tmp_path / "t.db"), admin_token=TOKEN, max_body_mb=0.001)
    )
    put = Scope(f"/api/articles/{SLUG}", method="PUT", headers=Headers([
        ("authorization", f"Bearer {TOKEN}"), ("content-type", "application/json"),
    ]))  # fmt: skip
    assert call(app, put, Proto([b"x" * 600, b"x" * 600])).status == 413


def test_hosts_outside_the_allowed_list_are_refused_even_for_cached_pages(
    tmp_path: Path,
) -> None:
    app = create_app(
        Settings(demo=True, db=str(tmp_path / "t.db"), allowed_hosts=("legible.test",))
    )
    assert get(app, ARTICLE).status == 200  # cached now
    hosts = ["legible.test", "legible.test:8000", "evil.example", "LEGIBLE.TEST",
             "legible.test.", "legible.test.evil", "", "legible.test:1:2", "legible.test:",
             "legible.test:x"]  # fmt: skip
    with TestClient(app) as client:  # the ASGI path, through the trusted-host middleware
        expected = {h: client.get(ARTICLE, headers={"Host": h}).status_code for h in hosts}
    assert expected["legible.test"] == 200 and expected["evil.example"] == 400
    for host in hosts:  # the RSGI hit path agrees with it on every host
        answer = call(app, Scope(ARTICLE, headers=Headers([("host", host)])))
        assert answer.status == expected[host], host
        if answer.status == 400:
            assert answer.header("content-security-policy") is not None, host
    superscript = Scope(ARTICLE, headers=Headers([("host", "legible.test:²")]))  # not a port
    assert call(app, superscript).status == 400
    # A miss is checked as strictly: a wrong host gets its 400 and builds nothing.
    builds = app.state.site.cache.builds
    evil = Scope(ARTICLE, "theme=sepia", headers=Headers([("host", "evil.example")]))
    assert call(app, evil).status == 400
    assert app.state.site.cache.builds == builds
    assert get(app, ARTICLE + "?theme=sepia").status == 200


def test_hits_are_in_the_access_log(app: LegibleApp, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="legible.access"):
        get(app, ARTICLE + "?size=200")  # a miss, answered and logged by the RSGI miss path
        get(app, ARTICLE + "?size=200", accept_encoding="br")  # a hit, logged by the hot path
        app.hot.access_log.flush()  # type: ignore[union-attr]
    lines = [json.loads(line) for r in caplog.records for line in r.getMessage().splitlines()]
    assert [(x["path"], x["query"], x["status"], x["client"]) for x in lines] == [
        (ARTICLE, "size=200", 200, "192.0.2.7")
    ] * 2
    assert lines[1]["bytes"] > 0 and lines[1]["method"] == "GET"


def test_the_asgi_scope_has_what_starlette_needs() -> None:
    scope = asgi_scope(
        Scope("/a b/é", "q=%C3%A9+x", client="[::1]:5000", headers=Headers([("x-a", "ý")]))
    )
    assert scope["path"] == "/a b/é"
    assert scope["raw_path"] == b"/a%20b/%C3%A9"
    assert scope["query_string"] == b"q=%C3%A9+x"
    assert scope["client"] == ("::1", 5000)
    assert scope["headers"] == [(b"x-a", "ý".encode())]


def _run(app: Any, scope: Scope, proto: Proto) -> Proto:
    run(serve_asgi(app, scope, proto))
    return proto


def test_the_bridge_streams_a_streaming_response() -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"one,", b"two,", b"three"):
            yield part

    async def endpoint(request: Any) -> StreamingResponse:
        return StreamingResponse(parts(), media_type="text/plain")

    app = Starlette(routes=[Route("/s", endpoint)])
    proto = _run(app, Scope("/s"), Proto())
    assert proto.status == 200 and proto.body == b"one,two,three" and proto.chunks_sent >= 3


def test_the_bridge_answers_500_when_the_app_fails_before_answering(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    proto = _run(broken, Scope("/x"), Proto())
    assert proto.status == 500 and proto.answers == 1
    assert "unhandled error" in caplog.text


def test_lifespan_runs_startup_and_shutdown_around_the_worker() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = Starlette(lifespan=lifespan)

    def worker() -> None:
        loop = asyncio.new_event_loop()
        try:
            span = Lifespan(app)
            loop.run_until_complete(span.startup())
            assert events == ["startup"]
            loop.run_until_complete(span.shutdown())
            assert events == ["startup", "shutdown"]
        finally:
            loop.close()

    on_own_thread(worker)


def test_an_app_without_lifespan_support_still_starts() -> None:
    async def plain(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"

    def worker() -> None:
        loop = asyncio.new_event_loop()
        try:
            span = Lifespan(plain)
            # Bounded: a Lifespan that missed the failure would wait for a reply forever.
            loop.run_until_complete(asyncio.wait_for(span.startup(), 5))
            loop.run_until_complete(asyncio.wait_for(span.shutdown(), 5))
        finally:
            loop.close()

    on_own_thread(worker)


def test_the_legible_app_flushes_its_access_log_at_worker_shutdown(
    app: LegibleApp, caplog: pytest.LogCaptureFixture
) -> None:
    def worker() -> None:
        loop = asyncio.new_event_loop()
        try:
            app.__rsgi_init__(loop)
            loop.run_until_complete(app.__rsgi__(Scope("/healthz"), Proto()))
            app.__rsgi_del__(loop)
        finally:
            loop.close()

    with caplog.at_level(logging.INFO, logger="legible.access"):
        on_own_thread(worker)
    assert any('"path": "/healthz"' in r.getMessage() for r in caplog.records)


def test_builds_and_writes_use_no_anyio_worker_threads(app: LegibleApp) -> None:
    """anyio stops its worker threads only with its "root task"; under granian's RSGI
    worker that task is not always found, and a leftover thread kept the worker from
    exiting on SIGTERM until granian killed it. Builds and writes use plain executors."""
    put = Scope(f"/api/articles/{SLUG}", method="PUT", headers=Headers([
        ("authorization", f"Bearer {TOKEN}"), ("content-type", "application/json"),
    ]))  # fmt: skip
    page = {"title": "Mới", "published": "2024-05-01", "body_html": "<p>Mới.</p>"}

    async def main() -> list[str]:
        for url in (ARTICLE, ARTICLE + "?theme=dark", "/", "/search?q=thu"):
            path, _, query = url.partition("?")
            await app.__rsgi__(Scope(path, query), Proto())
        written = Proto([json.dumps(page).encode()])
        await app.__rsgi__(put, written)
        assert written.status == 200
        return [t.name for t in threading.enumerate()]

    names = run(main())
    assert app.state.site.cache.builds >= 4
    assert not [n for n in names if n.startswith("AnyIO")], names
