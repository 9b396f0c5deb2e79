#!/usr/bin/env python3
"""Benchmark: the lists that read many articles, old and new side by side in one run,
on SQLite and a throwaway PostgreSQL.

- The sitemap the old way (every article read whole, `latest`) and the new way
  (`Store.stamps`: slug and dates, streamed): the median time of a build and its peak
  of Python memory (tracemalloc; libpq's own buffer of a whole result is not counted,
  so PostgreSQL's old peak is higher than shown).
- A tag's first page and its count the old way (a JSON test of every row: json_each,
  `tags::jsonb ?`) and the new way (`Store.tagged`: the article_tags index), with
  each engine's query plan, for a tag every article has and one a seventh have.

    python -m bench.lists [--articles 10000] [--rounds 5] [--no-postgres]
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


TAG_PAGE = 10  # views/pages.py's PAGE_SIZE


def old_tagged(engine: str, store: Any) -> Callable[[str], tuple[list[Any], int]]:
    """`tagged` as it was before article_tags (git 8e6bbc8), on the same store."""
    from service.store.common import READ, article_from_row, column_list

    if engine == "sqlite":
        has = " WHERE EXISTS (SELECT 1 FROM json_each(articles.tags) WHERE value = ?)"
        count_sql = f"SELECT count(*) FROM articles{has}"
        page_sql = (
            f"SELECT {column_list(READ)} FROM articles{has}"
            " ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?"
        )

        def run(tag: str) -> tuple[list[Any], int]:
            total = int(store._read(count_sql, (tag,))[0][0])
            rows = store._read(page_sql, (tag, TAG_PAGE, 0))
            return [article_from_row(r) for r in rows], total

        run.plan = page_sql  # type: ignore[attr-defined]
        return run
    page_sql = (
        f"SELECT {column_list(READ)}, count(*) OVER () FROM articles WHERE tags::jsonb ? %s"
        " ORDER BY published_at DESC NULLS LAST, id DESC LIMIT %s OFFSET %s"
    )

    def run_pg(tag: str) -> tuple[list[Any], int]:
        rows = store._read(page_sql, (tag, TAG_PAGE, 0))
        return [article_from_row(r) for r in rows], int(rows[0][len(READ)])

    run_pg.plan = page_sql  # type: ignore[attr-defined]
    return run_pg


NEW_PLAN = {
    "sqlite": "SELECT a.slug, a.body_html FROM article_tags t JOIN articles a"
    " ON a.id = t.article_id WHERE t.tag = ?"
    " ORDER BY t.published_at DESC, t.article_id DESC LIMIT ? OFFSET ?",
    "postgresql": "SELECT a.slug, a.body_html FROM article_tags t JOIN articles a"
    " ON a.id = t.article_id WHERE t.tag = %s"
    " ORDER BY t.published_at DESC NULLS LAST, t.article_id DESC LIMIT %s OFFSET %s",
}


def plan(engine: str, store: Any, sql: str, tag: str) -> str:
    if engine == "sqlite":
        rows = store._read(f"EXPLAIN QUERY PLAN {sql}", (tag, TAG_PAGE, 0))
        return "\n".join(f"    {r[3]}" for r in rows)
    rows = store._read(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", (tag, TAG_PAGE, 0))
    return "\n".join(f"    {r[0]}" for r in rows)


def tag_pages(engine: str, store: Any, db: str, rounds: int) -> None:
    if engine == "postgresql":  # as autovacuum would have by now
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("ANALYZE")
    old = old_tagged(engine, store)
    for tag in ("kiểm sát", "nhóm 3"):
        old_page, new_page = old(tag), store.tagged(tag, TAG_PAGE)
        assert old_page == new_page, "the two pages differ"
        times: dict[str, list[float]] = {"old": [], "new": []}
        for n in range(rounds):
            order = [("old", old), ("new", lambda t: store.tagged(t, TAG_PAGE))]
            for name, run in order if n % 2 == 0 else order[::-1]:
                start = time.perf_counter()
                run(tag)
                times[name].append(time.perf_counter() - start)
        old_t, new_t = statistics.median(times["old"]), statistics.median(times["new"])
        print(
            f"{engine:<10} /tags/{tag} ({new_page[1]} articles, page 1 + count)"
            f"   old {old_t * 1000:7.1f} ms   new {new_t * 1000:6.2f} ms   new/old {new_t / old_t:.3f}"
        )
    print(f"  old plan ({engine}):\n{plan(engine, store, old.plan, 'kiểm sát')}")  # type: ignore[attr-defined]
    print(f"  new plan ({engine}):\n{plan(engine, store, NEW_PLAN[engine], 'kiểm sát')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10000)
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
            tag_pages(engine, store, db, args.rounds)
            store.close()
    finally:
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
