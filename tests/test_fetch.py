"""service/ingest/fetch.py: fetching like a good citizen, and the SSRF guard.

Servers are raw asyncio servers on 127.0.0.1, so a test can misbehave the way a
hostile server does (trickle, never end, lie about compression). No test reaches
past loopback: the `jail` fixture wraps the one place connections are opened and
fails any attempt to go elsewhere. PUBLIC is a global address the guard accepts;
the jail sends connections to it to loopback, so a fake public name can be served
here.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import subprocess
import time
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import brotli
import pytest

from service.errors import (
    FetchRefused,
    FetchStatus,
    FetchTimedOut,
    FetchTooLarge,
    RobotsDisallowed,
    TooManyRedirects,
)
from service.ingest import guard
from service.ingest.fetch import Fetcher
from service.ingest.guard import address_problem, as_ip
from service.version import __version__
from tests.support import aio
from tests.support.jail import PUBLIC
from tests.support.jail import jail as jailed

Writer = asyncio.StreamWriter
Handler = Callable[[Writer, dict[str, str]], Awaitable[None]]
MB = 1_000_000


@pytest.fixture(autouse=True)
def jail(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a connection was attempted to; nothing but loopback is reached."""
    return jailed(monkeypatch, loopback=True)


def resolver(table: dict[str, list[list[str]] | list[str]], calls: list[str]) -> Any:
    """A resolver from a table; a list of lists gives one answer per call, in turn."""

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise socket.gaierror(-2, "Name or service not known")
        answers = table[host]
        if answers and isinstance(answers[0], list):
            return list(answers.pop(0) if len(answers) > 1 else answers[0])  # type: ignore[arg-type]
        return list(answers)  # type: ignore[arg-type]

    return resolve


async def respond(
    writer: Writer, status: int, headers: dict[str, str] | None = None, body: bytes = b""
) -> None:
    head = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
    writer.write(f"HTTP/1.1 {status} X\r\n{lines}\r\n".encode() + body)
    await writer.drain()


async def not_found(writer: Writer, headers: dict[str, str]) -> None:
    await respond(writer, 404)


class Server:
    """HTTP on 127.0.0.1: `routes` maps a path to a handler writing a raw answer."""

    def __init__(self, routes: dict[str, Handler], tls: ssl.SSLContext | None = None) -> None:
        self.routes = routes
        self.tls = tls
        self.log: list[tuple[str, dict[str, str]]] = []
        self.starts: list[float] = []
        self.active = self.peak = self.sent = 0

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.log]

    async def _handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        try:
            path = (await reader.readline()).decode().split(" ")[1]
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            self.log.append((path, headers))
            self.starts.append(asyncio.get_running_loop().time())
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                await self.routes.get(path, not_found)(writer, headers)
            finally:
                self.active -= 1
        except (ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def stream(self, writer: Writer, pieces: Any) -> None:
        """Write each piece until the client goes away, counting the bytes sent."""
        for piece in pieces:
            writer.write(piece)
            self.sent += len(piece)
            await writer.drain()


def page(body: bytes = b"<p>hello</p>", **headers: str) -> Handler:
    async def handler(writer: Writer, request: dict[str, str]) -> None:
        await respond(writer, 200, {"Content-Type": "text/html; charset=utf-8", **headers}, body)

    return handler


def redirect(to: str) -> Handler:
    async def handler(writer: Writer, request: dict[str, str]) -> None:
        await respond(writer, 302, {"Location": to})

    return handler


def local(**kwargs: Any) -> Fetcher:
    """A fetcher for the loopback servers: private addresses allowed, no delay."""
    return Fetcher(allow_private=True, delay=kwargs.pop("delay", 0.0), **kwargs)


# -- the SSRF guard ----------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("169.254.169.254", "is link-local"),
        ("fe80::1", "is link-local"),
        ("127.0.0.1", "is loopback"),
        ("::1", "is loopback"),
        ("10.1.2.3", "is private"),
        ("192.168.0.1", "is private"),
        ("fd00::1", "is private"),
        ("100.64.0.1", "is in the carrier-grade NAT range 100.64.0.0/10"),
        ("224.0.0.1", "is multicast"),
        ("ff02::1", "is multicast"),
        ("0.0.0.0", "is unspecified"),  # noqa: S104 - an address to judge, not to bind
        ("240.0.0.1", "is private"),  # reserved for future use; Python files it as private
        ("::ffff:127.0.0.1", "carries 127.0.0.1, which is loopback"),
        ("::ffff:169.254.169.254", "carries 169.254.169.254, which is link-local"),
        ("2002:a00:1::", "carries 10.0.0.1, which is private"),  # 6to4
        ("64:ff9b::7f00:1", "carries 127.0.0.1, which is loopback"),  # NAT64
        ("192.0.2.1", "is private"),  # documentation
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_which_addresses_the_guard_refuses(address: str, problem: str | None) -> None:
    ip = as_ip(address)
    assert ip is not None
    assert address_problem(ip) == problem


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[fe80::1]/",
        "http://100.64.0.1/",
        "https://10.0.0.1/",
    ],
)
def test_an_address_literal_is_refused_before_any_connection(url: str, jail: list[str]) -> None:
    calls: list[str] = []

    async def scenario() -> None:
        async with Fetcher(resolver=resolver({}, calls)) as fetcher:
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch(url)
        assert "(use --allow-private for an intranet CMS)" in str(caught.value)
        assert str(caught.value).startswith(f"{url}: refused: ")

    aio.run(scenario())
    assert jail == [] and calls == []


