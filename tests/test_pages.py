"""What a reader gets: a portal article page, the index, search, errors, and demo content."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from service.articles import Article
from service.site import SYNC_SECONDS
from service.store import open_store
from tests.support import portal_article as portal

if TYPE_CHECKING:
    from conftest import MakeClient, Node

Parse = Callable[[str], "Node"]

EN_SLUG = "how-to-change-text-size-and-contrast"


def article(doc: Node) -> Node:
    return doc.one("article")


def teasers(doc: Node) -> list[Node]:
    """The listed articles in <main>: each <li> with a heading link."""
    return [li for li in doc.one("main").find_all("li") if li.find("h2")]


def teaser_slugs(doc: Node) -> list[str]:
    out = []
    for li in teasers(doc):
        href = li.one("h2").one("a").attrs["href"] or ""
        out.append(href.removeprefix("/articles/").split("?")[0])
    return out


def rel_links(doc: Node) -> dict[str, str]:
    return {
        a.attrs["rel"] or "": a.attrs["href"] or "" for a in doc.find_all("a") if "rel" in a.attrs
    }


@pytest.fixture
def portal_client(portal_db: str, make_client: MakeClient) -> TestClient:
    return make_client()


@pytest.fixture
def portal_page(portal_client: TestClient, portal_db: str, parse_html: Parse) -> Node:
    response = portal_client.get(f"/articles/{portal_db}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return parse_html(response.text)


@pytest.fixture
def demo_client(make_client: MakeClient) -> TestClient:
    return make_client(demo=True)


# -- a portal article page -----------------------------------------------------------------------
def test_title_is_the_only_h1(portal_page: Node) -> None:
    headings = portal_page.find_all("h1")
    assert [h.text for h in headings] == [portal.TITLE]
    assert article(portal_page) in headings[0].ancestors()
    assert portal.TITLE in portal_page.one("title").text


def test_date_is_a_time_element(portal_page: Node) -> None:
    times = article(portal_page).find_all("time")
    assert [(t.attrs["datetime"], t.text) for t in times] == [(portal.PUBLISHED, portal.DATE_LINE)]


def test_every_paragraph_is_on_the_page_in_reading_order(portal_page: Node) -> None:
    paragraphs = [p.text for p in article(portal_page).one("div", class_="body").find_all("p")]
    assert paragraphs == portal.PARAGRAPHS
    assert any(portal.KEY_SENTENCE in p for p in paragraphs)


def test_captions_are_figcaptions(portal_page: Node) -> None:
    captions = [f.text for f in article(portal_page).find_all("figcaption")]
    # Two of them are broken over two lines in the export: one caption each on the page.
    assert captions == portal.CAPTIONS
    for figcaption in article(portal_page).find_all("figcaption"):
        assert figcaption.parent is not None and figcaption.parent.tag == "figure"
    for p in article(portal_page).find_all("p"):
        assert p.text not in captions


def test_byline(portal_page: Node) -> None:
    byline = article(portal_page).one("p", class_="byline")
    assert byline.text.endswith(portal.BYLINE)
    assert portal.BYLINE not in article(portal_page).one("div", class_="body").text


def test_no_portal_chrome_in_the_article(portal_page: Node) -> None:
    text = article(portal_page).text
    for chrome in portal.CHROME:
        assert chrome not in text, chrome
    assert portal.DATE_LINE not in article(portal_page).one("div", class_="body").text


def test_page_is_vietnamese_with_skip_link_and_landmarks(portal_page: Node) -> None:
    html = portal_page.one("html")
    assert html.attrs["lang"] == "vi"
    body = portal_page.one("body")
    first_link = body.find("a")
    assert first_link is not None and first_link.attrs["href"] == "#main"
    assert first_link.text  # it says where it goes
    target = portal_page.one(id="main")
    assert target.tag == "main"
    assert len(portal_page.find_all("main")) == 1
    header = portal_page.find("header")
    footer = portal_page.find("footer")
    assert header is not None and footer is not None
    assert header.find("nav") is not None
    assert header.parent is body and footer.parent is body and target.parent is body
    assert article(portal_page) in list(target.iter())


def test_an_english_article_on_a_vietnamese_site_keeps_the_sites_chrome(
    demo_client: TestClient, parse_html: Parse
) -> None:
    """The chrome speaks the site's language; the article says it is in English."""
    response = demo_client.get(f"/articles/{EN_SLUG}")
    assert response.status_code == 200
    doc = parse_html(response.text)
    assert doc.one("html").attrs["lang"] == "vi"
    assert article(doc).attrs["lang"] == "en"
    assert doc.one("h1").text == "How to change text size and contrast"
    assert doc.one("a", class_="skip").text == "Bỏ qua, đến nội dung chính"
    chrome = doc.one("header").text + " " + doc.one("footer").text
    for vietnamese in ("Tùy chọn hiển thị", "Cỡ chữ", "Tương phản", "Tìm kiếm"):
        assert vietnamese in chrome, vietnamese
    for english in ("Skip to main content", "Display options", "Text size", "Search"):
        assert english not in chrome, english
    # The chrome's words inside the English article say they are Vietnamese.
    label = article(doc).one("span", class_="label")
    assert (label.text, label.attrs.get("lang")) == ("Ngày đăng:", "vi")


