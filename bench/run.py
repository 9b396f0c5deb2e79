#!/usr/bin/env python3
"""Benchmark: Legible's cache hits against nginx serving the same bytes, and
against a naive per-request Jinja2 + GZipMiddleware baseline.

Every server runs as one process on loopback; wrk drives each in turn with the
same URL and `Accept-Encoding: br, gzip`. Each round measures every server
once; the report gives the median of the rounds and the ratios, which is what
to compare on a shared, noisy machine. Then a 10,000-article run fills the
cache over many URLs and reports the server's peak RSS against the cache budget.

    python bench/run.py [--duration 10] [--connections 64] [--rounds 2] [--articles 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
ACCEPT = "br, gzip"


def need(tool: str, package: str) -> str:
    found = shutil.which(tool) or (
        f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None
    )
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print(f"installing {package} (Debian package)…", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = shutil.which(tool) or f"/usr/sbin/{tool}"
        if Path(found).exists():
            return found
    sys.exit(f"bench: {tool} is missing; install the Debian package {package}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"bench: server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"bench: {url} did not answer within {timeout}s")


def fetch(url: str, accept: str = ACCEPT) -> tuple[bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": accept})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read(), {k.lower(): v for k, v in r.headers.items()}


_LAT = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str, duration: int, connections: int, script: Path | None = None, timeout: int = 2
) -> dict[str, float]:
    cmd = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s", "--latency",
        "-H", f"Accept-Encoding: {ACCEPT}", url,
    ]  # fmt: skip
    if script is not None:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {p: float(v) * _UNIT[u] for p, v, u in _LAT.findall(out)}
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": lat.get("50", float("nan")),
        "p99": lat.get("99", float("nan")),
        "errors": 1.0 if errors else 0.0,
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
    }


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def rss_peak_mb(pid: int) -> float:
    """Peak RSS of the server: its main process plus its workers."""
    from load import proc_status

    return float(proc_status(pid, "VmHWM")) / 1024


def nginx_conf(work: Path, port: int, page: Path, css: Path, css_url: str) -> Path:
    conf = work / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {work}/nginx-access.log combined buffer=64k flush=1s;
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work};
  uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{
    listen 127.0.0.1:{port};
    location = {ARTICLE} {{
      default_type "text/html; charset=utf-8";
      add_header Content-Encoding br;
      add_header Vary Accept-Encoding;
      add_header Cache-Control "public, max-age=60";
      alias {page};
    }}
    location = {css_url} {{
      default_type "text/css";
      add_header Content-Encoding br;
      alias {css};
    }}
  }}
}}
"""
    )
    return conf


def table(rows: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    med = {
        name: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        for name, runs in rows.items()
    }
    print(
        f"\n{'server':<22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs nginx':>10}{'vs naive':>10}"
    )
    for name, m in med.items():
        vs_nginx = m["rps"] / med["nginx"]["rps"] if "nginx" in med else float("nan")
        vs_naive = m["rps"] / med["naive"]["rps"] if "naive" in med else float("nan")
        print(
            f"{name:<22}{m['rps']:>10.0f}{m['p50']:>9.2f}{m['p99']:>9.2f}"
            f"{vs_nginx:>10.2f}{vs_naive:>10.1f}"
        )
    return med


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2, help="rounds; the report is the median")
    ap.add_argument(
        "--articles", type=int, default=10_000, help="articles in the RSS run; 0 skips it"
    )
    ap.add_argument("--cache-mb", type=int, default=64)
    args = ap.parse_args()

    need("wrk", "wrk")
    nginx = need("nginx", "nginx-light")

    work = Path(tempfile.mkdtemp(prefix="legible-bench-"))
    log = work / "servers.log"
    env = {
        **os.environ,
        "LEGIBLE_DB": str(work / "bench.db"),
        "LEGIBLE_CACHE_MB": str(args.cache_mb),
        "PYTHONPATH": str(ROOT),
    }
    procs: list[subprocess.Popen[bytes]] = []
    try:
        ports = {name: free_port() for name in ("uvicorn", "serve", "naive", "nginx")}
        uv = [str(VENV_BIN / "python"), "-m", "uvicorn", "--log-level", "warning", "--no-access-log",
              "--loop", "uvloop", "--http", "httptools", "--no-server-header"]  # fmt: skip
        procs.append(start([*uv, "--port", str(ports["uvicorn"]), "bench.app:app"], env, log))
        wait_for(f"http://127.0.0.1:{ports['uvicorn']}/healthz", procs[-1])
        servers = {"legible (uvicorn)": ports["uvicorn"]}  # the same app over ASGI
        # `legible serve` itself: granian over RSGI, one worker, its access log on.
        serve = [str(VENV_BIN / "legible"), "serve", "--port", str(ports["serve"])]
        procs.append(start(serve, env, log))
        wait_for(f"http://127.0.0.1:{ports['serve']}/healthz", procs[-1])
        servers["legible serve"] = ports["serve"]
        procs.append(start([*uv, "--port", str(ports["naive"]), "bench.naive:app"], env, log))
        wait_for(f"http://127.0.0.1:{ports['naive']}{ARTICLE}", procs[-1])
        servers["naive"] = ports["naive"]

        base = f"http://127.0.0.1:{ports['uvicorn']}"
        page, headers = fetch(base + ARTICLE)
        assert headers.get("content-encoding") == "br", headers
        identity, _ = fetch(base + ARTICLE, "identity")
        assert brotli.decompress(page) == identity
        css_url = (
            re.search(rb'href="(/assets/legible\.[0-9a-f]+\.css)"', identity).group(1).decode()
        )  # type: ignore[union-attr]
        css, _ = fetch(base + css_url)
        (work / "page.br").write_bytes(page)
        (work / "style.br").write_bytes(css)
        conf = nginx_conf(work, ports["nginx"], work / "page.br", work / "style.br", css_url)
        procs.append(start([nginx, "-c", str(conf)], env, log))
        wait_for(f"http://127.0.0.1:{ports['nginx']}{ARTICLE}", procs[-1])
        servers["nginx"] = ports["nginx"]
        nginx_page, _ = fetch(f"http://127.0.0.1:{ports['nginx']}{ARTICLE}")
        assert nginx_page == page, "nginx must serve exactly our bytes"

        print(f"article page: {len(identity)} B html, {len(page)} B br; css {len(css)} B br; "
              f"html+css br = {len(page) + len(css)} B (goal <= 14336)")  # fmt: skip
        rows: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        for n in range(1, args.rounds + 1):
            for name, port in servers.items():
                url = f"http://127.0.0.1:{port}{ARTICLE}"
                wrk(url, 2, args.connections)  # warm-up
                result = wrk(url, args.duration, args.connections)
                rows[name].append(result)
                print(f"round {n}: {name:<20} {result['rps']:>9.0f} req/s  "
                      f"p50 {result['p50']:.2f} ms  p99 {result['p99']:.2f} ms")  # fmt: skip
        med = table(rows)
        ours = med["legible serve"]
        print(
            f"\nmedian of {args.rounds} rounds, {args.connections} connections, {args.duration}s each"
        )
        print(f"goal: >= 0.5x nginx                 {ours['rps'] / med['nginx']['rps']:.2f}x")
        print(f"goal: >= 20x naive                  {ours['rps'] / med['naive']['rps']:.1f}x")
        print(f"goal: p99 <= 10 ms at {args.connections} connections  {ours['p99']:.2f} ms")
        uv_rps = med["legible (uvicorn)"]["rps"]
        print(f"legible serve / uvicorn req/s       {ours['rps'] / uv_rps:.2f}")

        if args.articles:
            rss_run(args, env, work, log)
        (work / "result.json").write_text(json.dumps(med, indent=2))
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    print(f"\nlogs and results: {work}")
    return 0


