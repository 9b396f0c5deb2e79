"""Security headers on every response, exactly once, over ASGI and over RSGI (what `legible
serve` runs): pages on a miss and on a hot-path hit, redirects, error pages (400, 404, 405,
406, 414, 500, 503), assets, the widget and the API; CORS on widget assets; trusted hosts;
and no forged Host or X-Forwarded-* value in any body or header."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.app import LegibleApp
from service.errors import StoreUnavailable
from tests.support.rsgi_double import Headers, Proto, Scope, call

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)
REFERRER_POLICIES = {
    "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin",
}  # fmt: skip
TOKEN = "tok"
SLUG = "thu-vien-thanh-pho-mo-cua-den-21-gio"
ARTICLE = f"/articles/{SLUG}"
MARKER = "h0stile"


def _app(tmp: Path, raise_errors: bool = True, **overrides: Any) -> TestClient:
    settings = Settings(
        demo=True, db=str(tmp / "t.db"), admin_token=TOKEN, max_body_mb=2, **overrides
    )
    return TestClient(
        create_app(settings), raise_server_exceptions=raise_errors, follow_redirects=False
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _app(tmp_path_factory.mktemp("headers"), public_url="https://news.example") as c:
        yield c


@pytest.fixture(scope="module")
def https_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    origin = "https://news.example"
    with _app(tmp_path_factory.mktemp("headers-https"), https=True, public_url=origin) as c:
        yield c


@dataclass
class Req:
    id: str
    url: str
    status: int
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    html: bool = True


REQUESTS = [
    Req("index", "/", 200),
    Req("variant", "/?theme=dark&size=150&spacing=1", 200),
    Req("article", ARTICLE, 200),
    Req("article-variant", f"{ARTICLE}?theme=high-contrast&size=200", 200),
    Req("article-gzip", ARTICLE, 200, headers={"Accept-Encoding": "gzip"}),
    Req("article-br", ARTICLE, 200, headers={"Accept-Encoding": "br, gzip"}),
    Req("article-head", ARTICLE, 200, method="HEAD"),
    Req("search", "/search?q=thu+vien", 200),
    Req("search-empty", "/search", 200),
    Req("preferences", "/preferences", 200),
    Req("not-found-article", "/articles/no-such-article", 404),
    Req("not-found-path", "/no/such/page", 404),
    Req("not-found-static", "/static/nope.svg", 404),
    Req("bad-request", "/?theme=nope", 400),
    Req("uri-too-long", "/?x=" + "a" * 5000, 414),
    Req("canonical-redirect", "/?theme=DARK", 301, html=False),
    Req("cookie-redirect", "/", 302, headers={"Cookie": "legible_pref=dark.150.1"}, html=False),
    Req("not-modified", "/", 304, headers={"If-None-Match": "*"}, html=False),
    Req("not-acceptable", "/", 406, headers={"Accept-Encoding": "*;q=0"}, html=False),
    Req(
        "preferences-post",
        "/preferences",
        303,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content=b"theme=dark&return=/",
        html=False,
    ),
    Req("healthz", "/healthz", 200, html=False),
    Req("method-not-allowed", "/", 405, method="DELETE", html=False),
    Req("api-unauthorised", "/api/articles/x", 401, method="PUT", content=b"{}", html=False),
    Req("widget-demo", "/widget/demo", 200),
    Req("widget-js", "/widget.js", 200, html=False),
    Req("static-svg", "/static/demo/books.svg", 200, html=False),
    Req("sitemap", "/sitemap.xml", 200, html=False),
    Req("feed", "/feed.xml", 200, html=False),
    Req("robots", "/robots.txt", 200, html=False),
    Req("feed-query", "/feed.xml?x=1", 301, html=False),
]


def _send(client: TestClient, req: Req, **extra: str) -> Any:
    return client.request(
        req.method, req.url, headers={**req.headers, **extra}, content=req.content
    )


def _send_rsgi(app: LegibleApp, req: Req) -> Any:
    """`req` through the app's RSGI side, as granian calls it; the answer as a response."""
    path, _, query = req.url.partition("?")
    headers = Headers([("host", "legible.test"), *req.headers.items()])
    proto = call(app, Scope(path, query, req.method, headers), Proto([req.content or b""]))
    return SimpleNamespace(
        status_code=proto.status, headers=httpx.Headers(proto.headers), content=proto.body
    )


Send = Callable[[Req], Any]
VIA = ["asgi", "rsgi"]