def test_a_restart_in_english_speaks_english_and_marks_vietnamese_articles(
    make_client: MakeClient, parse_html: Parse
) -> None:
    """The same store, restarted with LEGIBLE_SITE_LANG=en: English chrome everywhere,
    and a Vietnamese article (and its teaser) keeps lang="vi"."""
    slug = "thu-vien-thanh-pho-mo-cua-den-21-gio"
    vi_site = make_client(demo=True)
    assert parse_html(vi_site.get(f"/articles/{slug}").text).one("html").attrs["lang"] == "vi"
    en_site = make_client(site_lang="en")  # the demo articles are in the store now
    doc = parse_html(en_site.get(f"/articles/{slug}").text)
    assert doc.one("html").attrs["lang"] == "en"
    assert article(doc).attrs["lang"] == "vi"
    assert doc.one("a", class_="skip").text == "Skip to main content"
    assert "Display options" in doc.one("header").text
    assert "Cỡ chữ" not in doc.one("header").text
    assert "Tùy chọn hiển thị" not in doc.one("header").text
    label = article(doc).one("span", class_="label")
    assert (label.text, label.attrs.get("lang")) == ("Published:", "en")
    english = parse_html(en_site.get(f"/articles/{EN_SLUG}").text)
    assert "lang" not in article(english).attrs  # the page's own language: nothing to say
    front = parse_html(en_site.get("/").text)
    assert front.one("h1").text == "Latest news"
    langs = {teaser.one("a").text: teaser.attrs.get("lang") for teaser in teasers(front)}
    assert langs["How to change text size and contrast"] == "en"
    assert list(langs.values()).count("vi") == 5


def test_vietnamese_demo_article_keeps_vietnamese_ui(
    demo_client: TestClient, parse_html: Parse
) -> None:
    doc = parse_html(demo_client.get("/articles/thu-vien-thanh-pho-mo-cua-den-21-gio").text)
    assert doc.one("html").attrs["lang"] == "vi"
    assert "Cỡ chữ" in doc.one("header").text
    assert "Text size" not in doc.text


def test_uppercase_slug_redirects_to_lowercase(portal_client: TestClient, portal_db: str) -> None:
    response = portal_client.get(f"/articles/{portal_db.upper()}")
    assert response.status_code == 301
    assert response.headers["location"] == f"/articles/{portal_db}"
    mixed = portal_client.get(f"/articles/{portal_db.capitalize()}?theme=dark")
    assert mixed.status_code == 301
    assert mixed.headers["location"] == f"/articles/{portal_db}?theme=dark"
    assert portal_client.get(mixed.headers["location"]).status_code == 200


