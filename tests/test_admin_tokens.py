"""Admin tokens: each at least 32 characters or `legible serve` refuses to start (one
line, exit 2); several at once, from LEGIBLE_ADMIN_TOKEN (comma-separated) and
LEGIBLE_ADMIN_TOKEN_FILE (re-read on change or SIGHUP, without a restart); a bad file
keeps the last good set; repeated bad tokens from one address get 429."""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.admin_auth import FAILURES, AdminTokens, Failures, fingerprint
from service.errors import ApiError, SettingsInvalid
from service.settings import Settings
from tests.support.live import PYTHON_CLI, ROOT, LiveServer, process_tree, serve, server_env

A, B, C = "a" * 32, "b-" + "x" * 38, "c" * 48
ARTICLE = {"title": "Hội nghị", "published": "2023-09-21", "body_html": "<p>Nội dung.</p>"}


def bearer(token: str) -> str:
    return f"Bearer {token}"


# -- at start ---------------------------------------------------------------------------------
def run_serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYTHON_CLI, "--db", str(tmp_path / "t.db"), "serve", "--port", "1"],
        cwd=ROOT,
        env=server_env(env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("tokens", ["short", f"{A},{'s' * 31}", f"{'s' * 31}, {A}"])
def test_a_short_token_in_the_variable_stops_serve_with_one_line(
    tmp_path: Path, tokens: str
) -> None:
    done = run_serve(tmp_path, LEGIBLE_ADMIN_TOKEN=tokens)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("legible: LEGIBLE_ADMIN_TOKEN: a token is ")
    assert "each must be at least 32" in line
    for token in tokens.split(","):
        assert token.strip() not in line and token.strip() not in done.stdout


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (f"{A}\nshort-one\n", "token 2: a token is 9 characters; each must be at least 32"),
        ("# only a comment\n\n", "holds no tokens"),
        (f"{A} {B}\n", "token 1: a token holds a space"),
        (None, "cannot read"),
    ],
)
def test_a_bad_token_file_stops_serve_with_one_line(
    tmp_path: Path, content: str | None, says: str
) -> None:
    path = tmp_path / "tokens"
    if content is not None:
        path.write_text(content)
    done = run_serve(tmp_path, LEGIBLE_ADMIN_TOKEN_FILE=str(path))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"legible: LEGIBLE_ADMIN_TOKEN_FILE: {path}") and says in line
    assert A not in line and "short-one" not in line


def test_the_variable_holds_several_tokens() -> None:
    settings = Settings.from_env({"LEGIBLE_ADMIN_TOKEN": f" {A} , {B} "})
    tokens = AdminTokens.from_settings(settings.admin_token, None)
    assert tokens.match(A) == fingerprint(A) and tokens.match(B) == fingerprint(B)
    assert tokens.match(C) is None and tokens.match(f"{A},{B}") is None
    assert fingerprint(A) == hashlib.sha256(A.encode()).hexdigest()[:12]


def test_every_token_is_compared_and_which_one_matched_is_named() -> None:
    tokens = AdminTokens([A, B], None)
    assert [tokens.match(t) for t in (A, B, A[:-1], A + "a", "")] == [
        fingerprint(A), fingerprint(B), None, None, None,
    ]  # fmt: skip


# -- the file, re-read ------------------------------------------------------------------------
def test_a_bad_file_keeps_the_last_good_set_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"# rotation\n{A}\n\n{B}\n")
    tokens = AdminTokens([C], str(path))
    assert {tokens.match(t) for t in (A, B, C)} == {fingerprint(t) for t in (A, B, C)}
    now = time.monotonic()
    with caplog.at_level(logging.INFO, logger="legible"):
        path.write_text(f"{A}\ntoo-short\n")
        for step in range(5):
            tokens.refresh(now + 2 + step * 2)
        assert tokens.match(B) == fingerprint(B)  # still the last good set
        path.unlink()
        for step in range(5):
            tokens.refresh(now + 20 + step * 2)
        assert tokens.match(B) == fingerprint(B)
        path.write_text(f"{B}\n")
        tokens.refresh(now + 40)
    assert tokens.match(A) is None and tokens.match(B) and tokens.match(C)  # C: the variable's
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 3, said
    assert "token 2: a token is 9 characters" in said[0] and "keeps the tokens" in said[0]
    assert said[1].startswith(f"LEGIBLE_ADMIN_TOKEN_FILE: {path}: cannot read it: No such file")
    assert said[2] == "LEGIBLE_ADMIN_TOKEN_FILE: re-read, 1 tokens"
    assert all("too-short" not in s and A not in s for s in said)


def test_the_file_is_looked_at_no_more_than_once_a_second(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"{A}\n")
    tokens = AdminTokens([], str(path))
    now = time.monotonic()
    path.write_text(f"{B}\n")
    tokens.refresh(now + 0.5)
    assert tokens.match(A) and not tokens.match(B)
    tokens.refresh(now + 1.5)
    assert tokens.match(B) and not tokens.match(A)


