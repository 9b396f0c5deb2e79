"""Purging the HTTP caches in front (Varnish's xkey, LEGIBLE_PURGE_URLS) after a write.

Pages carry their tags in `xkey` (and `Surrogate-Key`, `Cache-Tag`): `article:SLUG`
for an article's variants, `lists` for the front page and search. A write hands the
tags it changed to `Purger.purge`, which only queues them: each cache has its own
thread that sends `PURGE /` with `xkey-purge: TAG TAG…`, so a slow or dead cache
never delays the write, nor the purges of another cache. A failed purge is logged
and retried with exponential backoff (RETRIES times); tags queued meanwhile are sent
with the retry. Each tag is purged a second time REPEAT seconds later, for the copy a
replica that had not yet heard of the write may have given the cache meanwhile.
`flush` waits, bounded, for all of it (`legible import` calls it before it exits).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from . import counters

log = logging.getLogger("legible.purge")

LISTS = "lists"  # the front page, search, the sitemap, feed: every write changes them
TIMEOUT = 2.0  # seconds for one purge request
RETRIES = 5  # further attempts after a failure, then the tags are given up (logged)
BACKOFF = 0.25  # seconds before the first retry; doubled each time
MAX_BACKOFF = 8.0
MAX_HEADER = 4000  # bytes of tags per request: Varnish's http_req_hdr_len is 8 KB
# Each tag is purged again this long after its first purge: until every replica has
# heard of the write (SQLite's data_version within 50 ms, a LISTEN/NOTIFY within ms),
# the cache may fetch the old page again from one that has not and keep it.
REPEAT = 0.5


def article_tag(slug: str) -> str:
    return f"article:{slug}"


def write_tags(slugs: Iterable[str]) -> list[str]:
    """The tags a write of these articles changes: each one's pages and the lists."""
    return [*(article_tag(s) for s in slugs), LISTS]


