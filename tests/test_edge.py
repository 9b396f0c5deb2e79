"""The public edge of the reference deployment, started for real from the shipped files:
hitch (deploy/hitch/hitch.conf) terminating TLS with a certificate made here, Varnish
(deploy/varnish/default.vcl) with the image's two listeners, and a real `legible serve`
replica behind them; then nginx (deploy/nginx/nginx.conf), the single-host front.
Only addresses, ports and paths differ from what operators run (tests/support/edge.py,
tests/support/varnish.py). docs/operators/production.md links each check here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.edge import (
    ACME_HOOK,
    NAME,
    AcmeClient,
    Recorder,
    find_tool,
    make_certificate,
    request,
    shipped_hitch_conf,
    shipped_nginx_conf,
    start_hitch,
)
from tests.support.live import LiveServer, free_port, serve, server_env, spawn
from tests.support.varnish import (
    TOKEN,
    find_varnishd,
    need,
    shipped_listeners,
    shipped_vcl,
    start_varnishd,
    varnishadm,
    workdir,
)

HSTS = "max-age=31536000; includeSubDomains"  # service/middleware/security.py's


@dataclass
class Edge:
    work: Path
    db: Path
    replica: LiveServer
    varnish: LiveServer
    hitch: LiveServer
    http: int  # Varnish's `http` listener, port 80 in production
    https: int  # hitch, port 443
    ca: Path  # what a reader's browser trusts: the self-signed certificate
    pem: Path  # what hitch reads
    acme: AcmeClient


@pytest.fixture(scope="module")
def edge() -> Iterator[Edge]:
    need(find_varnishd(), "varnishd")
    need(find_tool("hitch"), "hitch")
    need(find_tool("openssl"), "openssl")
    work = workdir("legible-edge-")
    _, ca, pem = make_certificate(work, "first")
    http, tls, https = free_port(), free_port(), free_port()
    db = work / "legible.db"
    env = server_env(
        {
            "LEGIBLE_DB": str(db),
            "LEGIBLE_ADMIN_TOKEN": TOKEN,
            "LEGIBLE_HTTPS": "1",  # as compose.yaml: Legible sends HSTS itself too
            "LEGIBLE_PURGE_URLS": f"http://127.0.0.1:{http}",
            "LEGIBLE_TRUSTED_PROXIES": "127.0.0.1",  # Varnish, as compose.yaml trusts it
        }
    )
    acme = AcmeClient("tok3n-" + str(time.monotonic_ns()), "tok3n.key-authorisation")
    started: list[LiveServer] = []
    with acme.running():
        try:
            replica = serve(env=env, log=work / "replica.log")
            started.append(replica)
            vcl = shipped_vcl([replica.port], acme=acme.port)
            listen = shipped_listeners({"http": http, "tls": tls})
            varnish = start_varnishd(vcl, work, http, work / "varnish.log", listen=listen)
            started.append(varnish)
            conf = work / "hitch.conf"
            conf.write_text(shipped_hitch_conf(https, tls, pem, work))
            hitch = start_hitch(conf, https, ca, work / "hitch.log")
            started.append(hitch)
            yield Edge(work, db, replica, varnish, hitch, http, https, ca, pem, acme)
        finally:
            for server in reversed(started):
                server.stop(10)


def put(edge: Edge, slug: str, title: str, *, source: str, ca: Path | None = None) -> int:
    """An admin write with the right token: over TLS if `ca` is given, else plain HTTP."""
    body = json.dumps({"title": title, "published": "2023-09-21", "body_html": f"<p>{title}</p>"})
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    port = edge.https if ca is not None else edge.http
    path = f"/api/articles/{slug}"
    answer = request(port, "PUT", path, ca=ca, source=source, body=body.encode(), headers=headers)
    return answer.status


# -- TLS -----------------------------------------------------------------------------------


def test_a_reader_gets_legible_over_tls_with_the_files_certificate_and_hsts(edge: Edge) -> None:
    answer = request(edge.https, "GET", "/", ca=edge.ca)
    assert answer.status == 200, answer
    assert answer.tls in {"TLSv1.2", "TLSv1.3"}
    assert dict(x[0] for x in answer.peer["subject"])["commonName"] == NAME
    assert b"<html" in answer.body and "x-cache" in answer.headers  # through Varnish
    assert answer.headers["strict-transport-security"] == HSTS
    # Varnish's own answers carry it too: hitch cannot add a header, the VCL does.
    refused = request(edge.https, "GET", "/metrics", ca=edge.ca)
    assert refused.status == 404 and "x-cache" not in refused.headers
    assert refused.headers["strict-transport-security"] == HSTS


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_tls_1_2_and_1_3_are_both_offered(edge: Edge, version: str) -> None:
    only = ssl.TLSVersion[version]
    answer = request(edge.https, "GET", "/healthz", ca=edge.ca, version=only)
    assert answer.status == 200 and answer.tls == version.replace("_", ".")


def test_a_client_that_does_not_trust_the_certificate_gets_no_page(edge: Edge) -> None:
    other = workdir("legible-edge-other-")
    _, stranger, _ = make_certificate(other, "stranger")
    with pytest.raises(ssl.SSLCertVerificationError):
        request(edge.https, "GET", "/", ca=stranger)


def test_plain_http_redirects_readers_to_https_and_never_sends_hsts(edge: Edge) -> None:
    # 127.0.0.2 is a reader as far as Varnish knows: outside the admin ACL.
    answer = request(
        edge.http, "GET", "/articles/x?theme=dark", source="127.0.0.2",
        headers={"Host": f"{NAME}:8080"},
    )  # fmt: skip
    assert answer.status == 301
    assert answer.headers["location"] == f"https://{NAME}/articles/x?theme=dark"
    assert "strict-transport-security" not in answer.headers
    assert answer.headers["cache-control"] == "no-store"
    form = request(edge.http, "POST", "/preferences", source="127.0.0.2", body=b"theme=dark")
    assert form.status == 308 and form.headers["location"] == f"https://{NAME}/preferences"
    # This host (the replicas' purges, an operator's curl) is answered over plain HTTP,
    # and Legible's own HSTS (LEGIBLE_HTTPS=1) is taken off it.
    inside = request(edge.http, "GET", "/", source="127.0.0.1")
    assert inside.status == 200 and b"<html" in inside.body
    assert "strict-transport-security" not in inside.headers
    direct = edge.replica.request("GET", "/")
    assert direct[1]["strict-transport-security"] == HSTS  # what the VCL removed


def test_an_acme_http_01_challenge_on_port_80_reaches_the_acme_client(edge: Edge) -> None:
    path = f"/.well-known/acme-challenge/{edge.acme.token}"
    answer = request(edge.http, "GET", path, source="127.0.0.2")
    assert answer.status == 200 and answer.body.decode() == edge.acme.answer
    assert request(edge.http, "GET", "/.well-known/other", source="127.0.0.2").status == 301
    # No ACME client running: Varnish's 503, not a retry on a replica (Legible's 404).
    edge.acme.shutdown()
    edge.acme.server_close()
    assert request(edge.http, "GET", path, source="127.0.0.2").status == 503


def test_the_acme_hook_installs_a_renewed_certificate_and_hitch_reloads_it(edge: Edge) -> None:
    before = request(edge.https, "GET", "/healthz", ca=edge.ca).peer["serialNumber"]
    renewed = workdir("legible-edge-renewed-")
    key, cert, _ = make_certificate(renewed, "second")
    (renewed / "privkey.pem").write_bytes(key.read_bytes())
    (renewed / "fullchain.pem").write_bytes(cert.read_bytes())
    env = {
        "PATH": os.environ["PATH"],
        "RENEWED_LINEAGE": str(renewed),  # what certbot --deploy-hook sets
        "HITCH_PEM": str(edge.pem),
        "HITCH_RELOAD": f"kill -HUP {edge.hitch.pid}",
    }
    subprocess.run(["sh", str(ACME_HOOK)], env=env, check=True, timeout=30)
    assert edge.pem.stat().st_mode & 0o077 == 0  # the key: its owner only
    deadline = time.monotonic() + 10
    while True:  # hitch restarts its workers; a handshake after that gets the new one
        try:  # trusting only the renewed certificate: the old one fails verification
            answer = request(edge.https, "GET", "/healthz", ca=cert)
            break
        except OSError as exc:  # ssl.SSLError is one, as is a reset by an exiting worker
            assert time.monotonic() < deadline, f"hitch still serves the old certificate: {exc}"
            time.sleep(0.2)
    assert answer.peer["serialNumber"] != before
    assert answer.status == 200
    assert edge.hitch.proc.poll() is None
    edge.ca = cert  # the tests after this one trust the renewed certificate


# -- the admin API, closed at the edge ---------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST", "PATCH"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/articles/khong-duoc",
        "/API/articles/khong-duoc",
        "//api/articles/khong-duoc",
        "/api?x=1",
        "http://legible.test/api/articles/khong-duoc",
    ],
)
def test_an_admin_write_from_outside_the_acl_gets_403_over_tls(
    edge: Edge, method: str, path: str
) -> None:
    headers = {
        "Authorization": f"Bearer {TOKEN}",  # a leaked token is not enough
        "Content-Type": "application/json",
        "X-Forwarded-For": "127.0.0.1",  # nor a forged address
    }
    answer = request(
        edge.https, method, path, ca=edge.ca, source="127.0.0.2", body=b"{}", headers=headers
    )
    assert answer.status == 403, (method, path, answer.status, answer.body[:200])
    assert answer.headers["strict-transport-security"] == HSTS


def test_an_admin_write_from_this_host_passes_over_tls_and_plain_http(edge: Edge) -> None:
    # hitch connects to Varnish from 127.0.0.1 for every reader: only the PROXY header's
    # address tells 127.0.0.1 from 127.0.0.2 (the test above).
    assert put(edge, "qua-tls", "Qua TLS", ca=edge.ca, source="127.0.0.1") == 201
    assert put(edge, "qua-http", "Qua HTTP", source="127.0.0.1") == 201
    page = request(edge.https, "GET", "/articles/qua-tls", ca=edge.ca, source="127.0.0.2")
    assert page.status == 200 and "Qua TLS" in page.body.decode()
    # A write from outside over plain HTTP is sent to https:// (and refused there).
    assert put(edge, "qua-http", "Bị chặn", source="127.0.0.2") == 308
    kept = edge.replica.request("GET", "/articles/qua-http")[2].decode()
    assert "Qua HTTP" in kept and "Bị chặn" not in kept


# -- X-Forwarded-For ---------------------------------------------------------------------------


def forwarded_for(edge: Edge, marker: str, timeout: float = 10) -> list[str]:
    """The X-Forwarded-For values Varnish sent the replica for the request with `marker`
    in its URL, from Varnish's own log."""
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(
            ["varnishlog", "-d", "-n", str(edge.work / "n"), "-g", "request",
             "-q", f'ReqURL ~ "{marker}"', "-i", "BereqHeader"],
            capture_output=True, text=True, timeout=20,
        )  # fmt: skip
        found = [
            line.split("X-Forwarded-For:", 1)[1].strip()
            for line in out.stdout.splitlines()
            if "X-Forwarded-For:" in line
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.mark.parametrize("over", ["tls", "http"])
def test_the_replica_gets_the_readers_address_never_the_forged_one(edge: Edge, over: str) -> None:
    marker = f"xff{over}{time.monotonic_ns()}"
    how: dict[str, object] = {"ca": edge.ca, "source": "127.0.0.2"}
    port = edge.https
    if over == "http":  # plain HTTP is answered only to this host (or the compose network)
        how, port = {"source": "127.0.0.1"}, edge.http
    forged = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    answer = request(port, "GET", f"/healthz?{marker}", headers=forged, **how)  # type: ignore[arg-type]
    assert answer.status == 200
    assert forwarded_for(edge, marker) == [str(how["source"])]
    # The replica, trusting Varnish (LEGIBLE_TRUSTED_PROXIES), logs the reader, not Varnish.
    assert logged_client(edge, marker) == how["source"]


def logged_client(edge: Edge, marker: str, timeout: float = 5) -> object:
    """The "client" of the replica's access-log line for the request with `marker`."""
    deadline = time.monotonic() + timeout  # the access log is written every 0.5 s
    while True:
        log = (edge.work / "replica.log").read_text(errors="replace")
        for line in log.splitlines():
            if line.startswith("{") and marker in line:
                return json.loads(line)["client"]
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


# -- stale on error ----------------------------------------------------------------------------


@pytest.fixture
def short_grace(edge: Edge) -> Iterator[LiveServer]:
    """A second varnishd on the same replica, its 60 s healthy-replica window cut to 1 s:
    so a copy can be "older than that" without waiting a minute."""
    work = workdir("legible-stale-")
    port = free_port()
    vcl = shipped_vcl([edge.replica.port], healthy_grace="1s")
    varnish = start_varnishd(vcl, work, port, work / "varnish.log")
    try:
        yield varnish
    finally:
        varnish.stop(10)


@pytest.mark.parametrize("accept", ["br, gzip", "identity"])
def test_a_replica_answering_500_while_healthy_gets_readers_the_stale_copy(
    edge: Edge, short_grace: LiveServer, accept: str
) -> None:
    front = short_grace
    url = f"/search?q=stale{time.monotonic_ns()}"
    stored = front.request("GET", url, Accept_Encoding=accept)
    assert stored[0] == 200 and stored[1]["x-cache"] == "miss"
    assert front.request("GET", url, Accept_Encoding=accept)[1]["x-cache"] == "hit"
    # Legible's own page cache is emptied by a write that changes something (its purge
    # goes to the other varnishd); then search breaks in the store while /healthz,
    # which reads the articles table, stays 200.
    title = f"Làm mới {time.monotonic_ns()}"
    assert put(edge, "lam-moi", title, source="127.0.0.1") in (200, 201)
    broken = sqlite3.connect(edge.db)
    try:
        broken.execute("ALTER TABLE articles_fts RENAME TO articles_fts_away")
        broken.commit()
        assert edge.replica.request("GET", url, Accept_Encoding=accept)[0] >= 500
        assert edge.replica.request("GET", "/healthz")[0] == 200
        # Expired now, kept for its 24 h of grace; then older than the healthy window.
        assert front.request("PURGE", "/", xkey_softpurge="lists")[0] == 200
        time.sleep(1.5)
        assert "healthy" in varnishadm(Path(front.log).parent, "backend.list")
        status, headers, body = front.request("GET", url, Accept_Encoding=accept)
        assert status == 200, (status, body[:300])
        assert body == stored[2] and int(headers["age"]) >= 1
        assert headers.get("content-encoding") == stored[1].get("content-encoding")
        # A page never stored has no copy to fall back on: the replica's own error.
        fresh = front.request("GET", f"/search?q=never{time.monotonic_ns()}")
        assert fresh[0] >= 500
    finally:
        broken.execute("ALTER TABLE articles_fts_away RENAME TO articles_fts")
        broken.commit()
        broken.close()
    # Repaired: the next fetch replaces the stale copy.
    deadline = time.monotonic() + 10
    while front.request("GET", url, Accept_Encoding=accept)[1].get("age", "0") != "0":
        assert time.monotonic() < deadline, "the stale copy was never replaced"
        time.sleep(0.3)


# -- nginx, the single-host front --------------------------------------------------------------


@pytest.fixture(scope="module")
def nginx() -> Iterator[tuple[LiveServer, Recorder]]:
    found = need(find_tool("nginx"), "nginx")
    work = workdir("legible-nginx-")
    recorder = Recorder()
    with recorder.running():
        port = free_port()
        conf = shipped_nginx_conf(work, port, recorder.port)
        server = spawn(
            [found, "-c", str(conf), "-g", "daemon off;"], port=port, env=server_env(),
            log=work / "nginx.log", cwd=work, ready="/healthz",
        )  # fmt: skip
        try:
            yield server, recorder
        finally:
            server.stop(10)


def through_nginx(
    nginx: tuple[LiveServer, Recorder],
    method: str,
    path: str,
    source: str,
    headers: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """(status, the paths that reached the upstream meanwhile)."""
    server, recorder = nginx
    before = len(recorder.seen)
    answer = request(server.port, method, path, source=source, body=b"{}", headers=headers)
    return answer.status, [s.path for s in recorder.seen[before:]]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
@pytest.mark.parametrize(
    "path", ["/api/articles/x", "/%61pi/articles/x", "//api/articles/x", "/x/../api/articles/x"]
)
def test_nginx_refuses_admin_writes_from_outside_this_host(
    nginx: tuple[LiveServer, Recorder], method: str, path: str
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, reached = through_nginx(nginx, method, path, "127.0.0.2", auth)
    assert (status, reached) == (403, [])


def test_nginx_passes_admin_writes_from_this_host_and_reads_from_anyone(
    nginx: tuple[LiveServer, Recorder],
) -> None:
    assert through_nginx(nginx, "PUT", "/api/articles/x", "127.0.0.1") == (200, ["/api/articles/x"])
    assert through_nginx(nginx, "GET", "/api/articles/x", "127.0.0.2") == (200, ["/api/articles/x"])
    assert through_nginx(nginx, "POST", "/preferences", "127.0.0.2") == (200, ["/preferences"])


def test_nginx_sends_the_readers_address_never_the_forged_one(
    nginx: tuple[LiveServer, Recorder],
) -> None:
    _, recorder = nginx
    forged = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    status, _ = through_nginx(nginx, "GET", "/?xff", "127.0.0.2", forged)
    assert status == 200
    assert recorder.seen[-1].headers["x-forwarded-for"] == "127.0.0.2"
