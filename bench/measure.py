"""What the bench scenarios share: wrk, fetching a page, installing a tool, and the
goals a run is judged by (`bench/run.py` exits 1 when one is missed).

bench/run.py and bench/longtail.py import it as `bench.measure` (run as `python -m bench.run`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ACCEPT = "br, gzip"


@dataclass(frozen=True)
class Goal:
    """One of the goals, and what this run measured against it."""

    what: str
    measured: float
    limit: float
    at_least: bool  # True: the measurement must reach the limit; False: stay at or under it
    unit: str = ""
    digits: int = 2

    @property
    def met(self) -> bool:
        # NaN (a number wrk did not report) compares false: what was not measured is missed.
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def line(self) -> str:
        target = f"{self.what} {'>=' if self.at_least else '<='} {self.limit:g}{self.unit}"
        got = f"{self.measured:.{self.digits}f}{self.unit}"
        return f"goal: {target:<48} {got:>10}  {'ok' if self.met else 'MISSED'}"


def verdict(goals: Sequence[Goal]) -> int:
    """The exit status: 0 when every goal is met; else 1, after naming the missed ones."""
    missed = [goal for goal in goals if not goal.met]
    if not missed:
        print(f"bench: all {len(goals)} goals met")
        return 0
    print(f"bench: missed {len(missed)} of {len(goals)} goals:")
    for goal in missed:
        print(f"  {goal.line()}")
    return 1


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


def fetch(url: str, accept: str = ACCEPT) -> tuple[bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": accept})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read(), {k.lower(): v for k, v in r.headers.items()}


_LAT = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# What a Lua script's done() may print: responses whose status was not the one expected.
_UNEXPECTED = re.compile(r"^unexpected statuses: (\d+)$", re.M)


def wrk_command(
    url: str, duration: int, connections: int, script: Path | None = None, timeout: int = 2
) -> list[str]:
    cmd = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s", "--latency",
        "-H", f"Accept-Encoding: {ACCEPT}", url,
    ]  # fmt: skip
    if script is not None:
        cmd[1:1] = ["-s", str(script)]
    return cmd


def wrk_result(out: str) -> dict[str, float]:
    """req/s, p50 and p99 (ms), socket errors (1.0: some), non-2xx/3xx responses, and
    the responses a Lua script counted as unexpected (NaN when it printed none)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {p: float(v) * _UNIT[u] for p, v, u in _LAT.findall(out)}
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    unexpected = _UNEXPECTED.search(out)
    requests = re.search(r"(\d+) requests in", out)
    return {
        "rps": rps,
        "p50": lat.get("50", float("nan")),
        "p99": lat.get("99", float("nan")),
        "errors": 1.0 if errors else 0.0,
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "unexpected": float(unexpected.group(1)) if unexpected else float("nan"),
        "requests": float(requests.group(1)) if requests else float("nan"),
    }


def wrk(
    url: str, duration: int, connections: int, script: Path | None = None, timeout: int = 2
) -> dict[str, float]:
    cmd = wrk_command(url, duration, connections, script, timeout)
    return wrk_result(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


@contextlib.contextmanager
def postgresql(choice: str) -> Iterator[str | None]:
    """The PostgreSQL database a scenario runs on: `choice` is a postgresql:// URL (used
    as given), "auto" (a throwaway cluster from tests/support/pg.py when PostgreSQL and psycopg
    are installed, else None) or "off" (None)."""
    if choice == "off":
        yield None
        return
    if choice != "auto":
        yield choice
        return
    try:
        from tests.support import pg  # the tests' throwaway cluster
    except ImportError:  # no psycopg: pip install 'legible[postgresql]'
        yield None
        return
    programs = pg.bindir()
    if programs is None:
        yield None
        return
    cluster = pg.Cluster.start(programs)
    try:
        yield cluster.database()
    finally:
        cluster.close()


def describe_db(db: str) -> str:
    """LEGIBLE_DB for a report: a PostgreSQL URL without its user and password."""
    return "PostgreSQL " + db.rsplit("@", 1)[-1] if "://" in db else f"SQLite {db}"
