"""A throwaway PostgreSQL cluster, started by the tests themselves.

`initdb` in a temporary folder, as the `postgres` system user when the tests run
as root (the server refuses to run as root), listening on a free 127.0.0.1 port
with its socket in that folder; fsync off, so it is quick and holds nothing of
value. One cluster a session (the `pg_cluster` fixture in conftest.py); each
test gets its own database:

    cluster = pg.Cluster.start()         # or the session fixture `pg_cluster`
    url = cluster.database()             # postgresql://legible@127.0.0.1:PORT/t_3
    cluster.stop(); cluster.resume()     # an outage, for outage tests
    cluster.release(url); cluster.close()

`bindir()` finds the server's programs: $LEGIBLE_PG_BINDIR, `pg_config --bindir`,
or the newest /usr/lib/postgresql/*/bin; None if there is no PostgreSQL here.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

USER = "legible"  # the cluster's superuser; trust auth, loopback only
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
max_connections = 300
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
"""


def bindir() -> Path | None:
    given = os.environ.get("LEGIBLE_PG_BINDIR")
    if given:
        return Path(given)
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidate = Path(found.stdout.strip())
        if found.returncode == 0 and (candidate / "pg_ctl").exists():
            return candidate
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3])
    )
    return versions[-1].parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, root: Path, port: int, programs: Path) -> None:
        self.root, self.port, self.programs = root, port, programs
        self.data = root / "data"
        self.log = root / "server.log"
        self._numbers = itertools.count(1)
        self._spare: list[str] = []  # released databases, emptied

    # -- the server ------------------------------------------------------------
    @classmethod
    def start(cls, programs: Path | None = None) -> Cluster:
        programs = programs or bindir()
        if programs is None:
            raise FileNotFoundError("no PostgreSQL here: set LEGIBLE_PG_BINDIR or install it")
        # Under /tmp when root: the postgres user must reach the folder (TMPDIR may not let it).
        root = Path(
            tempfile.mkdtemp(prefix="legible-pg-", dir="/tmp" if os.geteuid() == 0 else None)
        )
        cluster = cls(root, free_port(), programs)
        (root / "sockets").mkdir()
        if os.geteuid() == 0:  # postgres will not run as root: give it the folder
            owner = pwd.getpwnam("postgres")
            for path in (root, root / "sockets"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        cluster._run(
            "initdb", "-D", str(cluster.data), "-U", USER, "--auth=trust",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS.format(port=cluster.port, sockets=root / "sockets"))
        cluster.resume()
        return cluster

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.programs / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text()[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}{log}")

    def resume(self) -> None:
        """Start the server (again, after `stop`), on the same port and data."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop the server at once: connections are cut, as in an outage."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases -------------------------------------------------------------
    def url(self, name: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def database(self) -> str:
        """An empty database of its own (a released one, emptied, or a new one); its URL."""
        if self._spare:
            return self.url(self._spare.pop())
        name = f"t_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)

    def release(self, url: str) -> None:
        """Give back a database from `database`: whatever is still connected to it is
        cut off and its tables dropped, so the next `database()` can reuse it (an empty
        schema costs a millisecond; CREATE DATABASE costs a second on a busy machine)."""
        name = urlsplit(url).path.lstrip("/")
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        self._spare.append(name)
