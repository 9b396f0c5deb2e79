"""In-process stand-ins for granian's RSGI scope and protocol objects, to drive an
app's `__rsgi__` as `legible serve` does (tests/test_rsgi.py, test_security_headers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.support.aio import run


class Headers:
    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = [(k.lower(), v) for k, v in pairs]

    def __contains__(self, key: str) -> bool:
        return any(k == key for k, _ in self.pairs)

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.pairs if k == key), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)


@dataclass
class Scope:
    path: str
    query_string: str = ""
    method: str = "GET"
    headers: Headers = field(default_factory=lambda: Headers([("host", "legible.test")]))
    proto: str = "http"
    http_version: str = "1.1"
    client: str = "192.0.2.7:40000"
    server: str = "127.0.0.1:8000"
    scheme: str = "http"


class Stream:
    def __init__(self, proto: Proto) -> None:
        self.proto = proto

    async def send_bytes(self, data: bytes) -> None:
        self.proto.body += data
        self.proto.chunks_sent += 1


class Proto:
    """Records what the app answered; serves `body` to the app in `chunks`."""

    def __init__(self, chunks: Iterable[bytes] = ()) -> None:
        self._chunks = list(chunks)
        self.answers = 0
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.chunks_sent = 0

    async def _iter(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iter()

    async def client_disconnect(self) -> None:
        await asyncio.Event().wait()

    def _start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.answers += 1
        self.status, self.headers = status, headers

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._start(status, headers)
        self.body = body

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Stream:
        self._start(status, headers)
        return Stream(self)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


def call(app: Any, scope: Scope, proto: Proto | None = None) -> Proto:
    proto = proto or Proto()

    run(app.__rsgi__(scope, proto))
    assert proto.answers == 1, "exactly one response per request"
    return proto


def get(app: Any, url: str, **headers: str) -> Proto:
    path, _, query = url.partition("?")
    pairs = [("host", "legible.test"), *((k.replace("_", "-"), v) for k, v in headers.items())]
    return call(app, Scope(path, query, headers=Headers(pairs)))
