"""A crowd of connections held open against a loopback server: for tests and bench.

What a busy day and a cheap attack look like to a server:
- an *idle* connection sends one whole request, reads the answer and stays open, as a
  browser leaves a keep-alive connection;
- a *slow* connection sends half a request header and stalls (slowloris).

Each `Held` connection records when the server closed it, so a caller can see which
limits and timeouts apply. `reader()` is a new reader: a fresh connection, one request,
its status and how long the whole answer took. Opening thousands of sockets needs the
client's own open-file limit raised: `raise_open_files()`, the one the server uses.

Imported as `tests.support.crowd` by tests/ and by bench/connections.py, like live.py.
asyncio, so thousands of sockets cost one thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from service.limits import raise_open_files

__all__ = [
    "Crowd", "Held", "put_request", "raise_open_files", "read_response", "reader", "trickle",
]  # fmt: skip

HOST = "127.0.0.1"
IDLE_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: br\r\n\r\n"  # a cache hit
SLOW_HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"  # never finished
OPEN_AT_ONCE = 200  # connects in flight: well under the listen backlog


@dataclass
class Held:
    """One connection of the crowd."""

    kind: str  # "idle" or "slow"
    opened: float  # time.monotonic() once connected (and, for idle, answered)
    writer: asyncio.StreamWriter
    closed: float | None = None  # when the server closed it (EOF or reset)
    watcher: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def open(self) -> bool:
        return self.closed is None


@dataclass
class Crowd:
    """Connections held open against HOST:`port` until `close()`."""

    port: int
    held: list[Held] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)  # "idle: timeout" -> count

    def count(self, kind: str | None = None, *, open_only: bool = True) -> int:
        return sum(
            1 for h in self.held if (kind is None or h.kind == kind) and (h.open or not open_only)
        )

    def closed_after(self, kind: str) -> list[float]:
        """Seconds each closed connection of `kind` stayed open, sorted."""
        return sorted(h.closed - h.opened for h in self.held if h.kind == kind and h.closed)

    async def add(self, kind: str, n: int, timeout: float = 5.0) -> int:
        """Open `n` connections of `kind` ("idle" or "slow"); how many were opened
        (idle: answered). Failures are counted in `failed`, by reason."""
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        before = len(self.held)

        async def one() -> None:
            async with gate:
                try:
                    held = await asyncio.wait_for(self._open(kind), timeout)
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    reason = f"{kind}: {type(exc).__name__}"
                    self.failed[reason] = self.failed.get(reason, 0) + 1
                    return
                self.held.append(held)

        await asyncio.gather(*(one() for _ in range(n)))
        return len(self.held) - before

    async def _open(self, kind: str) -> Held:
        reader, writer = await asyncio.open_connection(HOST, self.port, limit=4096)
        try:
            if kind == "idle":
                writer.write(IDLE_REQUEST)
                await read_response(reader)
            else:
                writer.write(SLOW_HEAD)
                await writer.drain()
        except BaseException:
            writer.close()
            raise
        held = Held(kind, time.monotonic(), writer)
        held.watcher = asyncio.create_task(_watch(held, reader))
        return held

    async def close(self) -> None:
        """Abort every connection still open; the records stay."""
        for h in self.held:
            if h.watcher is not None:
                h.watcher.cancel()
            h.writer.transport.abort()
        await asyncio.sleep(0)


async def _watch(held: Held, reader: asyncio.StreamReader) -> None:
    """Record when the server closes the connection (whatever it sends first)."""
    with contextlib.suppress(OSError):
        while await reader.read(4096):
            pass
    held.closed = time.monotonic()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body: status, headers, body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def reader(
    port: int, path: str = "/", timeout: float = 10.0, headers: Iterable[tuple[str, str]] = ()
) -> tuple[int | None, float]:
    """A new reader: connect, GET `path`, read the whole answer. (status, seconds); the
    status is None when no answer came within `timeout` seconds (or the connection failed)."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{extra}Connection: close\r\n\r\n"
    return await trickle(port, [request.encode()], 0, timeout)


async def trickle(
    port: int, pieces: Sequence[bytes], seconds: float, timeout: float = 30.0
) -> tuple[int | None, float]:
    """Send `pieces` on one new connection, spread evenly over `seconds`, then read the
    answer: (status, seconds taken); the status is None when no answer came."""
    start = time.monotonic()
    gap = seconds / max(1, len(pieces) - 1)
    writer = None
    try:
        async with asyncio.timeout(timeout):
            stream, writer = await asyncio.open_connection(HOST, port)
            for i, piece in enumerate(pieces):
                if i:
                    await asyncio.sleep(gap)
                writer.write(piece)
                await writer.drain()
            status: int | None = (await read_response(stream))[0]
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        status = None
    finally:
        if writer is not None:
            writer.transport.abort()
    return status, time.monotonic() - start


def put_request(path: str, body: bytes, token: str) -> bytes:
    """The head of an admin API PUT of `body` (closing the connection after)."""
    return (
        f"PUT {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
