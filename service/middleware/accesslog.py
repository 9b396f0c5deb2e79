"""One structured (JSON) access-log line per request.

Lines are batched: one log record carries every line written in the last
half second (or 256 lines), so a busy server does not pay a write() per
request. Each output line is still one JSON object.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..clientaddr import TrustedProxies, joined

if TYPE_CHECKING:
    from ..rsgi import RSGIHeaders

logger = logging.getLogger("legible.access")
FLUSH_SECONDS = 0.5
FLUSH_LINES = 256
_json = json.JSONEncoder(ensure_ascii=False).encode


def log_target(path: str, query: str) -> str:
    """The line's "path" and "query" fields, JSON-escaped and capped."""
    return f'"path": {_json(path[:300])}, "query": {_json(query[:300])}'


class AccessLog:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies | None = None) -> None:
        self.app = app
        self._lines: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        atexit.register(self.flush)
        # Over ASGI, middleware/clientaddr.py has resolved scope["client"] already; an
        # RSGI hit is resolved here, and only behind trusted proxies pays for it.
        self.proxies = proxies
        if proxies:
            self.hit = self._forwarded_hit  # type: ignore[method-assign]

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._lines:
            lines, self._lines = self._lines, []
            logger.info("\n".join(lines))

    def _write(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= FLUSH_LINES:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            if scope["type"] == "lifespan":
                try:
                    await self.app(scope, receive, send)
                finally:
                    self.flush()
                return
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        sent = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            client = scope.get("client")
            query = scope["query_string"][:300].decode("latin-1")
            self._line(
                _json(scope["method"]), log_target(scope["path"], query), status, sent, start,
                _json(client[0]) if client else "null",
            )  # fmt: skip

    def hit(self, method: str, target: str, status: int, sent: int, start: float,
            client: str, headers: RSGIHeaders | None = None) -> None:  # fmt: skip
        """A cache hit answered over RSGI. `method` is GET or HEAD and `client` the
        peer's "host:port" from the socket (digits, hex, dots, colons, brackets):
        neither needs JSON escaping; `target` is `log_target(path, query)`, kept by
        the hot route so a hit does not escape its URL again. `headers` are read
        only behind trusted proxies."""
        if logger.isEnabledFor(logging.INFO):
            host = client.rpartition(":")[0]
            self._line(f'"{method}"', target, status, sent, start, f'"{host}"')

    def _forwarded_hit(self, method: str, target: str, status: int, sent: int, start: float,
                       client: str, headers: RSGIHeaders | None = None) -> None:  # fmt: skip
        """`hit` behind trusted proxies: the client is the one X-Forwarded-For names."""
        if logger.isEnabledFor(logging.INFO) and self.proxies:
            host = client.rpartition(":")[0].strip("[]")
            if headers is not None and "x-forwarded-for" in headers:
                found = (v for k, v in headers.items() if k == "x-forwarded-for")
                host = self.proxies.client(host, joined(found))
            self._line(f'"{method}"', target, status, sent, start, _json(host))

    def _line(self, method: str, target: str, status: int, sent: int, start: float,
              client: str) -> None:  # fmt: skip
        """One line from JSON-ready parts; hand-built to keep the hot path cheap."""
        self._write(
            f'{{"t": {time.time():.3f}, "method": {method}, {target}, '
            f'"status": {status}, "bytes": {sent}, '
            f'"ms": {(time.perf_counter() - start) * 1000:.2f}, "client": {client}}}'
        )
