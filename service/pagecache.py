"""The page cache: rendered pages bounded by bytes, built once per key (single
flight) off the event loop, each encoding made when a request first needs it,
and pages asked for again upgraded to brotli 11 in the background.

A miss renders identity and compresses it only the way the request accepts,
at a fast quality, so it costs about what a plain render costs. The upgrade
runs on its own low-priority thread, so misses never queue behind it, and it
is bounded: a page it skips is upgraded the next time it is asked for.

Builds wait for a thread in order of how many readers wait for them, then of
age: after a deploy empties the cache, a popular page (many readers at once)
is built before the long tail's misses queued ahead of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from cachetools import LRUCache

from .delivery import Entry

log = logging.getLogger("legible")

Key = Hashable
BUILD_THREADS = max(2, os.cpu_count() or 1)  # renders hold the GIL; compressors do not
MAX_UPGRADES = 64  # pending brotli-11 upgrades (~10 ms each); more are skipped for now
# The request of a page that earns it brotli 11. Its second would upgrade the random
# repeats of a long tail too: 14 % more CPU per request there (bench/longtail.py).
UPGRADE_AFTER = 3
UPGRADE_NICENESS = 10  # the upgrade thread yields the CPU to misses on a busy machine


class _Entries(LRUCache[Key, Entry]):
    """The LRU, telling `on_drop` about every key that leaves it (None: all)."""

    def __init__(self, max_bytes: int, on_drop: Callable[[Key | None], None]) -> None:
        super().__init__(maxsize=max_bytes, getsizeof=_size)
        self._on_drop = on_drop
        self.asked: dict[Key, int] = {}  # requests of an entry not yet upgraded, after its build
        self.evictions = 0  # entries dropped to make room (not invalidations)

    def popitem(self) -> tuple[Key, Entry]:  # the LRU makes room: an eviction
        self.evictions += 1
        return super().popitem()

    def __delitem__(self, key: Key) -> None:  # eviction, pop and invalidation all land here
        super().__delitem__(key)
        self.asked.pop(key, None)
        self._on_drop(key)

    def clear(self) -> None:
        super().clear()
        self.asked.clear()
        self._on_drop(None)


def _size(entry: Entry) -> int:
    return entry.size


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux: niceness is per thread
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), UPGRADE_NICENESS)


Landed = Callable[[Entry | None, BaseException | None], None]


class _Builds:
    """Build jobs for the build threads, the one the most readers wait for first, then
    the oldest. Each job submits one run of `_next` to the executor, which runs the best
    job queued at that moment (not necessarily its own) and hands its result to the
    event loop (`landed`), with no future chained in between."""

    def __init__(self, threads: int) -> None:
        # Plain executor threads, not anyio's: those are stopped only with anyio's "root
        # task", which an RSGI worker does not always have, and then it could not exit.
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="legible-build")
        self._queued: dict[Key, tuple[Callable[[], Entry], Landed, asyncio.AbstractEventLoop]] = {}
        self._lock = threading.Lock()
        self.readers: dict[Key, int] = {}  # flight -> readers waiting for it (the loop's)
        self.crowded = 0  # flights with more than one reader

    def run(self, flight: Key, job: Callable[[], Entry], landed: Landed) -> None:
        """Run `job` on a build thread, then `landed(result, error)` on this event loop."""
        with self._lock:  # insertion order: oldest first
            self._queued[flight] = (job, landed, asyncio.get_running_loop())
        self._executor.submit(self._next)

    def _next(self) -> None:
        with self._lock:
            if self.crowded:  # oldest of the most waited for (max keeps the first)
                flight = max(self._queued, key=lambda f: self.readers.get(f, 1))
            else:
                flight = next(iter(self._queued))
            job, landed, loop = self._queued.pop(flight)
        try:
            result, error = job(), None
        except BaseException as exc:  # the waiters get it
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            loop.call_soon_threadsafe(landed, result, error)


def _built(
    build: Callable[[], Entry], encoding: str | None, timed: Callable[[float], None] | None
) -> Entry:
    start = time.perf_counter()
    entry = build()
    entry = entry if encoding is None else entry.with_encoding(encoding)
    if timed is not None:
        timed(time.perf_counter() - start)
    return entry


class PageCache:
    """Rendered pages, bounded by bytes, with single-flight builds.

    Concurrent misses for one key (or one key's missing encoding) await one
    shielded task, so a client that goes away cannot cancel the build for the
    others; a failed build is not cached. `invalidate(tag)` drops every entry
    carrying the tag; a build that began before an invalidation is returned to
    its waiters but not stored. An entry is only ever replaced by one with the
    same identity body (`on_replace` hears of it) or dropped (`on_drop`).
    """

    def __init__(
        self,
        max_bytes: int,
        on_drop: Callable[[Key | None], None] = lambda key: None,
        on_replace: Callable[[Key, Entry], None] = lambda key, entry: None,
    ) -> None:
        self.max_bytes = max_bytes
        self._entries = _Entries(max_bytes, on_drop)
        self._on_replace = on_replace
        self._inflight: dict[Key, asyncio.Future[Entry]] = {}
        self._upgrading: dict[Key, Future[bytes]] = {}
        self._epoch = 0
        self.builds = 0  # misses: each key built (single flight: once for its readers)
        self.hits = 0  # gets answered from a cached entry (the hot path counts its own)
        self.upgrades = 0
        self.on_built: Callable[[float], None] | None = None  # a build's seconds (metrics)
        # Rendering is CPU-bound: more threads than this only add memory and latency,
        # not throughput.
        self._builds = _Builds(BUILD_THREADS)
        self._upgrader = ThreadPoolExecutor(
            1, thread_name_prefix="legible-upgrade", initializer=_lower_priority
        )

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def evictions(self) -> int:
        return self._entries.evictions

    @property
    def current_bytes(self) -> int:
        return int(self._entries.currsize)

    @property
    def pending_upgrades(self) -> int:
        return sum(not f.done() for f in self._upgrading.values())

    def peek(self, key: Key) -> Entry | None:
        """The entry if cached, marking it recently used."""
        return self._entries.get(key)

    async def get(self, key: Key, build: Callable[[], Entry], encoding: str | None = None) -> Entry:
        """The entry for `key`, built once on a miss, with `encoding` made if it is
        offered (None: whatever is made). A cached entry asked for again is upgraded."""
        entry = self._entries.get(key)
        if entry is None:
            self.builds += key not in self._inflight
            store = partial(self._store, key, self._epoch)
            job = partial(_built, build, encoding, self.on_built)
            entry = await self._flight(key, job, store)
        else:
            self.hits += 1
            if not entry.final:
                self.upgrade(key, entry)
        if encoding is not None and entry.lacks(encoding):
            swap = partial(self._swapped, key, entry)
            entry = await self._flight(
                (key, encoding), partial(entry.with_encoding, encoding), swap
            )
        return entry

    def _flight(
        self, flight: Key, job: Callable[[], Entry], done: Callable[[Entry], Entry]
    ) -> asyncio.Future[Entry]:
        """What `flight`'s readers await: `job` on a build thread, then `done` on the loop
        (it stores the entry and returns what the readers get), once for them all."""
        future = self._inflight.get(flight)
        readers = self._builds.readers
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._inflight[flight] = future
            readers[flight] = 1
            self._builds.run(flight, job, partial(self._landed, flight, future, done))
        else:
            readers[flight] = count = readers.get(flight, 1) + 1  # a popular page: built sooner
            self._builds.crowded += count == 2
        # Shielded: a reader who goes away must not cancel the build for the others.
        return asyncio.shield(future)

    def _landed(
        self,
        flight: Key,
        future: asyncio.Future[Entry],
        done: Callable[[Entry], Entry],
        result: Entry | None,
        error: BaseException | None,
    ) -> None:
        self._inflight.pop(flight, None)
        self._builds.crowded -= self._builds.readers.pop(flight, 1) > 1
        if future.cancelled():  # shielded from its readers: only a closing loop does this
            return
        if error is not None or result is None:
            future.set_exception(error or RuntimeError("build returned nothing"))
            future.exception()  # retrieved: the readers still get it, none may be left
        else:
            future.set_result(done(result))

    def _store(self, key: Key, epoch: int, entry: Entry) -> Entry:
        """A build landed: cache it, unless an invalidation came after it began."""
        if epoch == self._epoch and entry.size <= self.max_bytes:
            self._entries.pop(key, None)  # a replaced entry is dropped, never shadowed
            self._entries[key] = entry
        return entry

    def _swapped(self, key: Key, old: Entry, new: Entry) -> Entry:
        self._swap(key, old, new)  # unless it changed meanwhile: then only these readers get it
        return new

    def _swap(self, key: Key, old: Entry, new: Entry) -> bool:
        """Put `new` in `old`'s place, if `old` is still what `key` holds."""
        if new is old or key not in self._entries or self._entries[key] is not old:
            return False
        if new.size > self.max_bytes:
            return False
        self._entries[key] = new  # the same key: evicts others if it grew, never itself
        if key in self._entries:
            self._on_replace(key, new)
        return True

    # -- upgrades ---------------------------------------------------------------
    def upgrade(self, key: Key, entry: Entry) -> None:
        """Recompress `entry`'s brotli at quality 11 in the background: the page was
        asked for again. Never blocks; at most MAX_UPGRADES wait at once."""
        if entry.final:
            return
        asked = self._entries.asked
        asked[key] = times = asked.get(key, 1) + 1  # its build was the first
        pending = self._upgrading.get(key)
        if times < UPGRADE_AFTER or (pending is not None and not pending.done()):
            return
        if len(self._upgrading) >= MAX_UPGRADES:
            # Forget finished ones whose loop closed before it heard (tests start many loops).
            self._upgrading = {k: f for k, f in self._upgrading.items() if not f.done()}
            if len(self._upgrading) >= MAX_UPGRADES:
                return
        future = self._upgrader.submit(entry.upgraded_brotli)
        self._upgrading[key] = future
        loop = asyncio.get_running_loop()

        def finished(done: Future[bytes]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: the worker is stopping
                loop.call_soon_threadsafe(self._upgraded, key, entry, done)

        future.add_done_callback(finished)

    def _upgraded(self, key: Key, entry: Entry, done: Future[bytes]) -> None:
        """On the event loop: swap the upgrade in, if the page is still the same one."""
        self._upgrading.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            log.error("brotli upgrade failed", exc_info=done.exception())
            return
        current = self._entries.get(key)
        # Another encoding may have been added meanwhile: same page, so same identity ETag.
        if current is None or current.final or current.etags["identity"] != entry.etags["identity"]:
            return
        if self._swap(key, current, current.with_upgrade(done.result())):
            self.upgrades += 1

    # -- invalidation -----------------------------------------------------------
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