def test_the_metadata_address_says_why_in_one_line() -> None:
    async def scenario() -> str:
        async with Fetcher() as fetcher:
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch("http://169.254.169.254/latest/meta-data/")
        return caught.value.reason

    assert aio.run(scenario()) == (
        "refused: 169.254.169.254 is link-local (use --allow-private for an intranet CMS)"
    )


def test_a_name_that_resolves_to_loopback_is_refused(jail: list[str]) -> None:
    async def scenario() -> tuple[str, list[str]]:
        async with Server({"/": page()}) as server, Fetcher() as fetcher:
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch(server.url("/", host="localhost"))  # the real resolver
            return caught.value.reason, server.paths()

    reason, seen = aio.run(scenario())
    assert reason.startswith("refused: localhost resolves to ")
    assert "which is loopback" in reason
    assert seen == [] and jail == []


@pytest.mark.parametrize(
    ("to_host", "expected"),
    [
        ("127.0.0.1", "refused: 127.0.0.1 is loopback, at the redirect to http://127.0.0.1:"),
        ("rebind.example", "refused: rebind.example resolves to 127.0.0.1, which is loopback"),
    ],
)
def test_a_redirect_to_loopback_is_refused_at_the_hop(to_host: str, expected: str) -> None:
    calls: list[str] = []
    table: dict[str, Any] = {"news.example": [PUBLIC], "rebind.example": ["127.0.0.1"]}

    async def scenario() -> tuple[str, list[str]]:
        async with Server({"/robots.txt": not_found, "/secret": page(b"internal")}) as server:
            server.routes["/a"] = redirect(server.url("/secret", host=to_host))
            async with Fetcher(resolver=resolver(table, calls), delay=0) as fetcher:
                with pytest.raises(FetchRefused) as caught:
                    await fetcher.fetch(server.url("/a", host="news.example"))
            return caught.value.reason, server.paths()

    reason, seen = aio.run(scenario())
    assert reason.startswith(expected) and reason.endswith(
        "(use --allow-private for an intranet CMS)"
    )
    assert seen == ["/robots.txt", "/a"]  # the first hop was fetched, the second never
    assert "news.example" in calls
    assert ("rebind.example" in calls) == (to_host == "rebind.example")  # checked per hop


