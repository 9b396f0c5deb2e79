"""A raw ASGI client for the fuzz and hostile-request tests.

httpx would normalise `..` out of paths and refuse non-ASCII header bytes; this
builds the scope the way an ASGI server does and calls the app on the test
client's event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

import anyio


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def headers_named(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


Headers = Sequence[tuple[str | bytes, str | bytes]]


def to_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


async def exchange(
    app: object,
    method: str,
    target: bytes,
    headers: Headers,
    chunks: Sequence[bytes],
    client: str = "203.0.113.9",
) -> Reply:
    raw_path, _, query = target.partition(b"?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(to_bytes(k).lower(), to_bytes(v).strip(b" \t")) for k, v in headers],
        "client": (client, 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    pending = list(chunks) or [b""]
    done = anyio.Event()
    start: dict[str, object] | None = None
    body: list[bytes] = []

    async def receive() -> dict[str, object]:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            assert start is None, "a second http.response.start"
            start = message
        elif message["type"] == "http.response.body":
            assert start is not None, "a body before http.response.start"
            body.append(message.get("body", b""))  # type: ignore[arg-type]
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)  # type: ignore[operator]
    assert start is not None and done.is_set(), "the app returned without a whole response"
    raw = start.get("headers", [])
    return Reply(
        int(start["status"]),  # type: ignore[call-overload]
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw],  # type: ignore[union-attr]
        b"".join(body),
    )
