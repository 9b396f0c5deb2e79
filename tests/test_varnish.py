"""deploy/varnish/default.vcl on the real varnishd, in front of two real `legible serve`
replicas sharing one PostgreSQL database, the reference deployment (tests/support/varnish.py
starts them; tests/support/pg.py starts the throwaway PostgreSQL). `make test` installs
varnish, varnish-modules and wrk (scripts/setup-engines). The tests run in file
order: the last ones kill replicas.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest

from tests.support import pg
from tests.support.live import HOST, LiveServer, process_tree
from tests.support.varnish import (
    TOKEN,
    VCL,
    Cluster,
    backend_names,
    find_varnishd,
    need,
    shipped_vcl,
    workdir,
)

SLUG = "thu-vien-thanh-pho-mo-cua-den-21-gio"
ARTICLE = f"/articles/{SLUG}"
VARIANTS = ["", "?theme=dark", "?theme=sepia&size=150"]
ENCODINGS = ["br, gzip", "gzip", "identity"]
HEARD = 0.2  # seconds for another replica to hear a commit (ms when quiet; a loaded CI)


@pytest.fixture(scope="module")
def cluster(pg_cluster: pg.Cluster) -> Iterator[Cluster]:
    need(find_varnishd(), "varnishd")
    db = pg_cluster.database()
    try:
        with Cluster(db, env={"LEGIBLE_METRICS": "1"}) as running:  # as compose.yaml
            yield running
    finally:
        pg_cluster.release(db)


def article(title: str) -> dict[str, object]:
    return {"title": title, "published": "2023-09-21", "body_html": f"<p>{title}</p>"}


def text(server: LiveServer, path: str, accept: str = "identity") -> tuple[int, str]:
    """(status, the decoded body) of a GET."""
    status, got, body = server.request("GET", path, Accept_Encoding=accept)
    coding = got.get("content-encoding")
    if coding == "br":
        body = brotli.decompress(body)
    elif coding == "gzip":
        body = gzip.decompress(body)
    return status, body.decode()


# -- the file itself ------------------------------------------------------------------------


def test_the_shipped_vcl_compiles() -> None:
    varnishd = need(find_varnishd(), "varnishd")
    work = workdir()  # varnishd reads the file after it drops root
    path = work / "default.vcl"
    path.write_text(shipped_vcl([8000]))  # -C resolves host names: legible1 is compose's
    path.chmod(0o644)
    try:
        out = subprocess.run(
            [varnishd, "-C", "-n", str(work), "-f", str(path)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert out.returncode == 0, out.stderr[-3000:]


def test_only_the_backends_addresses_are_replaced() -> None:
    shipped = VCL.read_text().splitlines()
    ours = shipped_vcl([1111, 2222]).splitlines()
    changed = [(a, b) for a, b in zip(shipped, ours, strict=True) if a != b]
    assert backend_names(VCL.read_text()) == ["legible1", "legible2"]
    assert [b.strip() for _, b in changed] == [
        '.host = "127.0.0.1";', '.port = "1111";', '.host = "127.0.0.1";', '.port = "2222";',
    ]  # fmt: skip
    with pytest.raises(ValueError, match="2 backends, not 3"):
        shipped_vcl([1, 2, 3])


# -- what it does --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.0", "gzip"),
        ("br;q=0, gzip;q=0", None),
        ("identity", None),
        ("BR", "br"),
    ],
)
def test_accept_encoding_is_reduced_to_br_gzip_or_identity(
    cluster: Cluster, accept: str, coding: str | None
) -> None:
    status, headers, _ = cluster.front.request("GET", "/?size=125", Accept_Encoding=accept)
    assert status == 200
    assert headers.get("content-encoding") == coding
    assert "xkey" not in headers  # the cache's own index stays inside
    assert headers["surrogate-key"] == "lists"


def test_each_encoding_is_stored_once_whatever_the_spelling(cluster: Cluster) -> None:
    front = cluster.front
    front.request("GET", "/?size=175", Accept_Encoding="gzip, br")
    again = front.request("GET", "/?size=175", Accept_Encoding="br;q=1, gzip;q=0.8")
    assert again[1]["x-cache"] == "hit" and again[1]["content-encoding"] == "br"


def test_a_variant_url_is_cached_whatever_the_cookies(cluster: Cluster) -> None:
    front = cluster.front
    cookie = "legible_pref=dark.150.0; _ga=GA1.2.3"
    front.request("GET", "/?theme=sepia", Cookie=cookie)
    status, headers, _ = front.request("GET", "/?theme=sepia", Cookie="_other=1; " + cookie)
    assert status == 200 and headers["x-cache"] == "hit"


def test_a_bare_url_with_the_preference_cookie_reaches_legible(cluster: Cluster) -> None:
    for _ in range(2):  # never stored: each one is Legible's private redirect
        status, headers, _ = cluster.front.request(
            "GET", "/", Cookie="_ga=1; legible_pref=dark.150.0"
        )
        assert status == 302 and headers["location"] == "/?theme=dark&size=150"
        assert headers["cache-control"].startswith("private")
        assert headers["x-cache"] == "miss"


def test_other_cookies_are_dropped_so_a_bare_url_stays_cacheable(cluster: Cluster) -> None:
    cluster.front.request("GET", "/search", Cookie="_ga=1")
    status, headers, _ = cluster.front.request("GET", "/search", Cookie="session=abc")
    assert status == 200 and headers["x-cache"] == "hit"


def _from(source: str, port: int, method: str, path: str, **headers: str) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=10, source_address=(source, 0))
    try:
        conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        return conn.getresponse().status
    finally:
        conn.close()


def test_only_internal_addresses_may_purge_and_no_one_scrapes_through_varnish(
    cluster: Cluster,
) -> None:
    port = cluster.front.port
    # 127.0.0.2 is this host too, but outside the ACL: a reader, as far as Varnish knows.
    assert _from("127.0.0.2", port, "PURGE", "/", xkey_purge="lists") == 405
    assert cluster.replicas[0].request("GET", "/metrics")[0] == 200  # scraped directly
    for source in ("127.0.0.2", "127.0.0.1"):
        for path in ("/metrics", "/metrics?x=1", "/metrics/"):
            assert _from(source, port, "GET", path) == 404, (source, path)
        # Legible decodes the path: an encoded letter must not slip past the checks.
        for path in ("/%6Detrics", "/%6detrics", "/metric%73", "/%61rticles/x"):
            assert _from(source, port, "GET", path) == 400, (source, path)
    assert _from("127.0.0.2", port, "GET", "/search?q=%61") == 200  # a query may encode
    assert _from("127.0.0.2", port, "GET", "/search%3F") != 400  # a reserved one: Legible's
    assert _from("127.0.0.1", port, "PURGE", "/", xkey_purge="lists") == 200
    assert _from("127.0.0.1", port, "PURGE", "/") == 400  # no tags: nothing is purged


def test_a_put_on_one_replica_shows_on_the_other_and_through_varnish_within_1s(
    cluster: Cluster,
) -> None:
    a, b, front = *cluster.replicas, cluster.front
    urls = [ARTICLE + v for v in VARIANTS]
    for url in [*urls, "/"]:  # cached everywhere, in every encoding
        for accept in ENCODINGS:
            for server in (a, b, front, front):
                assert server.request("GET", url, Accept_Encoding=accept)[0] == 200
    assert front.request("GET", ARTICLE, Accept_Encoding="br")[1]["x-cache"] == "hit"
    title = f"Thư viện mở cửa lúc {time.monotonic_ns()}"
    old = text(front, ARTICLE, "br")[1]
    old_title = re.search(r"<h1>(.*?)</h1>", old, flags=re.S)
    assert old_title is not None and title not in old
    # Readers keep Varnish fetching from A and B in turn (a purge before each read), so
    # B syncs often: a notification heard just after one of its syncs must not wait for
    # the next one while B hands Varnish its old copy.
    reads: list[tuple[float, bool]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            began = time.monotonic()
            page = text(front, ARTICLE, "br")[1]
            assert title in page or old_title.group(0) in page
            reads.append((began, title in page))
            front.request("PURGE", "/", xkey_purge=f"article:{SLUG}")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        time.sleep(0.2)
        start = time.monotonic()
        cluster.put(a, SLUG, article(title))
        returned = time.monotonic()
        time.sleep(0.5)
    finally:
        stop.set()
        reader.join()
    after = [(began - returned, new) for began, new in reads if began >= returned]
    assert after and after[-1][1], "the new page never came through Varnish"
    first_new = next(at for at, new in after if new)
    # B hears the commit within milliseconds of A, not at once: an old page may still
    # come from B in that moment (A's answer being new). Past HEARD, never again.
    old_after = [round(at * 1000) for at, new in after if not new and at > first_new + HEARD]
    assert not old_after, f"old pages after the new one at {first_new * 1000:.0f} ms: {old_after}"
    waiting = {(s.port, u, e) for s in (b, front) for u in [*urls, "/"] for e in ENCODINGS}
    servers = {b.port: b, front.port: front}
    while waiting and time.monotonic() - start < 1.0:
        for port, url, accept in sorted(waiting):
            if title in text(servers[port], url, accept)[1]:
                waiting.discard((port, url, accept))
    assert not waiting, f"still the old page after 1 s: {sorted(waiting)}"
    # Purged, not waiting out s-maxage: no copy of the old page is left anywhere.
    for url in [*urls, "/"]:
        for accept in ENCODINGS:
            for server in (front, b, a):
                assert title in text(server, url, accept)[1], (server.port, url, accept)


def test_writes_pass_through_varnish_to_a_replica(cluster: Cluster) -> None:
    body = json.dumps(article("Qua Varnish")).encode()
    auth = {"Authorization": f"Bearer {TOKEN}", "Content_Type": "application/json"}
    status, headers, _ = cluster.front.request("PUT", "/api/articles/qua-varnish", body, **auth)
    assert status == 201 and headers["x-cache"] == "miss"
    start = time.monotonic()  # the other replica may not have heard yet: 1 s at most
    while "Qua Varnish" not in text(cluster.front, "/articles/qua-varnish")[1]:
        assert time.monotonic() - start < 1.0, "not visible through Varnish within 1 s"
        time.sleep(0.01)


def test_a_photo_larger_than_an_article_body_is_stored_and_cached_whatever_the_cookies(
    cluster: Cluster,
) -> None:
    """PUT /api/media/ takes up to LEGIBLE_MEDIA_MAX_MB through Varnish (not the 2 MB of
    an article), and a reader's cookies do not keep a photo out of the cache."""
    import io

    from PIL import Image

    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert out.tell() > 2 * 1024 * 1024
    auth = {"Authorization": f"Bearer {TOKEN}", "Content_Type": "image/png"}
    status, _, body = cluster.front.request("PUT", "/api/media/nhieu.png", out.getvalue(), **auth)
    assert status == 201, body
    url = json.loads(body)["url"]
    cookie = "legible_pref=dark.150.0; _ga=GA1.2.3"
    first = cluster.front.request("GET", url, Cookie=cookie)
    second = cluster.front.request("GET", url, Cookie=cookie)
    assert first[0] == second[0] == 200
    assert second[1]["x-cache"] == "hit" and second[2] == first[2]
    assert "immutable" in second[1]["cache-control"]


