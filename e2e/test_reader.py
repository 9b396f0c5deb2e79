"""The low-vision reader's promises, measured in Chromium (issue 3).

Colours come from getComputedStyle over the composite of the ancestors'
backgrounds; the WCAG ratio is computed here, in Python.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from legible_audit.layout import reflow_problems
from legible_audit.problem import Problem
from legible_audit.text import font_scale_problems, paragraph_font_px, text_contrast_problems

from .matrix import PAGE_BY_NAME, PAGES, SIZES, load
from .matrix import where as where_
from .pages import open_variant

pytestmark = pytest.mark.e2e

THEMES = load()
THEME_SIZES = [pytest.param(t, s, id=f"{t}-{s}") for t in THEMES for s in SIZES]
CONTRAST_PAGES = ("demo-article", "index")


@pytest.mark.parametrize(("theme", "size"), THEME_SIZES)
def test_text_and_link_contrast(page: Page, theme: str, size: int, report) -> None:
    minimum = THEMES[theme].minimum
    problems: list[Problem] = []
    for name in CONTRAST_PAGES:
        problems += open_variant(page, PAGE_BY_NAME[name], theme, size, None)
        problems += [
            Problem(p.check, p.rule, p.criteria, p.targets, f"on {name}: {p.message}")
            for p in text_contrast_problems(page, minimum)
        ]
    where = where_(",".join(CONTRAST_PAGES), theme, size)
    report(f"contrast-{theme}-{size}", page, {"text-contrast": problems}, where)


@pytest.mark.parametrize(
    ("theme", "size"), [pytest.param(t, s, id=f"{t}-{s}") for t in THEMES for s in SIZES[1:]]
)
def test_font_scales_exactly(page: Page, theme: str, size: int, report) -> None:
    spec = PAGE_BY_NAME["demo-article"]
    problems = open_variant(page, spec, theme, 100, None)
    base = paragraph_font_px(page)
    problems += open_variant(page, spec, theme, size, None)
    problems += font_scale_problems(base, paragraph_font_px(page), size)
    where = where_(spec.name, theme, size)
    report(f"font-scale-{theme}-{size}", page, {"font-scale": problems}, where)


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("name", [p.name for p in PAGES])
def test_reflow_320px_at_200(page: Page, name: str, theme: str, report) -> None:
    """No horizontal scroll at 320 CSS px and 200 %, plain and with text spacing on."""
    spec = PAGE_BY_NAME[name]
    page.set_viewport_size({"width": 320, "height": 640})
    problems: list[Problem] = []
    for spacing in (False, True):
        found = open_variant(page, spec, theme, 200, None, spacing) + reflow_problems(page)
        label = "spacing=1" if spacing else "spacing=0"
        problems += [
            Problem(p.check, p.rule, p.criteria, p.targets, f"{label}: {p.message}") for p in found
        ]
    where = where_(name, theme, 200) + " viewport=320px"
    report(f"reflow-{name}-{theme}-200", page, {"reflow": problems}, where)


def _body_text_problems(page: Page, minimum: float, where: str) -> list[Problem]:
    problems = text_contrast_problems(page, minimum)
    if page.locator("html").get_attribute("data-theme") != "high-contrast":
        problems.append(Problem("journey", "theme-kept", (), ("html",), f"{where}: {page.url}"))
    return [
        Problem(p.check, p.rule, p.criteria, p.targets, f"{where}: {p.message}") for p in problems
    ]


def test_high_contrast_without_javascript(new_context, report) -> None:
    """JavaScript off: choose high contrast, keep it on the next page and the next visit."""
    minimum = 7.0  # the bar, whatever level the theme file claims
    context: BrowserContext = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    # The display options are a closed disclosure: open it, as a reader does.
    page.get_by_text("Tùy chọn hiển thị", exact=True).click()
    contrast = page.get_by_role("group", name="Tương phản", exact=True)
    contrast.get_by_role("button", name="Tương phản cao", exact=True).click()
    # Back on the content, not at the top of the controls just used.
    expect(page).to_have_url(re.compile(r"/\?theme=high-contrast#main$"))
    assert page.evaluate("document.querySelector(':target')?.id") == "main"
    problems = _body_text_problems(page, minimum, "after the button")

    page.locator("main .teasers a").first.click()
    expect(page).to_have_url(re.compile(r"/articles/[^?]+\?theme=high-contrast$"))
    problems += _body_text_problems(page, minimum, "on the article")

    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert cookies.get("legible_pref", "").startswith("high-contrast."), cookies
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/\?theme=high-contrast$"))
    problems += _body_text_problems(page, minimum, "bare / again")
    where = "journey=no-js page=/ → article → / theme=high-contrast size=100%"
    report("journey-no-js-high-contrast", page, {"journey": problems}, where)


def test_preference_form_without_javascript(new_context, report) -> None:
    """JavaScript off: the full form on /preferences (radios and a submit button) sets the
    size and the theme, lands on the variant URL and keeps the choice in the cookie."""
    theme = "sepia" if "sepia" in THEMES else list(THEMES)[-1]
    size = 150
    context: BrowserContext = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/preferences")
    form = page.locator("form.prefs-page")
    # Click the labels, as a reader does: the radios are small, their labels are not.
    form.locator(f"label[for='size-{size}']").click()
    form.locator(f"label[for='theme-{theme}']").click()
    expect(form.locator(f"#size-{size}")).to_be_checked()
    expect(form.locator(f"#theme-{theme}")).to_be_checked()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/\?theme={re.escape(theme)}&size={size}#main$"))
    html = page.locator("html")
    problems: list[Problem] = []
    got = (html.get_attribute("data-theme"), html.get_attribute("data-size"))
    if got != (theme, str(size)):
        problems.append(Problem("journey", "form-variant", (), ("html",), f"data-theme/size {got}"))
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    if cookies.get("legible_pref") != f"{theme}.{size}.0.normal.sans":
        problems.append(Problem("journey", "form-cookie", (), ("legible_pref",), str(cookies)))
    problems += text_contrast_problems(page, THEMES[theme].minimum)
    where = f"journey=no-js page=/preferences → / theme={theme} size={size}%"
    report(f"journey-no-js-form-{theme}-{size}", page, {"journey": problems}, where)


@pytest.mark.parametrize("name", ["demo-article", "index", "search-empty", "not-found"])
def test_links_keep_the_variant(page: Page, name: str, report) -> None:
    """README: links inside a page keep its variant (URL-only readers have no cookie)."""
    spec = PAGE_BY_NAME[name]
    problems = open_variant(page, spec, "high-contrast", 150, None)
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    lost = [
        h
        for h in hrefs
        if h.startswith("/") and not h.startswith("//") and "theme=high-contrast" not in h
    ]
    if lost:
        problems.append(
            Problem(
                "links",
                "variant-kept",
                (),
                tuple(f'a[href="{h}"]' for h in lost),
                "same-site link drops ?theme=high-contrast&size=150",
            )
        )
    where = where_(name, "high-contrast", 150)
    report(f"links-{name}-high-contrast-150", page, {"links": problems}, where)
