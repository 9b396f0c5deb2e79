"""The article first (issue 12): on the article, index and search pages, in every theme,
at every size from 100 to 200, on 320×640 and 360×780 phones and a 1280×800 laptop, with
JavaScript on and off, the page's h1 starts in the top half of the first screen and
its first text on the first screen (that one not on the 320×640 phone: TITLE_ONLY).
Each test is one page in one theme; its problems name the size, viewport and
JavaScript setting where they happen."""

from __future__ import annotations

from dataclasses import replace

import pytest

from legible_audit.first_screen import first_screen_problems
from legible_audit.problem import Problem
from service.preferences import SIZES

from .conftest import MakePage
from .matrix import PAGE_BY_NAME, load, where
from .pages import open_variant

pytestmark = pytest.mark.e2e

PAGES = ("index", "portal-article", "demo-article", "search", "search-empty")
VIEWPORTS = ((320, 640), (360, 780), (1280, 800))  # the smallest phone, a common one, a laptop
# On the smallest phone at 200 % a long title alone can be taller than the screen
# (the portal article's takes eight lines): there only the title's start is held to
# the top half; the first text after it is held on the larger phone and the laptop.
TITLE_ONLY = {(320, 640)}
THEMES = tuple(load())


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", PAGES)
def test_the_article_is_on_the_first_screen(
    make_page: MakePage, name: str, theme: str, report
) -> None:
    spec = PAGE_BY_NAME[name]
    checks: dict[str, list[Problem]] = {"page": [], "first-screen": []}
    last = None
    for width, height in VIEWPORTS:
        for javascript in (True, False):
            page = make_page(
                viewport={"width": width, "height": height}, java_script_enabled=javascript
            )
            for size in SIZES:
                js = "on" if javascript else "off"
                label = f"{where(name, theme, size)} {width}x{height} js={js}"
                for problem in open_variant(page, spec, theme, size, None):
                    checks["page"].append(replace(problem, message=f"{label}: {problem.message}"))
                for problem in first_screen_problems(page):
                    if (width, height) in TITLE_ONLY and problem.rule != "first-screen-h1":
                        continue
                    checks["first-screen"].append(
                        replace(problem, message=f"{label}: {problem.message}")
                    )
            last = page
    assert last is not None
    report(f"first-screen-{name}-{theme}", last, checks, f"page={name} theme={theme}")
