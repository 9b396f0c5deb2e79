#!/usr/bin/env python3
"""Load and shutdown check: `legible serve` under 256 connections, then SIGTERM during load.

Loopback only and bounded in time. The script

1. builds a temporary database (the six demo articles plus --articles generated ones) with
   `legible import`, and starts `legible serve` on a free port;
2. drives it with wrk (--connections, default 256, for --duration, default 30 s) through a
   Lua script mixing cached hits, variants of cached articles, misses (new articles in new
   variants), search, 404s, /widget.js and a few assets; the script counts responses by
   status class itself (wrk's "Non-2xx or 3xx" count includes the intended 404s) and prints
   them, with wrk's socket errors and latency, from `done`;
3. reports requests/s, latency, socket errors, the count of responses >= 500 (from wrk and
   from the server's own access log), and the server's peak RSS (VmHWM);
4. starts a second wrk run, sends SIGTERM to the server after --sigterm-after seconds and
   checks that it exits 0 within the graceful timeout, that no request it had begun was cut
   off (no access-log line with status >= 500: the log records 500 for a request that never
   got a response) and that every response it finished reached wrk (server-logged requests
   == wrk's completed responses). wrk then only sees connection-refused errors (the listener
   is closed) and read errors on keep-alive connections that were idle at the SIGTERM and
   were closed while wrk's next request was still in flight; the server never read those
   requests (RFC 9112 9.3.1: a client may retry them), and the count is reported.

Exit status: 0 when all is well; 1 when the load phase saw a socket error or a 5xx, or RSS
went over --max-rss-mb; 2 when only the shutdown check failed.

    python -m bench.load [--duration 30] [--connections 256] [--articles 300]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.live import (
    RssSampler,
    ServerFailed,
    cpu_seconds,
    installed_cli,
    proc_status,
    serve,
)

ROOT = Path(__file__).resolve().parents[1]

THEMES = ["default", "high-contrast", "high-contrast-light", "dark", "sepia"]
SIZES = ["100", "125", "150", "175", "200"]
WORDS = [
    "thu", "vien", "kiem", "sat", "hoi", "nghi", "xe", "buyt", "bao", "hiem", "sach", "lu",
    "doc", "mua", "tram", "text", "size", "contrast", "nhan", "dan", "vi%E1%BB%87n", "t%C3%A0u",
]  # fmt: skip
VOCABULARY = (
    "thư viện kiểm sát hội nghị xe buýt bảo hiểm sách lũ đọc mùa trạm nhân dân thành phố "
    "học sinh khiếm thị giao ban công tác quý năm tháng ngày người dân cán bộ"
)
GRACEFUL_SECONDS = 20  # service/cli.py: uvicorn timeout_graceful_shutdown


def need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print(f"installing {package} (Debian package)…", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        found = shutil.which(tool)
        if found:
            return found
    sys.exit(f"load: {tool} is missing; install the Debian package {package}")


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# -- data -------------------------------------------------------------------------------------
def generate(folder: Path, count: int) -> list[str]:
    rng = random.Random(7)
    vocab = VOCABULARY.split()
    items, slugs = [], []
    for i in range(count):
        slug = f"tai-lieu-tai-{i:04d}"
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(vocab) for _ in range(60)).capitalize() + ".</p>"
            for _ in range(6)
        )
        items.append(
            {
                "slug": slug,
                "title": f"Bài thử tải số {i}: " + " ".join(rng.choice(vocab) for _ in range(6)),
                "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "summary": " ".join(rng.choice(vocab) for _ in range(20)),
                "byline": "Ban biên tập",
                "body_html": paragraphs,
            }
        )
        slugs.append(slug)
    (folder / "generated.json").write_text(json.dumps(items, ensure_ascii=False))
    return slugs


def demo_slugs() -> list[str]:
    return [
        json.loads(p.read_text(encoding="utf-8"))["slug"]
        for p in sorted((ROOT / "service" / "demo").glob("*.json"))
    ]


MIX = "hot=40,variants=15,misses=10,search=10,404=10,widget=10,misc=5"
KINDS = ("hot", "variants", "misses", "search", "404", "widget", "misc")


def parse_mix(text: str) -> dict[str, int]:
    """`hot=40,variants=15,…` -> cumulative thresholds, in KINDS order, for the Lua script."""
    weights = dict.fromkeys(KINDS, 0)
    for item in text.split(","):
        name, _, value = item.partition("=")
        if name.strip() not in weights or not value.strip().isdigit():
            sys.exit(f"load: --mix takes {','.join(f'{k}=N' for k in KINDS)}, not {item!r}")
        weights[name.strip()] = int(value)
    if sum(weights.values()) <= 0:
        sys.exit("load: --mix needs a positive weight")
    total, cut = 0, {}
    for name in KINDS:
        total += weights[name]
        cut[name] = total
    return cut


def lua_script(
    path: Path,
    demo: list[str],
    generated: list[str],
    hot: list[str],
    misc: list[str],
    cut: dict[str, int],
) -> None:
    def table(values: list[str]) -> str:
        return "{" + ", ".join(json.dumps(v) for v in values) + "}"

    path.write_text(
        f"""