# -- demo content and an empty store --------------------------------------------------------------
def test_fresh_database_loads_the_demo_articles(
    demo_client: TestClient, db_path: Path, parse_html: Parse
) -> None:
    doc = parse_html(demo_client.get("/").text)
    items = teasers(doc)
    assert len(items) == 6
    assert [li.attrs["lang"] for li in items].count("en") == 1
    found = open_store(db_path)
    try:
        assert found.count() == 6
        langs = [a.lang for a in found.all()]
    finally:
        found.close()
    assert langs.count("en") == 1 and langs.count("vi") == 5

    figures_with_alt = 0
    for slug in teaser_slugs(doc):
        page = parse_html(demo_client.get(f"/articles/{slug}").text)
        for figure in article(page).find_all("figure"):
            for img in figure.find_all("img"):
                assert (img.attrs.get("alt") or "").strip(), slug
                figures_with_alt += 1
    assert figures_with_alt >= 1


def test_demo_images_are_served(demo_client: TestClient, parse_html: Parse) -> None:
    page = parse_html(demo_client.get(f"/articles/{EN_SLUG}").text)
    srcs = [img.attrs["src"] or "" for img in article(page).find_all("img")]
    assert srcs
    for src in srcs:
        response = demo_client.get(src)
        assert response.status_code == 200, src
        assert response.headers["content-type"].startswith("image/")


def test_demo_loads_only_into_an_empty_store(db_path: Path, make_client: MakeClient) -> None:
    make_client(demo=True)
    make_client(demo=True)  # a second start: nothing duplicated or re-added
    found = open_store(db_path)
    try:
        assert found.count() == 6
        assert all(revision == 1 for _, revision in found.revisions())
    finally:
        found.close()


def test_demo_is_not_added_to_a_store_with_articles(
    portal_db: str, make_client: MakeClient
) -> None:
    client = make_client(demo=True)
    assert client.get(f"/articles/{EN_SLUG}").status_code == 404
    assert client.get(f"/articles/{portal_db}").status_code == 200


def test_without_demo_the_store_stays_empty(
    make_client: MakeClient, db_path: Path, parse_html: Parse
) -> None:
    client = make_client(demo=False)
    response = client.get("/")
    assert response.status_code == 200
    doc = parse_html(response.text)
    assert teasers(doc) == []
    assert doc.one("h1").text.strip() == "Chưa có bài viết nào"
    found = open_store(db_path)
    try:
        assert found.count() == 0
    finally:
        found.close()


# -- index and pagination -------------------------------------------------------------------------
@pytest.fixture
def many_client(db_path: Path, make_client: MakeClient) -> TestClient:
    """25 articles, one a day from 2024-01-01: `bai-01` is the oldest, `bai-25` the newest."""
    writer = open_store(db_path)
    try:
        for n in range(1, 26):
            writer.put(
                Article(
                    slug=f"bai-{n:02d}",
                    title=f"Thư viện tin số {n}",
                    published=f"2024-01-{n:02d}",
                    body_html=f"<p>Tin thư viện số {n}.</p>",
                )
            )
    finally:
        writer.close()
    return make_client()


def test_index_lists_newest_first(demo_client: TestClient, parse_html: Parse) -> None:
    doc = parse_html(demo_client.get("/").text)
    dates = [li.one("time").attrs["datetime"] or "" for li in teasers(doc)]
    assert dates == sorted(dates, reverse=True)
    assert teaser_slugs(doc)[0] == EN_SLUG  # 2024-06-14, the newest demo article
    assert doc.one("h1").text == "Tin mới nhất"


