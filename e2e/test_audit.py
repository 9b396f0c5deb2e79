"""`legible audit` end to end, as a QA engineer runs it: the CLI in its own process
against pages on real HTTP servers.

- Every canary page is reported by exactly its check in the JUnit output, and the
  clean page by none: the same proof as test_canary.py, through the shipped tool.
- A page on another origin gets its variant from a widget injected from Legible,
  and Legible's own pages from their URL parameters.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page

from legible_audit import tasks
from legible_audit.axe import run_axe
from legible_audit.cell import Env
from legible_audit.findings import Finding, TaskResult
from legible_audit.options import Variant, Viewport, add_arguments, from_args
from legible_audit.text import text_spacing_problems

from .conftest import ROOT
from .test_canary import CANARY, PAGES, expected

pytestmark = pytest.mark.e2e

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A host page</title></head>
<body><main><h1>A host page on another origin</h1>
<p>Its own text, with <a href="#top">a link</a>, in its own colours.</p>
<img src="/logo.svg" width="40" height="40"></main></body></html>
"""
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'
)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class LoggedIn(Quiet):
    """Pages behind a login: a token header and a session cookie, or 401."""

    def do_GET(self) -> None:
        if self.headers.get("X-Token") != "t0ken" or "session=ok" not in (
            self.headers.get("Cookie") or ""
        ):
            self.send_error(401, "log in first")
            return
        super().do_GET()


