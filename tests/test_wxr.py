"""WordPress exports (WXR): WordPress's own importer test files (tests/fixtures/wordpress,
and theme-unit-test-data.xml when LEGIBLE_WORDPRESS_DATA names its folder), plus exports
written here for what those lack (trash, pending, Vietnamese slugs, shortcodes) and for
hostile XML."""

from __future__ import annotations

import html
import os
import re
import time
import zlib
from pathlib import Path

import httpcore
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from service.articles import validate
from service.cli import main
from service.errors import ImportFailed
from service.ingest.guard import GuardedBackend
from service.ingest.wxr import read_wxr
from service.store import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"


def theme_data() -> Path:
    """WordPress's theme-unit-test-data.xml, an external corpus: opt in by setting
    LEGIBLE_WORDPRESS_DATA to the folder holding it (docs/contributing/tests.md)."""
    folder = os.environ.get("LEGIBLE_WORDPRESS_DATA")
    if not folder:
        pytest.skip(
            "external corpus: set LEGIBLE_WORDPRESS_DATA to the folder holding"
            " WordPress's theme-unit-test-data.xml to run this"
        )
    path = Path(folder) / "theme-unit-test-data.xml"
    if not path.is_file():  # asked for and not there: a mistake to report, not to skip
        pytest.fail(f"LEGIBLE_WORDPRESS_DATA is set but {path} is missing", pytrace=False)
    return path


def published(path: Path, types: tuple[str, ...] = ("post",)) -> list[str]:
    """The titles of the published, titled, unprotected items of `types`, read with a plain
    XPath (not the importer), in file order."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    titles = []
    for item in tree.xpath("//item"):
        field = {etree.QName(c).localname: (c.text or "").strip() for c in item}
        if field.get("status") == "publish" and field.get("post_type") in types:
            title = html.unescape(re.sub(r"<[^>]*>", "", field.get("title", "")))
            if title.strip() and not field.get("post_password"):
                titles.append(" ".join(title.split()))
    return titles


def titles_of(path: Path, pages: bool = False) -> list[str]:
    return [a["title"] for a in read_wxr(path, pages).articles]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exports' photos point at their old sites: the import fetches them (as it
    must), and here no name resolves, so nothing leaves this machine."""

    async def nowhere(self: object, host: str, port: int, timeout: float | None = None) -> None:
        raise httpcore.ConnectError(f"{host}: no network in the tests")

    monkeypatch.setattr(GuardedBackend, "addresses", nowhere)


