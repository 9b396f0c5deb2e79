"""axe and focus visibility in every cell: page × theme × size, generated from themes/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page

from .checks import check_cell
from .conftest import Ledger, Seed
from .matrix import PAGES, SIZES, build_matrix, load, themes_dir
from .pages import open_variant

pytestmark = pytest.mark.e2e

CELLS = build_matrix()


@pytest.mark.parametrize("cell", CELLS, ids=str)
def test_cell(page: Page, cell, seed: Seed, ledger: Ledger, report) -> None:
    slug = seed.require() if cell.page.needs_seed else None
    ledger.cells_run.add(cell.id)
    opened = open_variant(page, cell.page, cell.theme, cell.size, slug)
    if opened:
        report(cell.id, page, {"page": opened}, cell.label)
    problems, outcome = check_cell(page, cell.level)
    ledger.review.update(outcome.review)
    checks = {
        "page": [],
        "axe": [p for p in problems if p.check == "axe"],
        "focus": [p for p in problems if p.check == "focus"],
    }
    report(cell.id, page, checks, cell.label)


def test_matrix_covers_every_theme() -> None:
    files = {p.stem for p in themes_dir().glob("*.toml")}
    assert CELLS, "the matrix is empty"
    assert {c.theme for c in CELLS} == files
    assert {c.page.name for c in CELLS} == {p.name for p in PAGES}
    assert len(CELLS) == len(PAGES) * len(files) * len(SIZES)
    themes = load()
    for cell in CELLS:
        assert cell.level == themes[cell.theme].level
    assert any(c.level == "AAA" for c in CELLS), "no AAA theme: 7:1 checks never run"


def test_new_theme_file_adds_cells(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    shutil.copytree(themes_dir(), folder)
    text = (folder / "default.toml").read_text(encoding="utf-8")
    probe = text.replace('name = "default"', 'name = "e2e-probe"').replace(
        'level = "AA"', 'level = "AAA"'
    )
    (folder / "e2e-probe.toml").write_text(probe, encoding="utf-8")
    before, after = build_matrix(themes_dir()), build_matrix(folder)
    added = [c for c in after if c.theme == "e2e-probe"]
    assert len(after) == len(before) + len(PAGES) * len(SIZES)
    assert {(c.page.name, c.size) for c in added} == {(p.name, s) for p in PAGES for s in SIZES}
    assert {c.level for c in added} == {"AAA"}
