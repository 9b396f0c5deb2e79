"""tests/support/live.py, the live-server helper tests, e2e and bench share: its failures are
bounded in time and say why, and stop() ends what it started."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import portal_article
from tests.support.live import (
    ROOT,
    LiveServer,
    ServerFailed,
    free_port,
    serve,
    server_env,
    spawn,
)


def _gone(pid: int) -> bool:
    """Not running: no such process, or a zombie nobody has reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def test_the_helpers_find_the_checkout_and_the_fixture_wherever_they_live() -> None:
    """tests/support/ is one level down: ROOT is the checkout servers run from, and the
    portal article is tests/fixtures/'s."""
    assert (ROOT / "pyproject.toml").is_file() and (ROOT / "service").is_dir()
    assert portal_article.PATH == ROOT / "tests" / "fixtures" / "portal-article.txt"
    assert portal_article.PATH.is_file()


def test_a_server_that_exits_while_starting_fails_with_its_log(tmp_path: Path) -> None:
    env = server_env({"LEGIBLE_DB": str(tmp_path / "t.db"), "LEGIBLE_CACHE_MB": "lots"})
    started = time.monotonic()
    with pytest.raises(ServerFailed) as failed:
        serve(env=env, log=tmp_path / "server.log")
    assert time.monotonic() - started < 20  # it noticed the exit, not the timeout
    message = str(failed.value)
    assert "exited with status" in message
    assert "LEGIBLE_CACHE_MB" in message  # the server's own words, from its log


def test_a_server_that_never_gets_healthy_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    port = free_port()
    # Answers, but 404 for /healthz: never ready.
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    started = time.monotonic()
    with pytest.raises(ServerFailed, match=r"did not answer 200 at /healthz within 2 s") as failed:
        spawn(command, port=port, env=server_env(), log=tmp_path / "log", cwd=tmp_path, timeout=2)
    assert time.monotonic() - started < 15
    assert "GET /healthz" in str(failed.value)  # http.server's log line, in the message
    with pytest.raises(ConnectionRefusedError):  # and it was stopped
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_stop_kills_what_ignores_sigterm_and_its_children(tmp_path: Path) -> None:
    # The ignored SIGTERM is inherited by the child, as a stuck worker would ignore it.
    script = (
        "import signal, subprocess, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen(['sleep', '60'])\n"
        "print('child', child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    log = tmp_path / "log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=out)
    server = LiveServer(proc, free_port(), log)
    deadline = time.monotonic() + 10
    while "child" not in server.log_tail() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(server.log_tail().split()[1])
    started = time.monotonic()
    assert server.stop(timeout=0.5) == -signal.SIGKILL
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(child)
    assert server.stop() == -signal.SIGKILL  # stopping again reports the same exit


def test_server_env_drops_the_shells_settings_but_those_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEGIBLE_ADMIN_TOKEN", "from-the-shell")
    monkeypatch.setenv("LEGIBLE_THEMES_DIR", "/somewhere/themes")
    monkeypatch.setenv("LEGIBLE_UNRELATED_LOOKING", "x")
    env = server_env({"LEGIBLE_DEMO": "0"}, keep=["LEGIBLE_THEMES_DIR"])
    assert {k: v for k, v in env.items() if k.startswith("LEGIBLE_")} == {
        "LEGIBLE_THEMES_DIR": "/somewhere/themes",
        "LEGIBLE_DEMO": "0",
    }
    assert env["PATH"] == server_env()["PATH"]  # everything else passes through