def test_index_paginates(many_client: TestClient, parse_html: Parse) -> None:
    one = parse_html(many_client.get("/").text)
    assert teaser_slugs(one) == [f"bai-{n:02d}" for n in range(25, 15, -1)]
    assert rel_links(one) == {"next": "/?page=2"}

    two_response = many_client.get("/?page=2")
    assert two_response.status_code == 200
    two = parse_html(two_response.text)
    assert teaser_slugs(two) == [f"bai-{n:02d}" for n in range(15, 5, -1)]
    assert rel_links(two) == {"prev": "/", "next": "/?page=3"}
    assert "Trang 2 / 3" in two.one("main").text

    three = parse_html(many_client.get("/?page=3").text)
    assert teaser_slugs(three) == [f"bai-{n:02d}" for n in range(5, 0, -1)]
    assert rel_links(three) == {"prev": "/?page=2"}


def test_pagination_keeps_the_variant(many_client: TestClient, parse_html: Parse) -> None:
    doc = parse_html(many_client.get("/?page=2&theme=dark&size=150").text)
    assert rel_links(doc) == {
        "prev": "/?theme=dark&size=150",
        "next": "/?page=3&theme=dark&size=150",
    }


@pytest.mark.parametrize("page", ["4", "99", "999999"])
def test_a_page_past_the_end_is_404(many_client: TestClient, parse_html: Parse, page: str) -> None:
    response = many_client.get(f"/?page={page}")
    assert response.status_code == 404
    doc = parse_html(response.text)
    assert doc.one("h1").text
    assert doc.one("main").find("a", href="/") is not None


@pytest.mark.parametrize("page", ["0", "abc", "-1", "1.5", "", "1e3", "9999999"])
def test_a_bad_page_number_is_400(many_client: TestClient, parse_html: Parse, page: str) -> None:
    response = many_client.get(f"/?page={page}")
    assert response.status_code == 400
    doc = parse_html(response.text)
    assert "page" in doc.one("main").text


def test_page_one_is_the_bare_index(many_client: TestClient) -> None:
    response = many_client.get("/?page=1")
    assert response.status_code == 301
    assert response.headers["location"] == "/"


# -- search ---------------------------------------------------------------------------------------
def test_search_results_page(portal_client: TestClient, portal_db: str, parse_html: Parse) -> None:
    response = portal_client.get("/search?q=vien+kiem+sat")
    assert response.status_code == 200
    doc = parse_html(response.text)
    assert "vien kiem sat" in doc.one("h1").text
    assert teaser_slugs(doc) == [portal_db]
    status = doc.one("main").one(role="status")
    assert "1" in status.text
    marks = [m.text.lower() for m in doc.one("main").find_all("mark")]
    assert marks and set(marks) <= {"viện", "viên", "kiểm", "sát"}
    # The reader's query is kept in the search box.
    assert doc.one("input", id="q").attrs["value"] == "vien kiem sat"


def test_search_with_no_results(portal_client: TestClient, parse_html: Parse) -> None:
    response = portal_client.get("/search?q=zzqxv")
    assert response.status_code == 200
    doc = parse_html(response.text)
    assert teasers(doc) == []
    assert "zzqxv" in doc.one("main").one(role="status").text
    assert "Không tìm thấy" in doc.one("main").text


def test_search_with_an_empty_query(portal_client: TestClient, parse_html: Parse) -> None:
    response = portal_client.get("/search")
    assert response.status_code == 200
    doc = parse_html(response.text)
    assert teasers(doc) == []
    assert doc.one("h1").text == "Tìm kiếm"
    assert "Nhập từ khóa" in doc.one("main").text
    blank = portal_client.get("/search?q=+++")
    assert blank.status_code == 301
    assert blank.headers["location"] == "/search"


