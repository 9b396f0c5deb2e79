"""Opening a matrix page and proving it is the page and variant we meant to check."""

from __future__ import annotations

from playwright.sync_api import Page

from .checks import Problem
from .matrix import PageSpec


def open_variant(
    page: Page,
    spec: PageSpec,
    theme: str,
    size: int,
    seed_slug: str | None,
    spacing: bool = False,
) -> list[Problem]:
    """Load the page; problems if the status, variant or expected content is wrong."""
    url = spec.url(theme, size, seed_slug, spacing)
    response = page.goto(url)
    problems = []
    status = response.status if response else None
    if status != spec.status:
        problems.append(Problem("page", "page-status", (), (url,), f"{status}, want {spec.status}"))
    html = page.locator("html")
    got = (html.get_attribute("data-theme"), html.get_attribute("data-size"))
    want = (theme, None if size == 100 else str(size))
    if got != want:
        problems.append(
            Problem("page", "page-variant", (), ("html",), f"data-theme/size {got}, want {want}")
        )
    if spacing != (html.get_attribute("data-spacing") is not None):
        problems.append(Problem("page", "page-variant", (), ("html",), "data-spacing wrong"))
    if page.locator(spec.expect).count() == 0:
        problems.append(
            Problem("page", "page-content", (), (spec.expect,), f"missing on {page.url}")
        )
    return problems
