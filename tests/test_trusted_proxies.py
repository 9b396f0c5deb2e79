"""LEGIBLE_TRUSTED_PROXIES: X-Forwarded-For is believed only from a trusted peer, and
then only up to the right-most hop that is not a trusted proxy, so a client cannot
choose the address it is logged, audited and limited as. The rule is tested on its
own (IPv4, IPv6, garbage, many hops), then against a real `legible serve` with a
client on another loopback address (127.0.0.2) sending a forged header."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from service.admin_auth import FAILURES
from service.clientaddr import MAX_HOPS, TrustedProxies, parse_address
from service.errors import SettingsInvalid
from service.settings import Settings
from tests.support.live import PYTHON_CLI, ROOT, LiveServer, serve, server_env

TOKEN = "t" * 40
WRONG = "w" * 40
ARTICLE = {"title": "Hội nghị", "published": "2023-09-21", "body_html": "<p>Nội dung.</p>"}
PAGE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
PROXY = "10.1.2.3"
PROXIES = TrustedProxies(["10.0.0.0/8", "fd00::/8", "127.0.0.1"])


# -- the rule ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # An untrusted peer's header is ignored, whatever it says.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("127.0.0.2", "198.51.100.1", "127.0.0.2"),
        # A trusted peer: the hop it appended.
        (PROXY, "198.51.100.1", "198.51.100.1"),
        # A forged left part is skipped: the right-most untrusted hop wins.
        (PROXY, "1.1.1.1, 198.51.100.1", "198.51.100.1"),
        (PROXY, "1.1.1.1, 198.51.100.1, 10.9.9.9", "198.51.100.1"),
        (PROXY, "1.1.1.1,198.51.100.1,10.9.9.9,127.0.0.1", "198.51.100.1"),
        # A client forging a trusted address on the left gains nothing.
        (PROXY, "10.0.0.1, 198.51.100.1", "198.51.100.1"),
        # IPv6, with brackets and ports, and IPv4-mapped.
        ("fd00::1", "2001:db8::7", "2001:db8::7"),
        ("fd00::1", "[2001:db8::7]:4711, fd00::2", "2001:db8::7"),
        (PROXY, "198.51.100.1:5555", "198.51.100.1"),
        ("::ffff:10.1.2.3", "::ffff:198.51.100.1", "198.51.100.1"),
        # Every hop trusted: the furthest one.
        (PROXY, "10.0.0.5, 10.0.0.6", "10.0.0.5"),
        # Garbage stops the walk at the last address a trusted proxy vouched for.
        (PROXY, "unknown", PROXY),
        (PROXY, "", PROXY),
        (PROXY, "198.51.100.1, not-an-ip, 10.0.0.6", "10.0.0.6"),
        (PROXY, "198.51.100.1, 1.2.3.4:port", PROXY),
        (PROXY, "[2001:db8::7", PROXY),
        (PROXY, "[2001:db8::7]x", PROXY),
        (PROXY, "2001:db8::7" + "0" * 80, PROXY),
        (PROXY, "198.51.100.1,,", PROXY),
        # No header: the peer.
        (PROXY, None, PROXY),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(
    peer: str, forwarded: str | None, client: str
) -> None:
    assert PROXIES.client(peer, forwarded) == client


def test_many_hops_are_read_from_the_right_and_no_further_than_max_hops() -> None:
    chain = [f"10.0.{i // 250}.{i % 250 + 1}" for i in range(MAX_HOPS - 1)]
    assert PROXIES.client(PROXY, ", ".join(["198.51.100.1", *chain])) == "198.51.100.1"
    # More trusted hops than MAX_HOPS: no address further left is believed.
    long_chain = [f"10.1.{i // 250}.{i % 250 + 1}" for i in range(MAX_HOPS + 5)]
    got = PROXIES.client(PROXY, ", ".join(["198.51.100.1", *long_chain]))
    assert got != "198.51.100.1" and got in long_chain
    # A huge header costs a bounded walk.
    start = time.perf_counter()
    PROXIES.client(PROXY, "1.1.1.1, " * 50_000 + "198.51.100.1")
    assert time.perf_counter() - start < 0.05


def test_addresses_parse_as_proxies_write_them() -> None:
    assert str(parse_address(" 192.0.2.1 ")) == "192.0.2.1"
    assert str(parse_address("[::1]:80")) == "::1"
    assert str(parse_address("::ffff:192.0.2.1")) == "192.0.2.1"
    for bad in ("", "unknown", "_hidden", "192.0.2.1:", "192.0.2.256", "[::1]:x", "a:b:c"):
        assert parse_address(bad) is None, bad


def test_the_peers_it_remembers_are_bounded() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    for i in range(5000):
        proxies.client(f"192.0.{i // 256}.{i % 256}", "1.1.1.1")
    assert len(proxies._peers) <= 1024
    assert proxies.client("10.0.0.1", "1.1.1.1") == "1.1.1.1"
    # Answers are remembered per (peer, header), boundedly, and never for a long header.
    for i in range(5000):
        assert (
            proxies.client("10.0.0.1", f"192.0.{i // 256}.{i % 256}")
            == f"192.0.{i // 256}.{i % 256}"
        )
    assert len(proxies._answers) <= 4096
    assert proxies.client("10.0.0.2", "1.1.1.1") == "1.1.1.1"
    assert proxies.client("10.0.0.2", "10.0.0.3, 10.0.0.4") == "10.0.0.3"
    assert proxies.client("10.0.0.5", "not-ip") == "10.0.0.5"  # per peer, not per header
    assert proxies.client("10.0.0.6", "not-ip") == "10.0.0.6"
    long = "9.9.9.9, " + "10.0.0.7, " * 40 + "10.0.0.8"
    assert proxies.client("10.0.0.1", long) == "10.0.0.7" and long not in str(proxies._answers)


def test_none_means_no_proxy_is_trusted() -> None:
    assert not TrustedProxies([])
    assert TrustedProxies([]).client("127.0.0.1", "1.1.1.1") == "127.0.0.1"


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "proxy.example", "10.0.0.0/8;", "::1/129"])
def test_a_bad_network_is_refused_naming_the_variable(bad: str) -> None:
    with pytest.raises(SettingsInvalid, match=r"^LEGIBLE_TRUSTED_PROXIES: .* CIDR network"):
        Settings.from_env({"LEGIBLE_TRUSTED_PROXIES": f"127.0.0.1, {bad}"})


def test_a_bad_network_stops_serve_with_one_line_and_exit_2(tmp_path: Path) -> None:
    env = server_env({"LEGIBLE_TRUSTED_PROXIES": "10.0.0.0/8, 10.0.0.300"})
    done = subprocess.run(
        [*PYTHON_CLI, "--db", str(tmp_path / "t.db"), "serve", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "legible: LEGIBLE_TRUSTED_PROXIES: '10.0.0.300' is not an address or CIDR network:"
        " use e.g. 10.0.0.0/8, 172.28.0.0/16, 127.0.0.1 or fd00::/8"
    ]


# -- a real server, a client on 127.0.0.2 ----------------------------------------------------
def request_from(
    source: str, server: LiveServer, method: str, path: str, body: bytes | None, **headers: str
) -> int:
    """One request from the loopback address `source` (the kernel routes all of
    127.0.0.0/8 to lo, so the server sees this peer)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=10, source_address=(source, 0)
    )
    try:
        conn.request(
            method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def logged(server: LiveServer) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The server log's access lines (but /healthz) and audit lines, once the four
    requests `exercise` sends are there (the access log is flushed every 0.5 s)."""
    deadline = time.monotonic() + 5
    while True:
        found = [
            json.loads(line)
            for line in server.log.read_text(errors="replace").splitlines()
            if line.startswith("{")
        ]
        access = [x for x in found if "status" in x and x["path"] != "/healthz"]
        audit = [x for x in found if "action" in x]
        if len(access) >= 4 or time.monotonic() > deadline:
            return access, audit
        time.sleep(0.1)


def can_bind_127_0_0_2() -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.2", 0))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def loopback_aliases() -> None:
    assert can_bind_127_0_0_2(), "this test needs 127.0.0.2 (Linux routes 127/8 to lo)"


def start(tmp_path: Path, **settings: str) -> LiveServer:
    env = {"LEGIBLE_DB": str(tmp_path / "t.db"), "LEGIBLE_ADMIN_TOKEN": TOKEN} | settings
    return serve(env=server_env(env), log=tmp_path / "server.log")


def admin_put(server: LiveServer, token: str, forwarded: str) -> int:
    """An admin write through the proxy at 127.0.0.2."""
    return request_from(
        "127.0.0.2", server, "PUT", "/api/articles/xff", json.dumps(ARTICLE).encode(),
        Authorization=f"Bearer {token}", Content_Type="application/json", X_Forwarded_For=forwarded,
    )  # fmt: skip


def exercise(server: LiveServer, forged: str) -> None:
    """From 127.0.0.2: a page twice (a miss, then an RSGI cache hit), a search (the
    ASGI path) and an admin write, each with X-Forwarded-For `forged`."""
    for path in (PAGE, PAGE, "/search?q=a"):
        request_from("127.0.0.2", server, "GET", path, None, X_Forwarded_For=forged)
    assert admin_put(server, TOKEN, forged) in (200, 201)


@pytest.mark.usefixtures("loopback_aliases")
def test_a_forged_header_from_an_untrusted_client_is_ignored(tmp_path: Path) -> None:
    with start(tmp_path, LEGIBLE_TRUSTED_PROXIES="127.0.0.1") as server:
        exercise(server, "198.51.100.7")
        access, audit = logged(server)
    assert len(access) == 4 and {line["client"] for line in access} == {"127.0.0.2"}
    assert [(line["client"], line["action"]) for line in audit] == [("127.0.0.2", "put")]


@pytest.mark.usefixtures("loopback_aliases")
def test_behind_a_trusted_proxy_the_real_client_is_logged_and_audited(tmp_path: Path) -> None:
    # 127.0.0.2 plays the proxy: what the client sent, then the address it came from.
    with start(tmp_path, LEGIBLE_TRUSTED_PROXIES="127.0.0.2/32, 10.0.0.0/8") as server:
        exercise(server, "6.6.6.6, 198.51.100.7, 10.0.0.9")
        access, audit = logged(server)
        # The bad-token limit counts the real client too, not the proxy every client shares.
        for token in [WRONG] * FAILURES + [TOKEN]:
            limited = admin_put(server, token, "198.51.100.66, 10.0.0.9")
        assert limited == 429
        assert admin_put(server, TOKEN, "198.51.100.7") == 200
    assert len(access) == 4 and {line["client"] for line in access} == {"198.51.100.7"}
    assert [(line["client"], line["action"]) for line in audit] == [("198.51.100.7", "put")]
    assert audit[0]["token"] == hashlib.sha256(TOKEN.encode()).hexdigest()[:12]