@pytest.fixture(params=VIA)
def send(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Send]:
    """A fresh app (admin API on), reached over ASGI or over RSGI."""
    if request.param == "rsgi":
        app: LegibleApp = _app(tmp_path).app  # type: ignore[assignment]
        yield lambda req: _send_rsgi(app, req)
        return
    with _app(tmp_path) as c:
        yield lambda req: _send(c, req)


def assert_security_headers(response: Any, hsts: bool) -> None:
    h = response.headers
    assert h.get_list("content-security-policy") == [CSP]
    directives = {d.split()[0]: d.split()[1:] for d in CSP.split("; ")}
    for sources in directives.values():
        for bad in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"):
            assert bad not in sources
    assert h.get_list("x-content-type-options") == ["nosniff"]
    assert len(h.get_list("referrer-policy")) == 1 and h["referrer-policy"] in REFERRER_POLICIES
    assert len(h.get_list("permissions-policy")) == 1 and h["permissions-policy"].strip()
    if hsts:
        assert len(h.get_list("strict-transport-security")) == 1
        max_age = re.search(r"max-age=(\d+)", h["strict-transport-security"])
        assert max_age and int(max_age.group(1)) >= 180 * 24 * 3600
    else:
        assert "strict-transport-security" not in h


@pytest.mark.parametrize("req", REQUESTS, ids=[r.id for r in REQUESTS])
def test_every_response_carries_the_security_headers(client: TestClient, req: Req) -> None:
    # The first request may be a cache miss; the second, for a 200 page, is a hot-path hit.
    for attempt in ("first", "second"):
        response = _send(client, req)
        assert response.status_code == req.status, (attempt, response.status_code)
        assert_security_headers(response, hsts=False)
        if req.html:
            assert response.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("req", REQUESTS, ids=[r.id for r in REQUESTS])
def test_hsts_only_when_served_over_https(https_client: TestClient, req: Req) -> None:
    for _ in range(2):
        response = _send(https_client, req)
        assert response.status_code == req.status
        assert_security_headers(response, hsts=True)


@pytest.fixture(scope="module")
def rsgi_app(tmp_path_factory: pytest.TempPathFactory) -> LegibleApp:
    return create_app(Settings(demo=True, db=str(tmp_path_factory.mktemp("rsgi") / "t.db"),
                               admin_token=TOKEN, max_body_mb=2,
                               public_url="https://news.example"))  # fmt: skip


@pytest.mark.parametrize("req", REQUESTS, ids=[r.id for r in REQUESTS])
def test_every_response_over_rsgi_carries_the_security_headers(
    rsgi_app: LegibleApp, req: Req
) -> None:
    """Over RSGI no middleware runs: the hot path's hits and article misses and the
    ASGI bridge each answer on the protocol object the headers are added on."""
    for attempt in ("first", "second"):  # a miss (or the bridge), then perhaps a hit
        response = _send_rsgi(rsgi_app, req)
        assert response.status_code == req.status, (attempt, response.status_code)
        assert_security_headers(response, hsts=False)
        if req.html:
            assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_hsts_over_rsgi_on_a_miss_a_hit_and_the_bridge(tmp_path: Path) -> None:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db"), https=True))
    for url in (ARTICLE, ARTICLE, "/", "/", "/nope", "/healthz"):
        assert_security_headers(_send_rsgi(app, Req(url, url, 0)), hsts=True)
    assert app.hot.hits.count == 2  # the second article and index requests were hits


def _api_requests(slug: str) -> list[Req]:
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    page = {"title": "Bài mới", "published": "2024-05-01", "body_html": "<p>Mới.</p>"}
    url = f"/api/articles/{slug}"
    return [
        Req("created", url, 201, "PUT", auth, json.dumps(page).encode(), html=False),
        Req("updated", url, 200, "PUT", auth, json.dumps({**page, "title": "Sửa"}).encode()),
        Req("unchanged", url, 200, "PUT", auth, json.dumps({**page, "title": "Sửa"}).encode()),
        Req("invalid", url, 422, "PUT", auth, json.dumps({"title": ""}).encode()),
        Req("not-json", url, 422, "PUT", auth, b"{"),
        Req("too-large", url, 413, "PUT", auth, b"x" * (3 * 2**20)),
        Req("unauthorised", url, 401, "PUT", {**auth, "Authorization": "Bearer no"}, b"{}"),
        Req("method", url, 405, "GET"),
        Req("no-route", "/api/nothing", 404),
        Req("deleted", url, 204, "DELETE", auth),
        Req("absent", url, 404, "DELETE", auth),
    ]


