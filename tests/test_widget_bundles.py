"""Every widget bundle a deployment has served stays servable: a URL pinned with SRI
answers the same bytes after a theme edit, a restart or an upgrade, on both engines.

The in-process tests restart an app on the same store; the live ones run `legible
serve` as an operator does, two replicas on one PostgreSQL store.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.store import Store, is_postgres, open_store
from service.themes import data_dir
from service.widget import (
    BUNDLE_PREFIX,
    IMMUTABLE,
    LOADER_URL,
    OLD_BUNDLES_BYTES,
    UNKNOWN_CACHE,
    UNKNOWN_SECONDS,
    Bundles,
    bundle_digest,
    bundle_url,
    integrity_for,
)
from tests.support import pg
from tests.support.live import LiveServer, serve, server_env

ENCODINGS = ("identity", "gzip", "br")


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def decoded(headers: dict[str, str] | object, raw: bytes) -> bytes:
    """The identity bytes of a body sent with these headers (what a browser hashes)."""
    encoding = headers.get("content-encoding", "identity")
    if encoding == "gzip":
        return gzip.decompress(raw)
    if encoding == "br":
        return bytes(brotli.decompress(raw))
    assert encoding == "identity", encoding
    return raw


def fake_bundle(n: int) -> bytes:
    """A bundle of about the real one's size that no theme edit produces."""
    return (
        f"/* bundle {n} */".encode() + hashlib.sha512(str(n).encode()).digest().hex().encode() * 200
    )


@pytest.fixture
def themes(tmp_path: Path) -> Path:
    """A copy of themes/, for LEGIBLE_THEMES_DIR: editing it changes the bundle."""
    folder = tmp_path / "themes"
    shutil.copytree(data_dir("themes"), folder)
    return folder


def edit_theme(themes: Path, label: str) -> None:
    """An operator's edit: sepia's English label (its contrast stays as tested)."""
    path = themes / "sepia.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'^en = ".*"$', f'en = "{label}"', text, count=1, flags=re.M), "utf-8")


class Deployment:
    """Apps started and stopped on one store, as restarts of a replica are."""

    def __init__(self, db: str, themes: Path) -> None:
        self.db, self.themes = db, themes
        self.client: TestClient | None = None

    def start(self) -> TestClient:
        self.stop()
        app = create_app(Settings(db=self.db, demo=False, themes_dir=str(self.themes)))
        self.client = TestClient(app, follow_redirects=False)
        self.client.__enter__()
        return self.client

    def stop(self) -> None:
        if self.client is not None:
            self.client.__exit__(None, None, None)
            self.client.app.state.site.store.close()
            self.client = None


@pytest.fixture
def deployment(db: str, themes: Path) -> Iterator[Deployment]:
    running = Deployment(db, themes)
    yield running
    running.stop()


def current(client: TestClient) -> tuple[str, bytes]:
    """The pinned URL an operator copies today (`legible widget-snippet`), and its bytes."""
    (url,) = [u for u in client.app.state.site.widget if u.startswith(BUNDLE_PREFIX)]
    body = client.get(url, headers={"Accept-Encoding": "identity"}).content
    return url, body


def answers(client: TestClient, url: str) -> dict[str, tuple[int, dict[str, str], bytes]]:
    """GET `url` in each encoding: status, headers, the identity bytes (httpx decodes)."""
    out = {}
    for encoding in ENCODINGS:
        r = client.get(url, headers={"Accept-Encoding": encoding, "Origin": "https://x.example"})
        out[encoding] = (r.status_code, dict(r.headers), r.content)
    return out


# -- the store, both engines --------------------------------------------------------------
def test_a_bundle_is_stored_once_and_read_back(any_store: Store) -> None:
    first, second = fake_bundle(1), fake_bundle(2)
    assert any_store.bundle(bundle_digest(first)) is None
    assert any_store.keep_bundle(bundle_digest(first), first) is True
    assert any_store.keep_bundle(bundle_digest(first), first) is False  # a restart
    assert any_store.keep_bundle(bundle_digest(second), second) is True
    assert any_store.bundle(bundle_digest(first)) == first
    assert any_store.bundle(bundle_digest(second)) == second
    assert any_store.bundle("0" * 16) is None
    assert any_store.bundle_digests() == [bundle_digest(first), bundle_digest(second)]


def test_replicas_storing_one_bundle_at_once_store_it_once(db: str) -> None:
    """Replicas starting together race to store the same bundle: one stores it, the
    others change nothing and raise nothing."""
    body = fake_bundle(7)
    stores = [open_store(db) for _ in range(6)]
    results: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(stores))

    def keep(store: Store) -> None:
        start.wait()
        try:
            results.append(store.keep_bundle(bundle_digest(body), body))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=keep, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert errors == []
    assert sorted(results) == [False] * (len(stores) - 1) + [True]
    reader = open_store(db)
    assert reader.bundle_digests() == [bundle_digest(body)]
    assert reader.bundle(bundle_digest(body)) == body
    reader.close()


