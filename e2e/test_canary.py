"""Canaries: static pages with one known violation each. The matrix's own check
functions must report exactly that violation, and nothing on the clean page;
otherwise a green matrix proves nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

from legible_audit.cell import check_cell
from legible_audit.first_screen import first_screen_problems
from legible_audit.keyboard import skip_link_problems, tab_walk
from legible_audit.layout import reflow_problems
from legible_audit.osmodes import (
    forced_colors_problems,
    orientation_problems,
    reduced_motion_problems,
    viewport_problems,
)
from legible_audit.problem import Problem
from legible_audit.registry import AXE_RULES, CHECKS, E2E
from legible_audit.text import text_contrast_problems, text_spacing_problems

from .conftest import Ledger, MakePage, save_screenshot

pytestmark = pytest.mark.e2e

CANARY = Path(__file__).resolve().parent / "canary"
ORIGIN = "http://canary.test"
PAGES = sorted(CANARY.glob("*.html"))
VIEWPORT = {"width": 320, "height": 640}


def expected(path: Path) -> set[str]:
    m = re.search(r'<meta name="expect" content="([^"]*)">', path.read_text(encoding="utf-8"))
    assert m, f'{path.name}: needs <meta name="expect" content="rule ids">'
    return set(m.group(1).split())


def serve_canaries(page: Page) -> None:
    def fulfil(route: Route) -> None:
        name = route.request.url.removeprefix(ORIGIN + "/").split("?")[0]
        path = CANARY / name
        if path.suffix == ".html" and path.is_file() and path.parent == CANARY:
            route.fulfill(body=path.read_bytes(), content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body=b"not a canary", content_type="text/plain")

    page.route(ORIGIN + "/**", fulfil)


# Every rule of our own checks (legible_audit/registry.py) has a canary that only it
# reports (axe's rules have axe's own tests; the canaries prove that axe is run,
# configured and read), but for two that a static page cannot show: an element
# focused outside the page (focus-offscreen) and a page where focus never shows
# (focus-setup, a set-up failure of the check itself).
NO_CANARY = {"focus-offscreen", "focus-setup"}
OWN_RULES = {
    rule
    for check in CHECKS
    if check.runs != E2E
    for rule in check.rules
    if rule != AXE_RULES and rule not in NO_CANARY
}


def test_there_are_canaries() -> None:
    names = {p.stem for p in PAGES}
    assert {"clean", "low-contrast", "unlabeled-input", "no-focus-outline"} <= names
    assert expected(CANARY / "clean.html") == set()
    covered = set().union(*(expected(p) for p in PAGES))
    assert covered >= OWN_RULES, f"no canary for {sorted(OWN_RULES - covered)}"


def every_check(page: Page, make_page: MakePage, url: str) -> list[Problem]:
    """The same functions, in the same order, as the matrix (check_cell), the reader
    tests (text contrast, reflow) and test_wcag (Tab walk, skip link, text spacing,
    forced colours, reduced motion), each on a fresh load as there."""
    page.goto(url)
    problems = first_screen_problems(page)
    page.goto(url)
    found, _ = check_cell(page, "AA")
    problems += found
    problems += text_contrast_problems(page, 4.5)
    problems += reflow_problems(page)
    page.goto(url)
    walk = tab_walk(page)
    problems += walk.problems + skip_link_problems(page, walk)
    problems += viewport_problems(page) + orientation_problems(page) + text_spacing_problems(page)
    forced = make_page(viewport=VIEWPORT, forced_colors="active")
    serve_canaries(forced)
    forced.goto(url)
    problems += forced_colors_problems(forced)
    calm = make_page(viewport=VIEWPORT, reduced_motion="reduce")
    serve_canaries(calm)
    calm.goto(url)
    problems += reduced_motion_problems(calm)
    return problems


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_checks_report_the_canary(
    page: Page, make_page: MakePage, path: Path, ledger: Ledger
) -> None:
    serve_canaries(page)
    page.set_viewport_size(VIEWPORT)
    problems = every_check(page, make_page, f"{ORIGIN}/{path.name}")
    reported = {p.rule for p in problems}
    want = expected(path)
    said = f"reported {sorted(reported)}, expected {sorted(want)}"
    mismatch = Problem("canary", "canary", (), (path.name,), said)
    ledger.record("canary", path.stem, [] if reported == want else [mismatch, *problems])
    if reported != want:
        shot = save_screenshot(page, f"canary-{path.stem}")
        lines = [p.line(f"canary {path.stem}") for p in problems]
        pytest.fail(
            f"canary {path.name}: reported {sorted(reported)}, expected {sorted(want)}\n"
            + "\n".join(lines)
            + (f"\nscreenshot: {shot}" if shot else ""),
            pytrace=False,
        )


def test_axe_runs_enhanced_contrast_for_aaa(page: Page) -> None:
    """7:1 only runs when asked for: an AAA cell must report 4.5-7:1 text, an AA cell not."""
    serve_canaries(page)
    page.goto(f"{ORIGIN}/clean.html")
    page.evaluate("document.querySelector('main p').style.color = '#666666'")  # 5.7:1
    aa, aa_outcome = check_cell(page, "AA")
    aaa, aaa_outcome = check_cell(page, "AAA")
    assert "color-contrast-enhanced" not in aa_outcome.ran
    assert "color-contrast-enhanced" in aaa_outcome.ran
    assert not [p for p in aa if p.check == "axe"]
    assert "color-contrast-enhanced" in {p.rule for p in aaa}
    assert text_contrast_problems(page, 7.0) and not text_contrast_problems(page, 4.5)
