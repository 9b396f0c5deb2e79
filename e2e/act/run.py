"""Serve the ACT examples and run one `legible audit` over them.

The examples are written where the ACT website has them (testcases/RULE/ID.EXT,
beside test-assets/) and served by a plain static server on a loopback port of
its own: another origin than any Legible, as a QA engineer's site would be.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .cases import ASSETS, Case
from .judge import Judged, judge, pages_from

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = "1280x800"


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".xhtml": "application/xhtml+xml; charset=utf-8",
        ".svg": "image/svg+xml",
        ".xml": "application/xml",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_site(cases: list[Case], folder: Path) -> None:
    shutil.copytree(ASSETS, folder / "test-assets", dirs_exist_ok=True)
    for case in cases:
        path = folder / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(case.code, encoding="utf-8")


@dataclass
class Suite:
    judged: Judged
    report: dict[str, Any]  # the audit's --json
    returncode: int
    stderr: str


def run_suite(cases: list[Case], work: Path, jobs: int = 2, timeout: float = 20) -> Suite:
    """One `legible audit --widget off` over every case; its JSON report judged."""
    site = work / "site"
    write_site(cases, site)
    report_path = work / "audit.json"
    with served(site) as origin:
        url_of = {case: f"{origin}/{case.path}" for case in cases}
        urls = work / "urls.txt"
        urls.write_text("\n".join(dict.fromkeys(url_of.values())) + "\n", encoding="utf-8")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "service.cli",
                "audit",
                "--urls",
                str(urls),
                "--widget",
                "off",
                "--viewports",
                VIEWPORT,
                "--jobs",
                str(jobs),
                "--timeout",
                str(timeout),
                "--json",
                str(report_path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if not report_path.is_file():
        raise RuntimeError(f"legible audit wrote no report (exit {done.returncode}): {done.stderr}")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return Suite(judge(cases, pages_from(report), url_of), report, done.returncode, done.stderr)


def judge_report(cases: list[Case], report: dict[str, Any]) -> Judged:
    """An earlier run's audit report, judged again (by the registry as it is now): its
    pages were served from one origin, at the cases' paths."""
    first = urlsplit(report["tasks"][0]["url"])
    origin = f"{first.scheme}://{first.netloc}"
    return judge(cases, pages_from(report), {case: f"{origin}/{case.path}" for case in cases})