def check_origin(text: str) -> str:
    """`text` as a public origin (`https://host[:port]`, a trailing `/` dropped);
    ValueError saying what is wrong otherwise."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("use an absolute http:// or https:// URL, like https://news.example")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("give the origin only: no path, query, fragment or user")
    try:
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ValueError("the port is not a number from 0 to 65535") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def check_url(url: str) -> str:
    """`url` if it can receive purges; ValueError saying what is wrong otherwise."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http:// or https:// URL (e.g. http://varnish:80)")
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host (e.g. http://varnish:80)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{url!r}: use scheme, host, port and path only")
    return url


def chunks(tags: Sequence[str], limit: int = MAX_HEADER) -> list[str]:
    """The tags as `xkey-purge` values of at most `limit` bytes each (sorted, so repeated
    purges are the same requests)."""
    out: list[str] = []
    line = ""
    for tag in sorted(set(tags)):
        if line and len(line) + 1 + len(tag) > limit:
            out.append(line)
            line = ""
        line = f"{line} {tag}" if line else tag
    if line:
        out.append(line)
    return out


class _Cache(threading.Thread):
    """One cache: the tags waiting for it, and the thread that sends them."""

    def __init__(
        self, url: str, timeout: float, retries: int, backoff: float, repeat: float
    ) -> None:
        super().__init__(name=f"legible-purge {url}", daemon=True)
        parts = urlsplit(url)
        self.url = url
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port
        self.path = parts.path or "/"
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.repeat = repeat
        self.cond = threading.Condition()
        self.waiting: set[str] = set()
        self.busy = False  # a batch taken from `waiting` is being sent or retried
        self.repeats: dict[str, float] = {}  # tag -> when to purge it a second time
        self.given_up = 0  # batches dropped after every retry failed
        self.stopping = False

    def add(self, tags: Iterable[str]) -> None:
        with self.cond:
            self.waiting.update(tags)
            self.cond.notify_all()

    def idle(self) -> bool:
        return not self.waiting and not self.busy and not self.repeats

    def _due(self, now: float) -> set[str]:
        """Second purges whose time has come, taken off the schedule."""
        due = {tag for tag, when in self.repeats.items() if when <= now}
        for tag in due:
            del self.repeats[tag]
        return due

    def _until_next(self, now: float) -> float | None:
        return max(0.0, min(self.repeats.values()) - now) if self.repeats else None

    def run(self) -> None:
        failures = 0
        batch: set[str] = set()  # tags of new writes
        again: set[str] = set()  # second purges
        while True:
            delay = 0.0
            with self.cond:
                while not (self.waiting or batch or again or self.stopping):
                    again = self._due(time.monotonic())
                    if again:
                        break
                    self.cond.wait(self._until_next(time.monotonic()))
                if self.stopping:
                    return
                batch |= self.waiting
                self.waiting = set()
                again -= batch
                self.busy = True
            error = self.send(batch | again)
            if error is None:
                counters.COUNTERS.purges_sent += 1
                if self.repeat:
                    when = time.monotonic() + self.repeat
                    with self.cond:
                        self.repeats.update(dict.fromkeys(batch, when))
                batch, again, failures = set(), set(), 0
            else:
                counters.COUNTERS.purges_failed += 1
                failures += 1
                if failures > self.retries:
                    log.error(
                        "purge: gave up on %s after %d attempts (%s); these tags may be "
                        "stale there until their s-maxage ends: %s",
                        self.url, failures, error, " ".join(sorted(batch | again)),
                    )  # fmt: skip
                    batch, again, failures = set(), set(), 0
                    self.given_up += 1
                else:
                    delay = min(MAX_BACKOFF, self.backoff * 2 ** (failures - 1))
                    log.warning(
                        "purge: %s failed (%s); retry %d of %d in %.2g s",
                        self.url, error, failures, self.retries, delay,
                    )  # fmt: skip
            with self.cond:
                self.busy = bool(batch or again)
                self.cond.notify_all()
                if self.busy and not self.stopping:
                    self.cond.wait_for(lambda: self.stopping, timeout=delay)

    def send(self, tags: set[str]) -> str | None:
        """Purge `tags` at this cache: None when it answered 2xx, else what went wrong."""
        kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        for value in chunks(list(tags)):
            conn = kind(self.host, self.port, timeout=self.timeout)
            try:
                conn.request("PURGE", self.path, headers={"xkey-purge": value})
                answer = conn.getresponse()
                answer.read()
                if not 200 <= answer.status < 300:
                    return f"HTTP {answer.status} {answer.reason}"
            except (OSError, http.client.HTTPException) as exc:
                return f"{type(exc).__name__}: {exc}"
            finally:
                conn.close()
        return None


class Purger:
    """Sends tag purges to every cache in `urls`, in the background."""

    def __init__(
        self,
        urls: Sequence[str],
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        repeat: float | None = None,
    ) -> None:
        """Defaults: TIMEOUT, RETRIES, BACKOFF and REPEAT (0: no second purge)."""
        self.caches = [
            _Cache(
                check_url(url),
                TIMEOUT if timeout is None else timeout,
                RETRIES if retries is None else retries,
                BACKOFF if backoff is None else backoff,
                REPEAT if repeat is None else repeat,
            )
            for url in urls
        ]
        self._started = False
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.caches)

    def purge(self, tags: Iterable[str]) -> None:
        """Queue `tags` for every cache; never blocks on the network."""
        if not self.caches:
            return
        tags = list(tags)
        if not self._started:  # threads start in the process that purges (after a fork)
            with self._lock:
                if not self._started:
                    for cache in self.caches:
                        cache.start()
                    self._started = True
        for cache in self.caches:
            cache.add(tags)

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` s until every queued purge was sent or given up; False
        if some were still pending (their threads go on until the process exits)."""
        deadline = time.monotonic() + timeout
        for cache in self.caches:
            with cache.cond:
                left = deadline - time.monotonic()
                if not cache.cond.wait_for(cache.idle, timeout=max(0.0, left)):
                    return False
        return True

    def given_up(self) -> list[str]:
        """The caches that dropped purges after every retry failed."""
        return [cache.url for cache in self.caches if cache.given_up]

    def stop(self, timeout: float = 5.0) -> None:
        """Stop sending (what is still queued is dropped) and wait for the threads."""
        for cache in self.caches:
            with cache.cond:
                cache.stopping = True
                cache.cond.notify_all()
        for cache in self.caches:
            if cache.is_alive():
                cache.join(timeout)
