"""The operator's portal: no demo content unless asked, the empty site, the site's
identity, and what search engines read (canonical links, sitemap, feed, robots.txt)."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from service import create_app
from service.errors import SettingsInvalid
from service.identity import image_size
from service.settings import Settings
from service.store import open_store
from tests.support.images import png
from tests.support.live import ROOT, serve, server_env

if TYPE_CHECKING:
    from conftest import Node

Parse = Callable[[str], "Node"]


# -- demo content only on request ----------------------------------------------------------------
def test_demo_is_off_unless_asked() -> None:
    assert Settings().demo is False
    assert Settings.from_env({}).demo is False
    assert Settings.from_env({"LEGIBLE_DEMO": "1"}).demo is True


def test_an_empty_store_shows_the_no_articles_page(tmp_path: Path, parse_html: Parse) -> None:
    db = tmp_path / "t.db"
    with TestClient(create_app(Settings(db=str(db)))) as client:
        response = client.get("/")
        themed = client.get("/?theme=dark&size=150")
    for answer in (response, themed):
        assert answer.status_code == 200
        doc = parse_html(answer.text)
        assert doc.one("html").attrs["lang"] == "vi"
        assert doc.one("h1").text.strip() == "Chưa có bài viết nào"
        assert "ngay khi được đăng" in doc.one("main").text
        assert doc.one("title").text.startswith("Chưa có bài viết nào")
        assert not doc.find("ol")  # no empty list, no pagination
        assert doc.one("main").attrs["id"] == "main"  # the skip link's target is there
    found = open_store(str(db))
    try:
        assert found.count() == 0
    finally:
        found.close()


def test_legible_serve_without_demo_starts_empty(tmp_path: Path, parse_html: Parse) -> None:
    env = server_env({"LEGIBLE_DB": str(tmp_path / "t.db")})
    del env["LEGIBLE_DEMO"]  # the production default, not the test servers'
    with serve(env=env, log=tmp_path / "server.log") as server:
        status, _, body = server.request("GET", "/")
        demo, _, _ = server.request("GET", "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio")
    assert status == 200
    assert parse_html(body.decode()).one("h1").text.strip() == "Chưa có bài viết nào"
    assert demo == 404


def test_make_run_asks_for_the_demo_and_the_image_and_compose_do_not() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert run and "LEGIBLE_DEMO=1 " in run.group(1)
    for shipped in ("Dockerfile", "deploy/compose.yaml"):
        assert "LEGIBLE_DEMO" not in (ROOT / shipped).read_text(), shipped


# -- the site's identity -------------------------------------------------------------------------
NAME = "Viện kiểm sát nhân dân tỉnh Quảng Nam"
FOOTER = "Số 1 Trần Hưng Đạo, Tam Kỳ"
PAGES = ("/", "/search?q=th%C6%B0", "/preferences", "/no-such-page", f"/articles/{'x' * 3}")


def shown_text(doc: Node) -> str:
    """What the site says around its articles (their text is theirs: a demo article
    may talk about Legible): the title, the header, the footer and what is outside
    <main>, text alternatives included."""
    main = doc.one("main")
    chrome = [n for n in doc.one("body").children if n is not main]
    text = " ".join(n if isinstance(n, str) else n.text for n in chrome)
    alts = " ".join(n.attrs.get("alt") or "" for n in doc.one("header").find_all("img"))
    return f"{doc.one('title').text} {text} {alts}"


def footer_lines(doc: Node) -> list[str]:
    return [p.text.strip() for p in doc.one("footer").find_all("p")]


def test_the_operators_name_tagline_and_footer_are_on_every_page(
    tmp_path: Path, parse_html: Parse
) -> None:
    settings = Settings(db=str(tmp_path / "t.db"), demo=True, site_name=NAME,
                        site_tagline="Cổng thông tin", site_footer=FOOTER)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        slug = parse_html(client.get("/").text).find_all("h2")[0].one("a").attrs["href"]
        for path in (*PAGES, slug):
            doc = parse_html(client.get(path or "/").text)
            assert doc.one("title").text.endswith(f" · {NAME}"), path
            brand = doc.one("header").one("p", class_="brand")
            assert brand.one("a").text.strip() == NAME, path
            assert brand.one("span", class_="tagline").text == "Cổng thông tin"
            lines = footer_lines(doc)
            assert lines[0] == FOOTER and "Legible" in lines[1], path
            # "Legible" is shown only in the powered-by line.
            assert shown_text(doc).count("Legible") == 1, path
            assert "Tin tức dễ đọc" not in shown_text(doc), path


def test_powered_by_can_be_turned_off(tmp_path: Path, parse_html: Parse) -> None:
    settings = Settings(db=str(tmp_path / "t.db"), demo=True, powered_by=False)
    with TestClient(create_app(settings)) as client:
        for path in PAGES:
            doc = parse_html(client.get(path).text)
            assert "Legible" not in shown_text(doc), path
            assert footer_lines(doc) == []
            assert doc.one("title").text.endswith(" · Trang tin")  # the unnamed site


def test_the_old_name_and_tagline_are_gone_from_the_interface() -> None:
    catalogs = (ROOT / "service/locale").glob("**/*.po*")
    for path in [*catalogs, *(ROOT / "service/templates").glob("*.html")]:
        text = path.read_text()
        assert "Tin tức dễ đọc" not in text and "News made readable" not in text, path
    # The site is never called Legible: the name is only in the "powered by" line.
    base = (ROOT / "service/templates/base.html").read_text()
    powered_by = '_("Powered by Legible: no tracking, no ads.")'
    assert base.count(powered_by) == 1
    assert not re.search(r"\bLegible\b", base.replace(powered_by, ""))


def test_an_english_site_speaks_english_on_its_own_pages(tmp_path: Path, parse_html: Parse) -> None:
    with TestClient(create_app(Settings(db=str(tmp_path / "t.db"), site_lang="en"))) as client:
        doc = parse_html(client.get("/").text)
        missing = client.get("/no-such-page")
    assert doc.one("html").attrs["lang"] == "en"
    assert doc.one("h1").text == "No articles yet"
    assert doc.one("title").text == "No articles yet · News"
    assert footer_lines(doc) == ["Powered by Legible: no tracking, no ads."]
    assert missing.status_code == 404
    assert parse_html(missing.text).one("h1").text == "Page not found"
    with pytest.raises(SettingsInvalid, match=r"LEGIBLE_SITE_LANG='fr'.*vi or en"):
        Settings.from_env({"LEGIBLE_SITE_LANG": "fr"})


CHROME = {  # what a reader sees of the chrome on an empty store, by LEGIBLE_SITE_LANG
    "vi": {
        "skip": "Bỏ qua, đến nội dung chính",
        "empty": "Chưa có bài viết nào",
        "options": "Tùy chọn hiển thị",
        "404": "Không tìm thấy trang",
        "400": "Yêu cầu không hợp lệ",
        "detail": "size='300': chọn một trong 100, 125, 150, 175, 200",
        "page": "page: dùng số nguyên từ 1",
        "405": "Không hỗ trợ thao tác này",
        "home": "Về trang chủ",
    },
    "en": {
        "skip": "Skip to main content",
        "empty": "No articles yet",
        "options": "Display options",
        "404": "Page not found",
        "400": "Bad request",
        "detail": "size='300': choose one of 100, 125, 150, 175, 200",
        "page": "page: use a whole number from 1",
        "405": "Not supported here",
        "home": "Back to the home page",
    },
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_chrome_and_the_error_pages_speak_the_sites_language(
    tmp_path: Path, parse_html: Parse, lang: str
) -> None:
    words, other = CHROME[lang], CHROME["en" if lang == "vi" else "vi"]
    with TestClient(create_app(Settings(db=str(tmp_path / "t.db"), site_lang=lang))) as client:
        pages = {
            "empty": client.get("/"),
            "404": client.get("/articles/no-such-article"),
            "400": client.get("/?size=300"),
            "page": client.get("/?page=0"),
            "405": client.delete("/"),
            "prefs": client.get("/preferences"),
            "search": client.get("/search?q=nothing"),
        }
    assert [r.status_code for r in pages.values()] == [200, 404, 400, 400, 405, 200, 200]
    docs = {name: parse_html(r.text) for name, r in pages.items()}
    for name, doc in docs.items():
        assert doc.one("html").attrs["lang"] == lang, name
        assert doc.one("a", class_="skip").text == words["skip"], name
        for key in ("skip", "options", "home"):
            assert other[key] not in pages[name].text, (name, key)
    assert docs["empty"].one("h1").text == words["empty"]
    assert docs["prefs"].one("h1").text == words["options"]
    for status in ("404", "400", "405"):
        assert docs[status].one("h1").text == words[status], status
        assert docs[status].one("main").find_all("a")[-1].text == words["home"]
    for name in ("400", "page"):
        details = [li.text for li in docs[name].one("main").find_all("li")]
        assert details == [words["detail" if name == "400" else "page"]]


def test_the_logo_is_served_immutable_with_the_name_as_its_alt(
    tmp_path: Path, parse_html: Parse
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(120, 40))
    settings = Settings(db=str(tmp_path / "t.db"), site_name=NAME, site_logo=str(logo))
    with TestClient(create_app(settings)) as client:
        doc = parse_html(client.get("/").text)
        img = doc.one("header").one("img")
        assert img.attrs["alt"] == NAME
        assert (img.attrs["width"], img.attrs["height"]) == ("120", "40")
        src = img.attrs["src"] or ""
        assert re.fullmatch(r"/assets/logo\.[0-9a-f]{16}\.png", src)
        got = client.get(src)
        assert got.status_code == 200 and got.content == logo.read_bytes()
        assert got.headers["content-type"] == "image/png"
        assert "immutable" in got.headers["cache-control"]
        assert client.get(src, headers={"If-None-Match": got.headers["etag"]}).status_code == 304
        assert NAME not in doc.one("header").one("p", class_="brand").text  # alt says it once


@pytest.mark.parametrize(
    ("body", "problem"),
    [(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a PNG"), (b"", "not a PNG"),
     (png(2, 2)[:20], "not a PNG"), (None, "No such file")],
)  # fmt: skip
def test_a_logo_that_cannot_be_used_stops_the_start(
    tmp_path: Path, body: bytes | None, problem: str
) -> None:
    logo = tmp_path / "logo.png"
    if body is not None:
        logo.write_bytes(body)
    with pytest.raises(SettingsInvalid, match=f"LEGIBLE_SITE_LOGO=.*{problem}"):
        create_app(Settings(db=str(tmp_path / "t.db"), site_logo=str(logo)))


def test_image_sizes_are_read_from_each_formats_header() -> None:
    app0 = b"\xff\xe0\x00\x10" + b"JFIF\0" + b"\0" * 9
    frame = b"\xff\xc2\x00\x11\x08" + struct.pack(">HH", 30, 70) + b"\0" * 12  # progressive
    jpeg = b"\xff\xd8" + app0 + b"\xff\xc4\x00\x04\0\0" + frame
    gif = b"GIF89a" + struct.pack("<HH", 64, 32) + b"\0" * 8
    vp8x = (
        b"RIFF\0\0\0\0WEBPVP8X"
        + b"\0" * 8
        + (299).to_bytes(3, "little")
        + (99).to_bytes(3, "little")
    )
    vp8l = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f" + (9 | (4 << 14)).to_bytes(4, "little")
    assert image_size(png(7, 5)) == ("png", 7, 5)
    assert image_size(jpeg) == ("jpeg", 70, 30)
    assert image_size(gif) == ("gif", 64, 32)
    assert image_size(vp8x) == ("webp", 300, 100)
    assert image_size(vp8l) == ("webp", 10, 5)
    assert image_size(jpeg[:12]) is None and image_size(b"BM" + b"\0" * 40) is None


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("https://news.example", "https://news.example"),
        ("HTTP://News.Example:8080/", "http://news.example:8080"),
    ],
)
def test_the_public_url_is_an_origin(raw: str, kept: str) -> None:
    assert Settings.from_env({"LEGIBLE_PUBLIC_URL": raw}).public_url == kept


@pytest.mark.parametrize(
    "raw",
    ["news.example", "/articles", "ftp://news.example", "https://news.example/portal",
     "https://news.example/?a=1", "https://news.example/#x", "https://u@news.example",
     "https://news.example:99999", "javascript:alert(1)"],
)  # fmt: skip
def test_a_public_url_that_is_not_an_origin_is_refused(raw: str) -> None:
    with pytest.raises(SettingsInvalid, match="LEGIBLE_PUBLIC_URL"):
        Settings.from_env({"LEGIBLE_PUBLIC_URL": raw})


def test_a_new_identity_is_a_new_cache_key_and_a_new_etag(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    etags, versions = set(), set()
    for name in ("Một", "Hai"):
        app = create_app(Settings(db=db, demo=True, site_name=name))
        with TestClient(app) as client:
            etags.add(client.get("/").headers["etag"])
        versions.add(app.state.site.version)
        app.state.site.store.close()
    assert len(etags) == 2 and len(versions) == 2