def test_search_paginates(many_client: TestClient, parse_html: Parse) -> None:
    one = parse_html(many_client.get("/search?q=thu+vien").text)
    assert len(teasers(one)) == 10
    assert "25" in one.one("main").one(role="status").text
    assert rel_links(one) == {"next": "/search?q=thu+vien&page=2"}
    two = parse_html(many_client.get("/search?q=thu+vien&page=2").text)
    assert len(teasers(two)) == 10
    assert rel_links(two) == {"prev": "/search?q=thu+vien", "next": "/search?q=thu+vien&page=3"}
    three = parse_html(many_client.get("/search?q=thu+vien&page=3").text)
    assert len(teasers(three)) == 5
    seen = teaser_slugs(one) + teaser_slugs(two) + teaser_slugs(three)
    assert sorted(seen) == [f"bai-{n:02d}" for n in range(1, 26)]
    assert many_client.get("/search?q=thu+vien&page=0").status_code == 400


@pytest.mark.parametrize(
    "query", ['"', "NEAR(", "a AND", "OR", "-", "^", "title:", "((", "*", "vien*", "\\", "%00"]
)
def test_search_syntax_is_never_an_error(portal_client: TestClient, query: str) -> None:
    response = portal_client.get("/search", params={"q": query})
    assert response.status_code in (200, 301)
    if response.status_code == 301:
        assert portal_client.get(response.headers["location"]).status_code == 200


def test_an_overlong_query_is_400(portal_client: TestClient) -> None:
    response = portal_client.get("/search", params={"q": "a" * 201})
    assert response.status_code == 400


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/articles/khong-co-bai-nay",
        "/khong-co-trang-nay",
        "/articles/",
        "/articles/a/b",
        "/articles/%00",
        "/articles/" + "a" * 2000,
        "/articles/..%2F..%2Fetc%2Fpasswd",
        "/assets/khong-co.css",
        "/static/khong-co.svg",
        "/search/",
        "/api/khong-co",
    ],
)
def test_unknown_paths_get_a_real_404_page(
    portal_client: TestClient, parse_html: Parse, path: str
) -> None:
    response = portal_client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert "error" in response.json()
        return
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    doc = parse_html(response.text)
    assert doc.one("h1").text == "Không tìm thấy trang"
    assert doc.one("main").find("a", href="/") is not None
    assert doc.one("html").attrs["lang"] == "vi"


def test_a_404_keeps_the_reader_variant(portal_client: TestClient, parse_html: Parse) -> None:
    response = portal_client.get("/articles/khong-co?theme=dark&size=150")
    assert response.status_code == 404
    doc = parse_html(response.text)
    assert doc.one("html").attrs["data-theme"] == "dark"
    assert doc.one("main").find("a", href="/?theme=dark&size=150") is not None


STRANGE = [
    "/?theme=khong-co",
    "/?size=300",
    "/?size=abc",
    "/?spacing=maybe",
    "/articles/x?theme=%00",
    "/search?q=%FF%FE",
    "/search?q=" + "%F0%9F%98%80" * 10,
    "/?" + "a=1&" * 300,
    "/preferences?back=//evil.example/",
    "/healthz",
    "/widget.js",
]


@pytest.mark.parametrize("url", STRANGE)
def test_strange_requests_never_get_a_5xx(portal_client: TestClient, url: str) -> None:
    response = portal_client.get(url)
    assert response.status_code < 500, response.text[:200]


def test_unknown_variant_values_get_a_400_page_listing_the_valid_ones(
    portal_client: TestClient, parse_html: Parse
) -> None:
    response = portal_client.get("/?theme=khong-co")
    assert response.status_code == 400
    doc = parse_html(response.text)
    assert doc.one("h1").text
    text = doc.one("main").text
    assert "high-contrast" in text and "default" in text


