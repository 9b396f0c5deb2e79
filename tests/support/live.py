"""A real server on a loopback port, and what its processes use: for tests, e2e and bench.

`serve()` starts `legible serve` (the CLI, as an operator runs it) on a free
127.0.0.1 port, waits until `/healthz` answers 200 and returns a `LiveServer`.
`LiveServer.stop()` ends it by its PID: SIGTERM, a bounded wait, then SIGKILL to
it and the workers it forked; it returns the exit code. `spawn()` does the same
for any other server command (the benchmark's uvicorn, naive baseline, nginx).
A server that exits while starting, or is not healthy in time, raises
`ServerFailed` with its exit code and the tail of its log.

The /proc helpers (Linux) measure a server as a tree of processes, granian's
supervisor and its workers: peak and current RSS, PSS (pages the workers share
with the supervisor counted once), CPU time, and a thread that samples peaks.

It is imported as `tests.support.live` by all three users: pytest puts the checkout on
sys.path (tests/ and e2e/ are packages), and the bench scripts and `python -m e2e.gallery`
run as modules from the checkout (`python -m bench.run`).
It needs only the standard library, so the bench scripts do not need pytest.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]  # the checkout: tests/support/live.py
HOST = "127.0.0.1"
# The source tree's CLI (run from ROOT): the code under test, whatever is installed.
PYTHON_CLI = (sys.executable, "-m", "service.cli")
START_SECONDS = 30.0
STOP_SECONDS = 25.0  # longer than granian's workers_kill_timeout (20 s, service/cli.py)
LOG_TAIL_CHARS = 3000


class ServerFailed(RuntimeError):
    """The server exited while starting, or did not become healthy in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def installed_cli() -> list[str]:
    """The `legible` entry point beside this interpreter (what ships), else PYTHON_CLI."""
    script = Path(sys.executable).parent / "legible"
    return [str(script)] if script.exists() else list(PYTHON_CLI)


def server_env(
    settings: Mapping[str, str] | None = None, *, keep: Iterable[str] = ()
) -> dict[str, str]:
    """This process's environment without its LEGIBLE_* variables (except those named
    in `keep`), plus `settings`: the caller configures the server, not the shell. Test
    servers load the demo articles into an empty store, as `make run` does, unless
    `settings` says `LEGIBLE_DEMO=0`."""
    kept = set(keep)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGIBLE_") or k in kept}
    return env | {"LEGIBLE_DEMO": "1"} | dict(settings or {})


@dataclass
class LiveServer:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path  # the server's stdout and stderr

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def request(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a new connection: status, headers (lower-case names), body.
        Header names are keywords with `_` for `-` (`Accept_Encoding="br"`)."""
        return self._request(method, path, body, headers, timeout=10)

    def _request(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str], timeout: float
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            sent = {k.replace("_", "-"): v for k, v in headers.items()}
            conn.request(method, path, body=body, headers=sent)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError as exc:
            return f"(no log: {exc})"

    def wait_ready(self, path: str = "/healthz", timeout: float = START_SECONDS) -> None:
        """Return once GET `path` answers 200; raise ServerFailed (and stop the
        server) if it exits first or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                raise ServerFailed(self._failure(f"exited with status {code} while starting"))
            with contextlib.suppress(OSError, http.client.HTTPException):
                if self._request("GET", path, None, {}, timeout=2)[0] == 200:
                    return
            if time.monotonic() > deadline:
                code = self.stop()
                what = f"did not answer 200 at {path} within {timeout:g} s; stopped, status {code}"
                raise ServerFailed(self._failure(what))
            time.sleep(0.1)

    def _failure(self, what: str) -> str:
        args = self.proc.args
        command = " ".join(map(str, args)) if isinstance(args, list) else str(args)
        return f"{command}\n{self.url}: {what}; the end of {self.log}:\n{self.log_tail()}"

    def stop(self, timeout: float = STOP_SECONDS) -> int:
        """SIGTERM, up to `timeout` s for a graceful exit, then SIGKILL to the process
        and the workers it forked. The exit code (negative: the signal that ended it);
        a server that has already exited just reports its own."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # Read the tree first: once the supervisor dies its workers are reparented.
                for pid in reversed(process_tree(self.pid)):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def spawn(
    command: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str],
    log: Path,
    ready: str = "/healthz",
    cwd: Path = ROOT,
    timeout: float = START_SECONDS,
) -> LiveServer:
    """Start `command`, which listens on 127.0.0.1:`port`, with its output appended to
    `log`, and wait until GET `ready` answers 200."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    server = LiveServer(proc, port, log)
    server.wait_ready(ready, timeout)
    return server


def serve(
    *,
    env: Mapping[str, str],
    log: Path,
    db: Path | str | None = None,
    command: Sequence[str] = PYTHON_CLI,
    cwd: Path = ROOT,
    timeout: float = START_SECONDS,
) -> LiveServer:
    """`legible [--db DB] serve` on a free 127.0.0.1 port, healthy. `env` is the whole
    environment the server gets (see server_env)."""
    port = free_port()
    args = [*command, *(["--db", str(db)] if db is not None else [])]
    args += ["serve", "--host", HOST, "--port", str(port)]
    return spawn(args, port=port, env=env, log=log, cwd=cwd, timeout=timeout)


# -- what the server's processes use (/proc) ----------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants: the server is a main process plus worker processes."""
    found = [pid]
    for tid in (p.name for p in Path(f"/proc/{pid}/task").glob("*")):
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{pid}/task/{tid}/children").read_text().split():
                found += process_tree(int(child))
    return found


def proc_status(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in kB (VmRSS, VmHWM, …), summed over the tree."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
    return total


def peak_rss_mb(pid: int) -> float:
    """The sum of the tree's peak RSS (VmHWM). A worker's pages shared with the
    supervisor it was forked from count twice; pss_mb counts them once."""
    return proc_status(pid, "VmHWM") / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size of the tree: pages a worker shares with the supervisor
    it was forked from (Python, granian) count once, not twice."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the tree's processes have used so far."""
    total = 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


class RssSampler(threading.Thread):
    """Peak RSS (kB, summed over the tree) and peak PSS (MB, shared pages once),
    sampled every `interval` seconds until `stop` is set."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.stop = pid, interval, threading.Event()
        self.peak_kb, self.peak_pss_mb = 0, 0.0

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.peak_kb = max(self.peak_kb, proc_status(self.pid, "VmRSS"))
            self.peak_pss_mb = max(self.peak_pss_mb, pss_mb(self.pid))