def test_dns_rebinding_cannot_swap_the_address_after_the_check(jail: list[str]) -> None:
    """The first lookup says public, every later one says loopback: nothing is fetched."""
    calls: list[str] = []
    table: dict[str, Any] = {"rebind.example": [[PUBLIC], ["127.0.0.1"]]}

    async def scenario() -> list[str]:
        async with Server({"/page": page(b"internal")}) as server:
            async with Fetcher(resolver=resolver(table, calls), delay=0) as fetcher:
                with pytest.raises(FetchRefused):
                    await fetcher.fetch(server.url("/page", host="rebind.example"))
            return server.paths()

    assert aio.run(scenario()) == []
    assert "127.0.0.1" not in jail and len(calls) >= 2


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://news.example/feed.xml", "only http and https URLs are fetched, not ftp:"),
        ("file:///etc/passwd", "only http and https URLs are fetched, not file:"),
        ("gopher://127.0.0.1:6379/_INFO", "not gopher:"),
        ("http://admin:hunter2@news.example/", "carries a user name or password"),
    ],
)
def test_other_schemes_and_credentials_are_refused(url: str, words: str, jail: list[str]) -> None:
    async def scenario() -> str:
        async with Fetcher(allow_private=True) as fetcher:
            with pytest.raises(FetchRefused) as caught:
                await fetcher.fetch(url)
        return str(caught.value)

    message = aio.run(scenario())
    assert words in message and "hunter2" not in message
    assert jail == []


def test_allow_private_reaches_loopback() -> None:
    async def scenario() -> bytes:
        async with Server({"/": page(b"<p>intranet</p>")}) as server, local() as fetcher:
            return (await fetcher.fetch(server.url("/", host="localhost"))).body

    assert aio.run(scenario()) == b"<p>intranet</p>"


# -- hostile servers -----------------------------------------------------------


def endless(piece: bytes) -> Any:
    while True:
        yield piece


def measured(coro: Awaitable[Any]) -> tuple[Any, float, int]:
    """(what `coro` raised or returned, seconds, peak bytes Python allocated meanwhile)."""

    async def timed() -> tuple[Any, float, int]:
        tracemalloc.start()
        tracemalloc.reset_peak()
        started = time.monotonic()
        try:
            result: Any = await coro
        except Exception as exc:
            result = exc
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result, seconds, peak

    return aio.run(timed())


@pytest.mark.parametrize("announced", [None, str(2 * 1024**3)])
def test_an_endless_response_stops_at_the_cap(announced: str | None) -> None:
    """2 GB announced (not read at all) or no length (read up to the cap), then cut."""
    zeros = bytes(64 * 1024)
    sent: list[int] = []

    async def two_gigabytes(writer: Writer, request: dict[str, str]) -> None:
        length = f"Content-Length: {announced}\r\n" if announced else ""
        writer.write(f"HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n".encode())
        await server.stream(writer, endless(zeros))

    server = Server({"/big": two_gigabytes})

    async def scenario() -> Any:
        async with server, local(max_bytes=MB) as fetcher:
            try:
                return await fetcher.fetch(server.url("/big"))
            finally:
                await asyncio.sleep(0.05)
                sent.append(server.sent)

    error, seconds, peak = measured(scenario())
    assert isinstance(error, FetchTooLarge), error
    assert "larger than 1 MB, the size cap" in str(error)
    assert seconds < 5 and peak < 8 * MB, (seconds, peak)
    assert sent[0] < 32 * MB  # the server was stopped, not drained (socket buffers aside)


