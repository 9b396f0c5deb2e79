"""A stand-in for the HTTP caches in front (Varnish): a small HTTP server that records
each PURGE and its xkey-purge tags (tests/test_purge.py, tests/test_archive.py)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeCache(ThreadingHTTPServer):
    """Answers PURGE with the next status of `statuses` (then 200), recording each."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.seen: list[tuple[str, str, str | None]] = []  # (method, path, xkey-purge)
        self.arrived = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def tags(self) -> list[set[str]]:
        return [set((value or "").split()) for _, _, value in self.seen]

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.seen) >= count, timeout)


class _Handler(BaseHTTPRequestHandler):
    server: FakeCache

    def do_PURGE(self) -> None:
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        with self.server.arrived:
            self.server.seen.append(("PURGE", self.path, self.headers.get("xkey-purge")))
            self.server.arrived.notify_all()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def running(statuses: list[int] | None = None) -> Iterator[FakeCache]:
    """A FakeCache answering on 127.0.0.1 until the block ends."""
    server = FakeCache(statuses)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
