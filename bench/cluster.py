#!/usr/bin/env python3
"""Benchmark: the reference deployment on one machine. Two `legible serve` replicas on
one store behind varnishd with deploy/varnish/default.vcl (tests/support/varnish.py), then:

1. cache hits through Varnish against nginx serving the same brotli bytes (and one
   replica's own hits), wrk at --connections, each round every server once, the median;
2. write-to-visible latency: a PUT on replica A, then how long until replica B and
   Varnish serve the new page (each polled every millisecond), p50 and p99 over
   --writes writes, each page cached on B and in Varnish before its write.

The store is --db: by default PostgreSQL, as in the reference deployment (a throwaway
cluster from tests/support/pg.py; a shared SQLite file when PostgreSQL is not installed), or any
LEGIBLE_DB value.
Exit status 0 when the goals below are met, 1 when one is missed.

    python -m bench.cluster [--duration 5] [--rounds 2] [--connections 64] [--writes 50] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.measure import Goal, describe_db, fetch, need, postgresql, verdict, wrk
from bench.run import ARTICLE, nginx_conf, upgraded_page
from tests.support.live import LiveServer, ServerFailed, free_port, installed_cli, server_env, spawn
from tests.support.varnish import Cluster

ROOT = Path(__file__).resolve().parents[1]

SLUG = ARTICLE.rsplit("/", 1)[1]
VARNISH_GOAL = 0.5  # hits through Varnish: at least this fraction of nginx's req/s
VISIBLE_GOAL_MS = 1000.0  # a write shows on every replica and through Varnish within 1 s


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def hits(args: argparse.Namespace, cluster: Cluster, work: Path, log: Path) -> list[Goal]:
    front, replica = cluster.front, cluster.replicas[0]
    for each in cluster.replicas:  # brotli 11 on both, then Varnish stores that
        upgraded_page(each.url + ARTICLE)
    assert front.request("PURGE", "/", xkey_purge=f"article:{SLUG}")[0] == 200
    page, headers = fetch(front.url + ARTICLE)
    assert headers["etag"].endswith('-br"'), headers
    identity, _ = fetch(front.url + ARTICLE, "identity")
    css_url = identity.split(b'href="/assets/', 1)[1].split(b'"', 1)[0].decode()
    css, _ = fetch(front.url + "/assets/" + css_url)
    (work / "page.br").write_bytes(page)
    (work / "style.br").write_bytes(css)
    port = free_port()
    conf = nginx_conf(work, port, work / "page.br", work / "style.br", "/assets/" + css_url)
    nginx = spawn(
        [need("nginx", "nginx-light"), "-c", str(conf)],
        port=port, env=server_env(), log=log, ready=ARTICLE,
    )  # fmt: skip
    try:
        assert fetch(nginx.url + ARTICLE)[0] == page == fetch(front.url + ARTICLE)[0]
        servers = {
            "varnish (2 replicas)": front,
            "nginx, same bytes": nginx,
            "one replica": replica,
        }
        rows: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        for n in range(1, args.rounds + 1):
            for name, server in servers.items():
                wrk(server.url + ARTICLE, 2, args.connections)  # warm-up
                result = wrk(server.url + ARTICLE, args.duration, args.connections)
                rows[name].append(result)
                print(f"round {n}: {name:<22} {result['rps']:>9.0f} req/s  "
                      f"p50 {result['p50']:.2f} ms  p99 {result['p99']:.2f} ms")  # fmt: skip
    finally:
        nginx.stop(10)
    med = {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for name, runs in rows.items()
    }
    base = med["nginx, same bytes"]["rps"]
    print(
        f"\n{'hits, ' + str(len(page)) + ' B br':<24}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs nginx':>10}"
    )
    for name, m in med.items():
        print(
            f"{name:<24}{m['rps']:>10.0f}{m['p50']:>9.2f}{m['p99']:>9.2f}{m['rps'] / base:>10.2f}"
        )
    ratio = med["varnish (2 replicas)"]["rps"] / base
    return [Goal("hits through Varnish vs nginx", ratio, VARNISH_GOAL, True, "x")]


def body_of(server: LiveServer, path: str) -> bytes:
    return server.request("GET", path, Accept_Encoding="identity")[2]


def watch(
    name: str, server: LiveServer, start: float, marker: bytes, done: dict[str, float]
) -> None:
    """Poll `server` until its page holds `marker` (at most 5 s): ms since `start`."""
    while time.monotonic() - start < 5 and marker not in body_of(server, ARTICLE):
        time.sleep(0.001)
    done[name] = (time.monotonic() - start) * 1000


def visible(args: argparse.Namespace, cluster: Cluster) -> list[Goal]:
    a, b = cluster.replicas[:2]
    front = cluster.front
    waits: dict[str, list[float]] = {"replica B": [], "through Varnish": []}
    for n in range(args.writes):
        # Cached on B and in Varnish. After the purge Varnish fetches the page once, from
        # the next replica in its round robin: one fetch a write, so A and B take turns.
        for server in (b, front, front):
            body_of(server, ARTICLE)
        marker = f"bench-write-{n}-{time.monotonic_ns()}"
        done: dict[str, float] = {}

        start = time.monotonic()
        cluster.put(
            a, SLUG, {"title": marker, "published": "2023-09-21", "body_html": f"<p>{marker}</p>"}
        )
        threads = [
            threading.Thread(target=watch, args=(name, server, start, marker.encode(), done))
            for name, server in (("replica B", b), ("through Varnish", front))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, ms in done.items():
            waits[name].append(ms)
        time.sleep(0.6)  # the purge's repeat, before the next write
    print(
        f"\n{'write to visible, ' + str(args.writes) + ' PUTs':<30}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    goals = []
    for name, values in waits.items():
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"{name:<30}{p50:>9.1f}{p99:>9.1f}{max(values):>9.1f}")
        goals.append(Goal(f"write visible {name}, p99", p99, VISIBLE_GOAL_MS, False, " ms", 0))
    return goals


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2, help="rounds; the report is the median")
    ap.add_argument("--writes", type=int, default=50, help="PUTs timed to visible")
    ap.add_argument(
        "--db",
        help="LEGIBLE_DB for both replicas (default: a throwaway PostgreSQL, else a SQLite file)",
    )
    args = ap.parse_args()
    need("wrk", "wrk")
    need("varnishd", "varnish")
    work = Path(tempfile.mkdtemp(prefix="legible-cluster-"))
    work.chmod(0o755)  # nginx's workers read the page from here
    goals: list[Goal] = []
    try:
        with postgresql("auto" if args.db is None else "off") as pg_db:
            db = args.db or pg_db or str(work / "shared.db")
            print(f"store: {describe_db(db)} (LEGIBLE_DB)")
            with Cluster(db, command=installed_cli()) as cluster:
                goals += hits(args, cluster, work, work / "nginx.log")
                goals += visible(args, cluster)
    except ServerFailed as exc:
        sys.exit(f"bench: {exc}")
    print()
    for goal in goals:
        print(goal.line())
    (work / "goals.json").write_text(json.dumps([g.__dict__ for g in goals], indent=2))
    print(f"logs: {work}")
    return verdict(goals)


if __name__ == "__main__":
    sys.exit(main())
