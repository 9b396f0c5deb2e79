"""`legible audit`'s arguments and inputs, without a browser: every bad input is one
line and exit code 2, and the inputs become the matrix the user asked for."""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from legible_audit.inputs import parse_sitemap, select, sitemap_urls
from legible_audit.main import pages
from legible_audit.options import UsageError, Variant, Viewport, add_arguments, from_args
from service.cli import main

LEVELS = {"default": "AA", "dark": "AA", "high-contrast": "AAA"}
SIZES = (100, 125, 150, 175, 200)


def options(*argv: str):  # type: ignore[no-untyped-def]
    p = argparse.ArgumentParser()
    add_arguments(p)
    return from_args(p.parse_args(list(argv)), LEVELS, SIZES)


def test_the_matrix_is_viewports_by_themes_by_sizes_by_spacing() -> None:
    opts = options(
        "https://a.example/",
        "--themes",
        "dark,high-contrast",
        "--sizes",
        "100,200",
        "--spacing",
        "both",
        "--viewports",
        "320x640,1280x800",
    )
    assert len(opts.variants) == 2 * 2 * 2 * 2
    assert Variant("high-contrast", 200, True, Viewport(320, 640), "AAA") in opts.variants
    assert {v.level for v in opts.variants if v.theme == "dark"} == {"AA"}
    assert opts.variants[0].label == "theme=dark size=100% viewport=320x640"


def test_defaults_are_every_theme_at_100_and_200_in_two_viewports() -> None:
    opts = options("https://a.example/")
    assert {v.theme for v in opts.variants} == set(LEVELS)
    assert {v.size for v in opts.variants} == {100, 200}
    assert {str(v.viewport) for v in opts.variants} == {"320x640", "1280x800"}
    assert opts.widget == "page" and opts.jobs == 2