def test_a_gzip_bomb_stops_at_the_decoded_cap() -> None:
    """An endless gzip stream of zeros: about 1 kB on the wire per MB decoded."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    header = z.compress(bytes(MB)) + z.flush(zlib.Z_FULL_FLUSH)
    block = z.compress(bytes(MB)) + z.flush(zlib.Z_FULL_FLUSH)  # the same bytes every time

    async def bomb(writer: Writer, request: dict[str, str]) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n")
        await server.stream(writer, [header, *[block] * 100_000])

    server = Server({"/bomb": bomb})

    async def scenario() -> Any:
        async with server, local(max_bytes=5 * MB) as fetcher:
            return await fetcher.fetch(server.url("/bomb"))

    error, seconds, peak = measured(scenario())
    assert isinstance(error, FetchTooLarge), error
    assert seconds < 5 and peak < 16 * MB, (seconds, peak)


def test_a_brotli_bomb_in_one_read_stops_at_the_decoded_cap() -> None:
    """50 kB of br that decode to 256 MB: httpx would expand it in one call."""
    c = brotli.Compressor(quality=1, lgwin=24)
    blob = b"".join(c.process(bytes(16 * MB)) for _ in range(16)) + c.finish()
    assert len(blob) < 64 * 1024  # one network read

    async def scenario() -> Any:
        routes = {"/bomb": page(blob, **{"Content-Encoding": "br"})}
        async with Server(routes) as server, local(max_bytes=MB) as fetcher:
            return await fetcher.fetch(server.url("/bomb"))

    error, seconds, peak = measured(scenario())
    assert isinstance(error, FetchTooLarge), error
    assert seconds < 5 and peak < 8 * MB, (seconds, peak)


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_compressed_page_is_decoded_and_asked_for(coding: str) -> None:
    html = "<article><h1>Hội nghị</h1><p>Đồng chí phát biểu.</p></article>".encode() * 50
    packed = brotli.compress(html) if coding == "br" else gzip.compress(html)

    async def scenario() -> Any:
        routes = {"/a": page(packed, **{"Content-Encoding": coding})}
        async with Server(routes) as server, local() as fetcher:
            return await fetcher.fetch(server.url("/a")), server.log

    result, log = aio.run(scenario())
    assert result.body == html and result.media_type == "text/html" and result.charset == "utf-8"
    assert dict(log)["/a"]["accept-encoding"] == "gzip, br"


def test_an_encoding_nobody_asked_for_is_refused() -> None:
    async def scenario() -> Any:
        routes = {"/a": page(b"xx", **{"Content-Encoding": "zstd"})}
        async with Server(routes) as server, local() as fetcher:
            return await fetcher.fetch(server.url("/a"))

    error, _, _ = measured(scenario())
    assert "Content-Encoding: zstd, which Legible did not ask for" in str(error)


def test_a_page_that_never_finishes_is_cut_at_the_deadline() -> None:
    """Headers, then one byte every 0.1 s: the read timeout never fires, the deadline does."""

    async def trickle(writer: Writer, request: dict[str, str]) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        for _ in range(600):
            await server.stream(writer, [b"x"])
            await asyncio.sleep(0.1)

    server = Server({"/slow": trickle})

    async def scenario() -> Any:
        async with server, local(deadline=1.0, read_timeout=10) as fetcher:
            return await fetcher.fetch(server.url("/slow"))

    error, seconds, _ = measured(scenario())
    assert isinstance(error, FetchTimedOut), error
    assert "not finished within the 1 s deadline" in str(error)
    assert 0.9 < seconds < 3


def test_a_server_that_says_nothing_hits_the_read_timeout() -> None:
    async def silent(writer: Writer, request: dict[str, str]) -> None:
        await asyncio.sleep(30)

    async def scenario() -> Any:
        async with Server({"/mute": silent}) as server, local(read_timeout=0.3) as fetcher:
            return await fetcher.fetch(server.url("/mute"))

    error, seconds, _ = measured(scenario())
    assert isinstance(error, FetchTimedOut) and "sent nothing for 0.3 s" in str(error)
    assert seconds < 3


def test_too_many_redirects() -> None:
    async def scenario() -> tuple[Any, list[str]]:
        async with Server({}) as server:
            for n in range(10):
                server.routes[f"/r{n}"] = redirect(f"/r{n + 1}")
            server.routes["/r3"] = page(b"arrived")
            async with local(max_redirects=2) as fetcher:
                try:
                    await fetcher.fetch(server.url("/r0"))
                except TooManyRedirects as exc:
                    error: Any = exc
            async with local(max_redirects=3) as fetcher:
                arrived = await fetcher.fetch(server.url("/r0"))
            return (error, arrived), server.paths()

    (error, arrived), paths = aio.run(scenario())
    assert "more than 2 redirects (the last one to http://127.0.0.1:" in str(error)
    assert arrived.body == b"arrived" and arrived.final_url.endswith("/r3")
    assert [u.rsplit("/", 1)[1] for u in arrived.redirects] == ["r0", "r1", "r2"]
    assert [p for p in paths if p != "/robots.txt"] == [
        "/r0",
        "/r1",
        "/r2",
        *["/r0", "/r1", "/r2", "/r3"],
    ]


def test_an_error_status_is_raised_with_its_status() -> None:
    async def gone(writer: Writer, request: dict[str, str]) -> None:
        await respond(writer, 410, body=b"x" * 5000)

    async def scenario() -> Any:
        async with Server({"/gone": gone}) as server, local() as fetcher:
            return await fetcher.fetch(server.url("/gone"))

    error, _, _ = measured(scenario())
    assert isinstance(error, FetchStatus) and error.status == 410
    assert error.reason == "the server answered 410 Gone"


# -- a good citizen --------------------------------------------------------------


ROBOTS = b"User-agent: *\nDisallow: /\n\nUser-agent: Legible\nDisallow: /private\n"


def test_robots_txt_is_obeyed_and_read_once() -> None:
    async def scenario() -> tuple[list[Any], list[str]]:
        routes = {"/robots.txt": page(ROBOTS), "/public": page(), "/private/a": page()}
        async with Server(routes) as server, local() as fetcher:
            outcomes = await asyncio.gather(
                *(fetcher.fetch(server.url(p)) for p in ["/public", "/private/a", "/public"]),
                return_exceptions=True,
            )
            return outcomes, server.paths()

    (first, private, again), paths = aio.run(scenario())
    assert first.body == again.body == b"<p>hello</p>"
    assert isinstance(private, RobotsDisallowed)
    assert private.reason.startswith("not fetched: disallowed for Legible by http://127.0.0.1:")
    assert paths.count("/robots.txt") == 1 and "/private/a" not in paths


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (410, True), (429, False), (503, False)]
)
def test_what_a_robots_txt_status_means(status: int, allowed: bool) -> None:
    async def robots(writer: Writer, request: dict[str, str]) -> None:
        await respond(writer, status)

    async def scenario() -> Any:
        async with Server({"/robots.txt": robots, "/a": page()}) as server, local() as fetcher:
            return await fetcher.fetch(server.url("/a"))

    outcome, _, _ = measured(scenario())
    if allowed:
        assert outcome.body == b"<p>hello</p>"
    else:
        assert isinstance(outcome, RobotsDisallowed)
        assert f"robots.txt answered {status}, so the site is closed to robots" in str(outcome)


def test_conditional_get_with_the_stored_validators() -> None:
    async def article(writer: Writer, request: dict[str, str]) -> None:
        if request.get("if-none-match") == '"v1"':
            await respond(writer, 304, {"ETag": '"v1"'})  # no Last-Modified: keep the stored one
        else:
            headers = {"ETag": '"v1"', "Last-Modified": "Thu, 21 Sep 2023 08:00:00 GMT"}
            await respond(writer, 200, headers, b"<p>first</p>")

    async def scenario() -> tuple[Any, Any, dict[str, str]]:
        async with Server({"/a": article}) as server, local() as fetcher:
            first = await fetcher.fetch(server.url("/a"))
            second = await fetcher.fetch(
                server.url("/a"), etag=first.etag, last_modified=first.last_modified
            )
            return first, second, server.log[-1][1]

    first, second, sent = aio.run(scenario())
    assert (first.not_modified, first.body, first.etag) == (False, b"<p>first</p>", '"v1"')
    assert second.not_modified and second.status == 304 and second.body == b""
    assert (second.etag, second.last_modified) == ('"v1"', "Thu, 21 Sep 2023 08:00:00 GMT")
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Thu, 21 Sep 2023 08:00:00 GMT"


@pytest.mark.parametrize("per_host", [1, 2])
def test_per_host_concurrency_and_delay(per_host: int) -> None:
    """Four slow pages at once: `per_host` at a time, each start `delay` after the last.

    The margins are wide for a busy machine: without the delay two starts are ~0 s
    apart, and each page takes 0.8 s, so `per_host` of them surely overlap."""
    delay = 0.3

    async def slow(writer: Writer, request: dict[str, str]) -> None:
        await asyncio.sleep(0.8)
        await respond(writer, 200, body=b"ok")

    async def scenario() -> Server:
        async with Server({f"/p{n}": slow for n in range(4)}) as server:
            async with Fetcher(allow_private=True, per_host=per_host, delay=delay) as fetcher:
                await asyncio.gather(*(fetcher.fetch(server.url(f"/p{n}")) for n in range(4)))
            return server

    server = aio.run(scenario())
    assert server.peak == per_host  # never more, and really that many at once
    gaps = [b - a for a, b in zip(server.starts, server.starts[1:], strict=False)]
    assert min(gaps) >= delay - 0.1, gaps  # robots.txt's request counted too
    assert server.paths()[0] == "/robots.txt" and len(server.paths()) == 5


def test_the_user_agent_names_legible_and_the_operator_and_no_cookie_is_kept() -> None:
    async def scenario() -> list[tuple[str, dict[str, str]]]:
        routes = {"/a": page(**{"Set-Cookie": "session=abc; Path=/"})}
        async with Server(routes) as server:
            async with Fetcher(
                allow_private=True, delay=0, public_url="https://news.example.gov.vn"
            ) as fetcher:
                await fetcher.fetch(server.url("/a"))
                await fetcher.fetch(server.url("/a"))
            return server.log

    log = aio.run(scenario())
    agents = {headers["user-agent"] for _, headers in log}
    assert agents == {f"Legible/{__version__} (+https://news.example.gov.vn)"}
    assert all("cookie" not in headers for _, headers in log)


def test_a_busy_host_is_given_the_room_it_asks_for() -> None:
    """503 with Retry-After: 1, then the next request to that host waits a second."""

    async def busy(writer: Writer, request: dict[str, str]) -> None:
        await respond(writer, 503, {"Retry-After": "1"})

    async def scenario() -> tuple[Any, list[float], list[str]]:
        async with Server({"/busy": busy, "/a": page()}) as server, local() as fetcher:
            try:
                await fetcher.fetch(server.url("/busy"))
            except FetchStatus as exc:
                error: Any = exc
            await fetcher.fetch(server.url("/a"))
            return error, server.starts, server.paths()

    error, starts, paths = aio.run(scenario())
    assert error.status == 503 and error.reason == "the server answered 503 Service Unavailable"
    assert paths == ["/robots.txt", "/busy", "/a"]
    assert starts[2] - starts[1] >= 0.95


def test_an_unreachable_robots_txt_closes_the_site_for_the_run() -> None:
    async def silent(writer: Writer, request: dict[str, str]) -> None:
        await asyncio.sleep(30)

    async def scenario() -> tuple[Any, list[str]]:
        async with Server({"/robots.txt": silent, "/a": page()}) as server:
            async with local(read_timeout=0.3) as fetcher:
                errors = await asyncio.gather(
                    fetcher.fetch(server.url("/a")),
                    fetcher.fetch(server.url("/a")),
                    return_exceptions=True,
                )
            return errors, server.paths()

    errors, paths = aio.run(scenario())
    assert all(isinstance(e, RobotsDisallowed) for e in errors), errors
    assert "could not be read (the server sent nothing for 0.3 s)" in str(errors[0])
    assert paths == ["/robots.txt"]  # asked once; the page never


def certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` (its own CA) and its key."""
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-addext", "basicConstraints=critical,CA:TRUE", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("served_as", ["news.example", "other.example"])
def test_tls_to_the_pinned_address_still_checks_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jail: list[str], served_as: str
) -> None:
    """The connection goes to the checked address, but SNI, the certificate check and
    the Host header all stay with the name in the URL."""
    cert, key = certificate(tmp_path, served_as)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    sni: list[str | None] = []

    def record(conn: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        sni.append(name)

    server_tls.sni_callback = record  # type: ignore[assignment]
    client_tls = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(guard, "_tls", lambda: client_tls)
    table: dict[str, Any] = {"news.example": [PUBLIC]}

    async def scenario() -> tuple[Any, list[tuple[str, dict[str, str]]]]:
        async with Server({"/a": page(b"<p>over TLS</p>")}, tls=server_tls) as server:
            async with Fetcher(resolver=resolver(table, []), delay=0) as fetcher:
                try:
                    result: Any = await fetcher.fetch(server.url("/a", host="news.example"))
                except Exception as exc:
                    result = exc
            return result, server.log

    result, log = aio.run(scenario())
    assert PUBLIC in jail and sni and set(sni) == {"news.example"}
    if served_as == "news.example":
        assert result.body == b"<p>over TLS</p>"
        assert dict(log)["/a"]["host"].startswith("news.example:")
    else:  # a certificate for another name is refused, pinned address or not
        assert "CERTIFICATE_VERIFY_FAILED" in str(result) and "/a" not in dict(log)