def test_every_api_response_carries_the_security_headers(send: Send) -> None:
    for req in _api_requests("bai-moi"):
        response = send(req)
        assert response.status_code == req.status, req.id
        assert_security_headers(response, hsts=False)
        if req.status not in (204, 413):
            assert response.headers["content-type"] == "application/json", req.id


def test_every_asset_carries_the_security_headers(send: Send, tmp_path: Path) -> None:
    site = _app(tmp_path / "urls").app.state.site  # type: ignore[attr-defined]
    urls = [*site.assets, *site.widget]
    assert any(u.endswith(".css") for u in urls) and any(u.endswith(".woff2") for u in urls)
    for url in urls:
        for encoding in ("br", "identity"):
            response = send(Req(url, url, 200, headers={"Accept-Encoding": encoding}))
            assert response.status_code == 200, url
            assert_security_headers(response, hsts=False)
        etag = response.headers["etag"]
        headers = {"If-None-Match": etag, "Accept-Encoding": "identity"}
        not_modified = send(Req(url, url, 304, headers=headers))
        assert not_modified.status_code == 304
        assert_security_headers(not_modified, hsts=False)


@pytest.mark.parametrize("via", VIA)
def test_server_errors_and_outages_carry_the_security_headers(tmp_path: Path, via: str) -> None:
    """A 500 (a bug in a build), a 503 page and a 503 from the API."""
    client = _app(tmp_path, raise_errors=False)
    app: LegibleApp = client.app  # type: ignore[assignment]
    store = app.state.site.store

    def bug(*args: object) -> None:
        raise RuntimeError("a bug")

    def outage(*args: object) -> None:
        raise StoreUnavailable("down")

    auth = {"Authorization": f"Bearer {TOKEN}"}
    article = b'{"title": "x", "published": "2024-05-01", "body_html": "<p>x</p>"}'
    cases = [
        ("search", bug, Req("500", "/search?q=bug", 500)),
        ("search", outage, Req("503", "/search?q=down", 503)),
        ("put", outage, Req("api-503", "/api/articles/x", 503, "PUT", auth, article)),
    ]
    for method, failure, req in cases:
        setattr(store, method, failure)
        response = _send_rsgi(app, req) if via == "rsgi" else _send(client, req)
        assert response.status_code == req.status, req.id
        assert_security_headers(response, hsts=False)


