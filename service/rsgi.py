"""Running the ASGI app under granian's RSGI interface.

`legible serve` speaks RSGI: a cache hit is answered with one
`proto.response_bytes` call (service/hotpath.py), which costs far less per
request than the ASGI message round trip. Everything else goes through
`serve_asgi`, a small RSGI -> ASGI bridge, so the Starlette app, its
middleware and the tests see plain ASGI 3.0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Scope

log = logging.getLogger("legible")

# RFC 3986 pchar plus "/": what a percent-decoded path is quoted back with.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_ERROR = b"500 Internal Server Error\n"


class RSGIHeaders(Protocol):
    def __contains__(self, key: str) -> bool: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def items(self) -> list[tuple[str, str]]: ...


class RSGIScope(Protocol):
    proto: str
    http_version: str
    client: str
    server: str
    scheme: str
    method: str
    path: str
    query_string: str

    @property
    def headers(self) -> RSGIHeaders: ...


class RSGIStream(Protocol):
    async def send_bytes(self, data: bytes) -> None: ...


class RSGIProtocol(Protocol):
    def __aiter__(self) -> AsyncIterator[bytes]: ...
    async def client_disconnect(self) -> None: ...
    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None: ...
    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> RSGIStream: ...


def _address(value: str) -> tuple[str, int] | None:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def asgi_scope(scope: RSGIScope) -> Scope:
    """The ASGI HTTP scope for an RSGI one. RSGI gives the path already
    percent-decoded and no raw path, so `raw_path` is the path quoted back."""
    path = scope.path
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": scope.http_version,
        "method": scope.method,
        "scheme": scope.scheme,
        "path": path,
        "raw_path": quote(path, safe=_PATH_SAFE).encode("ascii"),
        "query_string": scope.query_string.encode(),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode()) for k, v in scope.headers.items()],
        "client": _address(scope.client),
        "server": _address(scope.server),
        "state": {},
    }


async def serve_asgi(app: ASGIApp, scope: RSGIScope, proto: RSGIProtocol) -> None:
    """Run one HTTP request through the ASGI `app`, answering on `proto`."""
    chunks = proto.__aiter__()
    body_done = False
    status = 500
    headers: list[tuple[str, str]] = []
    stream: RSGIStream | None = None
    finished = False

    async def receive() -> Message:
        nonlocal body_done
        if not body_done:
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                body_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}
        await proto.client_disconnect()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers, stream, finished
        kind = message["type"]
        if kind == "http.response.start":
            status = message["status"]
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
        elif kind == "http.response.body" and not finished:
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if stream is None and not more:
                proto.response_bytes(status, headers, body)
                finished = True
                return
            if stream is None:
                stream = proto.response_stream(status, headers)
            if body:
                await stream.send_bytes(body)
            finished = not more

    try:
        await app(asgi_scope(scope), receive, send)
    except Exception:
        log.exception("unhandled error for %s %s", scope.method, scope.path)
        if stream is None and not finished:
            plain = [("content-type", "text/plain; charset=utf-8")]
            with contextlib.suppress(Exception):  # the client may be gone already
                proto.response_bytes(500, plain, _ERROR)
        return
    if not finished and stream is None:  # the app sent no body: answer what it started
        proto.response_bytes(status, headers, b"")


class Lifespan:
    """ASGI lifespan events for an app served over RSGI, which has none:
    granian calls `__rsgi_init__`/`__rsgi_del__` around the worker's loop."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._events: asyncio.Queue[Message] = asyncio.Queue()
        self._replies: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._supported = True

    async def _run(self) -> None:
        scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        try:
            await self.app(scope, self._events.get, self._replies.put)
        except Exception:
            log.debug("the app does not support lifespan", exc_info=True)
            self._supported = False
            await self._replies.put({"type": "lifespan.unsupported"})

    async def _send(self, event: str) -> None:
        if not self._supported:
            return
        await self._events.put({"type": f"lifespan.{event}"})
        reply = await self._replies.get()
        if reply["type"].endswith(".failed"):
            raise RuntimeError(f"lifespan {event} failed: {reply.get('message', '')}")

    async def startup(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._send("startup")

    async def shutdown(self) -> None:
        await self._send("shutdown")
        if self._task is not None:
            await self._task
