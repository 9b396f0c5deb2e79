"""Varnish in front of `legible serve` replicas, on loopback: for tests and bench.

`shipped_vcl(ports)` is deploy/varnish/default.vcl with only its replicas' addresses
changed (to 127.0.0.1 and the replicas' ports), so tests run the file operators run.
`shipped_listeners()` is the image's `-a` arguments (deploy/varnish/Dockerfile) with
127.0.0.1 and free ports.
`Cluster` starts replicas of `legible serve` on one store (LEGIBLE_DB is whatever the
caller passes: a SQLite file, or a postgresql:// URL) with LEGIBLE_PURGE_URLS pointing
at a varnishd it then starts with that VCL. Imported as `tests.support.varnish` (like
`live`) by tests/ and by the bench scripts.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from tests.support.live import ROOT, LiveServer, free_port, serve, spawn

VCL = ROOT / "deploy" / "varnish" / "default.vcl"
VARNISH_DOCKERFILE = VCL.with_name("Dockerfile")
TOKEN = "cluster-token-for-the-replicas-0123456789"  # 32+ characters, as serve requires
# The replicas (legible1, legible2…), not the ACME client's backend.
_BACKEND = re.compile(
    r'(backend (legible\w*) \{\s*\.host = )"[^"]*";(\s*\.port = )"[^"]*";', flags=re.S
)
_ACME = re.compile(r'(backend acme \{\s*\.host = "127\.0\.0\.1";\s*\.port = )"\d+";', flags=re.S)
HEALTHY_GRACE = "set req.grace = 60s;"


def need(tool: str | None, name: str) -> str:
    """`tool`'s path; else the test skips, or fails under CI=true (it must run there)."""
    import pytest

    if tool is None:
        message = f"{name} is missing: `make test` installs it (scripts/setup-engines)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return tool


def find_varnishd() -> str | None:
    return shutil.which("varnishd") or next(
        (p for p in ("/usr/sbin/varnishd",) if Path(p).exists()), None
    )


def backend_names(text: str) -> list[str]:
    return [m.group(2) for m in _BACKEND.finditer(text)]


def shipped_vcl(
    ports: Sequence[int],
    host: str = "127.0.0.1",
    *,
    acme: int | None = None,
    healthy_grace: str | None = None,
) -> str:
    """default.vcl with its replicas at `host`:`ports` (one port: every replica there),
    and, if given, the ACME client's port and the grace a reader gets while a replica is
    healthy (60 s: a test that needs a copy "older than that" shortens it, not waits)."""
    text = VCL.read_text(encoding="utf-8")
    names = backend_names(text)
    if len(ports) not in (1, len(names)):
        raise ValueError(f"{VCL} has {len(names)} backends, not {len(ports)}")
    where = iter(ports if len(ports) == len(names) else list(ports) * len(names))
    text = _BACKEND.sub(lambda m: f'{m.group(1)}"{host}";{m.group(3)}"{next(where)}";', text)
    if acme is not None:
        text, n = _ACME.subn(lambda m: f'{m.group(1)}"{acme}";', text)
        assert n == 1, f"{VCL} has no acme backend on 127.0.0.1"
    if healthy_grace is not None:
        assert text.count(HEALTHY_GRACE) == 1, f"{VCL} has no {HEALTHY_GRACE!r}"
        text = text.replace(HEALTHY_GRACE, f"set req.grace = {healthy_grace};")
    return text


def shipped_listeners(ports: Mapping[str, int]) -> list[str]:
    """The `-a` arguments of the image's ENTRYPOINT (deploy/varnish/Dockerfile), each on
    127.0.0.1 at ports[its name], its options (PROXY) kept."""
    text = VARNISH_DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(r"^ENTRYPOINT (\[.*\])$", text, flags=re.M)
    assert found is not None, f"{VARNISH_DOCKERFILE} has no ENTRYPOINT in exec form"
    args = json.loads(found.group(1))
    listeners = [args[i + 1] for i, arg in enumerate(args) if arg == "-a"]
    out = []
    for listener in listeners:
        name, _, rest = listener.partition("=")
        _, _, options = rest.partition(",")
        out.append(f"{name}=127.0.0.1:{ports[name]}" + (f",{options}" if options else ""))
    assert set(ports) == {a.partition("=")[0] for a in listeners}, listeners
    return out