-- Generated by bench/load.py.
local demo = {table(demo)}
local generated = {table(generated)}
local hot = {table(hot)}
local misc = {table(misc)}
local themes = {table(THEMES)}
local sizes = {table(SIZES)}
local words = {table(WORDS)}
local cut = {{{", ".join(f'["{k}"] = {v}' for k, v in cut.items())}}}
wrk.headers["Accept-Encoding"] = "br, gzip"

local threads = {{}}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  s2, s3, s4, s5 = 0, 0, 0, 0
end

local function variant()
  local parts = {{}}
  local t = math.random(#themes + 1)
  if t <= #themes then parts[#parts + 1] = "theme=" .. themes[t] end
  local s = sizes[math.random(#sizes)]
  if s ~= "100" then parts[#parts + 1] = "size=" .. s end
  if math.random(2) == 1 then parts[#parts + 1] = "spacing=1" end
  if #parts == 0 then return "" end
  return "?" .. table.concat(parts, "&")
end

function request()
  local r = math.random(cut.misc)
  local path
  if r <= cut.hot then              -- cached hits (warmed before the run)
    path = hot[math.random(#hot)]
  elseif r <= cut.variants then     -- variants of a few articles: misses at first, then hits
    local pool = (math.random(2) == 1) and demo or generated
    path = "/articles/" .. pool[math.random(math.min(#pool, 10))] .. variant()
  elseif r <= cut.misses then       -- misses: any article in any variant
    path = "/articles/" .. generated[math.random(#generated)] .. variant()
  elseif r <= cut.search then       -- search, one or two words, sometimes page 2
    path = "/search?q=" .. words[math.random(#words)]
    if math.random(3) == 1 then path = path .. "+" .. words[math.random(#words)] end
    if math.random(5) == 1 then path = path .. "&page=2" end
  elseif r <= cut["404"] then      -- 404s
    path = "/articles/khong-co-bai-" .. math.random(1000000)
  elseif r <= cut.widget then
    path = "/widget.js"
  else                              -- assets, redirects, the preferences page, list pages
    path = misc[math.random(#misc)]
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  else s2 = s2 + 1 end
end

function done(summary, latency, requests)
  local c = {{s2 = 0, s3 = 0, s4 = 0, s5 = 0}}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(c) do c[k] = c[k] + (thread:get(k) or 0) end
  end
  local e = summary.errors
  io.write(string.format(
    'LEGIBLE-RESULT {{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "non_2xx_3xx": %d, "s2xx": %d, "s3xx": %d, ' ..
    '"s4xx": %d, "s5xx": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    e.status, c.s2, c.s3, c.s4, c.s5, latency:percentile(50), latency:percentile(99),
    latency.max))
end
""",
        encoding="utf-8",
    )


# -- measuring --------------------------------------------------------------------------------
@dataclass
class WrkResult:
    raw: str
    data: dict[str, int]

    @property
    def rps(self) -> float:
        return self.data["requests"] / max(self.data["duration_us"] / 1e6, 1e-9)

    @property
    def socket_errors(self) -> int:
        return sum(self.data[k] for k in ("connect", "read", "write", "timeout"))


def parse_wrk(out: str) -> WrkResult:
    match = re.search(r"^LEGIBLE-RESULT (\{.*\})$", out, re.M)
    if match is None:
        sys.exit(f"load: no result line from wrk:\n{out}")
    return WrkResult(out, json.loads(match.group(1)))


def wrk_cmd(args: argparse.Namespace, script: Path, base: str, duration: int) -> list[str]:
    threads = max(1, min(args.threads, args.connections))
    return [
        "wrk", f"-t{threads}", f"-c{args.connections}", f"-d{duration}s",
        f"--timeout={args.timeout}s", "--latency", "-s", str(script), f"{base}/",
    ]  # fmt: skip


class AccessLog:
    """The server's JSON access lines (it writes them to stderr, which we send to a file)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def size(self) -> int:
        return self.path.stat().st_size

    def lines(self, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
        with self.path.open("rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(end - start)
        out = []
        for line in data.decode("utf-8", "replace").splitlines():
            if line.startswith('{"t":'):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out


def statuses(lines: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("2xx", "3xx", "4xx", "5xx"), 0)
    for line in lines:
        counts[f"{min(max(int(line['status']) // 100, 2), 5)}xx"] += 1
    return counts


def category(line: dict[str, Any]) -> str:
    path = str(line["path"])
    if path == "/widget.js":
        return "widget.js"
    if path.startswith("/articles/khong-co-bai-"):
        return "404"
    if path == "/search":
        return "search"
    if path.startswith("/articles/"):
        return "article (hit or miss)"
    return "lists, assets, redirects"


def print_server_times(lines: list[dict[str, Any]]) -> None:
    """Server-side time per request kind (from the app's start to its last byte)."""
    kinds: dict[str, list[float]] = {}
    for line in lines:
        kinds.setdefault(category(line), []).append(float(line["ms"]))
    for kind, times in sorted(kinds.items()):
        times.sort()
        p50, p99 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"  {kind:<26}{len(times):>7}  p50 {p50:8.1f} ms  p99 {p99:8.1f} ms")


def print_wrk(title: str, result: WrkResult) -> None:
    d = result.data
    print(f"\n== {title}")
    print(f"requests        {d['requests']} in {d['duration_us'] / 1e6:.1f} s = {result.rps:.0f}/s")
    print(
        f"latency         p50 {d['p50_us'] / 1000:.1f} ms, p99 {d['p99_us'] / 1000:.1f} ms, max {d['max_us'] / 1000:.0f} ms"
    )
    print(
        f"socket errors   connect {d['connect']}, read {d['read']}, write {d['write']},"
        f" timeout {d['timeout']}"
    )
    print(
        f"statuses (Lua)  2xx {d['s2xx']}, 3xx {d['s3xx']}, 4xx {d['s4xx']}, 5xx {d['s5xx']}"
        f"   (wrk's non-2xx/3xx: {d['non_2xx_3xx']})"
    )


def settle(access: AccessLog, quiet: float = 1.5, limit: float = 60) -> None:
    """Wait until the server has logged nothing new for `quiet` seconds."""
    deadline = time.monotonic() + limit
    size, since = access.size(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = access.size()
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


def time_to_refusal(port: int, limit: float = 10) -> float | None:
    """Seconds until a new connection to the port is refused (the listener is closed)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
        except ConnectionRefusedError:
            return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.01)
    return None


# -- the run ----------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=int, default=30, help="seconds of load (default 30)")
    ap.add_argument("--connections", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--timeout", type=int, default=10, help="wrk per-request timeout, s")
    ap.add_argument("--articles", type=int, default=300, help="generated articles")
    ap.add_argument("--cache-mb", type=float, default=64)
    ap.add_argument("--mix", default=MIX, help=f"request weights (default {MIX})")
    ap.add_argument("--max-rss-mb", type=float, default=512, help="fail above this peak RSS")
    ap.add_argument("--sigterm-duration", type=int, default=10, help="second wrk run, s")
    ap.add_argument("--sigterm-after", type=float, default=2.0, help="SIGTERM after, s")
    ap.add_argument("--no-sigterm", action="store_true", help="skip the shutdown check")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()

    need("wrk", "wrk")
    work = Path(tempfile.mkdtemp(prefix="legible-load-"))
    db = work / "legible.db"
    folder = work / "articles"
    folder.mkdir()
    generated = generate(folder, args.articles)
    demo = demo_slugs()
    imported = subprocess.run(
        [*installed_cli(), "--db", str(db), "import", str(ROOT / "service" / "demo"), str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if imported.returncode != 0:
        sys.exit(f"load: import failed:\n{imported.stdout}\n{imported.stderr}")

    env = {
        **os.environ,
        "LEGIBLE_DEMO": "0",
        "LEGIBLE_CACHE_MB": str(args.cache_mb),
        "LEGIBLE_ACCESS_LOG": "1",
    }
    env.pop("LEGIBLE_ALLOWED_HOSTS", None)
    log_path = work / "server.log"
    try:
        server = serve(command=installed_cli(), env=env, log=log_path, db=db, cwd=work, timeout=60)
    except ServerFailed as exc:
        sys.exit(f"load: {exc}")
    base, port = server.url, server.port
    access = AccessLog(log_path)
    failures: list[str] = []
    shutdown_failures: list[str] = []
    try:
        index = get(f"{base}/")[1].decode()
        css = re.search(r'href="(/assets/legible\.[0-9a-f]+\.css)"', index)
        hot = ["/", "/?theme=dark", "/?theme=high-contrast&size=200", "/search?q=thu+vien"]
        for slug in demo:
            hot += [f"/articles/{slug}", f"/articles/{slug}?theme=high-contrast&size=150"]
        misc = [
            "/?page=2", "/?page=3", "/preferences", "/?theme=DARK", "/?size=150%25",
            "/static/demo/books.svg", "/widget/demo", *([css.group(1)] if css else []),
        ]  # fmt: skip
        for url in hot:  # warm: these are cache hits from the first request of the run
            status, _ = get(base + url)
            if status != 200:
                sys.exit(f"load: warming {url} got {status}")
        script = work / "mix.lua"
        lua_script(script, demo, generated, hot, misc, parse_mix(args.mix))

        # -- 1. load -------------------------------------------------------------------------
        time.sleep(1)  # let the warm-up's access lines flush
        start_at = access.size()
        sampler = RssSampler(server.pid)
        sampler.start()
        cpu_before, wall_before, load_before = (
            cpu_seconds(server.pid),
            time.monotonic(),
            os.getloadavg()[0],
        )
        print(
            f"load: {args.connections} connections for {args.duration} s against {base}"
            f" ({len(demo)} demo + {len(generated)} generated articles)",
            flush=True,
        )
        run = subprocess.run(
            wrk_cmd(args, script, base, args.duration),
            capture_output=True,
            text=True,
            timeout=args.duration + 60,
        )
        sampler.stop.set()
        cpu_used = cpu_seconds(server.pid) - cpu_before
        wall = time.monotonic() - wall_before
        load_after = os.getloadavg()[0]
        if run.returncode != 0:
            sys.exit(f"load: wrk failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
        load = parse_wrk(run.stdout)
        time.sleep(1)  # the access log flushes every 0.5 s
        served = access.lines(start_at)
        health = json.loads(get(f"{base}/healthz")[1])
        hwm_kb = proc_status(server.pid, "VmHWM")
        rss_kb = proc_status(server.pid, "VmRSS")
        print_wrk("load", load)
        server_5xx = statuses(served)["5xx"]
        print(f"server log      {len(served)} requests, {statuses(served)}")
        print_server_times(served)
        print(
            f"cpu             the server used {cpu_used / wall:.2f} cores on average;"
            f" machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before,"
            f" {load_after:.1f} after"
        )
        print(
            f"memory          peak RSS (VmHWM) {hwm_kb / 1024:.0f} MB, RSS now {rss_kb / 1024:.0f} MB,"
            f" sampled peak {sampler.peak_kb / 1024:.0f} MB; cache {health['cached_pages']} pages,"
            f" {health['cached_bytes'] / 1e6:.1f} MB of {args.cache_mb:g} MB"
        )
        if load.data["s5xx"] or server_5xx:
            failures.append(f"{load.data['s5xx']} responses >= 500 (server log: {server_5xx})")
        if load.socket_errors:
            failures.append(f"{load.socket_errors} socket errors")
        if hwm_kb / 1024 > args.max_rss_mb:
            failures.append(f"peak RSS {hwm_kb / 1024:.0f} MB > {args.max_rss_mb:g} MB")
        if load.data["requests"] == 0:
            failures.append("no requests completed")

        # -- 2. SIGTERM during load --------------------------------------------------------------
        if not args.no_sigterm:
            settle(access)  # the first run's last requests are done and logged
            before = access.size()
            print(
                f"\nshutdown: wrk for {args.sigterm_duration} s; SIGTERM to the server after"
                f" {args.sigterm_after:g} s",
                flush=True,
            )
            stream = subprocess.Popen(
                wrk_cmd(args, script, base, args.sigterm_duration),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(args.sigterm_after)
            sent = time.monotonic()
            sent_wall = time.time()
            server.proc.send_signal(signal.SIGTERM)
            refused_after = time_to_refusal(port)
            try:
                code = server.proc.wait(timeout=GRACEFUL_SECONDS + 10)
            except subprocess.TimeoutExpired:
                code = None
            took = time.monotonic() - sent
            if stream.poll() is None:
                stream.send_signal(signal.SIGINT)  # wrk stops and reports
            out, _ = stream.communicate(timeout=30)
            after = parse_wrk(out)
            lines = access.lines(before)
            log_tail = log_path.read_text(errors="replace")[-4000:]
            uvicorn_said = [
                line
                for line in log_tail.splitlines()
                if not line.startswith('{"t":') and line.strip()
            ][-6:]
            print_wrk("load with SIGTERM", after)
            print(f"server log      {len(lines)} requests, {statuses(lines)}")
            print(
                f"server exit     {code} after {took:.2f} s (graceful timeout {GRACEFUL_SECONDS} s)"
            )
            for line in uvicorn_said:
                print(f"  | {line}")
            completed = after.data["requests"]
            in_flight = [line for line in lines if float(line["t"]) >= sent_wall]
            print(
                f"listener        connect() refused {refused_after * 1000:.0f} ms after SIGTERM"
                if refused_after is not None
                else "listener        still accepting 10 s after SIGTERM"
            )
            print(
                f"in flight       {len(in_flight)} requests finished after SIGTERM, statuses"
                f" {statuses(in_flight)}; the server finished {len(lines)} requests in this run"
                f" and wrk received {completed} whole responses: {len(lines) - completed} lost"
            )
            print(
                f"read errors     {after.data['read']}: requests wrk wrote to keep-alive"
                " connections that the server, busy, had not read yet when it closed them at"
                " SIGTERM; never started, so never logged (a client retries them)"
            )
            print(
                f"write errors    {after.data['write']}: wrk's reconnects after the listener"
                " closed (wrk counts a refused non-blocking connect as a write error)"
            )
            if code is None:
                server.stop(timeout=0)  # SIGKILL, workers too
                shutdown_failures.append(f"no exit within {GRACEFUL_SECONDS + 10} s of SIGTERM")
            elif code != 0:
                shutdown_failures.append(f"exit status {code} after SIGTERM, not 0")
            elif took > GRACEFUL_SECONDS:
                shutdown_failures.append(f"took {took:.1f} s, over the graceful timeout")
            if statuses(lines)["5xx"] or after.data["s5xx"]:
                shutdown_failures.append(
                    f"responses >= 500 during shutdown: server log {statuses(lines)['5xx']},"
                    f" wrk {after.data['s5xx']} (a request cut off is logged as 500)"
                )
            if len(lines) != completed:
                shutdown_failures.append(
                    f"{len(lines) - completed} finished responses never reached the client"
                )
            if after.data["timeout"]:
                shutdown_failures.append(f"{after.data['timeout']} requests timed out")
            if refused_after is None:
                shutdown_failures.append("the listener stayed open after SIGTERM")
    finally:
        server.stop(GRACEFUL_SECONDS + 5)
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print()
    for problem in failures:
        print(f"FAIL (load): {problem}")
    for problem in shutdown_failures:
        print(f"FAIL (shutdown): {problem}")
    if failures:
        return 1
    if shutdown_failures:
        return 2
    shutdown = "shutdown check skipped" if args.no_sigterm else "graceful shutdown, exit 0"
    print(
        f"OK: 0 socket errors, 0 responses >= 500, peak RSS under {args.max_rss_mb:g} MB; {shutdown}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
