"""Baselines keyed by page (path and query), so one taken on staging holds on
production; older baselines keyed by whole URL are still read (legible_audit/baseline.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from legible_audit import baseline
from legible_audit.findings import Finding, TaskResult
from legible_audit.options import UsageError
from legible_audit.registry import CELL, audited

STAGING = "https://staging.news.example:8443/news/1?page=2"
PRODUCTION = "https://news.example/news/1?page=2#comments"
DARK = "theme=dark size=200% viewport=320x640"

CELL_CHECKS = tuple(c.id for c in audited(CELL))


def finding(url: str, rule: str = "color-contrast", selector: str = ".faint") -> Finding:
    return Finding(url, DARK, "axe", rule, ("1.4.3",), selector, "too faint")


def result(url: str, *found: Finding, error: str | None = None) -> TaskResult:
    return TaskResult(url, DARK, "dark", CELL_CHECKS, list(found), error)


def test_page_is_the_path_and_query() -> None:
    assert baseline.page(STAGING) == baseline.page(PRODUCTION) == "/news/1?page=2"
    assert baseline.page("https://news.example") == "/"
    assert baseline.page("https://news.example/news/1") != baseline.page(STAGING)


def test_a_baseline_taken_on_staging_holds_on_production(tmp_path: Path) -> None:
    path = tmp_path / "known.json"
    assert baseline.write(path, [finding(STAGING)]) == 1
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "format": 2,
        "findings": [
            {
                "page": "/news/1?page=2",
                "variant": DARK,
                "rule": "color-contrast",
                "selector": ".faint",
            }
        ],
    }
    known = baseline.load(path)
    regression = finding(PRODUCTION, "link-in-text-block", "a.more")
    d = baseline.diff([result(PRODUCTION, finding(PRODUCTION), regression)], known)
    assert d.known == [finding(PRODUCTION)] and d.new == [regression]
    # Fixed on production: reported with production's URL, as the run saw the page.
    d = baseline.diff([result(PRODUCTION)], known)
    assert d.fixed == [(PRODUCTION, DARK, "color-contrast", ".faint")] and d.new == []
    # Another page with the same finding is not covered by it.
    other = finding("https://news.example/news/2?page=2")
    assert baseline.diff([result(other.url, other)], known).new == [other]


def test_a_format_1_baseline_keyed_by_url_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    old = {"format": 1, "findings": [{"url": STAGING, "variant": DARK, "rule": "color-contrast"}]}
    old["findings"][0]["selector"] = ".faint"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert baseline.load(path) == {("/news/1?page=2", DARK, "color-contrast", ".faint")}
    assert baseline.diff([result(PRODUCTION, finding(PRODUCTION))], baseline.load(path)).new == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": 3, "findings": []}, r"not a legible audit baseline \(format 1 or 2\)"),
        ([1, 2], "not a legible audit baseline"),
        ({"format": 2, "findings": [{"url": STAGING}]}, "an entry lacks 'page'"),
        ({"format": 1, "findings": [{"page": "/"}]}, "an entry lacks 'url'"),
    ],
)
def test_what_is_not_a_baseline_is_one_line(tmp_path: Path, data: object, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        baseline.load(path)


def test_a_page_that_could_not_be_checked_fixes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "known.json"
    baseline.write(path, [finding(STAGING)])
    down = result(PRODUCTION, error="could not load: HTTP 503")
    assert baseline.diff([down], baseline.load(path)).fixed == []
