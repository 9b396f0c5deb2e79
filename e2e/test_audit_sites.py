"""`legible audit` on a site, as a QA lead gates a release: a sitemap sampled per page
template, a baseline taken on one host ("staging", 127.0.0.1) that holds on another
("production", localhost: the same pages on another origin), and SARIF that
validates. The CLI runs in its own process against a real HTTP server."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest

from .conftest import ROOT

pytestmark = pytest.mark.e2e

ARTICLES = 6
# Every article has the same known problem (an image with no text alternative).
ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Article {n}</title></head>
<body><main><h1>Article {n}</h1><p>Text of article {n}.</p>
<img src="/logo.svg" width="40" height="40"></main></body></html>
"""
ABOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>About</title></head>
<body><main><h1>About us</h1><p>Who we are.</p></main></body></html>
"""
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'
)
SCHEMA = json.loads(
    (ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    site = tmp_path_factory.mktemp("site")
    (site / "news").mkdir()
    for n in range(1, ARTICLES + 1):
        (site / "news" / f"{n}.html").write_text(ARTICLE.format(n=n), encoding="utf-8")
    (site / "about.html").write_text(ABOUT, encoding="utf-8")
    (site / "logo.svg").write_text(LOGO, encoding="utf-8")
    # Relative locations: each host's sitemap lists that host's pages.
    locs = ["/about.html", *(f"/news/{n}.html" for n in range(1, ARTICLES + 1))]
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    (site / "sitemap.xml").write_text(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        encoding="utf-8",
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def audit(host: str, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    sitemap = f"http://{host}:{port}/sitemap.xml"
    argv = ["--sitemap", sitemap, "--sample", "2", "--widget", "off", "--viewports", "320x640"]
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "audit", *argv, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_sampled_baseline_from_staging_holds_on_production(port: int, tmp_path: Path) -> None:
    known, sarif = tmp_path / "known.json", tmp_path / "audit.sarif"
    staging = audit(
        "127.0.0.1", port, "--baseline", str(known), "--update-baseline", "--sarif", str(sarif)
    )
    assert staging.returncode == 0, staging.stdout + staging.stderr
    # 2 of the 6 articles and the about page: both templates, fewer pages.
    assert "3 of 7 pages, from 2 of 2 page templates" in staging.stderr
    entries = json.loads(known.read_text(encoding="utf-8"))["findings"]
    images = {e["page"] for e in entries if e["rule"] == "image-alt"}
    assert len(images) == 2 and all(p.startswith("/news/") for p in images)
    log = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    results = log["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} >= {
        f"http://127.0.0.1:{port}{p}" for p in images
    }

    report = tmp_path / "production.json"
    production = audit("localhost", port, "--baseline", str(known), "--json", str(report))
    assert production.returncode == 0, production.stdout + production.stderr
    assert f"{len(entries)} still known" in production.stdout and "0 new" in production.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {t["url"].split("/", 3)[2] for t in data["tasks"]} == {f"localhost:{port}"}
    assert {f["status"] for f in data["findings"]} == {"known"}
