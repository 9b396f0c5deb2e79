"""`legible audit --sarif`: SARIF 2.1.0 for GitHub code scanning, validated against the
official OASIS schema (tests/fixtures/sarif/, with its licence). No browser."""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import legible_audit.main as audit_main
from legible_audit import baseline
from legible_audit.findings import Finding, TaskResult, findings_from
from legible_audit.options import Options, add_arguments, from_args
from legible_audit.problem import REVIEW, Problem
from legible_audit.registry import CELL, audited
from legible_audit.reports import sarif
from legible_audit.reports.model import Report
from legible_audit.runner import Run
from legible_audit.tasks import Task

SCHEMA = json.loads(
    (Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text(
        encoding="utf-8"
    )
)
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
URL = "https://news.example/tin-tức/hội nghị?page=2"  # non-ASCII and a space: encoded
PAGE = "https://news.example/about"
DARK = "theme=dark size=200% viewport=320x640"
AXE_RAW = {
    "violations": [
        {
            "id": "color-contrast",
            "tags": ["wcag2aa", "wcag143"],
            "help": "Elements must meet minimum color contrast ratio thresholds",
            "description": "Ensure the contrast between foreground and background colors meets"
            " WCAG 2 AA minimum contrast ratio thresholds",
            "helpUrl": "https://dequeuniversity.com/rules/axe/4.10/color-contrast",
            "nodes": [{"target": [".faint"], "html": '<p class="faint">x</p>'}],
        }
    ],
    "incomplete": [],
}

CELL_CHECKS = tuple(c.id for c in audited(CELL))


def findings(url: str = URL) -> list[Finding]:
    problems = [
        Problem("axe", "color-contrast", ("1.4.3", "wcag2aa"), (".faint",), "too faint"),
        Problem("reflow", "reflow", ("1.4.10",), ("table.wide",), "scrollWidth 900px"),
        Problem("focus", "focus-visible", ("2.4.7",), ("a.more", "a.next"), "no change"),
        Problem("lang", "html-lang", (), (), "no lang on <html>"),
    ]
    return findings_from(url, DARK, problems, AXE_RAW)


def report(known: set[tuple[str, str, str, str]] | None = None) -> Report:
    results = [
        TaskResult(URL, DARK, "dark", CELL_CHECKS, findings(), None, AXE_RAW),
        TaskResult(
            PAGE,
            DARK,
            "dark",
            CELL_CHECKS,
            [Finding(PAGE, DARK, "page", "page-load", (), "", "could not load: HTTP 503")],
            "could not load: HTTP 503",
        ),
    ]
    return Report(results, baseline.diff(results, known or set()), planned=3)


def rendered(r: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif.render(r))
    return data


def test_the_log_is_valid_sarif_2_1_0() -> None:
    data = rendered(report())
    VALIDATOR.validate(data)
    assert data["version"] == "2.1.0" and data["$schema"] == SCHEMA["id"]
    VALIDATOR.validate(rendered(Report([], baseline.diff([], set()), planned=0)))  # nothing run


def test_the_schema_check_can_fail() -> None:
    """The vendored schema really constrains: a broken log is rejected."""
    data = rendered(report())
    for breaks in (
        lambda d: d.pop("version"),
        lambda d: d["runs"][0]["results"][0].update(level="fatal"),
        lambda d: d["runs"][0]["results"][0]["locations"][0].update(physicalLocation=[]),
        lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
    ):
        broken = copy.deepcopy(data)
        breaks(broken)
        assert not VALIDATOR.is_valid(broken)


def test_each_result_has_its_rule_wcag_criteria_and_page() -> None:
    run = rendered(report())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == [
        "color-contrast",
        "reflow",
        "focus-visible",
        "focus-visible",
        "html-lang",
    ]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        (location,) = r["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "https://news.example/tin-t%E1%BB%A9c/h%E1%BB%99i%20ngh%E1%BB%8B?page=2"
        assert r["level"] == "error" and r["baselineState"] == "new"
    contrast, reflow, *_, lang = results
    assert contrast["properties"]["wcag"] == ["1.4.3"] and contrast["properties"]["tags"] == [
        "wcag2aa"
    ]
    assert "WCAG 1.4.3" in contrast["message"]["text"] and DARK in contrast["message"]["text"]
    assert reflow["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "table.wide", "kind": "element"}
    ]
    assert "logicalLocations" not in lang["locations"][0]  # no element: the page
    assert "best practice" in lang["message"]["text"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["color-contrast"]["helpUri"].endswith("/color-contrast")
    assert by_id["color-contrast"]["shortDescription"]["text"].startswith("Elements must meet")
    assert "WCAG 1.4.3" in by_id["color-contrast"]["properties"]["tags"]
    assert by_id["reflow"]["properties"]["wcag"] == ["1.4.10"]


def test_a_finding_for_review_is_a_review_result_not_an_error() -> None:
    review = Problem("text-contrast", "text-contrast", ("1.4.3",), ("h1",), "on a photo", REVIEW)
    found = [*findings(), *findings_from(URL, DARK, [review], AXE_RAW)]
    results_in = [TaskResult(URL, DARK, "dark", CELL_CHECKS, found, None, AXE_RAW)]
    r = Report(results_in, baseline.diff(results_in, set()), planned=1)
    data = rendered(r)
    VALIDATOR.validate(data)
    results = data["runs"][0]["results"]
    kinds = {(r["ruleId"], r["kind"], r["level"]) for r in results}
    assert ("text-contrast", "review", "none") in kinds  # SARIF 3.27.9: not a fail, level none
    assert ("color-contrast", "fail", "error") in kinds


def test_a_page_that_could_not_be_checked_is_a_notification_not_a_result() -> None:
    (invocation,) = rendered(report())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and PAGE in note["message"]["text"]
    assert all(PAGE not in json.dumps(r) for r in rendered(report())["runs"][0]["results"])


def test_known_findings_are_unchanged_and_suppressed_with_a_host_free_fingerprint() -> None:
    known = {baseline.key(f) for f in findings("https://staging.example/tin-tức/hội nghị?page=2")}
    data = rendered(report(known))
    VALIDATOR.validate(data)
    results = data["runs"][0]["results"]
    assert {r["baselineState"] for r in results} == {"unchanged"}
    assert all(r["suppressions"][0]["status"] == "accepted" for r in results)
    # The same finding on another host has the same fingerprint (GitHub matches on it).
    prints = [r["partialFingerprints"][sarif.FINGERPRINT] for r in results]
    moved = Report(
        [
            TaskResult(
                "https://prod.example/tin-tức/hội nghị?page=2",
                DARK,
                "dark",
                CELL_CHECKS,
                findings("https://prod.example/tin-tức/hội nghị?page=2"),
            )
        ],
        baseline.diff([], set()),
        planned=1,
    )
    moved_prints = [
        r["partialFingerprints"][sarif.FINGERPRINT] for r in rendered(moved)["runs"][0]["results"]
    ]
    assert prints == moved_prints and len(set(prints)) == len(prints)


def test_audit_writes_sarif_beside_the_other_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(tasks: list[Task], o: Options, on_result: Callable[[TaskResult], None]) -> Run:
        results = [TaskResult(t.url, t.label, t.variant.theme, CELL_CHECKS) for t in tasks]
        results[-1].findings = findings(tasks[-1].url)
        return Run(results, planned=len(tasks))

    monkeypatch.setattr(audit_main, "run", run)
    p = argparse.ArgumentParser()
    add_arguments(p)
    out = tmp_path / "reports" / "audit.sarif"
    argv = [PAGE, "--themes", "dark", "--sizes", "200", "--viewports", "320x640"]
    opts = from_args(p.parse_args([*argv, "--sarif", str(out)]), {"dark": "AA"}, (100, 200))
    assert audit_main.audit(opts) == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    VALIDATOR.validate(data)
    assert len(data["runs"][0]["results"]) == 5
