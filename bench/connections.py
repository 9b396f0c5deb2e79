#!/usr/bin/env python3
"""Connections: idle keep-alives and slow header senders must never lock readers out.

Loopback only and bounded in time (about 4 minutes with every front):

    make bench-connections      # or: python -m bench.connections [--fronts legible,nginx]

Each front is measured the same way, one after the other, in one run:
- `legible`: `legible serve` alone, as the README and the Docker image run it;
- `nginx`: deploy/nginx/nginx.conf in front of `legible serve`;
- `varnish`: varnishd with deploy/varnish/default.vcl in front of `legible serve`.

1. capacity. Two identical fronts side by side: one holds --idle keep-alive connections
   (each after one whole request, as a browser leaves them) and --slow connections that
   sent half a request head, the other is quiet. A new reader's time to the front page
   (--readers fresh connections, one after another) and cache-hit throughput (wrk, 64
   connections, `/` in brotli) are measured on both, alternating for --rounds, so a
   machine shared with others moves both alike. The crowd is held for the whole phase:
   the timeouts that would close it are raised to 120 s, the worst case (an attacker
   who reopens connections as fast as they are closed). Memory: how much the front's
   resident set grew per idle connection.
2. timeouts, with the shipped settings: when the front closes slow-header and idle
   connections, and that a request whose body takes longer than the header timeout
   still gets its answer.
3. shortage. The front capped at --cap connections (LEGIBLE_MAX_CONNECTIONS; nginx's
   worker_connections) and kept full of idle ones: how long a new reader waits. Varnish
   has no such cap (idle connections hold no thread), so it has no shortage phase.

Every goal is checked per front. Exit status: 0 when each is met, or missed only where
KNOWN says granian cannot meet it by configuration (printed with the reason); 1 when
any other goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.run import ROOT, Goal, need, wrk
from tests.support.crowd import Crowd, put_request, raise_open_files, reader, trickle
from tests.support.live import (
    LiveServer,
    ServerFailed,
    free_port,
    installed_cli,
    proc_status,
    serve,
    server_env,
    spawn,
)
from tests.support.varnish import shipped_vcl

READER_GOAL_MS = 200.0  # a new reader's whole answer, with the crowd open
HITS_GOAL = 0.5  # cache hits with the crowd open, as a fraction of without
MEMORY_GOAL_MB = 100.0  # per 10,000 idle connections: tens of MB, not hundreds
SLACK_SECONDS = 2.0  # a timeout's connections all closed within it + this
HOLD_SECONDS = 120  # timeouts while the capacity phase holds its crowd
TOKEN = "bench-token-for-the-connections-check-0123"  # noqa: S105 (loopback servers; 32+ chars)
ACCEPT_BR = [("Accept-Encoding", "br")]
KNOWN = {  # (front, goal) -> why granian alone misses it by configuration
    ("legible", "shortage: new reader"): "granian sheds no idle connection when full: a new"
    " reader waits in the listen queue until one times out (LEGIBLE_HEADER_TIMEOUT)",
    ("legible", "memory per 10,000 idle"): "hyper keeps about 12 KB per idle connection"
    " (its read and write buffers); no granian setting shrinks them",
}


# -- fronts -----------------------------------------------------------------------------------
@dataclass
class Front:
    """What readers connect to, and the servers behind it."""

    name: str
    entry: LiveServer  # where readers connect; its process tree holds their connections
    legible: LiveServer
    header_timeout: float  # as configured for this phase
    idle_timeout: float
    servers: list[LiveServer] = field(default_factory=list)

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop(10)


def start_legible(work: Path, log: Path, **settings: object) -> LiveServer:
    env = server_env(
        {"LEGIBLE_DB": str(work / "legible.db"), "LEGIBLE_ADMIN_TOKEN": TOKEN}
        | {f"LEGIBLE_{k.upper()}": str(v) for k, v in settings.items()}
    )
    return serve(env=env, log=log, command=installed_cli(), cwd=work)


def nginx_conf(work: Path, port: int, upstream: int, phase: str, label: str, cap: int) -> Path:
    """deploy/nginx/nginx.conf with this run's addresses and paths, one worker (as one
    `legible serve` worker), and the phase's changes."""
    text = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
    temp = work / "nginx-temp"
    temp.mkdir(exist_ok=True)
    temp.chmod(0o777)  # nginx's workers run as nobody when started as root
    edits = [
        (r"worker_processes \S+;", "worker_processes 1;"),
        (r"pid \S+;", f"pid {work}/nginx-{label}.pid;"),
        (r"/var/log/nginx/", f"{work}/nginx-{label}-"),
        (r"listen 80 ", f"listen 127.0.0.1:{port} "),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream};"),
        (r"http \{\n", f"http {{\n    client_body_temp_path {temp}; proxy_temp_path {temp};\n"),
    ]
    if phase == "capacity":
        edits += [
            (r"client_header_timeout \S+;", f"client_header_timeout {HOLD_SECONDS}s;"),
            (r"keepalive_timeout 15s;", f"keepalive_timeout {HOLD_SECONDS}s;"),
        ]
    if phase == "shortage":
        edits.append((r"worker_connections \d+;", f"worker_connections {cap};"))
    for pattern, replacement in edits:
        text, n = re.subn(pattern, replacement, text)
        if n == 0:
            sys.exit(f"connections: deploy/nginx/nginx.conf has no {pattern!r} any more")
    conf = work / f"nginx-{label}.conf"
    conf.write_text(text)
    return conf


