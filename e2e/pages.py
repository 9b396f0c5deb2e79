"""Opening a matrix page and proving it is the page and variant we meant to check."""

from __future__ import annotations

from playwright.sync_api import Page

from legible_audit.problem import Problem
from legible_audit.scripts import script
from service.preferences import SIZES
from service.themes import Theme

from .matrix import Cell, PageSpec, load_cached


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


# -- the widget's demo page: the variant is chosen through the widget itself ----------


def open_widget_variant(
    page: Page, spec: PageSpec, theme: Theme, size: int, state: str = "open"
) -> list[Problem]:
    """Load the widget's demo page (own-site mode: the widget drives data-theme and
    data-size, which the site CSS styles), choose `theme` and `size` in the panel as a
    reader would, then leave the panel open or close it with Escape."""
    response = page.goto(spec.path)  # a static page: the variant is the widget's to set
    problems = []
    status = response.status if response else None
    if status != spec.status:
        problems.append(Problem("page", "page-status", (), (page.url,), f"{status}"))
    trigger = page.locator("legible-widget button.t")
    trigger.click()
    panel = page.locator("legible-widget .p")
    panel.wait_for()
    # Opening focuses "smaller text"; the next stop is "larger text": press it with the
    # keyboard once per step (the panel opens at 100 % on this static page).
    page.keyboard.press("Tab")
    for _ in range(SIZES.index(size) - SIZES.index(100)):
        page.keyboard.press("Enter")
    panel.get_by_role("radio", name=theme.label_vi, exact=True).click()
    # Choosing a theme low in the list scrolls the panel (it scrolls at 200 %): back to
    # the top, where a reader who just opened it is, so nothing is half scrolled away.
    panel.evaluate("p => { p.scrollTop = 0; }")
    if state == "closed":
        page.keyboard.press("Escape")
        panel.wait_for(state="hidden")
    html = page.locator("html")
    got = (html.get_attribute("data-theme"), html.get_attribute("data-size"))
    want = (theme.name, None if size == 100 else str(size))
    if got != want:
        problems.append(
            Problem("page", "page-variant", (), ("html",), f"data-theme/size {got}, want {want}")
        )
    expanded = trigger.get_attribute("aria-expanded")
    if expanded != ("true" if state == "open" else "false"):
        problems.append(
            Problem("page", "page-variant", (), ("legible-widget button.t",), f"{expanded=}")
        )
    if page.locator(spec.expect).count() == 0:
        problems.append(
            Problem("page", "page-content", (), (spec.expect,), f"missing on {page.url}")
        )
    reset_focus(page)
    return problems


def reset_focus(page: Page) -> None:
    """Pointer and focus back where a freshly loaded page has them: the next Tab goes
    to the first stop, as it would after a load."""
    page.mouse.move(0, 0)
    page.evaluate(script("reset_focus"))  # the audit's own (legible_audit/js)


def open_cell(page: Page, cell: Cell, seed_slug: str | None) -> list[Problem]:
    """Open a matrix cell: a server-rendered variant, or the widget's page in a state."""
    if cell.widget:
        theme = load_cached()[cell.theme]
        return open_widget_variant(page, cell.page, theme, cell.size, cell.widget)
    return open_variant(page, cell.page, cell.theme, cell.size, seed_slug)
