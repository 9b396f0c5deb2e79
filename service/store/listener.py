"""LISTEN for other writers' commits on a dedicated PostgreSQL connection.

A daemon thread holds the connection and collects each notification (an
article's slug and new revision, or a stored photo's digest); the site takes them
on its next sync, on the event loop, and evicts those pages. A connection that
drops is reopened with backoff. Notifications sent meanwhile are lost, so a
reconnect asks the site to clear its whole cache (`Changes(clear=True)`) and
re-read every revision.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg.conninfo import make_conninfo

from ..counters import listener_reconnected
from .common import Changes

log = logging.getLogger("legible")

CHANNEL = "legible"
BACKOFF_FIRST, BACKOFF_MOST = 0.1, 5.0  # seconds between attempts, doubling
AFTER_BUG = 1.0  # seconds before listening again after an unexpected exception
WAIT = 0.1  # seconds a notifies() call waits: how soon close() is noticed (cheap)
# A dead peer is noticed in about 20 s even when nothing says so.
KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
}


class Listener:
    def __init__(self, url: str, writer: str, on_news: Callable[[], None] = lambda: None) -> None:
        self.conninfo = make_conninfo(
            url, connect_timeout=3, application_name="legible-listener", **KEEPALIVE
        )
        self.writer = writer  # notifications from our own store: already handled
        self.on_news = on_news  # called (on this thread) when there is something to take
        self.lost_at: float | None = time.monotonic()  # not connected since (monotonic)
        self.reconnects = 0  # times the connection was reopened after it dropped
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._pending: dict[str, int | None] = {}
        self._media: set[str] = set()  # digests of photos stored
        self._resync: Changes | None = None  # a (re)connect: everything may have changed
        self._stop = threading.Event()
        self._wake = threading.Event()  # try to reconnect now, not after the backoff
        self._first = True  # no connection yet: nothing cached can have been missed
        self._thread = threading.Thread(target=self._run, name="legible-listener", daemon=True)
        self._thread.start()

    def take(self) -> Changes | None:
        """What was heard since the last call, or None."""
        with self._lock:
            if self._resync is not None:
                resync, self._resync = self._resync, None
                self._pending.clear()
                media, self._media = frozenset(self._media), set()
                return Changes(slugs=None, clear=resync.clear, media=media)
            if not self._pending and not self._media:
                return None
            heard, self._pending = self._pending, {}
            media, self._media = frozenset(self._media), set()
        return Changes(slugs=heard, media=media)

    def disconnected_for(self) -> float:
        """Seconds since the connection was lost (or since the start, before the first
        connect); 0 while connected."""
        lost = self.lost_at
        return 0.0 if lost is None else time.monotonic() - lost

    def wake(self) -> None:
        """The database answers again (a query just worked): end the backoff wait."""
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=1)

    def _heard(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            photo = str(note["media"]) if "media" in note else None  # a photo stored
            slug, revision = ("", None) if photo else (str(note["slug"]), note["revision"])
            revision = None if revision is None else int(revision)
            mine = note.get("by") == self.writer
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("listener: ignored a notification that is not ours: %.200r", payload)
            return
        if mine:
            return
        with self._lock:
            if photo:
                self._media.add(photo)
            else:
                self._pending[slug] = revision
        self.on_news()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception:  # a bug must not end listening for good: log it, start over
                log.exception("listener: unexpected error; reconnecting")
                self.connected.clear()
                self._stop.wait(AFTER_BUG)

    def _listen(self) -> None:
        delay = 0.0  # before the next attempt: none at first, then doubling
        while not self._stop.is_set():
            if delay:
                self._wake.wait(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
                self._wake.clear()
                if self._stop.is_set():
                    return
            try:
                conn = psycopg.connect(self.conninfo, autocommit=True)
            except psycopg.Error as exc:
                if delay <= BACKOFF_FIRST:  # once an outage
                    log.warning("listener: cannot reach PostgreSQL, retrying: %s", _line(exc))
                delay = min(max(delay * 2, BACKOFF_FIRST), BACKOFF_MOST)
                continue
            try:
                with conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    with self._lock:  # heard nothing before LISTEN: re-read everything
                        self._resync = Changes(slugs=None, clear=not self._first)
                    self.on_news()
                    if not self._first:
                        self.reconnects += 1
                        listener_reconnected()  # /metrics
                        log.warning("listener: reconnected; the page cache is cleared")
                    self._first = False
                    self.lost_at = None
                    self.connected.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=WAIT):
                            self._heard(note.payload)
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    log.warning("listener: lost the connection: %s", _line(exc))
            finally:
                self.connected.clear()
                if self.lost_at is None:
                    self.lost_at = time.monotonic()
            delay = BACKOFF_FIRST  # a server that just went away is rarely back at once


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