def static_server(folder: Path, handler_class: type[Quiet] = Quiet) -> Iterator[str]:
    """A static server for `folder` on a free loopback port (its own origin)."""
    handler = functools.partial(handler_class, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def canary_origin() -> Iterator[str]:
    yield from static_server(CANARY)


@pytest.fixture(scope="module")
def host_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("host")
    (folder / "host.html").write_text(HOST_PAGE, encoding="utf-8")
    (folder / "logo.svg").write_text(LOGO, encoding="utf-8")
    yield from static_server(folder)


def audit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "audit", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def failed_rules(junit: Path) -> dict[str, set[str]]:
    """URL -> the rule ids of its failing testcases (a failure's type lists them)."""
    root = ET.parse(junit).getroot()  # noqa: S314 (our own output)
    out: dict[str, set[str]] = defaultdict(set)
    for suite in root.iter("testsuite"):
        url = suite.get("name", "")
        out[url]
        for case in suite.iter("testcase"):
            assert case.find("error") is None, f"{url}: {ET.tostring(case, encoding='unicode')}"
            for failure in case.iter("failure"):
                out[url] |= set((failure.get("type") or "").split())
    return out


def test_every_canary_is_reported_by_exactly_its_check(canary_origin: str, tmp_path: Path) -> None:
    """A canary's expected rules are what the audit reports on it, failing or for review;
    the JUnit report fails exactly the failing ones, and a review is no failure."""
    junit, report = tmp_path / "canaries.xml", tmp_path / "canaries.json"
    urls = [f"{canary_origin}/{p.name}" for p in PAGES]
    done = audit(
        *urls,
        "--widget",
        "off",
        "--viewports",
        "320x640",
        "--junit",
        str(junit),
        "--json",
        str(report),
    )
    assert done.returncode == 1, done.stdout + done.stderr  # the canaries have findings
    found = json.loads(report.read_text(encoding="utf-8"))["findings"]
    reported: dict[str, set[str]] = defaultdict(set)
    review: dict[str, set[str]] = defaultdict(set)
    fail: dict[str, set[str]] = defaultdict(set)
    for f in found:
        reported[f["url"]].add(f["rule"])
        (review if f["outcome"] == "review" else fail)[f["url"]].add(f["rule"])
    wrong = {
        p.stem: (sorted(reported[url]), sorted(expected(p)))
        for p, url in zip(PAGES, urls, strict=True)
        if reported[url] != expected(p)
    }
    assert not wrong, f"canary: (reported, expected): {wrong}\n{done.stdout}"
    failing = failed_rules(junit)
    assert {u: failing[u] for u in urls} == {u: fail[u] for u in urls}
    assert review[f"{canary_origin}/clipped-unspaced.html"] == {"text-clipped-unspaced"}
    assert reported[f"{canary_origin}/clean.html"] == set()
    assert f"{len(urls) * 2} of {len(urls) * 2} tasks" in done.stdout


def test_the_clean_page_behind_a_login_passes_with_exit_0(tmp_path: Path) -> None:
    report = tmp_path / "clean.json"
    for origin in static_server(CANARY, LoggedIn):
        url = f"{origin}/clean.html"
        args = (url, "--widget", "off", "--viewports", "320x640", "--json", str(report))
        locked = audit(*args, "--header", "X-Token: t0ken")
        done = audit(*args, "--header", "X-Token: t0ken", "--cookie", "session=ok")
    # Without the cookie: one clear line, the run goes on, and the page is an error
    # (exit 3: some pages could not be checked), not a finding.
    assert locked.returncode == 3, locked.stdout + locked.stderr
    said = [s for s in locked.stderr.splitlines() if s.startswith("legible audit: ")]
    assert len(said) == 1 and said[0].startswith(f"legible audit: {url} (")
    assert said[0].endswith("could not load: HTTP 401")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["findings"] == [] and data["summary"]["tasks_done"] == 2


def test_another_origin_gets_the_variant_from_an_injected_widget(
    host_origin: str, base_url: str, tmp_path: Path, page: Page
) -> None:
    report, html = tmp_path / "host.json", tmp_path / "host.html"
    host, own = (
        f"{host_origin}/host.html",
        f"{base_url}/articles/thu-vien-thanh-pho-mo-cua-den-21-gio",
    )
    done = audit(
        host,
        own,
        "--widget",
        "inject",
        "--widget-origin",
        base_url,
        "--themes",
        "high-contrast",
        "--sizes",
        "200",
        "--spacing",
        "on",
        "--viewports",
        "320x640",
        "--json",
        str(report),
        "--html",
        str(html),
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    tasks = {(t["url"], t["variant"]): t for t in data["tasks"]}
    variant = "theme=high-contrast size=200% spacing=1 viewport=320x640"
    for url in (host, own):
        assert tasks[(url, variant)]["error"] is None, tasks[(url, variant)]
        # High contrast promises AAA: 7:1 ran, through the widget and through the URL.
        assert "color-contrast-enhanced" in tasks[(url, variant)]["axe_rules_run"]
    assert not [f for f in data["findings"] if f["rule"] in ("variant-not-applied", "page-load")]
    # The HTML report is itself accessible, and its filters work.
    page.goto(html.as_uri())
    assert [p.line() for p in run_axe(page, "AA").problems] == []
    # The host page's image has no alt text, whatever the theme: axe says so.
    on_host = [f for f in data["findings"] if f["url"] == host]
    assert {f["rule"] for f in on_host} >= {"image-alt"}
    page.select_option("select[name=page]", host)
    assert page.locator(".finding:visible").count() == len(on_host)
    total = len(data["findings"])
    assert page.locator("#shown").text_content() == f"{len(on_host)} of {total} findings shown"
    # --widget page (the default): the widget's demo page has one, which applies the
    # variant; the host page has none: one clear finding, not a crash.
    demo = f"{base_url}/widget/demo"
    args = ("--themes", "dark", "--sizes", "150", "--viewports", "320x640", "--json", str(report))
    done = audit(host, demo, *args)
    assert done.returncode == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    page_findings = {(f["url"], f["rule"]) for f in data["findings"] if f["check"] == "page"}
    assert page_findings == {(host, "widget-missing")}
    demo_cell = next(t for t in data["tasks"] if t["url"] == demo and t["theme"] == "dark")
    assert demo_cell["error"] is None and "color-contrast" in demo_cell["axe_rules_run"]


WIDGET_SIZED = """<!doctype html><html lang="en"><head><style>
:root { --legible-scale: 1.5 }
[data-legible-fs="16"]:not(#_):not(#_) { font-size: calc(16px * var(--legible-scale)) !important }
[data-legible-lh="20"]:not(#_) { line-height: calc(20px * var(--legible-scale)) !important }
.box { height: 30px; overflow: hidden } .box p { margin: 0 }
</style></head><body><main><div class="box"><p data-legible-fs="16" data-legible-lh="20">
One line of text that the WCAG spacing makes taller than its box.</p></div></main></body></html>
"""


def test_text_spacing_beats_the_widgets_line_heights(page: Page) -> None:
    """At 150 % the widget pins px line heights with `[data-legible-lh="N"]:not(#_)`
    (widget.js): the audit's 1.4.12 spacing must still win, or clipping goes untested."""
    page.set_content(WIDGET_SIZED)
    p = page.locator("p")
    assert p.evaluate("e => getComputedStyle(e).lineHeight") == "30px"  # the widget's 20px x 1.5
    problems = text_spacing_problems(page)
    assert p.evaluate("e => getComputedStyle(e).lineHeight") == "36px"  # 1.5 x 24px
    assert {pr.rule for pr in problems} == {"text-clipped"}, [pr.line() for pr in problems]
    assert "body > main > div.box > p" in {t for pr in problems for t in pr.targets}, [
        pr.line() for pr in problems
    ]


SPACED_AND_FAINT = """<!doctype html><html lang="en"><head><title>Faint and tight</title>
<style>.faint { color: #aaa } .box { height: 22px; overflow: hidden }
.box p { margin: 0 }</style></head>
<body><main><p class="faint">Too faint to read.</p>
<div class="box"><p>Text that the WCAG spacing makes taller than its box.</p></div>
</main></body></html>"""


def test_findings_are_pictured_without_the_spacing_stylesheet(
    page: Page, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A contrast finding's screenshot shows the page in its variant; only the text
    spacing findings are pictured with the 1.4.12 stylesheet on."""
    p = argparse.ArgumentParser()
    add_arguments(p)
    argv = ["http://x.example/", "--widget", "off", "--html", str(tmp_path / "r.html")]
    opts = from_args(p.parse_args(argv), {"default": "AA"}, (100,))
    sheets: dict[str, int] = {}
    real = tasks.shoot

    def spy(on: Page, findings: list[Finding], *rest: int) -> list[Finding]:
        count = on.evaluate("() => document.adoptedStyleSheets.length")
        sheets.update({f.rule: count for f in findings})
        return real(on, findings, *rest)

    monkeypatch.setattr(tasks, "shoot", spy)
    monkeypatch.setattr(
        tasks, "open_variant", lambda on, *_: on.set_content(SPACED_AND_FAINT) or []
    )
    task = tasks.Task("http://x.example/", Variant(None, 100, False, Viewport(320, 640)), "cell")
    out = TaskResult(task.url, task.label, None, ())
    run = tasks.Run(opts, task, out, Env(task.variant.level))
    tasks._run_cell(lambda: page, tasks.checks_for("cell", opts), run, set())
    assert sheets["color-contrast"] == 0 and sheets["text-clipped"] == 1, sheets
    assert all(f.screenshot for f in out.findings if f.rule in ("color-contrast", "text-clipped"))