def test_a_photo_stored_after_its_article_reaches_the_cached_page_within_1s(
    cluster: Cluster,
) -> None:
    """Varnish keeps the article's page built before its photo was stored; the photo's
    upload purges it (xkey media:DIGEST), and both replicas have let go of theirs."""
    from service.media import process
    from tests.support.images import png

    data = png(1100, 700)
    image = process(data, 10_000_000)
    slug = "anh-den-sau"
    page = {**article("Ảnh đến sau"), "body_html": f'<img src="{image.url}" alt="Ảnh">'}
    cluster.put(cluster.replicas[0], slug, page)
    url = f"/articles/{slug}?theme=dark"
    start = time.monotonic()
    while "Ảnh đến sau" not in text(cluster.front, url)[1]:
        assert time.monotonic() - start < 1.0
    status, headers, body = cluster.front.request("GET", url, Accept_Encoding="identity")
    assert status == 200 and headers["x-cache"] == "hit" and b"srcset" not in body
    origin = cluster.replicas[1].request("GET", url)[1]  # Varnish keeps xkey to itself
    assert f"media:{image.digest}" in origin["xkey"].split()
    auth = {"Authorization": f"Bearer {TOKEN}", "Content_Type": "image/png"}
    assert cluster.front.request("PUT", "/api/media/den-sau.png", data, **auth)[0] == 201
    start = time.monotonic()
    for accept in ENCODINGS:
        while f'srcset="{image.srcset()}"' not in text(cluster.front, url, accept)[1]:
            assert time.monotonic() - start < 1.0, f"no srcset through Varnish ({accept})"
            time.sleep(0.01)
    for replica in cluster.replicas:
        assert 'width="1100" height="700"' in text(replica, url)[1]


