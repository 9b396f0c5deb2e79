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
import time
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import aio
import brotli
import httpcore
import pytest

from service.errors import (
    FetchRefused,
    FetchStatus,
    FetchTimedOut,
    FetchTooLarge,
    RobotsDisallowed,
    TooManyRedirects,
)
from service.ingest.fetch import Fetcher
from service.ingest.guard import address_problem, as_ip
from service.version import __version__

PUBLIC = "93.184.215.14"
Writer = asyncio.StreamWriter
Handler = Callable[[Writer, dict[str, str]], Awaitable[None]]
MB = 1_000_000


@pytest.fixture(autouse=True)
def jail(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a connection was attempted to; nothing but loopback is reached."""
    attempts: list[str] = []
    real = httpcore.AnyIOBackend.connect_tcp

    async def connect(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        attempts.append(host)
        if host == PUBLIC:
            host = "127.0.0.1"
        elif host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"a test tried to connect to {host}")
        return await real(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect)
    return attempts


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

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.log: list[tuple[str, dict[str, str]]] = []
        self.starts: list[float] = []
        self.active = self.peak = self.sent = 0

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

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
        ("0.0.0.0", "is unspecified"),
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
    assert reason.startswith(expected) and reason.endswith("(use --allow-private for an intranet CMS)")
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
