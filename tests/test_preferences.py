"""Request -> variant: canonical URLs, the cookie, the no-JS form, open redirects."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service import Settings, create_app
from service.preferences import (
    COOKIE,
    FONTS,
    MEASURES,
    SIZES,
    Preference,
    build_url,
    parse_cookie,
    resolve,
    safe_return_path,
    variants,
)

THEMES = ["default", "high-contrast", "dark"]


def test_bare_url_is_the_default_variant() -> None:
    r = resolve("/", [], None, THEMES)
    assert r.preference == Preference() and r.redirect is None and r.vary_cookie
    assert not r.private


def test_canonical_variant_url_renders() -> None:
    r = resolve("/", [("theme", "dark"), ("size", "150"), ("spacing", "1")], None, THEMES)
    assert r.preference == Preference("dark", 150, True)
    assert r.redirect is None and not r.vary_cookie


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ([("size", "150"), ("theme", "dark")], "/?theme=dark&size=150"),  # order
        ([("theme", "DARK")], "/?theme=dark"),  # case
        ([("size", "150%")], "/?size=150"),
        ([("size", "100"), ("theme", "dark")], "/?theme=dark"),  # default size left out
        ([("theme", "dark"), ("theme", "default")], "/?theme=dark"),  # duplicates
        ([("theme", "dark"), ("utm_source", "x")], "/?theme=dark"),  # unknown parameters
        ([("spacing", "on")], "/?spacing=1"),
        ([("spacing", "0")], "/"),
    ],
)
def test_non_canonical_spellings_redirect(query: list[tuple[str, str]], target: str) -> None:
    r = resolve("/", query, None, THEMES)
    assert r.redirect == target
    assert not r.private


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ([("theme", "neon")], "default, high-contrast, dark"),
        ([("size", "300")], "100, 125, 150, 175, 200"),
        ([("size", "abc")], "100, 125"),
        ([("spacing", "maybe")], "dùng 1 (bật) hoặc 0 (tắt)"),
        ([("measure", "huge")], "narrow, normal, wide"),
        ([("font", "comic")], "sans, serif, legible"),
    ],
)
def test_unknown_values_list_the_valid_ones(query: list[tuple[str, str]], listed: str) -> None:
    r = resolve("/", query, None, THEMES)
    assert r.errors and listed in r.errors[0].text("vi")  # the page's language, when shown


def test_cookie_restores_choice_on_bare_url_privately() -> None:
    r = resolve("/articles/a", [], "dark.150.0", THEMES)
    assert r.redirect == "/articles/a?theme=dark&size=150"
    assert r.private and r.vary_cookie


def test_url_wins_over_cookie() -> None:
    r = resolve("/", [("theme", "default")], "dark.150.0", THEMES)
    assert r.preference == Preference("default") and r.redirect is None


def test_route_params_come_first_in_canonical_order() -> None:
    r = resolve("/search", [("theme", "dark"), ("q", "x")], None, THEMES, {"q": "x"})
    assert r.redirect == "/search?q=x&theme=dark"


@pytest.mark.parametrize(
    "value", ["", "garbage", "dark.999.0", "neon.100.0", "dark.100", "a" * 200, "dark.100.7"]
)
def test_bad_cookies_are_ignored(value: str) -> None:
    assert parse_cookie(value, THEMES) is None


def test_good_cookies_parse() -> None:
    assert parse_cookie("dark.150.1", THEMES) == Preference("dark", 150, True)
    assert parse_cookie(".125.0", THEMES) == Preference(None, 125, False)
    assert parse_cookie('"dark.150.1"', THEMES) == Preference("dark", 150, True)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ok\r\nSet-Cookie: x=1",
        "",
        None,
    ],
)
def test_open_redirects_are_refused(target: str | None) -> None:
    assert safe_return_path(target) == "/"


def test_local_paths_are_kept() -> None:
    assert safe_return_path("/search?q=a") == "/search?q=a"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = create_app(Settings(demo=True, db=str(tmp_path / "t.db")))
    return TestClient(app, follow_redirects=False)


def _submit(client: TestClient, **fields: str) -> object:
    form = {"return": "/", "cur_theme": "", "cur_size": "100", "cur_spacing": "0"} | fields
    return client.post("/preferences", data=form)


def test_form_sets_cookie_and_answers_303_to_the_variant(client: TestClient) -> None:
    r = _submit(client, theme="high-contrast", **{"return": "/search?q=thu+vien&theme=dark"})
    assert r.status_code == 303
    assert r.headers["location"] == "/search?q=thu+vien&theme=high-contrast#main"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=high-contrast.100.0.normal.sans;")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"max-age", "path", "samesite"} <= attributes
    assert "Max-Age=31536000" in cookie and "Path=/" in cookie and "SameSite=lax" in cookie
    assert "secure" not in attributes
    assert r.headers["cache-control"] == "no-store"


def test_form_cookie_is_secure_under_https(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(demo=True, db=str(tmp_path / "t.db"), https=True)))
    r = client.post("/preferences", data={"size": "150"}, follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_form_keeps_the_other_choices(client: TestClient) -> None:
    r = _submit(client, cur_theme="dark", cur_size="150", size="175")
    assert r.headers["location"] == "/?theme=dark&size=175#main"


def test_form_refuses_open_redirect(client: TestClient) -> None:
    r = _submit(client, theme="dark", **{"return": "https://evil.example/x"})
    assert r.headers["location"] == "/?theme=dark#main"


def test_form_with_unknown_theme_is_400(client: TestClient) -> None:
    r = _submit(client, theme="neon")
    assert r.status_code == 400
    assert "high-contrast" in r.text and "set-cookie" not in r.headers


def test_choice_persists_to_a_bare_url(client: TestClient) -> None:
    _submit(client, theme="high-contrast", size="150")
    r = client.get("/")
    assert r.status_code == 302
    assert r.headers["location"] == "/?theme=high-contrast&size=150"
    assert "private" in r.headers["cache-control"]
    assert "Cookie" in r.headers["vary"]
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert '<html lang="vi" data-theme="high-contrast" data-size="150">' in page.text
    assert "set-cookie" not in page.headers
    assert "public" in page.headers["cache-control"]


def test_links_inside_a_variant_keep_it(client: TestClient) -> None:
    page = client.get("/?theme=dark&size=125")
    assert 'href="/articles/' in page.text
    assert "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio?theme=dark&amp;size=125" in page.text
    assert 'href="/search?theme=dark&amp;size=125"' in page.text  # the search link keeps it
    search = client.get("/search?theme=dark&size=125")
    assert '<input type="hidden" name="theme" value="dark">' in search.text  # and its form


def test_unknown_value_page_is_400_with_valid_values(client: TestClient) -> None:
    r = client.get("/articles/thu-vien-thanh-pho-mo-cua-den-21-gio?theme=neon&size=999")
    assert r.status_code == 400
    for name in ("default", "high-contrast", "high-contrast-light", "dark", "sepia", "175"):
        assert name in r.text


def test_no_cacheable_response_sets_a_cookie(client: TestClient) -> None:
    for url in ("/", "/?theme=dark", "/search?q=thu+vien", "/articles/khong-co", "/widget/none"):
        r = client.get(url)
        assert "set-cookie" not in r.headers, url


def test_preferences_page_lists_every_choice(client: TestClient) -> None:
    r = client.get("/preferences?back=/search%3Fq%3Dx")
    assert r.status_code == 200
    assert 'name="return" value="/search?q=x"' in r.text
    for size in (100, 125, 150, 175, 200):
        assert f'id="size-{size}"' in r.text
    assert 'id="theme-sepia"' in r.text


def test_local_links_in_the_article_body_keep_the_variant(client: TestClient) -> None:
    # The demo article links to a search; a reader in high contrast must stay in it.
    page = client.get("/articles/thu-vien-thanh-pho-mo-cua-den-21-gio?theme=high-contrast")
    body = page.text.split('<div class="body">')[1].split("</div>")[0]
    local = [h for h in body.split('href="')[1:] if h.startswith("/")]
    assert local, "the demo article should link somewhere local"
    assert all("theme=high-contrast" in h.split('"')[0] for h in local)
    bare = client.get("/articles/thu-vien-thanh-pho-mo-cua-den-21-gio").text
    assert "theme=" not in bare.split('<div class="body">')[1].split("</div>")[0]


def test_variants_are_every_canonical_preference_once() -> None:
    found = list(variants(THEMES))
    expected = (len(THEMES) + 1) * len(SIZES) * 2 * len(MEASURES) * len(FONTS)
    assert len(found) == len(set(found)) == expected
    for pref in found:
        url = build_url("/articles/x", [], pref)
        query = [tuple(p.split("=")) for p in url.partition("?")[2].split("&") if p]
        resolved = resolve("/articles/x", query, None, THEMES)
        assert resolved.redirect is None and resolved.preference == pref, url


def test_variants_cover_every_field_of_a_preference() -> None:
    # A field added to Preference but not to variants() would stay at its default.
    found = list(variants(THEMES))
    for field in fields(Preference):
        assert len({getattr(p, field.name) for p in found}) > 1, field.name