def run_import(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--db", str(tmp_path / "l.db"), "import", *args])
    return code, capsys.readouterr().out


# -- WordPress's own exports ----------------------------------------------------------------
def test_wxr_1_1_post_with_its_categories_tags_author_and_date() -> None:
    read = read_wxr(FIXTURES / "valid-wxr-1.1.xml")
    assert read.site == {"title": "Export Datasets", "link": "http://localhost/", "language": "en"}
    posts = list(read.articles)
    assert [p["title"] for p in posts] == published(FIXTURES / "valid-wxr-1.1.xml")
    post = posts[0]
    assert post["title"] == "Hello world!"
    assert post["slug"] == "hello-world"
    assert post["tags"] == ["alpha", "Clippable"]  # category + post_tag; not the custom term
    assert post["byline"] == "John Doe"  # dc:creator john, through wp:author
    assert post["published"] == "2010-10-16T20:53:18+00:00"  # post_date_gmt
    assert post["source_url"] == "http://localhost/?p=1"
    assert post["lang"] == "en"
    assert post["body_html"] == (
        "<p>Welcome to WordPress. This is your first post. Edit or delete it, then start"
        " blogging!</p>"
    )
    assert read.skipped == {"page": 1}
    assert validate(post).slug == "hello-world"


def test_pages_come_with_the_pages_flag() -> None:
    path = FIXTURES / "valid-wxr-1.1.xml"
    assert (
        titles_of(path, pages=True)
        == published(path, ("post", "page"))
        == [
            "Hello world!",
            "About",
        ]
    )


def test_block_editor_post_is_not_autopd_and_a_page_needs_the_flag() -> None:
    path = FIXTURES / "wxr-comprehensive.xml"
    read = read_wxr(path)
    assert read.site["language"] == "en-US"
    (post,) = read.articles
    assert [post["title"]] == published(path)
    assert post["body_html"].startswith(
        "<!-- wp:paragraph -->\n<p>This is a comprehensive post body used to validate the"
        " importer.</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:paragraph -->"
    )  # block content is already paragraphs: no <br /> between the blocks
    assert "<br" not in post["body_html"]
    assert (post["tags"], post["byline"], post["lang"]) == (
        ["News", "Updates", "T1", "T2"],
        "Alice",
        "en",
    )
    assert post["summary"] == "An excerpt for comprehensive post"
    assert validate(post).body_html == (  # the sanitiser drops the block comments
        "<p>This is a comprehensive post body used to validate the importer.</p>\n\n\n\n"
        "<p>Includes categories, tags and a comment.</p>"
    )
    assert read.skipped == {"page": 1}
    page = list(read_wxr(path, pages=True).articles)[1]
    assert (page["title"], page["byline"], page["slug"]) == (
        "Comprehensive Page",
        "Bob",
        "comprehensive-page",
    )


def test_paragraphs_and_line_breaks_in_a_real_export() -> None:
    (post,) = read_wxr(FIXTURES / "post-content-blank-lines.xml").articles
    assert post["body_html"] == (
        "<p>This is an example of a WordPress post.<br>\n\t\tIt has lines with text (and one"
        " blank line).</p>\n<p>And more lines with text.</p>"
    )


def test_cdata_edge_cases() -> None:
    (multi,) = read_wxr(FIXTURES / "multiple-cdata.xml").articles
    assert multi["body_html"].strip() == "<p>line oneline twoline three</p>"
    (edge,) = read_wxr(FIXTURES / "cdata-edge.xml").articles
    assert edge["body_html"].strip() == "<p>ends with sequence ]] &gt;</p>".replace("&gt;", ">")
    assert "ends with sequence ]] &gt;" in validate(dict(edge, published="2024-01-01")).body_html


def test_a_post_without_a_date_fails_alone_and_the_summary_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_import(tmp_path, capsys, str(FIXTURES / "cdata-edge.xml"))
    assert code == 1
    assert "0 new" in out
    assert "post 'Edge': published is required" in out


@pytest.mark.parametrize("name", ["malformed-simple.xml"])
def test_a_cut_off_export_is_one_clear_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_import(tmp_path, capsys, str(FIXTURES / name))
    assert code == 1
    (failed,) = [line for line in out.splitlines() if "FAILED" in line]
    assert "is not well-formed XML (line 14" in failed and "Traceback" not in out


def test_theme_unit_test_data_every_published_post_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = theme_data()
    read = read_wxr(path)
    posts = list(read.articles)
    assert [p["title"] for p in posts] == published(path)
    assert len(posts) == 54
    assert read.skipped == {
        "nav_menu_item": 70,
        "attachment": 37,
        "page": 21,
        "future": 1,
        "draft": 1,
        "password": 1,
        "untitled": 1,
    }
    with_pages = titles_of(path, pages=True)
    assert with_pages == published(path, ("post", "page"))
    assert len(with_pages) == 54 + 21

    code, out = run_import(tmp_path, capsys, str(path))
    assert out.splitlines()[0] == (
        "53 new, 0 updated, 0 unchanged, 1 failed; skipped 70 menu items, 37 attachments,"
        " 21 pages, 1 scheduled post, 1 draft, 1 password-protected post, 1 untitled post"
    )
    assert "post 'Edge Case: No Content': body_html is required" in out
    store = open_store(str(tmp_path / "l.db"))
    try:
        stored = {a.title for a in store.all()}
    finally:
        store.close()
    assert stored == set(published(path)) - {"Edge Case: No Content"}
    assert code == 1


# -- exports written here --------------------------------------------------------------------
def wxr(items: str, language: str = "vi-VN", version: str = "1.2") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/{version}/">
<channel><title>Báo Mới</title><link>https://bao.example</link><language>{language}</language>
<wp:wxr_version>{version}</wp:wxr_version>
<wp:author><wp:author_login>hq</wp:author_login>
<wp:author_display_name><![CDATA[HQ - TL]]></wp:author_display_name></wp:author>
{items}
</channel></rss>"""


def item(title: str, status: str = "publish", kind: str = "post", **extra: str) -> str:
    fields = {
        "post_name": extra.pop("post_name", ""),
        "post_date": "2023-09-21 08:00:00",
        "post_date_gmt": "2023-09-21 01:00:00",
        **extra,
    }
    content = fields.pop("content", "Nội dung.")
    wp = "".join(f"<wp:{k}>{v}</wp:{k}>" for k, v in fields.items())
    return (
        f"<item><title>{title}</title><link>https://bao.example/?p={zlib.crc32(title.encode())}</link>"
        f"<dc:creator>hq</dc:creator><content:encoded><![CDATA[{content}]]></content:encoded>"
        f"<excerpt:encoded><![CDATA[Tóm <b>tắt</b>]]></excerpt:encoded>"
        f"<wp:status>{status}</wp:status><wp:post_type>{kind}</wp:post_type>{wp}"
        '<category domain="category" nicename="thoi-su"><![CDATA[Thời sự]]></category>'
        '<category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category>'
        '<category domain="post_tag" nicename="kiem-sat">'
        "<![CDATA[kiểm sát &amp; tư pháp]]></category>"
        '<category domain="post_format" nicename="post-format-aside"><![CDATA[Aside]]></category>'
        "</item>"
    )


def write(tmp_path: Path, text: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_vietnamese_post(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        wxr(
            item(
                "Tin &amp;amp; tức &#8220;mới&#8221;",
                post_name="h%e1%bb%99i-ngh%e1%bb%8b-giao-ban",
                content='[caption id="attachment_7" width="300"]<img src="https://bao.example/a.jpg"'
                ' alt="Hội nghị" /> Đồng chí phát biểu[/caption]\nDòng một\nDòng hai\n\n'
                '[gallery ids="1,2"] [1] đoạn hai\n\n<!--more Đọc tiếp-->\n\nđoạn ba',
            )
        ),
    )
    read = read_wxr(path)
    (post,) = read.articles
    assert post["title"] == "Tin & tức \u201cmới\u201d"  # entities in titles, XML then HTML
    assert post["slug"] == "hoi-nghi-giao-ban"  # percent-encoded UTF-8 post_name
    assert post["lang"] == "vi"
    assert post["published"] == "2023-09-21T01:00:00+00:00"
    assert post["tags"] == ["Thời sự", "kiểm sát & tư pháp"]
    assert post["byline"] == "HQ - TL"
    assert post["summary"] == "Tóm tắt"
    assert post["body_html"] == (
        '<figure><img src="https://bao.example/a.jpg" alt="Hội nghị" />'
        "<figcaption>Đồng chí phát biểu</figcaption></figure>\n"
        "<p>Dòng một<br>\nDòng hai</p>\n<p>[1] đoạn hai</p>\n<p>đoạn ba</p>"
    )
    article = validate(post)
    assert article.slug == "hoi-nghi-giao-ban" and article.tags == ("Thời sự", "kiểm sát & tư pháp")


def test_relative_images_and_links_point_at_the_old_site(tmp_path: Path) -> None:
    content = (
        '<img src="/wp-content/uploads/a.jpg" alt="Ảnh"> <a href="?p=2">bài</a> <a href="#x">x</a>'
    )
    (post,) = read_wxr(write(tmp_path, wxr(item("Một", content=content)))).articles
    assert post["body_html"] == (
        '<p><img src="https://bao.example/wp-content/uploads/a.jpg" alt="Ảnh">'
        ' <a href="https://bao.example/?p=2">bài</a> <a href="#x">x</a></p>'
    )


def test_drafts_trash_and_the_rest_are_counted_in_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [
        item("Một", post_name="mot"),
        item("Nháp", "draft", post_date_gmt="0000-00-00 00:00:00"),
        item("Nháp hai", "draft"),
        item("Rác", "trash"),
        item("Chờ", "pending"),
        item("Sau", "future"),
        item("Riêng", "private"),
        item("Trang", kind="page", post_name="trang"),
        item("Ảnh", "inherit", "attachment"),
        item("Menu", kind="nav_menu_item"),
        item("Khoá", post_password="x"),
        item("Không ngày", post_name="khong-ngay", post_date_gmt="0000-00-00 00:00:00"),
    ]
    path = write(tmp_path, wxr("".join(items)))
    code, out = run_import(tmp_path, capsys, str(path))
    assert code == 0
    assert out.splitlines()[0] == (
        "2 new, 0 updated, 0 unchanged, 0 failed; skipped 2 drafts, 1 trashed item,"
        " 1 post pending review, 1 scheduled post, 1 private post, 1 page, 1 attachment,"
        " 1 menu item, 1 password-protected post"
    )
    store = open_store(str(tmp_path / "l.db"))
    try:
        undated = store.get("khong-ngay")
        assert undated is not None and undated.published == "2023-09-21T08:00:00"  # post_date
    finally:
        store.close()
    code, out = run_import(tmp_path, capsys, "--pages", str(path))
    assert out.splitlines()[0].startswith("1 new, 0 updated, 2 unchanged, 0 failed; skipped 2")
    assert "  new: trang" in out


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_every_wxr_version(tmp_path: Path, version: str) -> None:
    text = wxr(item("Một"), version=version)
    if version == "1.0":  # WXR 1.0 wrote tags as domain="tag"
        text = text.replace('domain="post_tag"', 'domain="tag"')
    (post,) = read_wxr(write(tmp_path, text)).articles
    assert (post["title"], post["tags"]) == ("Một", ["Thời sự", "kiểm sát & tư pháp"])


# -- hostile and wrong files ------------------------------------------------------------------
BOMB = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
"""


@pytest.mark.parametrize(
    "text",
    [
        BOMB + wxr(item("&g;")).split("?>", 1)[1],
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + wxr(item("&xxe;")).split("?>", 1)[1],
        '<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:24999/evil.dtd">\n'
        + wxr(item("Một")).split("?>", 1)[1],
    ],
    ids=["entity-bomb", "xxe-file", "external-dtd"],
)
def test_entity_bombs_and_external_entities_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = write(tmp_path, text)
    started = time.monotonic()
    code, out = run_import(tmp_path, capsys, str(path))
    assert time.monotonic() - started < 10
    assert code == 1
    (failed,) = [line for line in out.splitlines() if "FAILED" in line]
    assert failed.startswith(f"  FAILED {path}: ")
    assert failed.endswith("refused; WordPress exports have none")
    assert "root:" not in out and "0 new" in out


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss SYSTEM "{dtd}">',
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{dtd}"> %p;]>',
    ],
    ids=["external-dtd-file", "parameter-entity"],
)
def test_an_external_dtd_is_never_read(tmp_path: Path, doctype: str) -> None:
    # (libxml2 2.14 has no HTTP client, so a file stands for every external DTD here.)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "LEAKED">', encoding="utf-8")
    rss = wxr(item("&leak;")).split("?>", 1)[1]
    path = write(tmp_path, '<?xml version="1.0"?>\n' + doctype.format(dtd=dtd) + rss)
    with pytest.raises(ImportFailed, match="refused; WordPress exports have none") as refused:
        titles_of(path)
    assert "LEAKED" not in str(refused.value)