# -- through the app, both engines --------------------------------------------------------
def test_a_pinned_url_answers_the_same_bytes_after_a_theme_edit_and_restart(
    deployment: Deployment, themes: Path
) -> None:
    client = deployment.start()
    pinned, body = current(client)
    integrity = integrity_for(body)  # what the operator put in integrity="…"
    before = answers(client, pinned)
    assert {status for status, _, _ in before.values()} == {200}

    edit_theme(themes, "Old paper")
    client = deployment.start()
    new_url, new_body = current(client)
    assert new_url != pinned and new_body != body and b"Old paper" in new_body

    after = answers(client, pinned)
    for encoding in ENCODINGS:
        status, headers, identity = after[encoding]
        assert status == 200, encoding
        assert identity == body, encoding
        assert sri(identity) == integrity, encoding
        assert headers.get("content-encoding", "identity") == encoding
        # The same validators as when it was current: a cache's copy stays valid.
        assert headers["etag"] == before[encoding][1]["etag"], encoding
        assert headers["cache-control"] == IMMUTABLE
        assert headers["access-control-allow-origin"] == "*"
        assert headers["cross-origin-resource-policy"] == "cross-origin"
        assert headers["content-type"].startswith("text/javascript")
        assert headers["x-content-type-options"] == "nosniff"
        again = client.get(
            pinned, headers={"Accept-Encoding": encoding, "If-None-Match": headers["etag"]}
        )
        assert again.status_code == 304 and again.headers["cache-control"] == IMMUTABLE

    # The new pinned URL and the stable loader serve the new bundle.
    assert client.get(new_url).content == new_body
    loader = client.get(LOADER_URL, headers={"Accept-Encoding": "identity"})
    assert loader.content == new_body and "immutable" not in loader.headers["cache-control"]
    head = client.head(pinned)
    assert head.status_code == 200 and head.content == b""

    # An upgrade back (or a revert of the edit) serves the first again as current.
    edit_theme(themes, "Sepia")
    client = deployment.start()
    assert current(client) == (pinned, body)
    assert client.get(new_url, headers={"Accept-Encoding": "identity"}).content == new_body