# -- the limit --------------------------------------------------------------------------------
def test_bad_tokens_are_limited_per_address_and_the_memory_is_bounded() -> None:
    failures = Failures(limit=3, window=60)
    for _ in range(2):
        assert not failures.failed("192.0.2.1", 100.0)
    assert failures.wait("192.0.2.1", 100.0) == 0
    assert failures.failed("192.0.2.1", 101.0)
    assert failures.wait("192.0.2.1", 102.0) == pytest.approx(58.0)
    assert failures.wait("192.0.2.2", 102.0) == 0
    assert failures.wait("192.0.2.1", 160.0) == 0  # the window is over
    # One IPv6 host is one /64.
    for n in range(3):
        failures.failed(f"2001:db8:1:2::{n + 1}", 100.0)
    assert failures.wait("2001:db8:1:2:ffff::9", 100.0) > 0
    assert failures.wait("2001:db8:1:3::1", 100.0) == 0
    for n in range(10_000):
        failures.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", 100.0)
    assert len(failures._by) <= 4096


def test_the_limit_answers_429_with_retry_after_even_to_a_good_token() -> None:
    tokens = AdminTokens([A], None)
    for _ in range(FAILURES):
        with pytest.raises(ApiError) as refused:
            tokens.authorise(bearer(C), "192.0.2.1")
        assert refused.value.status == 401
    with pytest.raises(ApiError) as limited:
        tokens.authorise(bearer(A), "192.0.2.1")
    assert limited.value.status == 429
    assert 55 <= int(limited.value.headers["Retry-After"]) <= 60
    assert tokens.authorise(bearer(A), "192.0.2.2") == fingerprint(A)


def test_no_token_means_the_api_is_off() -> None:
    with pytest.raises(ApiError) as off:
        AdminTokens.from_settings(None, None).authorise(bearer(A), "192.0.2.1")
    assert off.value.status == 404


def test_a_short_token_set_in_code_is_the_callers_business_but_not_in_the_environment() -> None:
    with pytest.raises(SettingsInvalid, match=r"^LEGIBLE_ADMIN_TOKEN: a token is 5 characters"):
        Settings.from_env({"LEGIBLE_ADMIN_TOKEN": "short"})


# -- a real server ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tokens") / "admin-tokens"
    path.write_text(f"# the deployed tokens\n{A}\n{B}\n")
    return path


@pytest.fixture(scope="module")
def server(token_file: Path) -> Iterator[LiveServer]:
    where = token_file.parent
    env = {"LEGIBLE_DB": str(where / "t.db"), "LEGIBLE_ADMIN_TOKEN_FILE": str(token_file)}
    with serve(env=server_env(env), log=where / "server.log") as live:
        yield live


def put(server: LiveServer, token: str, source: str = "127.0.0.1") -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=10, source_address=(source, 0)
    )
    try:
        conn.request(
            "PUT", "/api/articles/xoay-vong", body=json.dumps(ARTICLE).encode(),
            headers={"Authorization": bearer(token), "Content-Type": "application/json"},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_both_tokens_work_and_a_removed_one_stops_without_a_restart(
    server: LiveServer, token_file: Path
) -> None:
    assert put(server, A)[0] in (200, 201) and put(server, B)[0] == 200
    workers = process_tree(server.pid)
    token_file.write_text(f"{B}\n")  # rotation's last step: the old token removed
    assert until(lambda: put(server, A)[0] == 401)
    assert put(server, B)[0] == 200
    assert process_tree(server.pid) == workers  # the same processes: no restart
    token_file.write_text(f"{A}\n{B}\n")
    assert until(lambda: put(server, A)[0] == 200)


def test_sighup_re_reads_the_file_in_place(server: LiveServer, token_file: Path) -> None:
    """A change stat cannot see (same inode, size and mtime) waits for SIGHUP."""
    token_file.write_text(f"{A}\n{B}\n")
    time.sleep(1.2)
    assert put(server, A)[0] == 200  # the worker has looked at this version of the file
    before = token_file.stat()
    with token_file.open("r+") as f:  # in place: the same inode
        f.write(f"{C[:32]}\n{B}\n")
    os.utime(token_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert token_file.stat().st_size == before.st_size
    time.sleep(1.2)
    assert put(server, A)[0] == 200  # unseen: still the old set
    workers = process_tree(server.pid)
    os.kill(server.pid, signal.SIGHUP)
    assert until(lambda: put(server, C[:32])[0] == 200)
    assert put(server, A)[0] == 401
    assert process_tree(server.pid) == workers  # re-read in place, not respawned
    assert "SIGHUP: each worker re-reads the admin tokens" in server.log_tail(20_000)


def test_repeated_bad_tokens_get_429_and_another_address_still_works(server: LiveServer) -> None:
    statuses = [put(server, "w" * 40, "127.0.0.2")[0] for _ in range(FAILURES)]
    assert statuses == [401] * FAILURES
    status, headers = put(server, B, "127.0.0.2")
    assert status == 429 and 1 <= int(headers["retry-after"]) <= 60
    assert put(server, B, "127.0.0.1")[0] == 200
    assert "bad tokens from 127.0.0.2" in server.log_tail(20_000)
