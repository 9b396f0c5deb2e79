"""Every cell: page × theme × size (generated from themes/), and the widget's page in
every theme × size × panel state. Each cell is one page load and runs axe, focus
visibility/appearance/obscuring, target size, non-text contrast and lang. The real seed's
article (../shared/seeds) gets the same checks in two cells (marked `seed`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page

from legible_audit.cell import check_cell
from legible_audit.problem import Problem
from legible_audit.registry import matrix_checks

from .conftest import Ledger, Seed
from .known import known_for
from .matrix import (
    LARGEST,
    PAGES,
    SIZES,
    WIDGET_STATES,
    Cell,
    build_custom_matrix,
    build_matrix,
    build_seed_matrix,
    build_widget_matrix,
    load,
    themes_dir,
)
from .pages import open_cell

pytestmark = pytest.mark.e2e

CELLS = build_matrix()
WIDGET_CELLS = build_widget_matrix()
SEED_CELLS = build_seed_matrix()
CELL_CHECKS = tuple(c.id for c in matrix_checks())  # check_cell's


def run_cell(kind: str, page: Page, cell: Cell, seed: Seed, ledger: Ledger, report) -> None:
    slug = seed.require() if cell.page.needs_seed else None
    ledger.cell_ran(kind, cell.id)
    opened = open_cell(page, cell, slug)
    if opened:
        report(cell.id, page, {"page": opened}, cell.label)
    problems, outcome = check_cell(page, cell.level)
    ledger.review.update(outcome.review)
    checks: dict[str, list[Problem]] = {"page": []}
    checks |= {name: [p for p in problems if p.check == name] for name in CELL_CHECKS}
    assert sum(map(len, checks.values())) == len(problems), "a problem of no known check"
    report(cell.id, page, checks, cell.label, known_for(cell))


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_cell(page: Page, cell: Cell, seed: Seed, ledger: Ledger, report) -> None:
    run_cell("test_cell", page, cell, seed, ledger, report)


@pytest.mark.parametrize("cell", WIDGET_CELLS, ids=str)
def test_widget_cell(page: Page, cell: Cell, seed: Seed, ledger: Ledger, report) -> None:
    """The widget's page, theme and size chosen in the widget, panel closed or open."""
    run_cell("test_widget_cell", page, cell, seed, ledger, report)


@pytest.mark.seed
@pytest.mark.parametrize("cell", SEED_CELLS, ids=str)
def test_seed_cell(page: Page, cell: Cell, seed: Seed, ledger: Ledger, report) -> None:
    """The real seed's article, which the portal-format cells stand in for elsewhere."""
    run_cell("test_seed_cell", page, cell, seed, ledger, report)


def test_matrix_covers_every_theme() -> None:
    files = {p.stem for p in themes_dir().glob("*.toml")}
    assert CELLS, "the matrix is empty"
    assert WIDGET_CELLS, "the widget matrix is empty"
    assert {c.theme for c in CELLS} == files == {c.theme for c in WIDGET_CELLS}
    assert {c.page.name for c in CELLS} == {p.name for p in PAGES}
    assert len(CELLS) == len(PAGES) * len(files) * len(SIZES)
    assert len(WIDGET_CELLS) == len(files) * len(SIZES) * len(WIDGET_STATES)
    assert {c.widget for c in WIDGET_CELLS} == set(WIDGET_STATES)
    custom = build_custom_matrix()
    assert {c.size for c in custom} == {LARGEST} and {c.theme for c in custom} == files
    assert len(custom) == (len(PAGES) + 1) * len(files)
    themes = load()
    for cell in CELLS + WIDGET_CELLS:
        assert cell.level == themes[cell.theme].level
    assert any(c.level == "AAA" for c in CELLS), "no AAA theme: 7:1 checks never run"


def test_new_theme_file_adds_cells(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    shutil.copytree(themes_dir(), folder)
    # An AAA theme's colours: the loader refuses a theme below the level it declares.
    text = (folder / "high-contrast.toml").read_text(encoding="utf-8")
    probe = text.replace('name = "high-contrast"', 'name = "e2e-probe"')
    assert probe != text and 'level = "AAA"' in probe
    (folder / "e2e-probe.toml").write_text(probe, encoding="utf-8")
    before, after = build_matrix(themes_dir()), build_matrix(folder)
    added = [c for c in after if c.theme == "e2e-probe"]
    assert len(after) == len(before) + len(PAGES) * len(SIZES)
    assert {(c.page.name, c.size) for c in added} == {(p.name, s) for p in PAGES for s in SIZES}
    assert {c.level for c in added} == {"AAA"}
    widget = [c for c in build_widget_matrix(folder) if c.theme == "e2e-probe"]
    assert len(widget) == len(SIZES) * len(WIDGET_STATES)
    custom = [c for c in build_custom_matrix(folder) if c.theme == "e2e-probe"]
    assert len(custom) == len(PAGES) + 1