def test_a_page_and_a_post_with_one_slug_are_not_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two pages of the old site: two articles; the second slug taken gets -2."""
    items = item("Giới thiệu", post_name="gioi-thieu") + item(
        "Trang giới thiệu", kind="page", post_name="gioi-thieu"
    )
    code, out = run_import(tmp_path, capsys, "--pages", str(write(tmp_path, wxr(items))))
    assert out.splitlines()[0] == "2 new, 0 updated, 0 unchanged, 0 failed"
    store = open_store(str(tmp_path / "l.db"))
    try:
        by_slug = {a.slug: a.title for a in store.all()}
    finally:
        store.close()
    assert by_slug == {"gioi-thieu": "Giới thiệu", "gioi-thieu-2": "Trang giới thiệu"}
    assert code == 0


def test_two_posts_with_one_link_are_not_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = item("Một", post_name="mot") + item("Hai", post_name="hai").replace(
        f"?p={zlib.crc32(b'Hai')}", f"?p={zlib.crc32('Một'.encode())}"
    )
    code, out = run_import(tmp_path, capsys, str(write(tmp_path, wxr(same))))
    assert out.splitlines()[0] == "1 new, 0 updated, 0 unchanged, 1 failed"
    assert "post 'Hai': its link https://bao.example/?p=" in out
    assert code == 1


def test_an_undeclared_entity_is_malformed_not_read(tmp_path: Path) -> None:
    path = write(tmp_path, wxr(item("Tin&nbsp;mới")))
    with pytest.raises(ImportFailed, match=r"not well-formed XML \(line \d+: Entity 'nbsp'"):
        titles_of(path)


def test_a_truncated_export_fails_with_its_line(tmp_path: Path) -> None:
    text = (FIXTURES / "valid-wxr-1.1.xml").read_text(encoding="utf-8")
    path = write(tmp_path, text[: len(text) * 2 // 3])
    with pytest.raises(ImportFailed, match=r"is not well-formed XML \(line \d+: .*complete"):
        titles_of(path)


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title>'
        "<item><title>x</title></item></channel></rss>",
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://a.example/</loc></url></urlset>",
    ],
    ids=["plain-rss", "sitemap"],
)
def test_xml_that_is_not_a_wordpress_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = write(tmp_path, text)
    code, out = run_import(tmp_path, capsys, str(path))
    assert code == 1
    assert f"FAILED {path}: is XML but not a WordPress export (WXR)" in out


# -- any bytes: a clear line or articles, never a traceback -----------------------------------
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    head=st.integers(0, 4000),
    noise=st.binary(max_size=40),
    at=st.integers(0, 4000),
)
def test_a_damaged_export_gives_articles_or_one_clear_line(
    tmp_path: Path, head: int, noise: bytes, at: int
) -> None:
    good = (FIXTURES / "wxr-comprehensive.xml").read_bytes()
    at = min(at, head, len(good))
    path = tmp_path / "damaged.xml"
    path.write_bytes(good[:at] + noise + good[at:head])
    try:
        for post in read_wxr(path, pages=True).articles:
            assert isinstance(post["title"], str)
    except ImportFailed as exc:
        assert "\n" not in str(exc) and str(exc)
