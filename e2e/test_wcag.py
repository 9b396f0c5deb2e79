"""The checks axe lacks, in every theme at the largest size (issue 6 §4), on every
page of the matrix and on the widget's page with its panel open.

Each test is one context and one page load (text spacing adds the server's own
`?spacing=1` variant); the cells come from the theme files, like the matrix.
Target size, non-text contrast and lang run in every matrix cell (test_matrix.py);
reflow is in test_reader.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from legible_audit.keyboard import skip_link_problems, tab_walk
from legible_audit.osmodes import (
    forced_colors_problems,
    orientation_problems,
    reduced_motion_problems,
    viewport_problems,
)
from legible_audit.problem import Problem
from legible_audit.text import clipped_text_problems, text_spacing_problems

from .conftest import Ledger, MakePage
from .known import known_for
from .matrix import Cell, build_custom_matrix
from .pages import open_cell, open_variant

pytestmark = pytest.mark.e2e

CELLS = build_custom_matrix()


def _open(page: Page, cell: Cell, report) -> None:
    opened = open_cell(page, cell, None)
    if opened:
        report(cell.id, page, {"page": opened}, cell.label)


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_keyboard_and_text_spacing(make_page: MakePage, cell: Cell, ledger: Ledger, report) -> None:
    """Tab through the page (every stop: a ≥ 2 px indicator at ≥ 3:1, not covered);
    the first stop is a skip link that moves focus into <main>; the viewport allows
    zooming to 200 % and nothing locks the orientation; then the WCAG 1.4.12
    spacing, injected, clips no text, and neither does the server's `?spacing=1`."""
    page = make_page(bypass_csp=True)  # the spacing stylesheet is an inline <style>
    _open(page, cell, report)
    ledger.cell_ran("test_keyboard_and_text_spacing", cell.id)
    walk = tab_walk(page)
    checks: dict[str, list[Problem]] = {
        "keyboard": walk.problems,
        "skip-link": skip_link_problems(page, walk),
        "viewport": viewport_problems(page),
        "orientation": orientation_problems(page),  # turns the viewport, and back
        "text-spacing": text_spacing_problems(page),
    }
    if not cell.widget:  # the widget's page is static: no server variant to load
        opened = open_variant(page, cell.page, cell.theme, cell.size, None, spacing=True)
        checks["text-spacing"] += opened + clipped_text_problems(page, "?spacing=1: ")
    report(f"keyboard-spacing-{cell.id}", page, checks, cell.label, known_for(cell))


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_forced_colors(make_page: MakePage, cell: Cell, ledger: Ledger, report) -> None:
    """Windows High Contrast: every button and input keeps a visible boundary."""
    page = make_page(forced_colors="active")
    _open(page, cell, report)
    ledger.cell_ran("test_forced_colors", cell.id)
    problems = forced_colors_problems(page)
    report(f"forced-colors-{cell.id}", page, {"forced-colors": problems}, cell.label)


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_reduced_motion(make_page: MakePage, cell: Cell, ledger: Ledger, report) -> None:
    """prefers-reduced-motion: nothing animates after tabbing and hovering around, and
    no interactive element has a transition."""
    page = make_page(reduced_motion="reduce")
    _open(page, cell, report)
    ledger.cell_ran("test_reduced_motion", cell.id)
    problems = reduced_motion_problems(page)
    report(f"reduced-motion-{cell.id}", page, {"reduced-motion": problems}, cell.label)
