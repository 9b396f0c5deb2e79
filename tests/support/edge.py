"""The public edge on loopback, from the shipped files: hitch (deploy/hitch/hitch.conf)
and nginx (deploy/nginx/nginx.conf), with only their addresses and paths changed, a
certificate made here with the openssl CLI, and requests over TLS or plain HTTP from
a chosen source address (127.0.0.2 is this host too, but outside every ACL).
Imported as `edge` (like `live` and `varnish`) by tests/test_edge.py.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from tests.support.live import HOST, ROOT, LiveServer, ServerFailed

HITCH_CONF = ROOT / "deploy" / "hitch" / "hitch.conf"
NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"
ACME_HOOK = ROOT / "deploy" / "hitch" / "acme-deploy-hook"
NAME = "legible.test"  # the certificate's name, sent as SNI and Host


def find_tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None
    )


def make_certificate(folder: Path, stem: str, name: str = NAME) -> tuple[Path, Path, Path]:
    """A self-signed P-256 certificate for `name`: (key, certificate, the two in one PEM
    as hitch reads it)."""
    key, cert, pem = (folder / f"{stem}{ext}" for ext in (".key", ".crt", ".pem"))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    pem.write_bytes(key.read_bytes() + cert.read_bytes())
    pem.chmod(0o600)
    return key, cert, pem


def _sub(text: str, pattern: str, replacement: str, where: Path) -> str:
    text, n = re.subn(pattern, replacement, text, flags=re.M)
    assert n == 1, f"{where}: {pattern!r} matched {n} times"
    return text


def shipped_hitch_conf(port: int, backend: int, pem: Path, work: Path) -> str:
    """hitch.conf listening on 127.0.0.1:`port`, sending to Varnish's PROXY listener on
    127.0.0.1:`backend`, reading `pem`; everything else as shipped."""
    text = HITCH_CONF.read_text(encoding="utf-8")
    text = _sub(text, r'^frontend = "\[\*\]:443"$', f'frontend = "[{HOST}]:{port}"', HITCH_CONF)
    text = _sub(
        text, r'^backend = "\[127\.0\.0\.1\]:8443"$', f'backend = "[{HOST}]:{backend}"', HITCH_CONF
    )
    text = _sub(text, r'^pem-file = "[^"]+"$', f'pem-file = "{pem}"', HITCH_CONF)
    return _sub(text, r'^ocsp-dir = "[^"]+"$', f'ocsp-dir = "{work}"', HITCH_CONF)


def tls_context(ca: Path, version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    """A client that trusts only `ca` and checks the name, as a browser would; only
    `version` if given."""
    context = ssl.create_default_context(cafile=str(ca))
    context.minimum_version = version or ssl.TLSVersion.TLSv1_2
    if version is not None:
        context.maximum_version = version
    return context


class TLSFrom(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 from `source`, with SNI and Host `NAME`."""

    def __init__(
        self,
        port: int,
        ca: Path,
        source: str = HOST,
        timeout: float = 10,
        version: ssl.TLSVersion | None = None,
    ) -> None:
        self.tls = tls_context(ca, version)
        self.source = source
        super().__init__(HOST, port, timeout=timeout, context=self.tls)

    def connect(self) -> None:  # the certificate names NAME, not 127.0.0.1
        sock = socket.create_connection((self.host, self.port), self.timeout, (self.source, 0))
        self.sock = self.tls.wrap_socket(sock, server_hostname=NAME)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    tls: str | None = None  # the negotiated protocol version
    peer: dict[str, Any] = field(default_factory=dict)  # the server's certificate


def request(
    port: int,
    method: str,
    path: str,
    *,
    ca: Path | None = None,
    source: str = HOST,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    version: ssl.TLSVersion | None = None,
) -> Answer:
    """One request on a new connection: over TLS if `ca` is given (only `version`, if
    given), from `source`."""
    conn: http.client.HTTPConnection
    if ca is not None:
        conn = TLSFrom(port, ca, source, version=version)
    else:
        conn = http.client.HTTPConnection(HOST, port, timeout=10, source_address=(source, 0))
    try:
        sent = {"Host": NAME, **(headers or {})}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        r = conn.getresponse()
        answer = Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        if isinstance(conn.sock, ssl.SSLSocket):
            answer.tls = conn.sock.version()
            answer.peer = dict(conn.sock.getpeercert() or {})
        return answer
    finally:
        conn.close()


