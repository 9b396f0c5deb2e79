"""`legible serve` itself: granian over RSGI on a real socket, as readers reach it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import brotli
import pytest

from tests.support.live import LiveServer, serve

ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "LEGIBLE_DB": str(work / "t.db"), "LEGIBLE_DEMO": "1"}
    with serve(env=env, log=work / "server.log") as server:
        yield server


def test_miss_and_hit_send_the_same_bytes(server: LiveServer) -> None:
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


def test_head_and_304_on_a_hit(server: LiveServer) -> None:
    status, headers, body = server.request("GET", ARTICLE, Accept_Encoding="gzip")
    assert status == 200
    head = server.request("HEAD", ARTICLE, Accept_Encoding="gzip")
    assert head[0] == 200 and head[2] == b""
    assert head[1]["content-length"] == str(len(body))
    again = server.request("GET", ARTICLE, Accept_Encoding="gzip", If_None_Match=headers["etag"])
    assert again[0] == 304 and again[2] == b""
    assert again[1]["etag"] == headers["etag"] and "Accept-Encoding" in again[1]["vary"]


def test_a_form_post_sets_the_preference(server: LiveServer) -> None:
    status, headers, _ = server.request(
        "POST", "/preferences", b"theme=dark&size=200&return=%2F",
        Content_Type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert status == 303
    assert headers["location"] == "/?theme=dark&size=200#main"
    assert "legible_pref=dark.200.0" in headers["set-cookie"]


def test_unknown_pages_and_bad_values_get_their_statuses(server: LiveServer) -> None:
    assert server.request("GET", "/articles/khong-co")[0] == 404
    assert server.request("GET", ARTICLE + "?theme=neon")[0] == 400
    assert server.request("DELETE", ARTICLE)[0] == 405


def test_sigterm_flushes_the_access_log_and_exits_cleanly(server: LiveServer) -> None:
    for _ in range(3):
        assert server.request("GET", "/?theme=sepia", Accept_Encoding="br")[0] == 200
    assert server.stop(timeout=20) == 0  # SIGTERM; a SIGKILL after 20 s would give -9
    lines = [
        json.loads(line) for line in server.log.read_text().splitlines() if line.startswith('{"t"')
    ]
    sepia = [x for x in lines if x["path"] == "/" and x["query"] == "theme=sepia"]
    assert [x["status"] for x in sepia] == [200, 200, 200]  # the miss and the hits
    assert all(x["client"] == "127.0.0.1" for x in sepia)