def test_the_rsgi_bridges_last_resort_500_carries_the_security_headers(
    rsgi_app: LegibleApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app failed before it answered: the bridge's own plain 500."""

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(rsgi_app.hot, "app", broken)
    response = _send_rsgi(rsgi_app, Req("500", "/search?q=boom", 500))
    assert response.status_code == 500 and response.content.startswith(b"500")
    assert_security_headers(response, hsts=False)


def test_https_preference_cookie_is_secure(client: TestClient, https_client: TestClient) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    plain = client.post("/preferences", content=b"theme=dark", headers=form)
    secure = https_client.post("/preferences", content=b"theme=dark", headers=form)
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert "secure" in secure.headers["set-cookie"].lower()
    assert "samesite=lax" in secure.headers["set-cookie"].lower()


def test_cache_hits_come_from_the_hot_path_and_keep_the_headers(client: TestClient) -> None:
    url = f"{ARTICLE}?theme=sepia&size=125"
    first = client.get(url)
    hot = client.app.state.site.hot  # type: ignore[attr-defined]
    assert hot.get(url.split("?")[0], url.split("?")[1]) is not None
    second = client.get(url)
    assert second.content == first.content
    assert_security_headers(second, hsts=False)


# -- widget assets --------------------------------------------------------------------------------
def _widget_urls(client: TestClient) -> list[str]:
    urls = list(client.app.state.site.widget)  # type: ignore[attr-defined]
    assert "/widget.js" in urls
    return urls


def test_widget_assets_are_cross_origin_without_an_origin_header(client: TestClient) -> None:
    for url in _widget_urls(client):
        for headers in ({}, {"Accept-Encoding": "br"}, {"Origin": "https://news.example"}):
            r = client.get(url, headers=headers)
            assert r.status_code == 200, url
            assert r.headers.get_list("access-control-allow-origin") == ["*"], url
            assert r.headers.get_list("cross-origin-resource-policy") == ["cross-origin"], url
            assert "origin" not in r.headers.get("vary", "").lower()
            assert "access-control-allow-credentials" not in r.headers
        etag = client.get(url).headers["etag"]
        not_modified = client.get(url, headers={"If-None-Match": etag})
        assert not_modified.status_code == 304
        assert not_modified.headers["access-control-allow-origin"] == "*"
        assert not_modified.headers["cross-origin-resource-policy"] == "cross-origin"
        head = client.head(url)
        assert head.headers["access-control-allow-origin"] == "*"


def test_pages_are_not_cors_open(client: TestClient) -> None:
    for url in ("/", ARTICLE, "/search?q=a", "/nope"):
        r = client.get(url, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers, url


# -- trusted hosts -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hosts_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _app(tmp_path_factory.mktemp("hosts"), allowed_hosts=("news.example",)) as c:
        yield c


def test_only_allowed_hosts_are_served(hosts_client: TestClient) -> None:
    good = {"Host": "news.example"}
    for _ in range(2):  # the second request would be a hot-path hit
        assert hosts_client.get(ARTICLE, headers=good).status_code == 200
    assert hosts_client.get(ARTICLE, headers={"Host": "news.example:8443"}).status_code == 200
    for host in (
        "evil.example",
        "news.example.evil.example",
        "evil.example:80",
        "NEWS.example.",
        "",
    ):
        r = hosts_client.get(ARTICLE, headers={"Host": host})
        assert r.status_code == 400, host
        assert "evil" not in r.text
        assert_security_headers(r, hsts=False)
    r = hosts_client.get(
        ARTICLE, headers={"Host": "evil.example", "X-Forwarded-Host": "news.example"}
    )
    assert r.status_code == 400


def test_allowed_hosts_still_let_the_local_healthcheck_through(hosts_client: TestClient) -> None:
    """The Dockerfile's HEALTHCHECK asks http://127.0.0.1:$PORT/healthz; with
    LEGIBLE_ALLOWED_HOSTS set it must still see 200, or the container is marked unhealthy."""
    r = hosts_client.get("/healthz", headers={"Host": "127.0.0.1:8000"})
    assert r.status_code == 200, r.text


FORGED = {
    "Host": f"evil-{MARKER}.example:666",
    "X-Forwarded-Host": f"fwd-{MARKER}.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Port": "666",
    "X-Forwarded-Prefix": f"/{MARKER}",
    "X-Forwarded-For": f"{MARKER}.example",
    "Forwarded": f'for=1.2.3.4;host="{MARKER}.example";proto=https',
    "X-Original-URL": f"/{MARKER}",
    "X-Host": f"{MARKER}.example",
}
FORGED_URLS = [
    "/",
    "/?page=2",
    "/?theme=DARK",
    f"{ARTICLE}?theme=dark&size=175",
    f"/articles/{SLUG.upper()}",
    "/search?q=vien+kiem+sat",
    "/search?q=a&q=b",
    "/preferences?back=/articles/x",
    "/articles/none",
    "/?theme=nope",
    "/?x=" + "a" * 5000,
    "/healthz",
    "/widget.js",
    "/widget/demo",
]


def _no_marker(response: Any) -> None:
    assert MARKER not in response.text
    for name, value in response.headers.multi_items():
        assert MARKER not in value, (name, value)
        assert "666" not in value or name in ("content-length", "etag"), (name, value)


@pytest.mark.parametrize("url", FORGED_URLS)
def test_forged_host_and_forwarded_headers_never_reach_a_body_or_header(
    tmp_path: Path, url: str
) -> None:
    with _app(tmp_path) as c:
        forged = c.get(url, headers=FORGED)  # a miss: this request fills the cache
        assert forged.status_code < 500
        _no_marker(forged)
        clean = c.get(url)  # the next reader, perhaps from the hot path
        _no_marker(clean)
        assert clean.status_code == forged.status_code
        assert clean.content == forged.content
        assert clean.headers.get("location") == forged.headers.get("location")
        again = c.get(url, headers=FORGED)  # a hit with forged headers
        _no_marker(again)
        assert again.content == clean.content


def test_forged_host_on_the_form_redirect(client: TestClient) -> None:
    r = client.post(
        "/preferences",
        content=b"theme=sepia&return=/articles/x",
        headers={**FORGED, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/articles/x?theme=sepia#main"
    _no_marker(r)