def start_hitch(conf: Path, port: int, ca: Path, log: Path, timeout: float = 30) -> LiveServer:
    """hitch with `conf`, once a TLS handshake trusting `ca` succeeds on `port`."""
    hitch = find_tool("hitch")
    if hitch is None:
        raise FileNotFoundError("hitch is missing: install Debian's hitch")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [hitch, "--config", str(conf)], stdout=out, stderr=subprocess.STDOUT
        )
    server = LiveServer(proc, port, log)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServerFailed(f"hitch exited with {proc.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(OSError):
            with socket.create_connection((HOST, port), timeout=2) as sock:
                tls_context(ca).wrap_socket(sock, server_hostname=NAME).close()
            return server
        if time.monotonic() > deadline:
            server.stop(5)
            raise ServerFailed(
                f"hitch: no handshake on {port} in {timeout} s:\n{server.log_tail()}"
            )
        time.sleep(0.1)


def shipped_nginx_conf(work: Path, port: int, upstream: int) -> Path:
    """nginx.conf listening on 127.0.0.1:`port`, in front of 127.0.0.1:`upstream`, with
    its pid, logs and temporary files in `work` and one worker; the rest as shipped."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    temp = work / "nginx-temp"
    temp.mkdir(exist_ok=True)
    temp.chmod(0o777)  # nginx's workers run as nobody when started as root
    for pattern, replacement in [
        (r"^worker_processes \S+;", "worker_processes 1;"),
        (r"^pid \S+;", f"pid {work}/nginx.pid;"),
        (r"^error_log /var/log/nginx/\S+", f"error_log {work}/nginx-error.log"),
        (r"access_log /var/log/nginx/\S+", f"access_log {work}/nginx-access.log"),
        (r"listen 80 ", f"listen {HOST}:{port} "),
        (r"server 127\.0\.0\.1:8000;", f"server {HOST}:{upstream};"),
        (r"^http \{\n", f"http {{\n    client_body_temp_path {temp}; proxy_temp_path {temp};\n"),
    ]:
        text = _sub(text, pattern, replacement, NGINX_CONF)
    conf = work / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class Background(http.server.ThreadingHTTPServer):
    """An HTTP server on a free 127.0.0.1 port, run in a thread by `running()`."""

    daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @contextlib.contextmanager
    def running(self) -> Iterator[Self]:
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.shutdown()
            self.server_close()
            thread.join(5)


class Recorder(Background):
    """An upstream that answers every request 200 and keeps what reached it: what the
    edge in front of it sent, header by header."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        super().__init__((HOST, 0), _Record)


class _Record(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Recorder

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        # Every value of a repeated header, joined as one (X-Forwarded-For may be sent twice).
        headers = {k.lower(): ", ".join(self.headers.get_all(k) or []) for k in self.headers}
        self.server.seen.append(Seen(self.command, self.path, headers))
        body = b"recorded\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_DELETE = do_POST = do_PATCH = _any

    def log_message(self, format: str, *args: object) -> None:
        pass


class AcmeClient(Background):
    """What `certbot --standalone --http-01-port` is while it proves a name: an HTTP
    server answering /.well-known/acme-challenge/TOKEN with the key authorisation."""

    def __init__(self, token: str, answer: str) -> None:
        self.token, self.answer = token, answer
        super().__init__((HOST, 0), _Challenge)


class _Challenge(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one answer a connection: stopped means stopped
    server: AcmeClient

    def do_GET(self) -> None:
        ok = self.path == f"/.well-known/acme-challenge/{self.server.token}"
        body = (self.server.answer if ok else "no such token").encode()
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass
