"""Issue 12's server side: line length and typeface as preferences, the display options
in a closed disclosure that says what is in use, and error pages that keep the reader's
valid choices and speak Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from service.fonts import FONTS
from service.preferences import DEFAULT, Preference, parse_cookie, resolve

if TYPE_CHECKING:
    from conftest import MakeClient, Node

THEMES = ["default", "high-contrast", "dark"]
ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
Parse = Callable[[str], "Node"]


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client(demo=True)


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ([("font", "serif"), ("measure", "wide")], "/?measure=wide&font=serif"),  # order
        ([("measure", "NARROW")], "/?measure=narrow"),
        ([("measure", "normal"), ("font", "sans")], "/"),  # defaults left out
        ([("font", "legible"), ("theme", "dark")], "/?theme=dark&font=legible"),
    ],
)
def test_measure_and_font_have_canonical_urls(query: list[tuple[str, str]], target: str) -> None:
    assert resolve("/", query, None, THEMES).redirect == target


def test_cookie_holds_every_choice_and_reads_a_three_field_cookie_as_before() -> None:
    chosen = Preference("dark", 150, True, "narrow", "legible")
    assert chosen.cookie_value() == "dark.150.1.narrow.legible"
    assert parse_cookie(chosen.cookie_value(), THEMES) == chosen
    # Written before measure and font existed: still the reader's choice.
    assert parse_cookie("dark.150.1", THEMES) == Preference("dark", 150, True)
    for bad in ("dark.150.1.huge.serif", "dark.150.1.wide", "dark.150.1.wide.serif.x"):
        assert parse_cookie(bad, THEMES) is None, bad


def test_a_bad_value_keeps_the_valid_choices_from_the_url_and_the_cookie() -> None:
    r = resolve("/", [("theme", "high-contrast"), ("size", "300")], None, THEMES)
    assert r.errors and r.preference.theme == "high-contrast"
    r = resolve("/", [("size", "300")], "dark.125.0.wide.serif", THEMES)
    assert r.errors
    assert r.preference == Preference("dark", 125, False, "wide", "serif")
    r = resolve("/", [("font", "comic"), ("measure", "narrow")], None, THEMES)
    assert r.preference == Preference(measure="narrow") and len(r.errors) == 1


def test_the_400_page_is_in_the_readers_variant_and_in_vietnamese(
    client: TestClient, parse_html: Parse
) -> None:
    r = client.get("/?theme=high-contrast&size=300")
    assert r.status_code == 400
    page = parse_html(r.text)
    html = page.one("html")
    assert html.attrs["lang"] == "vi"
    assert html.attrs.get("data-theme") == "high-contrast"  # the valid choice is kept
    details = " ".join(li.text for li in page.one("main").find_all("li"))
    assert "size='300': chọn một trong 100, 125, 150, 175, 200" in details
    for english in ("choose one of", "use 1", "use a whole number", "too long"):
        assert english not in r.text
    client.cookies.set("legible_pref", "sepia.150.0")
    page = parse_html(client.get("/?spacing=maybe").text)
    assert page.one("html").attrs.get("data-theme") == "sepia"  # from the cookie
    assert page.one("html").attrs.get("data-size") == "150"


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("/?page=0", "page: dùng số nguyên từ 1"),
        ("/search?q=" + "a" * 201, "q: tối đa 200 ký tự"),
        ("/?x=" + "a" * 5000, "địa chỉ quá dài"),
    ],
)
def test_every_error_detail_is_in_vietnamese(
    client: TestClient, parse_html: Parse, url: str, detail: str
) -> None:
    r = client.get(url)
    assert r.status_code in (400, 414)
    details = [li.text for li in parse_html(r.text).one("main").find_all("li")]
    assert details == [detail]


def test_measure_and_font_render_on_the_page_and_in_the_stylesheet(
    client: TestClient, parse_html: Parse
) -> None:
    page = parse_html(client.get(f"{ARTICLE}?measure=narrow&font=serif").text)
    html = page.one("html")
    assert html.attrs.get("data-measure") == "narrow" and html.attrs.get("data-font") == "serif"
    css_url = page.one("link", rel="stylesheet").attrs["href"]
    assert css_url
    css = client.get(css_url).text
    assert ':root[data-measure="narrow"]{--measure:45ch;}' in css.replace(" ", "")
    for name, font in FONTS.items():
        if font.family is None:
            continue
        assert f':root[data-font="{name}"]{{--font:{font.stack}}}' in css
        for face in font.faces:
            stem = face.file.removesuffix(".woff2")
            assert f'url("/assets/fonts/{stem}.' in css
    assert "font-display:swap" in css


def test_font_files_are_served_immutable_and_uncompressed(client: TestClient) -> None:
    css = client.get(client.get("/").text.split('rel="stylesheet" href="')[1].split('"')[0]).text
    url = css.split('url("')[1].split('"')[0]
    r = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "font/woff2"
    assert "immutable" in r.headers["cache-control"]
    assert "content-encoding" not in r.headers  # woff2 is compressed already
    assert r.content[:4] == b"wOF2"


def test_display_options_are_a_closed_disclosure_that_says_what_is_in_use(
    client: TestClient, parse_html: Parse
) -> None:
    page = parse_html(client.get(f"{ARTICLE}?theme=high-contrast&size=200&measure=wide").text)
    details = page.one("details")
    assert "open" not in details.attrs
    assert details.one("summary").text == (
        "Tùy chọn hiển thị Đang dùng: Cỡ chữ 200 % · Tương phản cao · Dòng dài"
    )
    form = details.one("form")
    assert form.attrs["action"] == "/preferences" and form.attrs["method"] == "post"
    hidden = {i.attrs["name"]: i.attrs["value"] for i in form.find_all("input", type="hidden")}
    assert hidden == {
        "return": ARTICLE,
        "cur_theme": "high-contrast",
        "cur_size": "200",
        "cur_spacing": "0",
        "cur_measure": "wide",
        "cur_font": "sans",
    }
    pressed = {
        b.attrs["name"]: b.attrs["value"] for b in form.find_all("button", aria_pressed="true")
    }
    assert pressed["measure"] == "wide" and pressed["font"] == "sans"
    # The full form is one link away, and the header no longer carries a search form.
    link = details.find("a")
    assert link is not None and link.attrs["href"].startswith("/preferences?back=")
    assert page.one("header").find("form", role="search") is None


def test_choosing_lands_on_the_content_in_the_new_variant(client: TestClient) -> None:
    form = {"return": ARTICLE, "cur_theme": "dark", "cur_size": "150", "cur_spacing": "0"}
    r = client.post("/preferences", data=form | {"font": "legible"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"{ARTICLE}?theme=dark&size=150&font=legible#main"
    assert "legible_pref=dark.150.0.normal.legible;" in r.headers["set-cookie"]
    bad = client.post("/preferences", data=form | {"measure": "huge"}, follow_redirects=False)
    assert bad.status_code == 400


def test_the_preference_form_page_offers_measure_and_font(
    client: TestClient, parse_html: Parse
) -> None:
    page = parse_html(client.get("/preferences?measure=wide").text)
    form = page.one("main").one("form")
    checked = {
        i.attrs["name"]: i.attrs["value"]
        for i in form.find_all("input", type="radio")
        if "checked" in i.attrs
    }
    assert checked["measure"] == "wide" and checked["font"] == DEFAULT.font