def test_postgresql_stopped_and_started_cached_pages_stay_the_rest_503_then_recover(
    cluster: Cluster, pg_cluster: pg.Cluster
) -> None:
    front, (a, _) = cluster.front, cluster.replicas
    assert text(front, ARTICLE, "br, gzip")[0] == 200  # cached in Varnish
    pg_cluster.stop()
    try:
        assert text(front, ARTICLE, "br, gzip")[0] == 200
        uncached = f"/search?q=kh%C3%B4ng+c%C3%B3+{time.monotonic_ns()}"
        status, headers, _ = front.request("GET", uncached)
        assert status == 503 and int(headers["retry-after"]) > 0, (status, headers)
        body = json.dumps(article("Khi hỏng")).encode()
        auth = {"Authorization": f"Bearer {TOKEN}", "Content_Type": "application/json"}
        status, headers, answer = a.request("PUT", "/api/articles/khi-hong", body, **auth)
        assert status == 503 and int(headers["retry-after"]) > 0, (status, answer)
        assert headers["content-type"] == "application/json" and json.loads(answer)["error"]
    finally:
        pg_cluster.resume()
    start = time.monotonic()  # no restart: the pools and listeners reconnect by themselves
    body = json.dumps(article("Sau khi hỏng")).encode()
    while a.request("PUT", "/api/articles/sau-khi-hong", body, **auth)[0] != 201:
        assert time.monotonic() - start < 10, "writes did not recover within 10 s"
        time.sleep(0.2)
    while "Sau khi hỏng" not in text(front, "/articles/sau-khi-hong")[1]:
        assert time.monotonic() - start < 11, "not visible through Varnish after recovery"
        time.sleep(0.05)
    for replica in cluster.replicas:  # each replica answers what it never cached
        start = time.monotonic()  # its pool's next attempt: RECONNECT_GIVE_UP (5 s) at most
        while (status := text(replica, f"/search?q=sau+{time.monotonic_ns()}")[0]) != 200:
            assert time.monotonic() - start < 6, f"{replica.url} still {status} after recovery"
            time.sleep(0.1)