# -- no inline script or style anywhere -----------------------------------------------------------
def inline_problems(doc: Node) -> list[str]:
    problems = []
    for node in doc.iter():
        if node.tag == "style":
            problems.append("<style> element")
        if node.tag == "script" and ("src" not in node.attrs or node.raw_text().strip()):
            problems.append("inline <script>")
        for name, value in node.attrs.items():
            if name == "style":
                problems.append(f"style= on <{node.tag}>")
            if name.startswith("on"):
                problems.append(f"{name}= on <{node.tag}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                problems.append(f"javascript: URL on <{node.tag}>")
    return problems


def test_no_page_has_inline_script_or_style(
    demo_client: TestClient, db_path: Path, portal_path: Path, parse_html: Parse
) -> None:
    from service.importers import import_paths

    writer = open_store(db_path)
    try:
        import_paths(writer, [portal_path])
        slugs = [a.slug for a in writer.all()]
    finally:
        writer.close()
    time.sleep(SYNC_SECONDS * 2)  # another process's commit is noticed within SYNC_SECONDS
    urls = ["/", "/search", "/search?q=thu+vien", "/search?q=zzqxv", "/preferences"]
    urls += ["/articles/khong-co", "/?theme=khong-co", "/?page=99", "/khong-co"]
    urls += [f"/articles/{slug}" for slug in slugs]
    urls += [f"/articles/{slugs[0]}?theme=high-contrast&size=200&spacing=1", "/?theme=sepia"]
    checked = 0
    for url in urls:
        response = demo_client.get(url)
        assert response.headers["content-type"].startswith("text/html"), url
        assert inline_problems(parse_html(response.text)) == [], url
        assert " style=" not in response.text and "<style" not in response.text, url
        checked += 1
    assert checked == len(urls) >= 16
    csp = demo_client.get("/").headers["content-security-policy"]
    assert "unsafe-inline" not in csp


def test_healthz_reports_ok(demo_client: TestClient) -> None:
    response = demo_client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.text)["status"] == "ok"


def test_import_while_serving_is_visible_on_the_next_request(
    make_client: MakeClient, db_path: Path, portal_path: Path, parse_html: Parse
) -> None:
    """An import by another process (the CLI) shows up without a restart."""
    from service.importers import import_paths

    client = make_client()
    writer = open_store(db_path)  # its own connection, like `legible import` in another process
    try:
        slug = import_paths(writer, [portal_path]).created[0]
    finally:
        writer.close()
    time.sleep(SYNC_SECONDS * 2)  # another process's commit is noticed within SYNC_SECONDS
    response = client.get(f"/articles/{slug}")
    assert response.status_code == 200
    assert parse_html(response.text).one("h1").text == portal.TITLE
    assert teaser_slugs(parse_html(client.get("/").text)) == [slug]


def test_index_cached_before_an_import_shows_it_after(
    make_client: MakeClient, db_path: Path, portal_path: Path, parse_html: Parse
) -> None:
    from service.importers import import_paths

    client = make_client()
    assert teasers(parse_html(client.get("/").text)) == []
    writer = open_store(db_path)
    try:
        slug = import_paths(writer, [portal_path]).created[0]
    finally:
        writer.close()
    time.sleep(SYNC_SECONDS * 2)  # another process's commit is noticed within SYNC_SECONDS
    assert teaser_slugs(parse_html(client.get("/").text)) == [slug]
    assert client.get(f"/articles/{slug}").status_code == 200
    found = parse_html(client.get("/search?q=pham+thu+hang").text)
    assert teaser_slugs(found) == [slug]


def test_summary_is_not_repeated_when_it_opens_the_body(
    portal_page: Node,
) -> None:
    first = article(portal_page).one("div", class_="body").find("p")
    assert first is not None
    summaries = article(portal_page).find_all("p", class_="summary")
    assert all(not first.text.startswith(s.text.removesuffix("…")) for s in summaries)


def test_dates_on_the_index_match_the_articles(demo_client: TestClient, parse_html: Parse) -> None:
    doc = parse_html(demo_client.get("/").text)
    for li in teasers(doc):
        stamp = li.one("time")
        iso = stamp.attrs["datetime"] or ""
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", iso)
        y, m, d = iso[:10].split("-")
        assert stamp.text == f"{d}/{m}/{y}"