def test_widget_off_tests_the_page_as_it_is() -> None:
    opts = options("https://a.example/", "--widget", "off", "--viewports", "320x640")
    assert [v.label for v in opts.variants] == ["as-is viewport=320x640"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ((), "nothing to audit"),
        (("ftp://a.example/",), "not an http(s) URL"),
        (("https://a.example/", "--themes", "neon"), "unknown ['neon']"),
        (("https://a.example/", "--sizes", "300"), "not a text size"),
        (("https://a.example/", "--viewports", "320by640"), "not WIDTHxHEIGHT"),
        (("https://a.example/", "--widget", "inject"), "needs --widget-origin"),
        (("https://a.example/", "--widget-origin", "https://l.example"), "only goes with"),
        (("https://a.example/", "--widget", "off", "--themes", "dark"), "drop --themes"),
        (("https://a.example/", "--header", "no colon"), "not 'Name: value'"),
        (("https://a.example/", "--cookie", "novalue"), "not NAME=VALUE"),
        (("https://a.example/", "--jobs", "0"), "--jobs"),
        (("https://a.example/", "--update-baseline"), "needs --baseline"),
        (("--urls", "/nonexistent/urls.txt"), "cannot read"),
        (("https://a.example/", "--junit", "/dev/null/r.xml"), "not a writable directory"),
        (("https://a.example/", "--html", "/tmp"), "is a directory"),
        (
            ("https://a.example/", "--baseline", "/dev/null/b.json", "--update-baseline"),
            "not a writable directory",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    argv: tuple[str, ...], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(UsageError, match=re.escape(says)):
        options(*argv)
    assert main(["audit", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("legible audit: ") and says in err[0]


def test_argparse_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["audit", "https://a.example/", "--widget", "maybe"])
    assert exc.value.code == 2


def test_urls_file_skips_blanks_and_comments(tmp_path: Path) -> None:
    listed = tmp_path / "urls.txt"
    listed.write_text("# staging\nhttps://a.example/\n\nhttps://a.example/b\n", encoding="utf-8")
    opts = options("https://a.example/", "--urls", str(listed), "--widget", "off")
    assert opts.urls == ("https://a.example/", "https://a.example/b")


def test_headers_and_cookies_are_parsed() -> None:
    opts = options(
        "https://a.example/", "--header", "Authorization: Bearer x:y", "--cookie", "sid=abc"
    )
    assert opts.headers == (("Authorization", "Bearer x:y"),)
    assert opts.cookies == (("sid", "abc"),)


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://a.example/</loc></url>
  <url><loc> https://a.example/news/1 </loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>/tag/x</loc></url>
</urlset>"""
INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://a.example/pages.xml.gz</loc></sitemap>
  <sitemap><loc>https://a.example/pages.xml.gz</loc></sitemap>
</sitemapindex>"""


def test_sitemap_pages_and_relative_locs() -> None:
    pages, nested = parse_sitemap(URLSET, "https://a.example/sitemap.xml")
    assert pages == ["https://a.example/", "https://a.example/news/1", "https://a.example/tag/x"]
    assert nested == []


def test_sitemap_index_is_followed_and_gzip_read() -> None:
    served = {
        "https://a.example/sitemap.xml": INDEX,
        "https://a.example/pages.xml.gz": gzip.compress(URLSET),
    }
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return served[url]

    pages = sitemap_urls("https://a.example/sitemap.xml", fetch)
    assert len(pages) == 3 and fetched.count("https://a.example/pages.xml.gz") == 1
    assert select(pages, ["*/tag/*"]) == ["https://a.example/", "https://a.example/news/1"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"not xml", "not XML"),
        (b"<rss/>", "neither <urlset> nor <sitemapindex>"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>', "DTD or entities"),
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE u [<!ENTITY a "https://a.example/">]>'
            "<urlset><url><loc>&a;</loc></url></urlset>".encode("utf-16"),
            "DTD or entities",
        ),
        (b'<!DOCTYPE urlset SYSTEM "http://a.example/x.dtd"><urlset/>', "DTD or entities"),
    ],
)
def test_bad_sitemaps_are_usage_errors(data: bytes, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        parse_sitemap(data, "https://a.example/sitemap.xml")


def test_an_empty_sitemap_is_an_error() -> None:
    empty = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
    with pytest.raises(UsageError, match="no pages"):
        sitemap_urls("https://a.example/s.xml", lambda _: empty)


def test_without_the_audit_extra_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "playwright", None)  # import playwright -> ImportError
    assert main(["audit", "https://a.example/"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "legible audit needs the audit extra: pip install 'legible-news[audit]'"
        " (playwright is missing)"
    ]


class Recorder(BaseHTTPRequestHandler):
    """Serves `routes` (path -> (status, headers, body)) and records what came in."""

    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"routes": {}, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def two_origins() -> Iterator[tuple[tuple[str, type[Recorder]], tuple[str, type[Recorder]]]]:
    for own in serve():
        for other in serve():
            yield own, other


def test_a_header_goes_to_the_sitemaps_origin_only(
    two_origins: tuple[tuple[str, type[Recorder]], tuple[str, type[Recorder]]],
) -> None:
    """A login token for the site's sitemaps reaches neither a nested sitemap on a
    CDN nor the CDN a sitemap redirects to."""
    (own, own_log), (cdn, cdn_log) = two_origins
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{own}/moved.xml</loc></sitemap>"
        f"<sitemap><loc>{cdn}/b.xml</loc></sitemap></sitemapindex>"
    ).encode()
    urlset = URLSET
    own_log.routes.update(
        {
            "/sitemap.xml": (200, {}, index),
            "/moved.xml": (302, {"Location": f"{cdn}/a.xml"}, b""),
        }
    )
    cdn_log.routes.update({"/a.xml": (200, {}, urlset), "/b.xml": (200, {}, urlset)})
    opts = options("--sitemap", f"{own}/sitemap.xml", "--header", "Authorization: Bearer s3cret")
    assert len(pages(opts)) == 4  # two of them relative, on each origin
    assert own_log.seen == [("/sitemap.xml", "Bearer s3cret"), ("/moved.xml", "Bearer s3cret")]
    assert sorted(cdn_log.seen) == [("/a.xml", None), ("/b.xml", None)]