def nginx_seconds(conf: Path, directive: str) -> float:
    found = re.search(rf"^\s*{directive} (\d+)s;", conf.read_text(), re.M)
    assert found is not None, directive
    return float(found.group(1))


def start_front(
    name: str, phase: str, work: Path, args: argparse.Namespace, label: str = ""
) -> Front:
    label = f"{phase}{label}"
    log = work / f"{name}-{label}.log"
    alone = name == "legible"
    settings: dict[str, object] = {}
    if alone and phase == "capacity":
        settings["header_timeout"] = HOLD_SECONDS
    if alone and phase == "shortage":
        settings["max_connections"] = args.cap
    legible = start_legible(work, log, **settings)
    front = Front(name, legible, legible, 5.0, 5.0, [legible])
    if alone:
        front.header_timeout = front.idle_timeout = float(settings.get("header_timeout", 5))
        return front
    port = free_port()
    try:
        if name == "nginx":
            conf = nginx_conf(work, port, legible.port, phase, label, args.cap)
            front.entry = spawn(
                [need("nginx", "nginx-light"), "-c", str(conf), "-g", "daemon off;"],
                port=port, env=server_env(), log=log, cwd=work,
            )  # fmt: skip
            front.header_timeout = nginx_seconds(conf, "client_header_timeout")
            front.idle_timeout = nginx_seconds(conf, "keepalive_timeout")
        else:
            vcl = work / "default.vcl"  # both of its backends at the one legible serve
            vcl.write_text(shipped_vcl([legible.port]))
            idle = HOLD_SECONDS if phase == "capacity" else 5
            front.entry = spawn(
                [need("varnishd", "varnish"), "-F", "-n", str(work / f"varnish-{label}"),
                 "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-s", "malloc,256m",
                 "-p", f"timeout_idle={idle}", "-p", "backend_idle_timeout=4"],
                port=port, env=server_env(), log=log, cwd=work, timeout=60,
            )  # fmt: skip
            front.header_timeout = front.idle_timeout = float(idle)
    except BaseException:
        legible.stop(10)
        raise
    front.servers.append(front.entry)
    return front


# -- measuring --------------------------------------------------------------------------------
def rss_mb(server: LiveServer) -> float:
    return proc_status(server.pid, "VmRSS") / 1024


async def readers(port: int, count: int) -> list[float]:
    """`count` new readers one after another: each one's ms to the whole front page;
    inf for a reader who got no 200 within 10 s."""
    times = []
    for _ in range(count):
        status, seconds = await reader(port, "/", timeout=10, headers=ACCEPT_BR)
        times.append(seconds * 1000 if status == 200 else float("inf"))
    return times


async def hits(url: str, seconds: int) -> dict[str, float]:
    return await asyncio.to_thread(wrk, url + "/", seconds, 64)


def ms(times: Sequence[float]) -> str:
    return f"p50 {statistics.median(times):.1f} ms, max {max(times):.1f} ms"


@dataclass
class Report:
    goals: dict[str, list[Goal]] = field(default_factory=dict)  # front -> goals
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # front -> what -> value

    def add(self, front: str, goal: Goal) -> None:
        self.goals.setdefault(front, []).append(goal)
        print(f"  {goal.line()}", flush=True)

    def note(self, front: str, what: str, value: str) -> None:
        self.rows.setdefault(front, {})[what] = value
        print(f"  {what:<40} {value}", flush=True)


async def capacity(name: str, args: argparse.Namespace, work: Path, report: Report) -> None:
    """Two identical fronts side by side, one quiet and one holding the crowd; the
    measurements alternate between them, so a machine that gets busier or quieter
    during the run moves both alike."""
    quiet = start_front(name, "capacity", work, args, "-quiet")
    try:
        crowded = start_front(name, "capacity", work, args, "-crowded")
    except BaseException:
        quiet.stop()
        raise
    try:
        await _capacity(quiet, crowded, args, report)
    finally:
        crowded.stop()
        quiet.stop()