def test_an_unknown_hash_is_a_short_lived_404(deployment: Deployment) -> None:
    client = deployment.start()
    for path in (
        "/widget/legible-widget.0000000000000000.js",  # well formed, never served
        "/widget/legible-widget.0.js",
        "/widget/legible-widget.ABCDEF0123456789.js",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "immutable" not in r.headers["cache-control"], path
    r = client.get("/widget/legible-widget.0000000000000000.js")
    assert r.headers["cache-control"] == UNKNOWN_CACHE == "public, max-age=60"
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["x-content-type-options"] == "nosniff"  # the security headers too


def test_each_bundle_is_stored_once_at_start_and_never_on_a_request(
    deployment: Deployment, themes: Path, db: str
) -> None:
    client = deployment.start()
    url, _ = current(client)
    deployment.start()
    deployment.stop()
    edit_theme(themes, "Paper")
    client = deployment.start()
    new_url, _ = current(client)
    store = client.app.state.site.store
    digest = url.removeprefix(BUNDLE_PREFIX).removesuffix(".js")
    assert store.bundle_digests() == [digest, new_url.removeprefix(BUNDLE_PREFIX)[:16]]

    def refused(*args: object) -> bool:
        raise AssertionError("a request stored a bundle")

    store.keep_bundle = refused
    for path in (url, new_url, LOADER_URL, "/widget/demo", "/widget/legible-widget.1234.js"):
        assert client.get(path).status_code in (200, 404)


def test_the_current_bundle_is_served_from_memory(deployment: Deployment) -> None:
    client = deployment.start()
    url, body = current(client)
    store = client.app.state.site.store

    def refused(digest: str) -> bytes | None:
        raise AssertionError("the current bundle was read from the store")

    store.bundle = refused
    for path in (url, LOADER_URL):
        for encoding in ENCODINGS:
            r = client.get(path, headers={"Accept-Encoding": encoding})
            assert r.content == body


def test_many_old_bundles_are_read_on_demand_into_a_bounded_cache(
    deployment: Deployment, db: str
) -> None:
    writer = open_store(db)
    old = [fake_bundle(n) for n in range(40)]  # ~1 MB identity in all, twice the bound
    for body in old:
        assert writer.keep_bundle(bundle_digest(body), body)
    writer.close()

    client = deployment.start()
    bundles = client.app.state.site.bundles
    assert bundles._old.currsize == 0  # nothing old is loaded at start
    reads: list[str] = []
    read = bundles.store.bundle

    def counted(digest: str) -> bytes | None:
        reads.append(digest)
        return read(digest)

    bundles.store.bundle = counted
    for body in old:
        r = client.get(bundle_url(body), headers={"Accept-Encoding": "br"})
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "br" and r.content == body
        assert bundles._old.currsize <= OLD_BUNDLES_BYTES
    assert len(reads) == len(old)
    assert 0 < len(bundles._old) < len(old)
    # The most recent stay in memory: asked again, no store read.
    client.get(bundle_url(old[-1]))
    assert len(reads) == len(old)
    # An unknown hash is asked of the store once while its 404 may be cached.
    for _ in range(3):
        assert client.get("/widget/legible-widget.00000000000000ff.js").status_code == 404
    assert reads.count("00000000000000ff") == 1


def test_a_bundle_another_replica_stores_later_is_served_once_its_404_expires(
    deployment: Deployment, db: str
) -> None:
    """A rolling upgrade: a reader asks this replica for the new bundle before the
    replica that serves it has stored it. The 404 lasts as long as it may be cached."""
    client = deployment.start()
    now = [1000.0]
    site = client.app.state.site
    site.bundles = Bundles(site.store, clock=lambda: now[0])
    body = fake_bundle(3)
    url = bundle_url(body)
    assert client.get(url).status_code == 404
    other = open_store(db)
    assert other.keep_bundle(bundle_digest(body), body)  # the other replica starts
    other.close()
    now[0] += UNKNOWN_SECONDS - 1
    assert client.get(url).status_code == 404  # remembered, as a cache keeps the 404
    now[0] += 2
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.content == body
    assert r.headers["cache-control"] == IMMUTABLE


def test_a_stored_body_that_does_not_match_its_hash_is_not_served(
    deployment: Deployment, db: str
) -> None:
    writer = open_store(db)
    writer.keep_bundle("0123456789abcdef", b"console.log('tampered')")
    writer.close()
    client = deployment.start()
    r = client.get("/widget/legible-widget.0123456789abcdef.js")
    assert r.status_code == 404 and r.headers["cache-control"] == UNKNOWN_CACHE


# -- live: two replicas of `legible serve` on one PostgreSQL store ---------------------------
@pytest.fixture
def pg_db(pg_cluster: pg.Cluster) -> Iterator[str]:
    url = pg_cluster.database()
    yield url
    pg_cluster.release(url)


def test_replicas_on_one_store_serve_each_others_bundles(
    pg_db: str, tmp_path: Path, themes: Path
) -> None:
    """Replica A runs the shipped themes, replica B an edited copy (a rolling upgrade):
    each serves the bundle only the other stored, and after A restarts on B's themes
    the URL pinned from A still answers the same bytes."""
    assert is_postgres(pg_db)
    edited = tmp_path / "edited"
    shutil.copytree(themes, edited)
    edit_theme(edited, "Old paper")

    def replica(folder: Path, name: str) -> LiveServer:
        env = server_env({"LEGIBLE_DB": pg_db, "LEGIBLE_THEMES_DIR": str(folder)})
        env["LEGIBLE_DEMO"] = "0"
        return serve(env=env, log=tmp_path / f"{name}.log")

    def pinned(server: LiveServer) -> tuple[str, bytes, str]:
        status, _, page = server.request("GET", "/widget/demo")
        assert status == 200
        text = page.decode()
        url = re.search(r"legible\.example(/widget/legible-widget\.[0-9a-f]{16}\.js)", text)
        integrity = re.search(r"integrity=&quot;(sha384-[^&]+)&quot;", text)
        assert url and integrity, text
        status, _, body = server.request("GET", url.group(1))
        assert status == 200
        return url.group(1), body, integrity.group(1)

    a = replica(themes, "a")
    try:
        url_a, body_a, sri_a = pinned(a)
        b = replica(edited, "b")
        try:
            url_b, body_b, sri_b = pinned(b)
            assert url_a != url_b
            for server, url, body, integrity in (
                (b, url_a, body_a, sri_a),
                (a, url_b, body_b, sri_b),
            ):
                for encoding in ENCODINGS:
                    status, headers, raw = server.request("GET", url, Accept_Encoding=encoding)
                    assert status == 200, (url, encoding)
                    assert headers.get("content-encoding", "identity") == encoding
                    assert decoded(headers, raw) == body and sri(body) == integrity
                    assert headers["cache-control"] == IMMUTABLE
        finally:
            b.stop()
    finally:
        a.stop()

    a = replica(edited, "a-restarted")  # A upgraded: B's bundle is now its current
    try:
        status, headers, raw = a.request("GET", url_a, Accept_Encoding="gzip")
        assert status == 200 and decoded(headers, raw) == body_a and sri(body_a) == sri_a
        status, _, loader = a.request("GET", LOADER_URL)
        assert loader == body_b
        status, headers, _ = a.request("GET", "/widget/legible-widget.0000000000000000.js")
        assert status == 404 and headers["cache-control"] == UNKNOWN_CACHE
    finally:
        a.stop()