def rss_run(args: argparse.Namespace, env: dict[str, str], work: Path, log: Path) -> None:
    """Fill the cache over 10k articles x 2 variants and report the peak RSS."""
    sys.path.insert(0, str(ROOT))
    from service.articles import validate
    from service.store import Store

    db = work / "big.db"
    store = Store(db)
    paragraph = "<p>" + "Đây là đoạn văn mẫu để đo bộ nhớ đệm của Legible. " * 12 + "</p>"
    for i in range(args.articles):
        store.put(validate({
            "title": f"Bài viết thử nghiệm số {i}", "published": "2024-01-01",
            "body_html": paragraph * 6, "slug": f"bai-{i}",
        }))  # fmt: skip
    store.close()
    paths = [f"/articles/bai-{i}{v}" for i in range(args.articles) for v in ("", "?theme=dark")]
    script = work / "paths.lua"
    script.write_text(
        "local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
        "local i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    port = free_port()
    # `legible serve` itself: what ships (granian, its supervisor and one worker).
    serve = [str(VENV_BIN / "legible"), "--db", str(db), "serve", "--port", str(port)]
    proc = start(serve, {**env, "LEGIBLE_ACCESS_LOG": "0"}, log)
    try:
        from load import RssSampler

        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        base_rss = rss_peak_mb(proc.pid)
        sampler = RssSampler(proc.pid, interval=0.2)
        sampler.start()
        result = wrk(
            f"http://127.0.0.1:{port}", max(args.duration * 3, 30), args.connections, script
        )
        sampler.stop.set()
        sampler.join()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as r:
            health = json.load(r)
        peak = rss_peak_mb(proc.pid)
        print(f"\n{args.articles}-article run: {result['rps']:.0f} req/s over {len(paths)} URLs, "
              f"{int(result['non2xx'])} non-2xx, socket errors: {'yes' if result['errors'] else 'no'}")  # fmt: skip
        print(f"cache: {health['cached_pages']} pages, {health['cached_bytes'] / 2**20:.1f} MB "
              f"(budget {args.cache_mb} MB)")  # fmt: skip
        from load import proc_status, process_tree

        workers = process_tree(proc.pid)[1:]
        worker_peaks = [proc_status(p, "VmHWM") / 1024 for p in workers]
        each = ", ".join(f"{mb:.0f}" for mb in worker_peaks)
        supervisor = peak - sum(worker_peaks)
        print(f"goal: peak RSS <= budget + 100 = {args.cache_mb + 100} MB")
        print(f"  worker peak RSS            {each} MB")
        print(
            f"  whole server, peak PSS     {sampler.peak_pss_mb:.0f} MB (supervisor + worker, shared pages once)"
        )
        print(f"  sum of peak RSS            {peak:.0f} MB (start {base_rss:.0f}; supervisor "
              f"{supervisor:.0f} MB, most of it pages the forked worker shares and counts again)")  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
