#!/usr/bin/env python3
"""The long tail: thousands of articles x every variant, requested at random.

On a portal with thousands of articles most requests are for a page x variant
that is not cached, so this measures cache misses as an operator meets them:

1. `legible serve` starts on an empty store and --longtail articles (3,000) are
   PUT through the admin API;
2. wrk (--connections, 64) requests random article x variant URLs through a Lua
   script. The variants are every canonical one `service.preferences.variants`
   yields for the bundled themes, so all are 200 (the script counts any other
   status); the server's `cache_builds` says how many were misses;
3. side by side, round after round: `legible serve` with 1 worker and with 2
   workers, the naive renderer (bench/naive.py) under granian through the same
   RSGI bridge and on the same URLs, and cache hits (one page, same server);
4. the same 1-worker long tail on PostgreSQL (--postgresql: a throwaway cluster from
   tests/support/pg.py by default when PostgreSQL is installed), its own copy of the articles
   PUT the same way, side by side with SQLite in every round;
5. a deploy: the server restarts (its in-process cache starts empty, as after
   a template change, which changes every key) under the long tail, while 8
   readers ask for a popular page at once; their time to first byte is compared
   with the same readers' before the restart.

It prints the table and the goals; bench/run.py runs it as part of `make bench`.

    python -m bench.longtail [--longtail 3000] [--duration 10] [--rounds 2] [--before REV]
                             [--postgresql auto|off|URL]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bench.measure import (
    ACCEPT,
    Goal,
    describe_db,
    need,
    postgresql,
    verdict,
    wrk,
    wrk_command,
    wrk_result,
)
from service.preferences import build_url, variants
from service.themes import data_dir, load_themes
from tests.support.live import (
    HOST,
    LiveServer,
    ServerFailed,
    free_port,
    installed_cli,
    serve,
    spawn,
)

ROOT = Path(__file__).resolve().parents[1]

TOKEN = "bench-longtail-token-0123456789abcdef"  # noqa: S105 (a loopback server; 32+ chars)
# The goals (README, Benchmark).
HITS_GOAL = 0.05  # long-tail req/s at least this fraction of cache hits' on the same server
P99_GOAL_MS = 50.0  # long-tail p99 at --connections
NAIVE_GOAL = 1.0  # long-tail req/s at least the naive renderer's, same server, same URLs
# A popular page's first byte right after a deploy (the median of READERS asking at once),
# under the tail, over the tail's p50 in the same run: a popular page is built ahead of the
# tail's misses, so it is answered no slower than a typical miss (it must not collapse).
DEPLOY_GOAL = 1.0
READERS = 8  # readers of the popular page at once
ONE, TWO, PG, NAIVE, HITS = (
    "long tail, 1 worker",
    "long tail, 2 workers",
    "long tail, 1 worker, PostgreSQL",
    "naive",
    "cache hits, 1 worker",
)
TEXT = (
    "thư viện kiểm sát hội nghị xe buýt bảo hiểm sách lũ đọc mùa trạm nhân dân thành phố "
    "học sinh khiếm thị giao ban công tác quý năm tháng ngày người dân cán bộ đồng chí "
    "phát biểu tại chỉ đạo triển khai nhiệm vụ kết quả đánh giá tình hình địa phương"
)
VOCABULARY = TEXT.split(" ")


def article(i: int, count: int, rng: random.Random) -> dict[str, object]:
    """A news article about the size of the demo ones (a 5-6 KB page): paragraphs, a
    figure with its caption, and local links the variant must follow."""

    def words(n: int) -> str:
        return " ".join(rng.choice(VOCABULARY) for _ in range(n))

    paragraphs = [f"<p>{words(45).capitalize()}.</p>" for _ in range(5)]
    other = f"/articles/bai-{rng.randrange(count):05d}"
    paragraphs.insert(2, f'<p>Xem thêm: <a href="{other}">{words(6)}</a>.</p>')
    paragraphs.insert(4, f"<figure><figcaption>{words(9).capitalize()}</figcaption></figure>")
    paragraphs.append(f'<p><a href="/search?q={rng.choice(VOCABULARY)}">{words(3)}</a></p>')
    return {
        "title": f"Bài {i}: {words(8)}",
        "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "summary": words(24).capitalize() + ".",
        "byline": "HQ - TL",
        "body_html": "".join(paragraphs),
    }


def slug(i: int) -> str:
    return f"bai-{i:05d}"


def put_articles(server: LiveServer, count: int, threads: int = 4) -> None:
    """PUT `count` articles through the admin API, on keep-alive connections."""
    rng = random.Random(13)
    bodies = [json.dumps(article(i, count, rng)).encode() for i in range(count)]
    failures: list[str] = []

    def worker(part: range) -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        for i in part:
            conn.request("PUT", f"/api/articles/{slug(i)}", body=bodies[i], headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status not in (200, 201):
                failures.append(f"PUT {slug(i)}: {r.status}")
        conn.close()

    pool = [
        threading.Thread(target=worker, args=(range(t, count, threads),)) for t in range(threads)
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        sys.exit(f"longtail: {len(failures)} PUTs failed, first: {failures[0]}")


def variant_queries() -> list[str]:
    """The query string of every canonical variant of a page ("" for the bare URL)."""
    themes = list(load_themes(data_dir("themes")))
    return [build_url("", [], pref) for pref in variants(themes)]


def lua_script(path: Path, slugs: Sequence[str], queries: Sequence[str]) -> None:
    """Random article x variant; counts responses that are not 200 (all must be)."""

    def table(values: Sequence[str]) -> str:
        return "{" + ",".join(json.dumps(v) for v in values) + "}"

    path.write_text(
        f"""-- Generated by bench/longtail.py: random article x variant, all canonical.