async def _capacity(quiet: Front, crowded: Front, args: argparse.Namespace, report: Report) -> None:
    name, port = crowded.name, crowded.entry.port
    for front in (quiet, crowded):
        for _ in range(3):  # the front page is cached (and, through Varnish, stored there)
            await reader(front.entry.port, "/", headers=ACCEPT_BR)
    crowd = Crowd(port)
    try:
        before = rss_mb(crowded.entry)
        started = time.monotonic()
        idle = await crowd.add("idle", args.idle)
        grown = rss_mb(crowded.entry) - before
        slow = await crowd.add("slow", args.slow)
        report.note(
            name, "crowd opened",
            f"{idle} idle + {slow} slow in {time.monotonic() - started:.0f} s"
            f" (not opened: {crowd.failed or 'none'})",
        )  # fmt: skip
        quiet_ms: list[float] = []
        crowd_ms: list[float] = []
        quiet_hits: list[dict[str, float]] = []
        crowd_hits: list[dict[str, float]] = []
        for _ in range(args.rounds):
            quiet_ms += await readers(quiet.entry.port, args.readers // args.rounds)
            crowd_ms += await readers(port, args.readers // args.rounds)
            quiet_hits.append(await hits(quiet.entry.url, args.duration))
            crowd_hits.append(await hits(crowded.entry.url, args.duration))
        held = (crowd.count("idle"), crowd.count("slow"))
        threads = proc_status(crowded.entry.pid, "Threads")  # Varnish: a pool that grows
        alone = statistics.median(h["rps"] for h in quiet_hits)
        loaded = statistics.median(h["rps"] for h in crowd_hits)
        report.note(name, "new reader, quiet twin", ms(quiet_ms))
        report.note(name, "new reader, crowd open", ms(crowd_ms))
        rounds = f"median of {args.rounds} x {args.duration} s, alternating"
        report.note(name, "cache hits, quiet twin", f"{alone:.0f} req/s ({rounds})")
        report.note(name, "cache hits, crowd open", f"{loaded:.0f} req/s")
        report.note(name, "crowd still open after", f"{held[0]} idle + {held[1]} slow")
        report.note(
            name, "resident memory",
            f"{before:.0f} MB before, +{grown:.1f} MB for {idle} idle"
            f" ({grown * 1024 / max(idle, 1):.1f} KB each), {threads} threads;"
            f" legible {rss_mb(crowded.legible):.0f} MB",
        )  # fmt: skip
    finally:
        await crowd.close()
    report.add(name, Goal("crowd held open", sum(held), args.idle + args.slow, True, "", 0))
    report.add(name, Goal("capacity: new reader", max(crowd_ms), READER_GOAL_MS, False, " ms", 1))
    report.add(name, Goal("hits with crowd / quiet twin", loaded / alone, HITS_GOAL, True, "x"))
    per_10k = grown * 10_000 / max(idle, 1)
    report.add(name, Goal("memory per 10,000 idle", per_10k, MEMORY_GOAL_MB, False, " MB", 1))
    dropped = sum(h["errors"] + h["non2xx"] for h in quiet_hits + crowd_hits)
    report.add(name, Goal("hits: socket errors + non-2xx", dropped, 0, False, "", 0))


async def timeouts(front: Front, args: argparse.Namespace, report: Report) -> None:
    name, port = front.name, front.entry.port
    crowd = Crowd(port)
    body = b'{"title": "Tin", "published": "2023-09-21", "body_html": "<p>Ok.</p>"}'
    pieces = [put_request(f"/api/articles/bench-{name}", body, TOKEN)]
    pieces += [body[i : i + 8] for i in range(0, len(body), 8)]
    try:
        await crowd.add("slow", 200)
        await crowd.add("idle", 200)
        slow_body = asyncio.create_task(trickle(port, pieces, front.header_timeout + 2))
        deadline = time.monotonic() + max(front.header_timeout, front.idle_timeout) + 10
        while crowd.count() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        status, took = await slow_body
    finally:
        await crowd.close()
    for kind, limit in (("slow", front.header_timeout), ("idle", front.idle_timeout)):
        after = crowd.closed_after(kind)
        spread = f"{after[0]:.1f}-{after[-1]:.1f} s" if after else "none"
        report.note(name, f"{kind} closed (timeout {limit:g} s)", f"{len(after)} of 200, {spread}")
        last = after[-1] if len(after) == 200 else float("inf")
        report.add(name, Goal(f"{kind}: all closed by", last, limit + SLACK_SECONDS, False, " s", 1))  # fmt: skip
    report.note(name, "PUT whose body took longer", f"status {status} after {took:.1f} s")
    answered = 1.0 if status in (200, 201) else 0.0  # 201 the first time, 200 after
    report.add(name, Goal("slow body answered (1 = yes)", answered, 1, True, "", 0))


async def shortage(front: Front, args: argparse.Namespace, report: Report) -> None:
    name, port = front.name, front.entry.port
    crowd = Crowd(port)
    waits = []
    try:
        for _ in range(args.short_readers):
            # Top the crowd up past the cap (the front is full), then one new reader.
            await crowd.add("idle", max(0, args.cap - crowd.count()) + 20, timeout=1)
            waits += await readers(port, 1)
        early = 0.8 * front.idle_timeout  # closed well before its timeout: shed for room
        shed = sum(1 for h in crowd.held if h.closed and h.closed - h.opened < early)
        report.note(name, f"new readers, full at {args.cap}", ms(waits))
        report.note(name, "idle connections shed to make room", str(shed))
    finally:
        await crowd.close()
    report.add(name, Goal("shortage: new reader", max(waits), READER_GOAL_MS, False, " ms", 1))


# -- the run ----------------------------------------------------------------------------------
async def measure(args: argparse.Namespace, work: Path, report: Report) -> None:
    for name in args.fronts:
        print(f"\n== {name}: capacity", flush=True)
        await capacity(name, args, work, report)
        for phase, run in (("timeouts", timeouts), ("shortage", shortage)):
            if phase == "shortage" and name == "varnish":
                report.note(name, "shortage", "n/a: no connection cap; idle ones hold no thread")
                continue
            print(f"\n== {name}: {phase}", flush=True)
            front = start_front(name, phase, work, args)
            try:
                await run(front, args, report)
            finally:
                front.stop()


def verdict(report: Report) -> int:
    print(f"\n== goals (load average now {os.getloadavg()[0]:.1f})")
    names = list(report.goals)
    whats = list(dict.fromkeys(g.what for goals in report.goals.values() for g in goals))
    print(f"{'goal':<32}" + "".join(f"{n:>22}" for n in names))
    missed = []
    for what in whats:
        cells = []
        for name in names:
            goal = next((g for g in report.goals[name] if g.what == what), None)
            if goal is None:
                cells.append("n/a")
                continue
            mark = "ok" if goal.met else ("known miss" if (name, what) in KNOWN else "MISSED")
            cells.append(f"{goal.measured:.{goal.digits}f}{goal.unit} {mark}")
            if not goal.met and (name, what) not in KNOWN:
                missed.append(f"{name}: {goal.line()}")
            if goal.met and (name, what) in KNOWN:
                print(f"note: {name} now meets '{what}': take it out of KNOWN")
        print(f"{what:<32}" + "".join(f"{c:>22}" for c in cells))
    for (name, what), why in KNOWN.items():
        if name in names:
            print(f"known: {name}, {what}: {why}")
    if missed:
        print(f"connections: missed {len(missed)} goals:")
        for line in missed:
            print(f"  {line}")
        return 1
    print("connections: every goal met, except the known misses above")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--fronts", default="legible,nginx,varnish", help="comma-separated")
    ap.add_argument("--idle", type=int, default=10_000, help="idle keep-alive connections")
    ap.add_argument("--slow", type=int, default=2_000, help="slow-header connections")
    ap.add_argument("--readers", type=int, default=21, help="new readers per front")
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--rounds", type=int, default=3, help="wrk runs per front, alternating")
    ap.add_argument("--cap", type=int, default=1000, help="connections in the shortage phase")
    ap.add_argument("--short-readers", type=int, default=5, help="readers in that phase")
    args = ap.parse_args()
    args.fronts = [f.strip() for f in args.fronts.split(",") if f.strip()]
    unknown = set(args.fronts) - {"legible", "nginx", "varnish"}
    if unknown:
        ap.error(f"unknown fronts {sorted(unknown)}: use legible, nginx, varnish")
    need("wrk", "wrk")
    files = raise_open_files(args.idle + args.slow + 2 * args.cap + 1000)[0]
    if files < args.idle + args.slow + 500:
        sys.exit(f"connections: this process may open only {files} files; raise ulimit -Hn")
    print(
        f"connections: {args.idle} idle + {args.slow} slow against {', '.join(args.fronts)};"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; open files {files}"
    )
    work = Path(tempfile.mkdtemp(prefix="legible-connections-"))
    work.chmod(0o755)  # varnishd and nginx's workers drop root and read from here
    report = Report()
    try:
        asyncio.run(measure(args, work, report))
    except ServerFailed as exc:
        sys.exit(f"connections: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return verdict(report)


if __name__ == "__main__":
    sys.exit(main())