def workdir(prefix: str = "legible-varnish-") -> Path:
    """A folder varnishd's unprivileged child can read (it drops root)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def start_varnishd(
    vcl: str,
    work: Path,
    port: int,
    log: Path,
    *,
    ready: str = "/healthz",
    listen: Sequence[str] | None = None,
) -> LiveServer:
    """varnishd -F on 127.0.0.1:`port` (or the `-a` arguments `listen`, one of them on
    `port`) with `vcl`, its state in `work`."""
    varnishd = find_varnishd()
    if varnishd is None:
        raise FileNotFoundError("varnishd is missing: install Debian's varnish")
    path = work / "default.vcl"
    path.write_text(vcl, encoding="utf-8")
    path.chmod(0o644)
    command = [
        varnishd, "-F", "-n", str(work / "n"),
        *(a for address in (listen or [f"127.0.0.1:{port}"]) for a in ("-a", address)),
        "-f", str(path),
        "-s", "malloc,64m", "-p", "timeout_idle=5", "-p", "backend_idle_timeout=4",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGIBLE_")}
    return spawn(command, port=port, env=env, log=log, cwd=work, ready=ready, timeout=60)


def varnishadm(work: Path, *args: str) -> str:
    found = shutil.which("varnishadm") or "/usr/bin/varnishadm"
    out = subprocess.run(
        [found, "-n", str(work / "n"), *args], capture_output=True, text=True, timeout=20
    )
    return out.stdout + out.stderr


class Cluster:
    """`replicas` × `legible serve` on the store `db` behind one varnishd."""

    def __init__(
        self,
        db: str,
        *,
        replicas: int = 2,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        self.db = db
        self.count = replicas
        self.extra = dict(env or {})
        self.command = command
        self.work = workdir()
        self.log = self.work / "servers.log"
        self.replicas: list[LiveServer] = []
        self.varnish: LiveServer | None = None

    def start(self) -> Cluster:
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LEGIBLE_")},
            "LEGIBLE_DB": self.db,
            "LEGIBLE_ADMIN_TOKEN": TOKEN,
            "LEGIBLE_PURGE_URLS": f"http://127.0.0.1:{port}",
            "LEGIBLE_ACCESS_LOG": "0",
            "LEGIBLE_DEMO": "1",
            **self.extra,
        }
        try:
            for _ in range(self.count):  # one after another: the first loads the demo
                extra = {"command": self.command} if self.command else {}
                self.replicas.append(serve(env=env, log=self.log, **extra))
            vcl = shipped_vcl([r.port for r in self.replicas])
            self.varnish = start_varnishd(vcl, self.work, port, self.work / "varnish.log")
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def front(self) -> LiveServer:
        assert self.varnish is not None
        return self.varnish

    def put(self, replica: LiveServer, slug: str, article: Mapping[str, object]) -> int:
        import json

        status, _, body = replica.request(
            "PUT", f"/api/articles/{slug}", json.dumps(article).encode(),
            Authorization=f"Bearer {TOKEN}", Content_Type="application/json",
        )  # fmt: skip
        assert status in (200, 201), body
        return status

    def sick(self, names: Sequence[str], timeout: float = 15.0) -> bool:
        """Wait until Varnish's probes call each backend in `names` sick."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            listing = varnishadm(self.work, "backend.list").splitlines()
            rows = [line for line in listing if any(f".{n} " in line for n in names)]
            if len(rows) == len(names) and all("sick" in row for row in rows):
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        for server in [*self.replicas, *([self.varnish] if self.varnish else [])]:
            with contextlib.suppress(Exception):
                server.stop(10)
        shutil.rmtree(self.work / "n", ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
