"""Hypothesis property tests: no input a client can send gets a 5xx or escapes as an exception.

Requests go straight to the ASGI app on the TestClient's event loop (`client.portal`), not
through httpx: httpx removes `..` segments and refuses non-ASCII header bytes, and both are
exactly what a hostile client sends. The scope is built the way uvicorn builds it (the path
percent-decoded with `urllib.parse.unquote`, header names lower-cased, values as raw bytes).

The property, for every generated request: the status is below 500, no exception escapes the
app, a redirect stays on this site, an error has a body, every HTML answer carries the CSP,
and `/healthz` still answers 200 afterwards. Over-long input gets 414, 400 or 413 with a page.

Examples per test: `HYPOTHESIS_EXAMPLES` (default 400; CI runs the default, derandomised, so
the file runs well over 2,000 examples the same way every time). `LEGIBLE_FUZZ_EXAMPLES`
switches to the fuzz profile (`make fuzz`): that many examples per test, a fresh random seed
each run.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterator, Sequence
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from starlette.testclient import TestClient

from service import Settings, create_app
from service.middleware.security import CSP
from service.preferences import parse_cookie
from service.themes import data_dir, load_themes
from service.views.common import MAX_URL
from tests.support.rawasgi import Headers, Reply, exchange, to_bytes

# -- examples and profiles ------------------------------------------------------------------
_FUZZ = os.environ.get("LEGIBLE_FUZZ_EXAMPLES", "").strip()
EXAMPLES = int(_FUZZ or os.environ.get("HYPOTHESIS_EXAMPLES", "").strip() or 400)
FEW = max(25, EXAMPLES // 8)  # the over-long properties: every example costs a 4-20 KB request


def _profile(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=not _FUZZ,  # CI: the same examples every run; fuzz: new ones each run
        database=None,
        print_blob=True,
    )


MANY = _profile(EXAMPLES)
SOME = _profile(FEW)

TOKEN = "tok"
ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
MARKER = "h0stile"  # every forged host name carries it; no page ever may


class Raw:
    """`raw.request(method, target, headers, body)` on the client's event loop, from
    one client address (the admin API's bad-token limit counts per address)."""

    def __init__(self, client: TestClient, address: str = "203.0.113.9") -> None:
        self.client = client
        self.app = client.app
        self.address = address

    def request(
        self,
        method: str,
        target: str | bytes,
        headers: Headers = (),
        body: bytes | Sequence[bytes] = b"",
    ) -> Reply:
        chunks = [body] if isinstance(body, bytes) else list(body)
        portal = self.client.portal
        assert portal is not None, "enter the TestClient first"
        return portal.call(
            exchange, self.app, method, to_bytes(target), headers, chunks, self.address
        )

    def get(self, target: str | bytes, headers: Headers = ()) -> Reply:
        return self.request("GET", target, headers)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("fuzz") / "t.db"
    app = create_app(Settings(demo=True, db=str(db), admin_token=TOKEN, max_body_mb=2))
    with TestClient(app, raise_server_exceptions=True, follow_redirects=False) as c:
        assert c.get(ARTICLE).status_code == 200
        yield c


@pytest.fixture(scope="module")
def raw(client: TestClient) -> Raw:
    return Raw(client)


@pytest.fixture(autouse=True)
def _healthy_after(raw: Raw) -> Iterator[None]:
    yield
    assert raw.get("/healthz").status == 200, "the service is unhealthy after the test"


def check(reply: Reply, method: str = "GET") -> None:
    """What every answer to every request must satisfy."""
    if currently_in_test_context():
        event(f"{method} {reply.status}")  # shown by --hypothesis-show-statistics
    assert reply.status < 500, f"{reply.status}: {reply.body[:300]!r}"
    for name, value in reply.headers:
        assert "\r" not in value and "\n" not in value, f"header {name} splits: {value!r}"
    if 300 <= reply.status < 400 and reply.status != 304:
        location = reply.header("location")
        assert location is not None, "a redirect without Location"
        assert location.startswith("/"), f"redirect off the site: {location!r}"
        assert not location.startswith(("//", "/\\")), f"redirect off the site: {location!r}"
    if method == "GET" and reply.status >= 400:
        assert reply.body, f"an empty {reply.status}"
    if (reply.header("content-type") or "").startswith("text/html"):
        assert reply.headers_named("content-security-policy") == [CSP]
    assert MARKER not in reply.body.decode("utf-8", "replace")
    assert not any(MARKER in v for _, v in reply.headers)


def healthy(raw: Raw) -> None:
    health = raw.get("/healthz")
    assert health.status == 200, health.body
    assert json.loads(health.body)["status"] == "ok"


# -- strategies -------------------------------------------------------------------------------
SAFE = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@%[]{}|^`<>\"\\"


def _percent(data: bytes) -> str:
    return "".join(f"%{b:02x}" if i % 2 else f"%{b:02X}" for i, b in enumerate(data))


path_piece = st.one_of(
    st.sampled_from(
        [
            "..",
            ".",
            "%2e%2e",
            "%2E%2e",
            "%2f",
            "%2F",
            "%5c",
            "\\",
            "%00",
            "%ff%fe",
            "%c0%ae",
            "%c0%af",
            "%e2%80%ae",
            "%ed%a0%80",
            "%0d%0aSet-Cookie:%20x=1",
            "//",
            "~",
            ";x=1",
            "thu-vien-thanh-pho-mo-cua-den-21-gio",
            "THU-VIEN-THANH-PHO-MO-CUA-DEN-21-GIO",
            "legible.css",
            "demo",
            "widget.js",
            "legible-widget.0.js",
            "%E1%BB%87",
            "%2525",
            "etc",
            "passwd",
            "%252e%252e",
            "..;",
            "%3f",
            "%23",
            "*",
            "index.html",
        ]
    ),
    st.text(alphabet=SAFE, max_size=24),
    st.binary(min_size=1, max_size=12).map(_percent),
    st.integers(min_value=100, max_value=20_000).map(lambda n: "a" * n),
)
path_prefix = st.sampled_from(
    [
        "/", "/articles/", "/static/", "/static/demo/", "/assets/", "/widget/", "/api/articles/",
        "/search/", "/preferences/", "//", "/healthz/", "/widget.js/", "/%2e%2e/", "/articles",
    ]
)  # fmt: skip


@st.composite
def paths(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(path_piece, max_size=6))
    glue = draw(st.sampled_from(["/", "", "/./", "//"]))
    return draw(path_prefix) + glue.join(pieces)


FTS = [
    '"', '""', '"unterminated', "*", "a*", "*a", "NEAR(", "NEAR(a b, 2)", "NEAR(a", "AND", "OR",
    "NOT", "a AND OR NOT b", "-", "-a", "^", "^a", "col:", "title:", "title:x", "body:x",
    "{title summary}: x", "(", ")", "((a)", "a + b", "'", "\\", "%", "_", "\x00", "\u0000x",
    ":", ",", ".", "đ", "Viện kiểm sát", "vien kiem sat", "kiem sa", "thư viện", "²", "①",
    "\u202e", "\ufeff", "\ud7ff", "\U0001f600", "<script>alert(1)</script>", "&amp;", "a" * 201,
]  # fmt: skip
THEMES = [
    "default", "dark", "DARK", "high-contrast", "high_contrast", "high contrast",
    "high-contrast-light", "sepia", "", " dark ", "../themes/dark", "dark\x00", "dark.toml",
    "base", "Sepia%", "ｄａｒｋ", "dark;", "x" * 50,
]  # fmt: skip
SIZES = [
    "100", "125", "150", "175", "200", "150%", "150 %", " 150", "0", "-100", "1e2", "99999",
    "１５０", "²", "³", "¹⁵⁰", "١٥٠", "150.0", "0x96", "", "+150", "200%%", "9" * 30,
]  # fmt: skip
SPACING = ["1", "0", "on", "off", "true", "TRUE", "yes", "no", "", "2", "-1", "١", "²", "x"]
PAGES = ["1", "2", "0", "-1", "1e3", "999999", "9999999", "²", "①", "２", "abc", "", " 3 "]
NAMES = [
    "q", "theme", "size", "spacing", "page", "back", "return", "x", "", "Theme", "q[]",
    "theme ", "utm_source", "cur_theme", "cur_size",
]  # fmt: skip

param_value = st.one_of(
    st.sampled_from(FTS + THEMES + SIZES + SPACING + PAGES),
    st.text(max_size=30),
    st.text(alphabet=string.printable, max_size=60),
)
param_name = st.one_of(st.sampled_from(NAMES), st.text(max_size=8))


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    """Mostly well-formed (duplicates welcome), sometimes raw bytes a browser never sends."""
    pairs = draw(st.lists(st.tuples(param_name, param_value), max_size=6))
    if draw(st.booleans()):
        return urlencode(pairs)
    parts = []
    for name, value in pairs:
        enc = draw(st.sampled_from(["quote", "plus", "percent-bytes"]))
        if enc == "percent-bytes":
            parts.append(f"{quote(name)}={_percent(value.encode('utf-8', 'surrogatepass'))}")
        else:
            parts.append(
                f"{quote(name, safe='')}={quote(value, safe='' if enc == 'quote' else '+')}"
            )
    junk = draw(st.sampled_from(["", "&", "&&", "=", ";", "%", "%zz", "%ff", "+", "?", "a=%"]))
    return "&".join(parts) + junk


ROUTES = ["/", "/search", ARTICLE, "/preferences", "/articles/no-such-article", "/healthz"]


def _latin1(max_size: int) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=max_size).map(
        lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")
    )


cookie_value = st.one_of(
    st.sampled_from(
        [
            "dark.150.1",
            '"dark.150.1"',
            '"dark.150.1',
            "dark.150",
            "dark.150.1.x",
            "..",
            ".100.0",
            "DARK.125.on",
            "nope.150.1",
            "dark.².0",
            "dark.١٥٠.0",
            "dark.150.²",
            "x" * 4096,
            "high-contrast.200.1",
            "a=b",
            "\\",
            '"',
            "%22dark.150.1%22",
            "",
        ]
    ),
    st.text(alphabet=string.printable.replace("\r", "").replace("\n", ""), max_size=80),
)


@st.composite
def cookie_headers(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["pref", "pref-twice", "junk", "bytes", "big"]))
    if kind == "bytes":
        return draw(_latin1(200))
    if kind == "big":
        return b"legible_pref=" + b"x" * draw(st.integers(4000, 8000))
    value = draw(cookie_value).encode("latin-1", "replace")
    if kind == "pref":
        return b"legible_pref=" + value
    if kind == "pref-twice":
        return b"legible_pref=" + value + b"; legible_pref=sepia.100.0"
    return (
        draw(st.sampled_from([b";;;", b"=", b"a", b"=; =;", b"a=b; c"]))
        + b"; legible_pref="
        + value
    )


coding = st.sampled_from(
    ["br", "gzip", "identity", "*", "deflate", "zstd", "BR", "x-gzip", "", " "]
)
qvalue = st.sampled_from(
    ["", ";q=0", ";q=1", ";q=0.5", ";q=nan", ";q=inf", ";q=-1", ";q=1e999", ";q=", ";q=abc",
     ";;", ";q=0.001", ";Q=0", ";q=1;q=0", ";level=1", ";q=1.0001", ";q=0x1"]
)  # fmt: skip
accept_encoding = st.one_of(
    st.lists(st.tuples(coding, qvalue).map("".join), max_size=6).map(", ".join).map(str.encode),
    st.sampled_from([b"*;q=0", b"identity;q=0", b"br;q=0, gzip;q=0, identity;q=0", b"*"]),
    _latin1(120),
)
if_none_match = st.one_of(
    st.sampled_from([b"*", b"W/*", b'""', b'"', b"W/", b",,,", b'"x", W/"y"', b"* , *"]),
    st.lists(st.sampled_from(['"abc"', 'W/"abc"', "*", "garbage", '"1234-br"']), max_size=5)
    .map(", ".join)
    .map(str.encode),
    st.integers(100, 3000).map(lambda n: b", ".join([b'"x"'] * n)),
    _latin1(120),
)
range_header = st.one_of(
    st.sampled_from(
        [
            b"bytes=0-0",
            b"bytes=-1",
            b"bytes=1-0",
            b"bytes=0-",
            b"bytes=99999999999999999999-",
            b"items=1-2",
            b"bytes=",
            b"bytes=-",
            b"bytes=0-1,2-3,4-5",
            b"bytes=a-b",
        ]
    ),
    st.integers(10, 2000).map(lambda n: b"bytes=" + b",".join([b"0-1"] * n)),
    _latin1(60),
)
host_header = st.one_of(
    st.sampled_from(
        [
            f"evil-{MARKER}.example",
            f"evil-{MARKER}.example:99999",
            f"[::1{MARKER}",
            f"{MARKER}",
            f"testserver@{MARKER}.example",
            f"a b {MARKER}",
            "",
            "testserver",
            "localhost:0",
        ]
    ).map(str.encode),
    st.integers(100, 5000).map(lambda n: MARKER.encode() + b"x" * n),
    _latin1(40).map(lambda b: MARKER.encode() + b),
)
forwarded = st.sampled_from(
    [
        ("x-forwarded-host", f"fwd-{MARKER}.example"),
        ("x-forwarded-proto", "gopher"),
        ("x-forwarded-for", f"{MARKER}, 1.2.3.4"),
        ("forwarded", f'host="{MARKER}.example";proto=https'),
        ("x-original-url", f"/{MARKER}"),
        ("x-rewrite-url", f"/{MARKER}"),
        ("x-forwarded-prefix", f"/{MARKER}"),
    ]
)


# -- properties ---------------------------------------------------------------------------------
@MANY
@given(
    method=st.sampled_from(
        ["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "FOO"]
    ),
    path=paths(),
    query=st.one_of(st.just(""), query_strings()),
)
def test_any_path_gets_an_answer_below_500(raw: Raw, method: str, path: str, query: str) -> None:
    target = path + (f"?{query}" if query else "")
    note(f"{method} {target[:300]}")
    reply = raw.request(method, target)
    check(reply, method)
    if method == "GET" and len(target) <= MAX_URL:
        assert reply.status in (200, 301, 302, 400, 401, 404, 405), reply.status
    healthy(raw)


@MANY
@given(route=st.sampled_from(ROUTES), query=query_strings())
def test_any_query_string_gets_an_answer_below_500(raw: Raw, route: str, query: str) -> None:
    note(f"GET {route}?{query}")
    reply = raw.get(f"{route}?{query}")
    check(reply)
    assert reply.status in (200, 301, 302, 400, 404, 414), reply.status
    healthy(raw)


@MANY
@given(
    q=st.lists(st.one_of(st.sampled_from(FTS), st.text(max_size=12)), min_size=1, max_size=5),
    page=st.one_of(st.none(), st.sampled_from(PAGES)),
    theme=st.one_of(st.none(), st.sampled_from(THEMES)),
    size=st.one_of(st.none(), st.sampled_from(SIZES)),
)
def test_search_takes_any_fts5_syntax(
    raw: Raw, q: list[str], page: str | None, theme: str | None, size: str | None
) -> None:
    params = [("q", " ".join(q))]
    params += [(k, v) for k, v in (("page", page), ("theme", theme), ("size", size)) if v]
    target = "/search?" + urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in params])
    note(target)
    reply = raw.get(target)
    check(reply)
    assert reply.status in (200, 301, 400, 414), reply.status
    if reply.status == 200:
        assert b"<main" in reply.body
    healthy(raw)


@MANY
@given(
    route=st.sampled_from([*ROUTES, "/widget.js", "/?theme=dark&size=150", "/articles/x?theme=no"]),
    method=st.sampled_from(["GET", "GET", "HEAD"]),
    cookie=st.one_of(st.none(), cookie_headers()),
    accept=st.one_of(st.none(), accept_encoding),
    inm=st.one_of(st.none(), if_none_match),
    byte_range=st.one_of(st.none(), range_header),
    host=st.one_of(st.none(), host_header),
    extra=st.lists(forwarded, max_size=3),
)
def test_any_headers_get_an_answer_below_500(
    raw: Raw,
    route: str,
    method: str,
    cookie: bytes | None,
    accept: bytes | None,
    inm: bytes | None,
    byte_range: bytes | None,
    host: bytes | None,
    extra: list[tuple[str, str]],
) -> None:
    headers: list[tuple[str | bytes, str | bytes]] = [("host", host or b"testserver")]
    for name, value in (
        ("cookie", cookie),
        ("accept-encoding", accept),
        ("if-none-match", inm),
        ("range", byte_range),
    ):
        if value is not None:
            headers.append((name, value))
    headers.extend(extra)
    note(repr(headers)[:600])
    # Twice: the first answer may be a miss that fills the cache, the second a hot-path hit.
    for _ in range(2):
        reply = raw.request(method, route, headers)
        check(reply, method)
        assert reply.status in (200, 301, 302, 304, 400, 404, 406), reply.status
        if reply.status == 406:
            assert accept is not None
        if reply.status == 304:
            assert inm is not None and reply.body == b""
    healthy(raw)


# -- admin API bodies ---------------------------------------------------------------------------
DATES = [
    "2023-09-21", "2023-02-30", "2023-02-29", "2024-02-29", "2023-13-01", "2023-00-10",
    "2023-09-31", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "2023-9-21",
    "21/09/2023", "2023-09-21T08:00:00+07:00", "2023-09-21T24:00:00", "2023-09-21T23:59:60",
    "2023-09-21T08:00:00+99:00", "2023-09-21Z", "2023-09-21T08:00:00Z", "2023-W38-4",
    "20230921", "２０２３-09-21", "", " ", "null", "1e9", "2023-09-21\n", "2023-09-21\x00",
]  # fmt: skip
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
text_or_junk = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(["Tin <b>mới</b>", "<script>alert(1)</script>", "x" * 501, "  ", "đ"]),
    junk,
)
html_or_junk = st.one_of(
    st.sampled_from(
        [
            "<p>Nội dung</p>",
            "<script>alert(1)</script>",
            "<p onclick=x>a</p>",
            "<h1>h</h1>",
            "",
            "<svg onload=alert(1)>",
            "<style>*{}</style>",
            "<p>" * 2000,
            "<!-- x -->",
            "&#0;",
        ]
    ),
    st.text(max_size=80),
    junk,
)
article_body = st.fixed_dictionaries(
    {
        "title": text_or_junk,
        "published": st.one_of(st.sampled_from(DATES), junk),
        "body_html": html_or_junk,
    },
    optional={
        "slug": st.one_of(st.sampled_from(["a/b", "A", "a--b", "-a", "a-", "x" * 121, "đ"]), junk),
        "lang": st.one_of(st.sampled_from(["vi", "en", "en-GB", "x", "en\n", "vi-VN-x-abc"]), junk),
        "summary": text_or_junk,
        "byline": text_or_junk,
        "tags": st.one_of(st.lists(st.text(max_size=8), max_size=4), junk),
        "updated": st.one_of(st.sampled_from(DATES), junk),
        "revision": junk,
        "extra": junk,
    },
)


def _encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


api_body = st.one_of(
    article_body.map(_encode),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.floats(), st.text(max_size=10)),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    ).map(_encode),
    article_body.map(_encode).flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])),
    st.binary(max_size=200),
    st.sampled_from([b"", b"null", b"[]", b"{}", b"NaN", b'"x"', b"{" * 50, b"\xef\xbb\xbf{}"]),
)
api_slug = st.one_of(
    st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}", fullmatch=True).map(lambda s: "f-" + s),
    st.sampled_from(
        [
            "a/b",
            "a%2Fb",
            "a%2fb",
            "A",
            "a--b",
            "-a",
            "a-",
            "%00",
            "..",
            "%2e%2e",
            "x" * 121,
            "%C4%91",
            "a%0A",
            "a%20b",
            "a.b",
            "a_b",
            "%ff",
            "",
        ]
    ),
)
auth = st.one_of(
    st.just(f"Bearer {TOKEN}"),
    st.just(f"Bearer {TOKEN}"),
    st.just(f"Bearer {TOKEN}"),
    st.sampled_from(
        [
            "",
            "Bearer",
            "Bearer ",
            f"bearer {TOKEN}",
            f"Bearer  {TOKEN} ",
            f"Basic {TOKEN}",
            "Bearer tok2",
            "Bearer to",
            f"Bearer {TOKEN}\x00",
            "Bearer \xff",
            f"{TOKEN}",
        ]
    ),
)


@MANY
@given(
    method=st.sampled_from(["PUT", "PUT", "PUT", "DELETE", "GET", "POST"]),
    slug=api_slug,
    authorization=auth,
    body=api_body,
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; x"]),
)
def test_admin_api_answers_bad_bodies_with_4xx(
    raw: Raw, method: str, slug: str, authorization: str, body: bytes, content_type: str
) -> None:
    headers = [("authorization", authorization.encode("latin-1")), ("content-type", content_type)]
    headers.append(("content-length", str(len(body))))
    note(f"{method} /api/articles/{slug} {body[:300]!r}")
    reply = raw.request(method, f"/api/articles/{slug}", headers, body)
    check(reply, method)
    # 429: the bad-token limit (admin_auth.py) refuses an address after repeated bad tokens
    assert reply.status in (200, 201, 204, 401, 404, 405, 413, 422, 429), reply.status
    if reply.status == 422:
        errors = json.loads(reply.body)["errors"]
        assert isinstance(errors, dict) and errors
    if reply.status in (200, 201):
        # What was accepted must render, be listed and be searchable, then go away again.
        stored = json.loads(reply.body)["slug"]
        for page in (f"/articles/{stored}", "/", "/search?q=" + quote(stored.replace("-", " "))):
            shown = raw.get(page)
            check(shown)
            assert shown.status == 200, (page, shown.status)
        gone = raw.request("DELETE", f"/api/articles/{stored}", [headers[0]])
        assert gone.status == 204
    healthy(raw)


# -- the preferences form ----------------------------------------------------------------------
form_field = st.sampled_from(
    ["theme", "size", "spacing", "return", "cur_theme", "cur_size", "cur_spacing", "x", ""]
)
return_value = st.sampled_from(
    ["/", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
     "/articles/x?theme=dark&q=1", "/search?q=a&size=999", "\\\\evil", "/%0d%0aSet-Cookie:x=1",
     "/\x00", " /", "/" + "a" * 2100, "/?" + "a=b&" * 600, "", "http:/x", "/\t/evil.example"]
)  # fmt: skip


@MANY
@given(
    pairs=st.lists(
        st.tuples(form_field, st.one_of(param_value, return_value, st.sampled_from(SIZES))),
        max_size=8,
    ),
    raw_junk=st.one_of(st.just(b""), _latin1(40), st.sampled_from([b"&%ff=%fe", b"=&=&", b"%"])),
    back=st.one_of(st.none(), return_value, st.text(max_size=20)),
)
def test_preferences_form_never_fails(
    raw: Raw, pairs: list[tuple[str, str]], raw_junk: bytes, back: str | None
) -> None:
    body = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in pairs]).encode()
    body += raw_junk
    headers = [("content-type", "application/x-www-form-urlencoded")]
    note(repr(body[:400]))
    reply = raw.request("POST", "/preferences", headers, body)
    check(reply, "POST")
    assert reply.status in (303, 400), reply.status
    if reply.status == 303:
        cookie = reply.header("set-cookie") or ""
        value = cookie.removeprefix("legible_pref=").split(";")[0]
        assert parse_cookie(value, load_themes(data_dir("themes"))) is not None, cookie
    if back is not None:
        form = raw.get("/preferences?" + urlencode({"back": back.encode("utf-8", "surrogatepass")}))
        check(form)
        assert form.status in (200, 301, 400, 414)
        text = form.body.decode()
        assert "evil.example" not in text and "javascript:" not in text
    healthy(raw)


# -- over-long input ---------------------------------------------------------------------------
LONG = st.integers(min_value=MAX_URL + 1, max_value=20_000)


@SOME
@given(
    route=st.sampled_from([*ROUTES[:-1], "/?theme=dark"]),
    n=LONG,
    name=st.sampled_from(["x", "q", "theme"]),
)
def test_overlong_query_gets_414_or_400_with_a_page(
    raw: Raw, route: str, n: int, name: str
) -> None:
    sep = "&" if "?" in route else "?"
    reply = raw.get(f"{route}{sep}{name}={'a' * n}")
    check(reply)
    assert reply.status in (400, 414), reply.status
    assert b"<h1>" in reply.body
    assert (reply.header("content-type") or "").startswith("text/html")
    healthy(raw)


@SOME
@given(
    prefix=st.sampled_from(["/articles/", "/", "/static/", "/widget/", "/assets/", "/search/"]),
    n=LONG,
)
def test_overlong_path_gets_414_or_400_with_a_page(raw: Raw, prefix: str, n: int) -> None:
    reply = raw.get(prefix + "a" * n)
    check(reply)
    assert reply.status in (400, 413, 414), f"a {n}-character path got {reply.status}"
    assert reply.body
    healthy(raw)


def test_twelve_megabyte_api_body_gets_413_declared_or_streamed(raw: Raw) -> None:
    """Once, not per example: 12 MB against a 2 MB limit, with and without Content-Length.
    From an address of its own: the fuzzing's bad tokens may have the shared one at 429."""
    raw = Raw(raw.client, address="198.51.100.12")
    chunk = b"x" * (64 * 1024)
    chunks = [chunk] * (12 * 16)
    auth_header = ("authorization", f"Bearer {TOKEN}")
    declared = raw.request(
        "PUT",
        "/api/articles/big",
        [auth_header, ("content-length", str(12 * 1024 * 1024))],
        chunks,
    )
    check(declared, "PUT")
    assert declared.status == 413 and b"MB" in declared.body
    streamed = raw.request(
        "PUT", "/api/articles/big", [auth_header, ("transfer-encoding", "chunked")], chunks
    )
    check(streamed, "PUT")
    assert streamed.status == 413 and b"MB" in streamed.body
    lying = raw.request(
        "PUT", "/api/articles/big", [auth_header, ("content-length", "10")], chunks
    )  # a Content-Length that lies low must not let the body through
    assert lying.status == 413
    form = raw.request("POST", "/preferences", [("content-length", "99999999")], chunks[:4])
    check(form, "POST")
    assert form.status in (400, 413) and form.body
    healthy(raw)
