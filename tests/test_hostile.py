# ruff: noqa: E501  (the corpus is a table: one request per line reads best)
"""A corpus of concrete hostile requests, each with the answer it must get; none may get a 5xx.

Requests go straight to the ASGI app (see test_fuzz.py for why not through httpx): the scope
is built as uvicorn builds it, so `..` segments, `%ff` escapes and raw latin-1 header bytes
arrive exactly as a hostile client sends them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.importers import import_paths
from service.middleware.security import CSP
from service.store import open_store
from tests.support.rawasgi import Headers, Reply, exchange, to_bytes

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "tok"
SLUG = "thu-vien-thanh-pho-mo-cua-den-21-gio"
ARTICLE = f"/articles/{SLUG}"
MARKER = "h0stile"
AUTH = ("authorization", f"Bearer {TOKEN}")
JSON = ("content-type", "application/json")
FORM = ("content-type", "application/x-www-form-urlencoded")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("hostile") / "t.db"
    app = create_app(Settings(demo=True, db=str(db), admin_token=TOKEN, max_body_mb=2))
    with TestClient(app, raise_server_exceptions=True, follow_redirects=False) as c:
        assert c.get(ARTICLE).status_code == 200  # cached: later requests may hit the hot path
        assert c.get("/").status_code == 200
        yield c


def send(
    client: TestClient, method: str, target: str | bytes, headers: Headers, body: bytes
) -> Reply:
    assert client.portal is not None
    return client.portal.call(exchange, client.app, method, to_bytes(target), headers, [body])


# -- the corpus -----------------------------------------------------------------------------------
Check = Callable[[Reply], object]


@dataclass
class Case:
    id: str
    target: str | bytes
    expect: tuple[int, ...]
    method: str = "GET"
    headers: Headers = ()
    body: bytes = b""
    checks: Sequence[Check] = field(default_factory=tuple)


def location(expected: str) -> Check:
    def check(r: Reply) -> None:
        assert r.header("location") == expected, r.header("location")

    return check


def local_location(r: Reply) -> None:
    where = r.header("location") or ""
    assert where.startswith("/") and not where.startswith(("//", "/\\")), where


def lacks(*needles: str) -> Check:
    def check(r: Reply) -> None:
        for needle in needles:
            assert needle.lower() not in r.text.lower(), f"{needle!r} in the body"
            for name, value in r.headers:
                assert needle.lower() not in value.lower(), f"{needle!r} in {name}"

    return check


def no_set_cookie(r: Reply) -> None:
    assert r.headers_named("set-cookie") == [], r.headers_named("set-cookie")


def one_set_cookie(r: Reply) -> None:
    cookies = r.headers_named("set-cookie")
    assert len(cookies) == 1 and cookies[0].startswith("legible_pref="), cookies


def is_page(r: Reply) -> None:
    assert (r.header("content-type") or "").startswith("text/html"), r.header("content-type")
    assert b"<h1>" in r.body and b"<main" in r.body


def json_errors(*fields: str) -> Check:
    def check(r: Reply) -> None:
        errors = json.loads(r.body)["errors"]
        for name in fields:
            assert name in errors, errors

    return check


def article_json(**overrides: object) -> bytes:
    data: dict[str, object] = {
        "title": "Tin thử",
        "published": "2023-09-21",
        "body_html": "<p>Nội dung.</p>",
    }
    data.update(overrides)
    return json.dumps(data, ensure_ascii=False).encode()


def raw_json(text: str) -> bytes:
    """JSON as written by hand, so escapes such as \\ud800 reach the server as sent."""
    return text.encode()


LONG_A = "a" * 10_000
PATHS = [
    Case("dotdot-encoded", "/articles/..%2f..%2fetc%2fpasswd", (404,), checks=[lacks("root:")]),
    Case("dotdot-raw", "/articles/../../etc/passwd", (404,), checks=[lacks("root:")]),
    Case("static-dotdot", "/static/../../etc/passwd", (404,), checks=[lacks("root:")]),
    Case("static-dot-escapes", "/static/%2e%2e/%2e%2e/service/app.py", (404,), checks=[lacks("import")]),
    Case("static-demo-up", "/static/demo/..%2f..%2f..%2fpyproject.toml", (404,), checks=[lacks("[project]")]),
    Case("assets-up", "/assets/..%2f..%2fpyproject.toml", (404,), checks=[lacks("[project]")]),
    Case("widget-up", "/widget/..%2f..%2fservice%2fsettings.py", (404,), checks=[lacks("LEGIBLE_")]),
    Case("widget-source", "/widget/widget.css", (404,)),
    Case("theme-file", "/themes/dark.toml", (404,)),
    Case("dot-git", "/.git/config", (404,)),
    Case("dot-env", "/.env", (404,)),
    Case("nul", "/articles/%00", (404,)),
    Case("bad-utf8", "/articles/%ff%fe", (404,)),
    Case("overlong-utf8-dots", "/articles/%c0%ae%c0%ae%c0%af", (404,)),
    Case("crlf-in-slug", f"{ARTICLE}%0d%0aSet-Cookie:%20pwn=1", (404,), checks=[no_set_cookie]),
    Case("upper-route", f"/ARTICLES/{SLUG}", (404,)),
    Case("upper-slug", f"/articles/{SLUG.upper()}", (301,), checks=[location(ARTICLE)]),
    Case("upper-slug-query", f"/articles/{SLUG.upper()}?theme=dark", (301,), checks=[location(f"{ARTICLE}?theme=dark")]),
    Case("trailing-slash", f"{ARTICLE}/", (404,)),
    Case("double-slash-host", "//evil.example/", (404,), checks=[lacks("evil.example")]),
    Case("backslash-host", "/%5cevil.example", (404,), checks=[lacks("evil.example")]),
    Case("long-slug", "/articles/" + "a" * 200, (404,)),
    Case("path-20k", "/" + "a" * 20_000, (400, 413, 414), checks=[is_page]),
    Case("slug-10k", "/articles/" + LONG_A, (400, 413, 414), checks=[is_page]),
]  # fmt: skip
QUERIES = [
    Case("fts-near", "/search?q=NEAR(a", (200,), checks=[is_page]),
    Case("fts-quote", "/search?q=%22unterminated", (200,)),
    Case("fts-star", "/search?q=*", (200,)),
    Case("fts-column", "/search?q=title:x", (200,)),
    Case("fts-column-set", "/search?q=%7Btitle%20summary%7D:x", (200,)),
    Case("fts-operators", "/search?q=a%20AND%20OR%20NOT%20b", (200,)),
    Case("fts-minus-caret", "/search?q=-a%20%5Eb", (200,)),
    Case("fts-parens", "/search?q=((a)", (200,)),
    Case("search-bad-utf8", "/search?q=%ff%fe", (200,)),
    Case("search-nul", "/search?q=%00", (200,)),
    Case("search-vietnamese", "/search?q=vi%E1%BB%87n%20ki%E1%BB%83m", (200,)),
    Case("search-duplicate-q", "/search?q=a&q=b", (301,), checks=[location("/search?q=a")]),
    Case("search-201", "/search?q=" + "a" * 201, (400,), checks=[is_page]),
    Case("search-10k", "/search?q=" + LONG_A, (400, 414), checks=[is_page]),
    Case("search-page-superscript", "/search?q=a&page=%C2%B2", (400,)),
    Case("search-markup", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", (200,), checks=[lacks("<script")]),
    Case("theme-twice-bad", "/?theme=x&theme=y", (301, 302, 400)),
    Case("theme-twice-good", "/?theme=dark&theme=sepia", (301,), checks=[location("/?theme=dark")]),
    Case("theme-traversal", "/?theme=../../etc/passwd", (400,), checks=[is_page]),
    Case("theme-nul", "/?theme=dark%00", (400,)),
    Case("theme-upper", "/?theme=DARK", (301,), checks=[location("/?theme=dark")]),
    Case("theme-markup", "/?theme=%3Cscript%3Ealert(1)%3C/script%3E", (400,), checks=[lacks("<script")]),
    Case("size-percent", "/?size=150%25", (301,), checks=[location("/?size=150")]),
    Case("size-exponent", "/?size=1e3", (400,)),
    Case("size-negative", "/?size=-100", (400,)),
    Case("size-huge", "/?size=99999999999999999999", (400,)),
    Case("size-superscript", "/?size=%C2%B2", (400,)),
    Case("size-superscript-digits", "/?size=%C2%B9%E2%81%B5%E2%81%B0", (400,)),
    Case("spacing-2", "/?spacing=2", (400,)),
    Case("page-0", "/?page=0", (400,)),
    Case("page-negative", "/?page=-1", (400,)),
    Case("page-exponent", "/?page=1e9", (400,)),
    Case("page-past-end", "/?page=99999", (404,)),
    Case("page-word", "/?page=abc", (400,)),
    Case("page-superscript", "/?page=%C2%B2", (400,)),
    Case("query-10k", "/?x=" + LONG_A, (414,), checks=[is_page]),
    Case("query-10k-article", f"{ARTICLE}?x=" + LONG_A, (414,), checks=[is_page]),
    Case("many-duplicates", "/?" + "a=1&" * 500, (301,), checks=[location("/")]),
    Case("percent-junk", "/?%zz=%&=&&", (301,), checks=[location("/")]),
    Case("back-javascript", "/preferences?back=javascript:alert(1)", (200,), checks=[lacks("javascript:")]),
    Case("back-protocol-relative", "/preferences?back=//evil.example", (200,), checks=[lacks("evil.example")]),
    Case("back-absolute", "/preferences?back=https://evil.example/", (200,), checks=[lacks("evil.example")]),
]  # fmt: skip
HEADERS = [
    Case("cookie-unterminated-quote", "/", (200, 302), headers=[("cookie", 'legible_pref="dark.150.1')]),
    Case("cookie-4k", "/", (200,), headers=[("cookie", "legible_pref=" + "x" * 4096)]),
    Case("cookie-8k-many", "/", (200,), headers=[("cookie", "; ".join(f"c{i}=v" for i in range(900)))]),
    Case("cookie-valid", "/", (302,), headers=[("cookie", "legible_pref=dark.150.1")], checks=[location("/?theme=dark&size=150&spacing=1")]),
    Case("cookie-superscript-byte", "/", (200,), headers=[("cookie", b"legible_pref=dark.\xb2.0")]),
    Case("cookie-latin1-junk", "/", (200,), headers=[("cookie", b";;;=\xff\xfe; legible_pref=\xe9")]),
    Case("cookie-bad-quoting", "/", (200,), headers=[("cookie", 'legible_pref="a\\"b"; x="')]),
    Case("ae-star-q0", "/", (406,), headers=[("accept-encoding", "*;q=0")]),
    Case("ae-all-q0", "/", (406,), headers=[("accept-encoding", "br;q=0, gzip;q=0, identity;q=0")]),
    Case("ae-bad-q", "/", (200,), headers=[("accept-encoding", "br;q=abc, gzip;q=1e999, x;q=nan")]),
    Case("ae-junk", "/", (200,), headers=[("accept-encoding", b"\xff\xfe,,,;;;q=")]),
    Case("ae-huge", "/", (200,), headers=[("accept-encoding", ", ".join(["gzip;q=0.5"] * 2000))]),
    Case("inm-star", "/", (304,), headers=[("if-none-match", "*")]),
    Case("inm-garbage", "/", (200,), headers=[("if-none-match", 'W/"x", "y", garbage, "')]),
    Case("inm-huge-list", "/", (200,), headers=[("if-none-match", ", ".join(['"x"'] * 3000))]),
    Case("range-first-byte", "/", (200,), headers=[("range", "bytes=0-0")]),
    Case("range-huge", "/", (200,), headers=[("range", "bytes=99999999999999999999-")]),
    Case("range-many", "/", (200,), headers=[("range", "bytes=" + ",".join(["0-1"] * 2000))]),
    Case("host-evil", "/", (200,), headers=[("host", f"evil-{MARKER}.example")], checks=[lacks(MARKER)]),
    Case("host-evil-redirect", "/?theme=DARK", (301,), headers=[("host", f"evil-{MARKER}.example")], checks=[lacks(MARKER)]),
    Case("host-evil-404", "/nope", (404,), headers=[("host", f"evil-{MARKER}.example")], checks=[lacks(MARKER)]),
    Case("host-empty", "/", (200,), headers=[("host", "")]),
    Case("host-5k", "/", (200,), headers=[("host", MARKER + "x" * 5000)], checks=[lacks(MARKER)]),
    Case("host-latin1", "/", (200,), headers=[("host", b"\xe9vil" + MARKER.encode())], checks=[lacks(MARKER)]),
    Case("forwarded-host", "/?theme=sepia", (200,), headers=[("x-forwarded-host", f"{MARKER}.example"), ("x-forwarded-proto", "https"), ("forwarded", f"host={MARKER}")], checks=[lacks(MARKER)]),
    Case("options", "/", (405,), method="OPTIONS"),
    Case("trace", "/", (405,), method="TRACE", checks=[lacks("cookie")]),
    Case("patch", ARTICLE, (405,), method="PATCH"),
    Case("delete-page", "/", (405,), method="DELETE"),
    Case("propfind", "/", (405,), method="PROPFIND"),
    Case("post-page", "/", (405,), method="POST", body=b"x=1", headers=[FORM]),
]  # fmt: skip
FORMS = [
    Case("return-protocol-relative", "/preferences", (303,), "POST", [FORM], b"theme=dark&return=//evil.example/x", [location("/?theme=dark#main")]),
    Case("return-absolute", "/preferences", (303,), "POST", [FORM], b"return=https%3A%2F%2Fevil.example%2F", [local_location, lacks("evil")]),
    Case("return-backslash", "/preferences", (303,), "POST", [FORM], b"return=/%5Cevil.example", [local_location, lacks("evil")]),
    Case("return-tab", "/preferences", (303,), "POST", [FORM], b"return=/%09/evil.example", [local_location, lacks("evil")]),
    Case("return-crlf", "/preferences", (303,), "POST", [FORM], b"return=/%0d%0aSet-Cookie:%20pwn=1", [one_set_cookie]),
    Case("return-javascript", "/preferences", (303,), "POST", [FORM], b"return=javascript:alert(1)", [local_location, lacks("javascript")]),
    Case("form-20k", "/preferences", (400, 413), "POST", [FORM], b"x=" + b"a" * 20_000, [is_page]),
    Case("form-bad-theme", "/preferences", (400,), "POST", [FORM], b"theme=%ff", [is_page]),
    Case("form-bad-utf8", "/preferences", (303, 400), "POST", [FORM], b"theme=\xff\xfe&size=\xb2"),
    Case("form-size-superscript", "/preferences", (400,), "POST", [FORM], b"size=%C2%B2"),
    Case("form-cur-size-superscript", "/preferences", (303,), "POST", [FORM], b"cur_size=%C2%B2&theme=dark", [one_set_cookie]),
    Case("form-not-a-form", "/preferences", (303, 400), "POST", [JSON], b'{"theme": "dark"}'),
]  # fmt: skip
API = [
    Case("no-token", "/api/articles/x", (401,), "PUT", [JSON], article_json(), [lambda r: r.header("www-authenticate")]),
    Case("wrong-token", "/api/articles/x", (401, 403), "PUT", [JSON, ("authorization", "Bearer nope")], article_json()),
    Case("bearer-empty", "/api/articles/x", (401,), "PUT", [JSON, ("authorization", "Bearer ")], article_json()),
    Case("basic-token", "/api/articles/x", (401,), "PUT", [JSON, ("authorization", f"Basic {TOKEN}")], article_json()),
    Case("token-prefix", "/api/articles/x", (401,), "PUT", [JSON, ("authorization", f"Bearer {TOKEN[:-1]}")], article_json()),
    Case("token-latin1", "/api/articles/x", (401,), "PUT", [JSON, ("authorization", b"Bearer \xff\xfe")], article_json()),
    Case("bad-json", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b"{title:", [json_errors("body")]),
    Case("api-bad-utf8", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b'{"title": "\xff"}', [json_errors("body")]),
    Case("json-list", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b"[]", [json_errors("body")]),
    Case("json-null", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b"null", [json_errors("body")]),
    Case("json-nan", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b'{"title": NaN}'),
    Case("empty-body", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b""),
    Case("feb-30", "/api/articles/x", (422,), "PUT", [JSON, AUTH], article_json(published="2023-02-30"), [json_errors("published")]),
    Case("month-13", "/api/articles/x", (422,), "PUT", [JSON, AUTH], article_json(published="2023-13-01"), [json_errors("published")]),
    Case("hour-24", "/api/articles/x", (422,), "PUT", [JSON, AUTH], article_json(updated="2023-09-21T24:00:00"), [json_errors("updated")]),
    Case("wrong-types", "/api/articles/x", (422,), "PUT", [JSON, AUTH], article_json(title=5, tags="a", lang=["vi"], body_html={}), [json_errors("title", "tags", "lang", "body_html")]),
    Case("unknown-field", "/api/articles/x", (422,), "PUT", [JSON, AUTH], article_json(admin=True), [json_errors("body")]),
    Case("only-script", "/api/articles/x", (422,), "PUT", [JSON, AUTH], article_json(body_html="<script>alert(1)</script>"), [json_errors("body_html")]),
    Case("slug-encoded-slash", "/api/articles/a%2Fb", (404, 422), "PUT", [JSON, AUTH], article_json()),
    Case("slug-slash", "/api/articles/a/b", (404, 405), "PUT", [JSON, AUTH], article_json()),
    Case("slug-body-mismatch", "/api/articles/x", (422,), "PUT", [JSON, AUTH], article_json(slug="y"), [json_errors("slug")]),
    Case("slug-upper", "/api/articles/UPPER", (422,), "PUT", [JSON, AUTH], article_json(), [json_errors("slug")]),
    Case("slug-1000", "/api/articles/" + "a" * 1000, (422,), "PUT", [JSON, AUTH], article_json(), [json_errors("slug")]),
    Case("slug-dotdot", "/api/articles/..", (404, 405, 422), "PUT", [JSON, AUTH], article_json()),
    Case("slug-newline", "/api/articles/abc%0A", (422,), "PUT", [JSON, AUTH], article_json(), [json_errors("slug")]),
    Case("lang-newline", "/api/articles/lang-newline", (422,), "PUT", [JSON, AUTH], article_json(lang="en\n"), [json_errors("lang")]),
    Case("declared-12mb", "/api/articles/x", (413,), "PUT", [JSON, AUTH, ("content-length", str(12 * 1024 * 1024))], b"{}"),
    Case("deep-nesting", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b"[" * 100_000, [json_errors("body")]),
    Case("deep-nesting-object", "/api/articles/x", (422,), "PUT", [JSON, AUTH], b'{"a":' * 50_000),
    Case("surrogate-title", "/api/articles/x", (422,), "PUT", [JSON, AUTH], raw_json('{"title": "\\ud800", "published": "2023-09-21", "body_html": "<p>x</p>"}'), [json_errors("title")]),
    Case("surrogate-body", "/api/articles/x", (422,), "PUT", [JSON, AUTH], raw_json('{"title": "t", "published": "2023-09-21", "body_html": "<p>\\udfff</p>"}'), [json_errors("body_html")]),
    Case("surrogate-tag", "/api/articles/x", (422,), "PUT", [JSON, AUTH], raw_json('{"title": "t", "published": "2023-09-21", "body_html": "<p>x</p>", "tags": ["\\ud83d"]}'), [json_errors("tags")]),
    Case("surrogate-pair-ok", "/api/articles/emoji", (201, 200), "PUT", [JSON, AUTH], raw_json('{"title": "\\ud83d\\ude00 vui", "published": "2023-09-21", "body_html": "<p>x</p>"}')),
    Case("nul-in-title", "/api/articles/nul-title", (201, 200, 422), "PUT", [JSON, AUTH], raw_json('{"title": "a\\u0000b", "published": "2023-09-21", "body_html": "<p>x</p>"}')),
    Case("delete-no-token", "/api/articles/x", (401,), "DELETE"),
    Case("delete-missing", "/api/articles/never-was", (404,), "DELETE", [AUTH]),
    Case("get-api", "/api/articles/x", (405,), "GET", [AUTH]),
    Case("api-unknown", "/api/other", (404,), "GET", [AUTH], checks=[lambda r: json.loads(r.body)]),
]  # fmt: skip
CORPUS = PATHS + QUERIES + HEADERS + FORMS + API


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_hostile_request_gets_its_expected_answer(client: TestClient, case: Case) -> None:
    reply = send(client, case.method, case.target, case.headers, case.body)
    assert reply.status < 500, f"{reply.status}: {reply.text[:300]}"
    assert reply.status in case.expect, (
        f"expected {case.expect}, got {reply.status}: {reply.text[:200]}"
    )
    for name, value in reply.headers:
        assert "\r" not in value and "\n" not in value, (name, value)
    if 300 <= reply.status < 400 and reply.status != 304:
        local_location(reply)
    if case.method == "GET" and reply.status >= 400:
        assert reply.body, "an error without a body"
    if (reply.header("content-type") or "").startswith("text/html"):
        assert reply.headers_named("content-security-policy") == [CSP]
    for extra in case.checks:
        assert extra(reply) is not False
    # The same request again (now possibly a hot-path hit) gets the same status.
    if case.method in ("GET", "HEAD"):
        again = send(client, case.method, case.target, case.headers, case.body)
        assert again.status == reply.status


def test_corpus_ids_are_unique() -> None:
    ids = [c.id for c in CORPUS]
    assert len(ids) == len(set(ids))


def test_service_is_healthy_after_the_corpus(client: TestClient) -> None:
    for case in CORPUS:  # in any order, with the cache warm: still never a 5xx
        assert send(client, case.method, case.target, case.headers, case.body).status < 500
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert client.get(ARTICLE).status_code == 200


# -- hostile import files ---------------------------------------------------------------------
HOSTILE_FILES = {
    "deep.json": "[" * 100_000,
    "deep-object.json": '{"a":' * 50_000,
    "surrogate.json": '{"slug": "surrogate-json", "title": "\\ud800", "published": "2023-09-21",'
    ' "body_html": "<p>x</p>"}',
    "surrogate-body.json": '{"slug": "surrogate-body", "title": "t", "published": "2023-09-21",'
    ' "body_html": "<p>\\udfff</p>"}',
    "surrogate.md": '---\ntitle: "\\ud800 x"\nslug: surrogate-md\npublished: 2023-09-21\n---\nBody.\n',
    "yaml-alias-bomb.md": "---\n"
    + "a: &a ['x','x','x','x','x','x','x','x','x']\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    + "title: bomb\npublished: 2023-09-21\n---\nBody.\n",
    "yaml-python-tag.md": "---\ntitle: !!python/object/apply:os.system ['true']\npublished: 2023-09-21\n---\nx\n",
    "not-utf8.txt": "Tiêu đề\n21/09/2023\nĐoạn văn đủ dài để là một đoạn văn.\n",
    "zero-date.txt": "Tiêu đề\n00/00/0000\nĐoạn văn.\n",
    "good.json": json.dumps(
        {"slug": "good-after-bad", "title": "Tốt", "published": "2023-09-21", "body_html": "<p>Ổn.</p>"}
    ),
}  # fmt: skip


def _write_hostile(folder: Path) -> None:
    folder.mkdir()
    for name, text in HOSTILE_FILES.items():
        data = text.encode("utf-8", "surrogatepass")
        if name == "not-utf8.txt":
            data = text.encode("cp1258", "replace")
        (folder / name).write_bytes(data)


def test_hostile_import_files_are_reported_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write_hostile(folder)
    store = open_store(tmp_path / "t.db")
    try:
        report = import_paths(store, [folder])
        assert report.created == ["good-after-bad"], report.summary()
        failed = {Path(name).name for name, _ in report.failed}
        assert failed == set(HOSTILE_FILES) - {"good.json"}, report.summary()
        assert store.get("good-after-bad") is not None
    finally:
        store.close()


def test_hostile_import_files_give_exit_1_and_no_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write_hostile(folder)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "--db",
            str(tmp_path / "t.db"),
            "import",
            str(folder),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr[-1000:])
    assert "1 new," in done.stdout and f"{len(HOSTILE_FILES) - 1} failed" in done.stdout
    for name in set(HOSTILE_FILES) - {"good.json"}:
        assert name in done.stdout, name
