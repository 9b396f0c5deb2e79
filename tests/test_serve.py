"""`legible serve` itself: granian over RSGI on a real socket, as readers reach it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest

ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def request(
        self, method: str, url: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            sent = {k.replace("_", "-"): v for k, v in headers.items()}
            conn.request(method, url, body=body, headers=sent)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("serve")
    port = _free_port()
    log = work / "server.log"
    env = {**os.environ, "LEGIBLE_DB": str(work / "t.db"), "LEGIBLE_DEMO": "1"}
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, port, log)
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if server.request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield server
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_miss_and_hit_send_the_same_bytes(server: Server) -> None:
    first = server.request("GET", ARTICLE + "?size=150", Accept_Encoding="br")
    second = server.request("GET", ARTICLE + "?size=150", Accept_Encoding="br")
    assert first[0] == second[0] == 200
    assert first[2] == second[2]
    assert first[1]["etag"] == second[1]["etag"]
    plain = server.request("GET", ARTICLE + "?size=150")
    assert "content-encoding" not in plain[1]
    assert brotli.decompress(second[2]) == plain[2]
    assert int(second[1]["content-length"]) == len(second[2])
    assert second[1]["content-security-policy"].startswith("default-src 'self'")


def test_head_and_304_on_a_hit(server: Server) -> None:
    status, headers, body = server.request("GET", ARTICLE, Accept_Encoding="gzip")
    assert status == 200
    head = server.request("HEAD", ARTICLE, Accept_Encoding="gzip")
    assert head[0] == 200 and head[2] == b""
    assert head[1]["content-length"] == str(len(body))
    again = server.request("GET", ARTICLE, Accept_Encoding="gzip", If_None_Match=headers["etag"])
    assert again[0] == 304 and again[2] == b""
    assert again[1]["etag"] == headers["etag"] and "Accept-Encoding" in again[1]["vary"]


def test_a_form_post_sets_the_preference(server: Server) -> None:
    status, headers, _ = server.request(
        "POST", "/preferences", b"theme=dark&size=200&return=%2F",
        Content_Type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert status == 303
    assert headers["location"] == "/?theme=dark&size=200"
    assert "legible_pref=dark.200.0" in headers["set-cookie"]


def test_unknown_pages_and_bad_values_get_their_statuses(server: Server) -> None:
    assert server.request("GET", "/articles/khong-co")[0] == 404
    assert server.request("GET", ARTICLE + "?theme=neon")[0] == 400
    assert server.request("DELETE", ARTICLE)[0] == 405


def test_sigterm_flushes_the_access_log_and_exits_cleanly(server: Server) -> None:
    for _ in range(3):
        assert server.request("GET", "/?theme=sepia", Accept_Encoding="br")[0] == 200
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(20) == 0
    lines = [
        json.loads(line) for line in server.log.read_text().splitlines() if line.startswith('{"t"')
    ]
    sepia = [x for x in lines if x["path"] == "/" and x["query"] == "theme=sepia"]
    assert [x["status"] for x in sepia] == [200, 200, 200]  # the miss and the hits
    assert all(x["client"] == "127.0.0.1" for x in sepia)


def test_malloc_is_tuned_where_libc_is_glibc() -> None:
    import platform

    from service.memory import tune_malloc

    assert tune_malloc() is (platform.libc_ver()[0] == "glibc")
