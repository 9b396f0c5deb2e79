"""Host pages that look like real sites, for the widget: e2e/hosts/*.html.

Each is a static page written the way a kind of site really is (a px table-layout
government portal, a 62.5 % rem site, fluid clamp() type, fixed-height boxes, a
5,000-element listing, a page that adds content after load, a strict-CSP host).
`HostServer` serves them on its own loopback origin (`localhost`, while the
service is on `127.0.0.1`), with the widget's one-line snippet in place of
`<!--WIDGET-->` and each page's own response headers.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOSTS_DIR = Path(__file__).resolve().parent / "hosts"
MANY_ELEMENTS = 5000
_REPEAT = re.compile(r"<!--REPEAT-->\n(.*?)<!--/REPEAT-->\n", re.S)
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript"}


@dataclass(frozen=True)
class HostPage:
    name: str  # e2e/hosts/<name>.html
    what: str
    strict_csp: bool = False  # served with a strict CSP and Trusted Types
    late: bool = False  # adds content after load (window.hostAddStories, hostNavigate)

    @property
    def path(self) -> str:
        return f"/hosts/{self.name}.html"


HOST_PAGES: tuple[HostPage, ...] = (
    HostPage("portal", "px table-layout government portal with coloured boxes"),
    HostPage("rem", "rem site with html{font-size:62.5%}"),
    HostPage("fluid", "fluid type: clamp() with vw, keywords, pt and %"),
    HostPage("fixed-boxes", "fixed-height boxes with overflow:hidden"),
    HostPage("many", f"a listing of {MANY_ELEMENTS:,} elements"),
    HostPage("later", "adds content after load", late=True),
    HostPage("csp", "strict CSP with Trusted Types", strict_csp=True),
)
HOST_BY_NAME = {p.name: p for p in HOST_PAGES}


def strict_csp(service: str) -> str:
    return (
        f"default-src 'self'; script-src 'self' {service}; style-src 'self'; "
        "img-src 'self'; object-src 'none'; base-uri 'none'; "
        "require-trusted-types-for 'script'; trusted-types 'none'"
    )


def expand(html: str) -> str:
    """Repeat the block between the REPEAT markers until the page holds
    MANY_ELEMENTS elements (counting the tags, less the closing ones)."""
    found = _REPEAT.search(html)
    if not found:
        return html
    block = found.group(1)
    per_block = len(re.findall(r"<[a-z]", block))
    outside = len(re.findall(r"<[a-z]", html[: found.start()] + html[found.end() :]))
    count = -(-(MANY_ELEMENTS - outside) // per_block)
    return html[: found.start()] + block * count + html[found.end() :]


def render(page: HostPage, service: str, snippet_attributes: str = "") -> bytes:
    html = (HOSTS_DIR / f"{page.name}.html").read_text(encoding="utf-8")
    snippet = f'<script src="{service}/widget.js" async{snippet_attributes}></script>'
    return expand(html).replace("<!--WIDGET-->", snippet).encode()


class HostServer:
    """e2e/hosts/ on a free loopback port; `add` serves extra variants of a page."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.files: dict[str, tuple[str, bytes, dict[str, str]]] = {}
        for page in HOST_PAGES:
            self.add(page.path, page)
        for path in HOSTS_DIR.iterdir():
            if path.suffix in (".css", ".js"):
                self.files[f"/hosts/{path.name}"] = (_TYPES[path.suffix], path.read_bytes(), {})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.origin = f"http://localhost:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def add(self, path: str, page: HostPage, snippet_attributes: str = "") -> str:
        headers = {"Content-Security-Policy": strict_csp(self.service)} if page.strict_csp else {}
        body = render(page, self.service, snippet_attributes)
        self.files[path] = (_TYPES[".html"], body, headers)
        return path

    def url(self, path: str) -> str:
        return self.origin + path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = files.get(self.path.split("?")[0])
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                media_type, body, headers = found
                self.send_response(200)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> HostServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
