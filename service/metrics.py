"""`/metrics` in Prometheus' text format (LEGIBLE_METRICS=1), with prometheus-client.

The hot path and the page cache count in plain integers (`HotPath.hits`,
`PageCache.builds`, `counters.COUNTERS`…); an `Exporter` in each worker publishes
what changed to prometheus-client once a second, and before it answers a scrape, so
counting a cache hit costs an integer increment. With several workers, `legible
serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder before it starts them
(`prepare_multiprocess`): each worker writes its values there, and whichever worker a
scrape reaches sums them all. A worker's gauges leave the sum when it exits.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import counters

if TYPE_CHECKING:
    from .site import Site

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PUBLISH_SECONDS = 1.0
BUILD_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# name -> help; each counts up from the worker's start.
COUNTERS = {
    "cache_hits": "Pages answered from the page cache",
    "cache_misses": "Pages built because the cache did not hold them",
    "cache_hit_bytes": "Body bytes of cache hits answered before routing",
    "cache_evictions": "Pages dropped from the page cache to make room",
    "purges_sent": "Purge requests a cache in front answered with 2xx",
    "purges_failed": "Purge attempts that failed (each retry counts)",
    "store_errors": "Requests or syncs the store could not serve",
    "listener_reconnects": "Invalidation listener connections re-established",
}
_PID_FILE = re.compile(r"_(\d+)\.db$")


def prepare_multiprocess() -> Path | None:
    """Set PROMETHEUS_MULTIPROC_DIR for the workers about to start: the operator's
    folder, emptied of a previous run's files (returns None), or a new temporary one
    (returned: remove it when the server stops)."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):  # a previous run's values would be summed in
            old.unlink()
        return None
    made = Path(tempfile.mkdtemp(prefix="legible-metrics-"))
    os.environ[MULTIPROC_ENV] = str(made)
    return made


class Exporter:
    """One worker's metrics: publishes its counts, answers scrapes."""

    def __init__(self, site: Site, hits: counters.Hits) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

        self.site, self.hits = site, hits
        self.folder = os.environ.get(MULTIPROC_ENV) or None
        if self.folder and values.ValueClass is values.MutexValue:
            # prometheus_client was imported before the variable was set
            values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        own = None if self.folder else self.registry  # multiprocess: values go to files
        self.counters = {
            name: Counter(f"legible_{name}", text, registry=own) for name, text in COUNTERS.items()
        }
        self.published = dict.fromkeys(COUNTERS, 0)
        mode: dict[str, Any] = {"multiprocess_mode": "livesum"}
        self.cache_bytes = Gauge(
            "legible_cache_bytes", "Bytes the page cache holds", registry=own, **mode
        )
        self.cache_pages = Gauge(
            "legible_cache_pages", "Pages the page cache holds", registry=own, **mode
        )
        self.build_seconds = Histogram(
            "legible_build_seconds",
            "Time to render and compress a page on a miss",
            buckets=BUILD_BUCKETS,
            registry=own,
        )
        site.cache.on_built = self.build_seconds.observe
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="legible-metrics", daemon=True)
        self._thread.start()

    def counts(self) -> dict[str, int]:
        cache, c = self.site.cache, counters.COUNTERS
        return {
            "cache_hits": self.hits.count + cache.hits,
            "cache_misses": cache.builds,
            "cache_hit_bytes": self.hits.bytes,
            "cache_evictions": cache.evictions,
            "purges_sent": c.purges_sent,
            "purges_failed": c.purges_failed,
            "store_errors": c.store_errors,
            "listener_reconnects": c.listener_reconnects,
        }

    def publish(self) -> None:
        """Add what was counted since the last publish."""
        with self._lock:
            for name, value in self.counts().items():
                delta = value - self.published[name]
                if delta > 0:
                    self.counters[name].inc(delta)
                    self.published[name] = value
            self.cache_bytes.set(self.site.cache.current_bytes)
            self.cache_pages.set(len(self.site.cache))

    def _loop(self) -> None:
        while not self._stop.wait(PUBLISH_SECONDS):
            self.publish()

    def stop(self) -> None:
        self._stop.set()
        self.publish()

    def scrape(self) -> tuple[bytes, str]:
        """(every worker's metrics in the text format, its media type); reads files:
        call it off the event loop."""
        from prometheus_client import (
            CONTENT_TYPE_LATEST,
            CollectorRegistry,
            generate_latest,
            multiprocess,
        )

        self.publish()
        if not self.folder:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        self._forget_dead_workers()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self.folder)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST

    def _forget_dead_workers(self) -> None:
        """A worker that exited (or was restarted) no longer holds pages: drop its gauges."""
        from prometheus_client import multiprocess

        assert self.folder is not None
        for path in Path(self.folder).glob("gauge_live*.db"):
            found = _PID_FILE.search(path.name)
            if found is None:
                continue
            pid = int(found.group(1))
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    multiprocess.mark_process_dead(pid, self.folder)  # type: ignore[no-untyped-call]
            except PermissionError:
                pass  # alive, someone else's
