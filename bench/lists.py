#!/usr/bin/env python3
"""Benchmark: building the sitemap the old way (every article read whole, `latest`)
and the new way (`Store.stamps`: slug and dates, streamed), side by side in one run,
on SQLite and a throwaway PostgreSQL: the median time of a build and its peak of
Python memory (tracemalloc; libpq's own buffer of a whole result is not counted, so
PostgreSQL's old peak is higher than shown).

    python -m bench.lists [--articles 5000] [--rounds 5] [--no-postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.store_get import article_data

ORIGIN = "https://news.example"


def measure(build: Callable[[], bytes], rounds: int) -> tuple[float, int, int]:
    """Median seconds of `rounds` builds, the peak of Python memory of one, its size."""
    build()  # warm: the engine's pages, the connection
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    body = build()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak, len(body)


def fill(store: Any, count: int) -> None:
    from service.articles import validate

    for n in range(count):
        store.put(validate(article_data(n)))


def sitemaps(engine: str, store: Any, rounds: int) -> None:
    from service import feeds

    def old() -> bytes:  # views/feeds.py before: latest() reads every column of every row
        articles, _total = store.latest(feeds.SITEMAP_URLS)
        return feeds.urlset(ORIGIN, articles)

    def new() -> bytes:
        store.count()
        return feeds.urlset(ORIGIN, store.stamps(feeds.SITEMAP_URLS))

    assert old() == new(), "the two sitemaps differ"
    results = {name: measure(build, rounds) for name, build in (("old", old), ("new", new))}
    (old_t, old_peak, size), (new_t, new_peak, _) = results["old"], results["new"]
    print(
        f"{engine:<10} sitemap ({size / 1024:.0f} KB)   old {old_t * 1000:7.1f} ms"
        f" {old_peak / 2**20:6.1f} MB   new {new_t * 1000:7.1f} ms {new_peak / 2**20:6.1f} MB"
        f"   time new/old {new_t / old_t:.2f}, memory new/old {new_peak / old_peak:.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    from service.store import open_store

    work = Path(tempfile.mkdtemp(prefix="legible-bench-lists-"))
    targets = [("sqlite", str(work / "lists.db"))]
    cluster = None
    if not args.no_postgres:
        from tests.support import pg

        cluster = pg.Cluster.start()
        targets.append(("postgresql", cluster.database()))
    print(f"{args.articles} articles of about 8 KB; medians of {args.rounds} builds")
    try:
        for engine, db in targets:
            store = open_store(db)
            fill(store, args.articles)
            sitemaps(engine, store, args.rounds)
            store.close()
    finally:
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
