"""An operator's portal in Chromium: an empty store's front page, and a named site
with a logo and a public origin, whose article (in two themes) names its canonical
URL, with the sitemap, feed and robots.txt served; no CSP violation, axe clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from legible_audit.axe import run_axe
from tests.support.images import png
from tests.support.live import serve, server_env

pytestmark = pytest.mark.e2e

ORIGIN = "https://vks.example"
NAME = "Viện kiểm sát nhân dân tỉnh Quảng Nam"
ARTICLE = "/articles/thu-vien-thanh-pho-mo-cua-den-21-gio"
VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture(scope="module")
def named_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("named")
    (work / "logo.png").write_bytes(png(180, 48))
    env = server_env({
        "LEGIBLE_DB": str(work / "t.db"), "LEGIBLE_SITE_NAME": NAME,
        "LEGIBLE_SITE_LOGO": str(work / "logo.png"), "LEGIBLE_PUBLIC_URL": ORIGIN,
        "LEGIBLE_SITE_FOOTER": "Số 1 Trần Hưng Đạo, Tam Kỳ",
    })  # fmt: skip
    with serve(env=env, log=work / "server.log") as server:
        yield server.url


def open_clean(page: Page, url: str) -> None:
    """Load `url`; fail on a CSP violation or an axe problem."""
    page.add_init_script(VIOLATIONS)
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert page.evaluate("window.__violations") == [], url
    problems = run_axe(page, "AA").problems
    assert problems == [], [str(p) for p in problems]


@pytest.mark.parametrize("theme", ["default", "high-contrast"])
def test_the_empty_site_says_there_are_no_articles(page: Page, empty_site: str, theme: str) -> None:
    open_clean(page, f"{empty_site}/?theme={theme}" if theme != "default" else f"{empty_site}/")
    assert page.locator("main h1").inner_text() == "Chưa có bài viết nào"
    assert page.locator("main li").count() == 0


@pytest.mark.parametrize("theme", ["default", "dark"])
def test_a_named_article_names_its_canonical_url(page: Page, named_site: str, theme: str) -> None:
    query = "" if theme == "default" else f"?theme={theme}&size=150"
    open_clean(page, f"{named_site}{ARTICLE}{query}")
    canonical = page.locator("link[rel=canonical]")
    assert canonical.count() == 1
    assert canonical.get_attribute("href") == f"{ORIGIN}{ARTICLE}"
    assert page.title().endswith(f" · {NAME}")
    logo = page.locator("header .brand img")
    assert logo.get_attribute("alt") == NAME
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 180  # loaded
    for path, kind in (
        ("/sitemap.xml", "xml"),
        ("/feed.xml", "atom+xml"),
        ("/robots.txt", "plain"),
    ):
        response = page.request.get(f"{named_site}{path}")
        assert response.status == 200 and kind in response.headers["content-type"], path
    assert f"<loc>{ORIGIN}{ARTICLE}</loc>" in page.request.get(f"{named_site}/sitemap.xml").text()
    assert f"<id>{ORIGIN}{ARTICLE}</id>" in page.request.get(f"{named_site}/feed.xml").text()
    tag = page.locator("article .tags a[rel=tag]").nth(1)
    assert tag.inner_text() == "văn hóa"
    tag.click()
    page.wait_for_url("**/tags/*")
    assert page.evaluate("window.__violations") == []
    assert page.locator("main h1").inner_text() == "Chủ đề: văn hóa"
    assert (page.locator("html").get_attribute("data-theme") or "default") == theme
    assert run_axe(page, "AA").problems == []
