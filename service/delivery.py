"""Cache, compression and conditional responses: how bytes leave the service.

An `Entry` is one rendered variant, frozen: identity, gzip (mtime=0, so every
replica makes the same bytes) and brotli bodies, each with its own strong
ETag. The page cache is bounded by bytes and builds each missing key once
(single flight), off the event loop.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial

import brotli
from cachetools import LRUCache
from starlette.responses import Response

ENCODINGS = ("br", "gzip", "identity")  # our preference order when q-values tie
BROTLI_QUALITY = 11
GZIP_LEVEL = 9
BUILD_THREADS = max(2, os.cpu_count() or 1)  # renders hold the GIL; compressors do not
ENTRY_OVERHEAD = 2816  # the Entry, its dicts, key, hot route and answer: ~2.7 KB (tracemalloc)


@dataclass(frozen=True, slots=True)
class Entry:
    bodies: Mapping[str, bytes]
    etags: Mapping[str, str]
    media_type: str
    size: int
    tags: frozenset[str] = frozenset()
    status: int = 200


def make_entry(
    body: bytes,
    media_type: str,
    tags: Iterable[str] = (),
    status: int = 200,
    compress: bool = True,
) -> Entry:
    """Compress `body` both ways (slow at brotli 11: call it off the event loop)."""
    bodies = {"identity": body}
    if compress:
        # A window just big enough for the body: same output, far less memory per build.
        lgwin = max(16, min(24, len(body).bit_length() + 1))
        bodies["br"] = brotli.compress(body, quality=BROTLI_QUALITY, lgwin=lgwin)
        bodies["gzip"] = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    digest = hashlib.sha256(body).hexdigest()[:20]
    etags = {enc: f'"{digest}-{enc}"' if enc != "identity" else f'"{digest}"' for enc in bodies}
    size = sum(len(b) for b in bodies.values()) + ENTRY_OVERHEAD
    return Entry(bodies, etags, media_type, size, frozenset(tags), status)


def _parse_q(value: str) -> float | None:
    try:
        q = float(value)
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 else None


def parse_accept_encoding(header: str) -> dict[str, float]:
    """`br;q=1.0, gzip;q=0.5, *;q=0` -> {"br": 1.0, "gzip": 0.5, "*": 0.0}.

    Items with a malformed q-value are skipped."""
    prefs: dict[str, float] = {}
    for item in header.split(",")[:32]:
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q: float | None = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _parse_q(value.strip())
        if q is not None and coding not in prefs:
            prefs[coding] = q
    return prefs


def negotiate(header: str | None, available: Iterable[str] = ENCODINGS) -> str | None:
    """The encoding to send, or None when nothing acceptable exists (406).

    No header means identity (RFC 9110 12.5.3). `*` covers every coding the
    header does not name; identity stays acceptable unless excluded by
    `identity;q=0` or by `*;q=0` without an explicit identity.
    """
    if header is None:
        return "identity"
    prefs = parse_accept_encoding(header)
    star = prefs.get("*")
    best: tuple[float, int, str] | None = None
    for rank, coding in enumerate(c for c in ENCODINGS if c in set(available)):
        if coding in prefs:
            q = prefs[coding]
        elif star is not None:
            q = star
        elif coding == "identity":
            q = 0.001  # acceptable, but only when nothing else is
        else:
            q = 0.0
        if q > 0 and (best is None or (q, -rank) > (best[0], -best[1])):
            best = (q, rank, coding)
    return best[2] if best else None


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2), with `*` and comma-separated lists."""
    if if_none_match.strip() == "*":
        return True
    mine = _opaque(etag)
    return any(_opaque(t) == mine for t in if_none_match.split(",")[:64])


RawHeaders = list[tuple[bytes, bytes]]
REFUSED = b"406 Not Acceptable: this resource is available as br, gzip or identity.\n"


@lru_cache(maxsize=512)
def negotiate_cached(header: str | None, available: tuple[str, ...]) -> str | None:
    return negotiate(header, available)


def prepare(
    entry: Entry,
    accept_encoding: str | None,
    if_none_match: str | None,
    method: str,
    headers: Mapping[str, str],
) -> tuple[int, RawHeaders, bytes]:
    """Negotiate the encoding, answer If-None-Match, and set the validators.

    Returns (status, raw headers, body). `headers` carries Cache-Control and
    friends; Vary always includes Accept-Encoding, on 200, 304 and 406 alike.
    """
    status, out, body = prepare_headers(entry, accept_encoding, if_none_match, headers)
    return status, _raw(out), b"" if method == "HEAD" else body