WRK_SCRIPT = """
local paths = {%s}
s5 = 0
s4 = 0
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local five, four = 0, 0
  for _, t in ipairs(threads) do five = five + t:get("s5"); four = four + t:get("s4") end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "s5xx": %%d, "s4xx": %%d, "errors": %%d}\\n',
    summary.requests, five, four, e.connect + e.read + e.write + e.timeout))
end
"""


def test_kill_9_of_one_replica_under_load_sends_no_5xx_to_readers(
    cluster: Cluster, tmp_path: Path
) -> None:
    wrk = need(shutil.which("wrk"), "wrk")
    # Passed to a replica every time (/healthz, the reader's cookie redirect is not
    # used by wrk) or cached: misses and hits both cross the kill.
    paths = ["/healthz", "/search?q=thu+vien", "/", ARTICLE] + [
        f"/search?q=t%C3%A0u+{n}" for n in range(50)
    ]
    script = tmp_path / "kill.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    errors = tmp_path / "5xx.log"  # what Varnish logs of any 5xx, for the failure message
    watch = subprocess.Popen(
        ["varnishlog", "-n", str(cluster.work / "n"), "-g", "request", "-q", "RespStatus >= 500"],
        stdout=errors.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(0.05)
    run = subprocess.Popen(
        [wrk, "-t2", "-c16", "-d4s", "-s", str(script), cluster.front.url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    time.sleep(1.0)
    victim = cluster.replicas[1]
    for pid in reversed(process_tree(victim.pid)):  # granian's supervisor and worker
        os.kill(pid, signal.SIGKILL)
    out, _ = run.communicate(timeout=30)
    time.sleep(0.5)
    watch.terminate()
    watch.wait(5)
    out += "\n" + errors.read_text()[-6000:]
    found = re.search(r"RESULT (\{.*\})", out)
    assert found, out
    result = json.loads(found.group(1))
    assert result["requests"] > 100, out
    assert result["s5xx"] == 0, out
    assert result["errors"] == 0, out
    assert victim.proc.wait(5) == -signal.SIGKILL
    assert cluster.sick(["legible2"]), "the probe never noticed the dead replica"


def test_stale_pages_are_served_while_no_replica_answers(cluster: Cluster) -> None:
    front = cluster.front
    title = text(front, "/", "br, gzip")[1]
    purged = front.request("PURGE", "/", xkey_softpurge="lists")
    assert purged[0] == 200 and b"Purged" in purged[2]  # expired, kept for grace
    for replica in cluster.replicas:
        replica.stop(10)
    assert cluster.sick(["legible1", "legible2"])
    status, stale = text(front, "/", "br, gzip")
    assert status == 200 and stale == title
    assert front.request("GET", "/?theme=dark&size=200&spacing=1")[0] == 503  # never cached
