#!/usr/bin/env python3
"""Benchmark: `Store.get` (what a cache miss reads) on this code and on an earlier
revision, side by side in one process, on SQLite and PostgreSQL.

The earlier revision's `service/` is taken from git (`git archive REV:service`)
and imported as `service_old`. Each store is filled with the same articles; each
round reads every article once from the old store and once from the new one, in
alternating order, and the report gives the median per-read time and the ratio
new/old. The row mapping alone (a row to an Article, no query) is timed too.

    python -m bench.store_get [--before 68fa19e] [--articles 1000] [--rounds 9] [--no-postgres]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def old_service(rev: str, into: Path) -> Any:
    """The `service` package of `rev`, importable as `service_old`."""
    tar = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--prefix=service_old/", f"{rev}:service"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    package = into / "service_old"
    spec = importlib.util.spec_from_file_location(
        "service_old", package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["service_old"] = module  # its submodules import relative to it
    spec.loader.exec_module(module)
    return module


def article_data(n: int) -> dict[str, Any]:
    paragraph = (
        f"Ngày 21/9/2023, Viện kiểm sát nhân dân tối cao tổ chức hội nghị số {n} về công tác"
        " kiểm sát, với sự tham dự của đại diện các đơn vị trong toàn ngành. "
    )
    return {
        "slug": f"bai-{n:05d}",
        "title": f"Hội nghị giao ban công tác kiểm sát số {n}",
        "published": f"2023-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "summary": paragraph[:180],
        "byline": "HQ - TL",
        "tags": ["kiểm sát", "hội nghị", f"nhóm {n % 7}"],
        "body_html": "".join(f"<p>{paragraph * 3}</p>" for _ in range(8)),  # about 8 KB
    }


def per_read(read: Callable[[str], object], slugs: Sequence[str]) -> float:
    start = time.perf_counter()
    for slug in slugs:
        assert read(slug) is not None
    return (time.perf_counter() - start) / len(slugs)


def side_by_side(
    label: str,
    old: Callable[[str], object],
    new: Callable[[str], object],
    slugs: list[str],
    rounds: int,
) -> float:
    times: dict[str, list[float]] = {"old": [], "new": []}
    per_read(old, slugs)  # warm both: caches, connections, pages
    per_read(new, slugs)
    for n in range(rounds):
        order = [("old", old), ("new", new)] if n % 2 == 0 else [("new", new), ("old", old)]
        for name, read in order:
            times[name].append(per_read(read, slugs))
    old_t, new_t = statistics.median(times["old"]), statistics.median(times["new"])
    print(
        f"{label:<34} old {old_t * 1e6:8.2f} µs   new {new_t * 1e6:8.2f} µs"
        f"   new/old {new_t / old_t:.3f}"
    )
    return new_t / old_t


def mapping(
    old_store: Any,
    new_store: Any,
    old_map: Callable[[Any], object],
    new_map: Callable[[Any], object],
    read: Sequence[str],
    args: argparse.Namespace,
) -> None:
    """The row mapping alone: the same rows, already fetched, turned into Articles."""
    old_rows = old_store._read("SELECT * FROM articles ORDER BY id")
    new_rows = new_store._read(f"SELECT {', '.join(read)} FROM articles ORDER BY id")
    by_slug_old = {row["slug"]: row for row in old_rows}
    by_slug_new = {row["slug"]: row for row in new_rows}
    side_by_side(
        "sqlite: row -> Article only",
        lambda slug: old_map(by_slug_old[slug]),
        lambda slug: new_map(by_slug_new[slug]),
        list(by_slug_new),
        args.rounds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="68fa19e", help="git revision to compare with")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    from service.articles import validate
    from service.store import open_store
    from service.store.common import READ, article_from_row

    work = Path(tempfile.mkdtemp(prefix="legible-bench-get-"))
    old_pkg = old_service(args.before, work / "old")
    old_validate = importlib.import_module("service_old.articles").validate
    old_open = importlib.import_module("service_old.store").open_store
    old_sqlite = importlib.import_module("service_old.store.sqlite").SQLiteStore

    data = [article_data(n) for n in range(args.articles)]
    slugs = [d["slug"] for d in data]
    print(f"{args.articles} articles; get() per article, median of {args.rounds} rounds")
    print(f"old: {args.before} ({Path(old_pkg.__file__).parent}); new: the working tree")

    targets = [("sqlite", str(work / "old.db"), str(work / "new.db"))]
    cluster = None
    if not args.no_postgres:
        from tests.support import pg

        cluster = pg.Cluster.start()
        targets.append(("postgresql", cluster.database(), cluster.database()))
    ratios = []
    try:
        for engine, old_db, new_db in targets:
            old_store, new_store = old_open(old_db), open_store(new_db)
            for item in data:
                old_store.put(old_validate(item))
                new_store.put(validate(item))
            ratios.append(
                side_by_side(f"{engine}: get()", old_store.get, new_store.get, slugs, args.rounds)
            )
            if engine == "sqlite":
                mapping(old_store, new_store, old_sqlite._article, article_from_row, READ, args)
            old_store.close()
            new_store.close()
    finally:
        if cluster is not None:
            cluster.close()
    print(f"worst get() ratio new/old: {max(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