def prepare_headers(
    entry: Entry,
    accept_encoding: str | None,
    if_none_match: str | None,
    headers: Mapping[str, str],
) -> tuple[int, dict[str, str], bytes]:
    """`prepare` for GET, with the headers as a dict (name -> value)."""
    vary = headers.get("Vary", "")
    vary = "Accept-Encoding" + (f", {vary}" if vary else "")
    encoding = negotiate_cached(
        accept_encoding[:512] if accept_encoding is not None else None, tuple(entry.bodies)
    )
    if encoding is None:
        refused = {
            "Vary": vary,
            "Cache-Control": "no-store",
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Length": str(len(REFUSED)),
        }
        return 406, refused, REFUSED
    out = {**headers, "Vary": vary, "ETag": entry.etags[encoding]}
    if (
        if_none_match is not None
        and entry.status == 200
        and etag_matches(if_none_match, out["ETag"])
    ):
        return 304, out, b""
    if encoding != "identity":
        out["Content-Encoding"] = encoding
    body = entry.bodies[encoding]
    out["Content-Length"] = str(len(body))
    out["Content-Type"] = entry.media_type
    return entry.status, out, body


def _raw(headers: Mapping[str, str]) -> RawHeaders:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class RawResponse(Response):
    """A Response whose headers are already final (no content-length guessing)."""

    def __init__(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        self.raw_headers = headers


def respond(
    entry: Entry,
    request_headers: Mapping[str, str],
    method: str,
    headers: Mapping[str, str],
) -> Response:
    status, raw, body = prepare(
        entry,
        request_headers.get("accept-encoding"),
        request_headers.get("if-none-match"),
        method,
        headers,
    )
    return RawResponse(status, raw, body)


Key = Hashable


class _Entries(LRUCache[Key, "Entry"]):
    """The LRU, telling `on_drop` about every key that leaves it (None: all)."""

    def __init__(self, max_bytes: int, on_drop: Callable[[Key | None], None]) -> None:
        super().__init__(maxsize=max_bytes, getsizeof=_size)
        self._on_drop = on_drop

    def __delitem__(self, key: Key) -> None:  # eviction, pop and invalidation all land here
        super().__delitem__(key)
        self._on_drop(key)

    def clear(self) -> None:
        super().clear()
        self._on_drop(None)


class PageCache:
    """Rendered variants, bounded by bytes, with single-flight builds.

    Concurrent misses for one key await one shielded task, so a client that
    goes away cannot cancel the build for the others; a failed build is not
    cached. `invalidate(tag)` drops every entry carrying the tag; a build that
    began before an invalidation is returned to its waiters but not stored.
    """

    def __init__(
        self, max_bytes: int, on_drop: Callable[[Key | None], None] = lambda key: None
    ) -> None:
        self.max_bytes = max_bytes
        self._entries = _Entries(max_bytes, on_drop)
        self._inflight: dict[Key, asyncio.Future[Entry]] = {}
        self._epoch = 0
        self.builds = 0
        # Rendering and brotli are CPU-bound: more threads than this only add memory
        # (a brotli-11 state each) and latency, not throughput. A plain executor, not
        # anyio's threads: those are stopped only with anyio's "root task", which an
        # RSGI worker does not always have, and then the process could not exit.
        self._executor = ThreadPoolExecutor(BUILD_THREADS, thread_name_prefix="legible-build")

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def current_bytes(self) -> int:
        return int(self._entries.currsize)

    def peek(self, key: Key) -> Entry | None:
        """The entry if cached, marking it recently used."""
        return self._entries.get(key)

    async def get(self, key: Key, build: Callable[[], Entry]) -> Entry:
        entry = self._entries.get(key)
        if entry is not None:
            return entry
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._build(key, build))
            self._inflight[key] = task
            task.add_done_callback(partial(self._done, key))
        return await asyncio.shield(task)

    def _done(self, key: Key, _task: asyncio.Future[Entry]) -> None:
        self._inflight.pop(key, None)

    async def _build(self, key: Key, build: Callable[[], Entry]) -> Entry:
        epoch = self._epoch
        self.builds += 1
        entry = await asyncio.get_running_loop().run_in_executor(self._executor, build)
        if epoch == self._epoch and entry.size <= self.max_bytes:
            self._entries.pop(key, None)  # a replaced entry is dropped, never shadowed
            self._entries[key] = entry
        return entry

    def invalidate(self, tags: Iterable[str]) -> int:
        wanted = set(tags)
        self._epoch += 1
        doomed = [k for k, e in list(self._entries.items()) if e.tags & wanted]
        for key in doomed:
            self._entries.pop(key, None)
        return len(doomed)

    def clear(self) -> None:
        self._epoch += 1
        self._entries.clear()


def _size(entry: Entry) -> int:
    return entry.size