local slugs = {table(slugs)}
local queries = {table(queries)}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))
  unexpected = 0
end
function request()
  local q = queries[math.random(#queries)]
  return wrk.format("GET", "/articles/" .. slugs[math.random(#slugs)] .. q)
end
function response(status, headers, body)
  if status ~= 200 then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, thread in ipairs(threads) do n = n + (thread:get("unexpected") or 0) end
  io.write(string.format("unexpected statuses: %d\\n", n))
end
""",
        encoding="utf-8",
    )


def health(server: LiveServer) -> dict[str, float]:
    return json.loads(server.request("GET", "/healthz")[2])  # type: ignore[no-any-return]


def builds(server: LiveServer) -> float:
    """Pages the server has rendered so far (exact for one worker: /healthz answers
    from one worker's cache)."""
    return float(health(server).get("cache_builds", float("nan")))


def variant_cost(server: LiveServer, path: str, queries: Sequence[str]) -> None:
    """What one article's variants cost in the cache, by the server's own count: every
    variant asked for once in brotli, as a reader's browser asks."""
    before = health(server)["cached_bytes"]
    for query in queries:
        status = server.request("GET", path + query, Accept_Encoding=ACCEPT)[0]
        assert status == 200, (path + query, status)
    grown = (health(server)["cached_bytes"] - before) / 1024
    print(f"one article's {len(queries)} variants: {grown:.0f} KB in the page cache "
          f"({grown / len(queries):.1f} KB each: identity, brotli 5 and the objects)")  # fmt: skip


def naive_server(env: Mapping[str, str], log: Path, ready: str) -> LiveServer:
    """bench/naive.py under granian, configured as `legible serve` configures it."""
    port = free_port()
    granian = str(Path(sys.executable).parent / "granian")
    command = [
        granian, "--interface", "rsgi", "--http", "1", "--no-ws", "--loop", "uvloop",
        "--workers", "1", "--host", HOST, "--port", str(port), "--log-level", "warning",
        "bench.naive:rsgi_app",
    ]  # fmt: skip
    return spawn(command, port=port, env=env, log=log, ready=ready)


# -- the deploy: a popular page's first byte -----------------------------------------------------
def first_bytes(
    server: LiveServer, path: str, readers: int = READERS, each: int = 10
) -> list[float]:
    """`readers` clients ask for `path` at the same moment, then `each - 1` more times;
    time to first byte (ms: request sent -> status line and headers read) of every
    request, first requests first."""
    start = threading.Barrier(readers)
    times: list[list[float]] = [[] for _ in range(readers)]

    def reader(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        conn.connect()  # connecting is not part of the first byte
        start.wait()
        for _ in range(each):
            began = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Encoding": ACCEPT})
            response = conn.getresponse()
            times[n].append((time.perf_counter() - began) * 1000)
            response.read()
            if response.status != 200:
                times[n][-1] = float("inf")
            time.sleep(0.05)
        conn.close()

    pool = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return [t[0] for t in times] + [x for t in times for x in t[1:]]


def under_load(
    server: LiveServer, script: Path, connections: int, probe: Callable[[], list[float]]
) -> tuple[list[float], dict[str, float]]:
    """Run `probe` one second into a 6-second long tail on `server`."""
    cmd = wrk_command(server.url, 6, connections, script)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as tail:
        time.sleep(1)
        found = probe()
        out, _ = tail.communicate(timeout=60)
    return found, wrk_result(out)


# -- the run --------------------------------------------------------------------------------------
def row(name: str, m: Mapping[str, float], hits: float, naive: float) -> str:
    share = f"{m['misses'] * 100:.0f} %" if "misses" in m else "-"
    return (
        f"{name:<34}{m['rps']:>9.0f}{m['p50']:>9.2f}{m['p99']:>9.2f}{share:>8}"
        f"{m['rps'] / hits:>9.3f}{m['rps'] / naive:>9.2f}"
    )


def longtail_goals(
    med: Mapping[str, Mapping[str, float]], connections: int, deploy_ms: float
) -> list[Goal]:
    """`med`: the median of the rounds per scenario, as run() measures them; `deploy_ms`:
    the popular page's first byte right after the restart."""
    tail, hits, naive = med[ONE], med[HITS], med[NAIVE]
    return [
        Goal("long tail vs cache hits", tail["rps"] / hits["rps"], HITS_GOAL, True, "x", 3),
        Goal(
            f"long tail p99 at {connections} connections", tail["p99"], P99_GOAL_MS, False, " ms", 1
        ),
        Goal(
            "long tail vs naive (granian, same URLs)",
            tail["rps"] / naive["rps"],
            NAIVE_GOAL,
            True,
            "x",
        ),
        Goal(
            "deploy: popular page first byte / tail p50",
            deploy_ms / tail["p50"],
            DEPLOY_GOAL,
            False,
            "x",
        ),
    ]


def export(rev: str, work: Path) -> Path:
    """The tree of git revision `rev`, exported to serve as the "before" side by side."""
    tree = work / f"before-{rev}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def starter(
    env: Mapping[str, str], log: Path, tree: Path | None, workers: int = 1
) -> Callable[[], LiveServer]:
    """Starts `legible serve` from this tree, or from `tree` (an exported revision)."""
    env = {**env, "LEGIBLE_WORKERS": str(workers)}
    if tree is None:
        return lambda: serve(env=env, log=log, command=installed_cli())
    env["PYTHONPATH"] = str(tree)
    return lambda: serve(env=env, log=log, command=[sys.executable, "-m", "service.cli"], cwd=tree)


def measure_rounds(
    args: argparse.Namespace, scenarios: Mapping[str, tuple[LiveServer, str, Path | None]]
) -> dict[str, dict[str, float]]:
    """Each scenario once per round, in turn; the median of the rounds."""
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in scenarios}
    for n in range(1, args.rounds + 1):
        for name, (server, url, lua) in scenarios.items():
            wrk(url, 2, args.connections, lua)  # warm-up
            counted = name in (ONE, PG)
            before = builds(server) if counted else float("nan")
            result = wrk(url, args.duration, args.connections, lua)
            if counted:
                result["misses"] = (builds(server) - before) / result["requests"]
            rows[name].append(result)
            if result["unexpected"] == result["unexpected"] and result["unexpected"]:
                sys.exit(f"longtail: {name}: {result['unexpected']:.0f} responses were not 200")
            print(f"round {n}: {name:<34} {result['rps']:>9.0f} req/s  "
                  f"p50 {result['p50']:.2f} ms  p99 {result['p99']:.2f} ms")  # fmt: skip
    return {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for name, runs in rows.items()
    }


def deploy(
    start: Callable[[], LiveServer], server: LiveServer, script: Path, path: str, connections: int
) -> tuple[LiveServer, list[float], list[float], dict[str, float]]:
    """First bytes of `path` under the long tail while cached, then right after a restart
    (an empty cache, as after a deploy that changes a template). Returns the new server."""
    server.request("GET", path)
    before, _ = under_load(server, script, connections, lambda: first_bytes(server, path))
    server.stop()
    fresh = start()
    after, load = under_load(fresh, script, connections, lambda: first_bytes(fresh, path))
    return fresh, before, after, load


ONE, TWO, PG, NAIVE, HITS = (
    "long tail, 1 worker",
    "long tail, 2 workers",
    "long tail, 1 worker, PostgreSQL",
    "naive",
    "cache hits, 1 worker",
)


def run(args: argparse.Namespace, env: Mapping[str, str], work: Path, log: Path) -> list[Goal]:
    """The long-tail scenario; returns its goals (printed as it goes)."""
    with postgresql(args.postgresql) as pg_db:
        return run_on(args, env, work, log, pg_db)


def run_on(
    args: argparse.Namespace, env: Mapping[str, str], work: Path, log: Path, pg_db: str | None
) -> list[Goal]:
    env = {
        **env,
        "LEGIBLE_DB": str(work / "longtail.db"),
        "LEGIBLE_DEMO": "0",
        "LEGIBLE_ADMIN_TOKEN": TOKEN,
        "LEGIBLE_CACHE_MB": str(args.cache_mb),
        "PYTHONPATH": str(ROOT),
    }
    queries = variant_queries()
    slugs = [slug(i) for i in range(args.longtail)]
    script = work / "longtail.lua"
    lua_script(script, slugs, queries)
    popular = f"/articles/{slugs[0]}"
    hot = popular + "?theme=high-contrast&size=150"
    print(
        f"\nlong tail: {args.longtail} articles x {len(queries)} variants = "
        f"{args.longtail * len(queries):,} URLs, random, {args.connections} connections"
    )
    starts = {ONE: starter(env, log, None), TWO: starter(env, log, None, workers=2)}
    if pg_db is not None:
        starts[PG] = starter({**env, "LEGIBLE_DB": pg_db}, log, None)
        print(f"stores: {describe_db(env['LEGIBLE_DB'])}; {describe_db(pg_db)}")
    if args.before:
        starts[f"long tail, before ({args.before})"] = starter(env, log, export(args.before, work))
    servers: dict[str, LiveServer] = {}
    try:
        one = servers[ONE] = starts[ONE]()
        began = time.monotonic()
        put_articles(one, args.longtail)
        print(f"PUT {args.longtail} articles through the API in {time.monotonic() - began:.1f} s")
        if PG in starts:
            servers[PG] = starts[PG]()
            began = time.monotonic()
            put_articles(servers[PG], args.longtail)
            print(f"PUT them into PostgreSQL in {time.monotonic() - began:.1f} s")
        for name, start in starts.items():
            servers[name] = servers.get(name) or start()
        servers[NAIVE] = naive_server(env, log, ready=popular)
        scenarios = {name: (server, server.url, script) for name, server in servers.items()}
        scenarios[HITS] = (one, one.url + hot, None)
        one.request("GET", hot)
        variant_cost(one, f"/articles/{slugs[1]}", queries)
        med = measure_rounds(args, scenarios)
        hits, naive = med[HITS]["rps"], med[NAIVE]["rps"]
        print(
            f"\n{'':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'misses':>8}{'vs hits':>9}{'vs naive':>9}"
        )
        for name, m in med.items():
            print(row(name, m, hits, naive))
        print(f"median of {args.rounds} rounds, {args.duration}s each; naive: bench/naive.py under "
              f"granian (RSGI, the same bridge), same URLs; "
              f"2 workers / 1 worker: {med[TWO]['rps'] / med[ONE]['rps']:.2f}")  # fmt: skip
        if PG in med:
            print(f"PostgreSQL / SQLite, 1 worker: req/s {med[PG]['rps'] / med[ONE]['rps']:.2f}, "
                  f"p99 {med[PG]['p99'] / med[ONE]['p99']:.2f} (the cluster runs with fsync off)")  # fmt: skip

        print(f"\ndeploy: {READERS} readers ask for {popular} at once, under the long tail")
        print(f"  first byte, ms{'first requests':>34}{'worst':>9}{'all':>9}{'tail req/s':>12}")
        first = float("nan")
        for name in [n for n in starts if n not in (TWO, PG)]:
            servers[name], before, after, load = deploy(
                starts[name], servers[name], script, popular, args.connections
            )
            first = statistics.median(after[:READERS]) if name == ONE else first
            for when, times in (("cached", before), ("after a restart", after)):
                print(f"  {name.removeprefix('long tail, ') + ', ' + when:<34}"
                      f"{statistics.median(times[:READERS]):>14.1f}{max(times[:READERS]):>9.1f}"
                      f"{statistics.median(times):>9.1f}"
                      f"{load['rps'] if times is after else float('nan'):>12.0f}")  # fmt: skip
        goals = longtail_goals(med, args.connections, first)
        for goal in goals:
            print(goal.line())
        return goals
    except ServerFailed as exc:
        sys.exit(f"longtail: {exc}")
    finally:
        for server in servers.values():
            with contextlib.suppress(Exception):
                server.stop(10)


def arguments(ap: argparse.ArgumentParser) -> None:
    """The long tail's own options (bench/run.py takes them too)."""
    ap.add_argument(
        "--longtail", type=int, default=3000, metavar="N", help="long tail: articles PUT (3000)"
    )
    ap.add_argument(
        "--before", metavar="REV", help="also serve git revision REV, side by side (before/after)"
    )
    ap.add_argument(
        "--postgresql",
        default="auto",
        metavar="auto|off|URL",
        help="also run the long tail on PostgreSQL: a throwaway cluster (auto, when installed),"
        " none (off), or this empty database",
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    arguments(ap)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2, help="rounds; the report is the median")
    ap.add_argument("--cache-mb", type=int, default=64)
    args = ap.parse_args()
    need("wrk", "wrk")
    work = Path(tempfile.mkdtemp(prefix="legible-longtail-"))
    goals = run(args, os.environ, work, work / "servers.log")
    print(f"\nlogs: {work}")
    return verdict(goals)


if __name__ == "__main__":
    sys.exit(main())
