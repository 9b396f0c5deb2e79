"""The audit's outcomes without a browser: a failing finding fails the run (exit 1), one
that needs review is listed apart and fails only with --fail-on review, passed and
inapplicable checks are counted, and a page that could not be checked is an error,
said once, with exit code 3. Every finding in the JSON carries its check, its WCAG
criteria and the ACT rules it fails."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

import legible_audit.main as audit_main
from legible_audit.findings import (
    INAPPLICABLE,
    PASSED,
    Finding,
    TaskResult,
    check_outcomes,
    findings_from,
)
from legible_audit.options import Options, UsageError, add_arguments, from_args
from legible_audit.problem import ERROR, FAIL, REVIEW, Problem
from legible_audit.registry import CELL, audited
from legible_audit.runner import Run
from legible_audit.tasks import Task

URL = "https://a.example/news/1"
OTHER = "https://a.example/news/2"
DARK = "theme=dark size=200% viewport=320x640"
CHECKS = tuple(c.id for c in audited(CELL))


def opts(tmp_path: Path, *extra: str) -> Options:
    p = argparse.ArgumentParser()
    add_arguments(p)
    argv = [URL, OTHER, "--themes", "dark", "--sizes", "200", "--viewports", "320x640", *extra]
    argv += ["--junit", str(tmp_path / "r.xml"), "--json", str(tmp_path / "r.json")]
    argv += ["--html", str(tmp_path / "r.html")]
    return from_args(p.parse_args(argv), {"dark": "AA"}, (100, 200))


def result(
    url: str,
    problems: list[Problem],
    error: str | None = None,
    applicable: dict[str, bool] | None = None,
    check_errors: list[str] | None = None,
) -> TaskResult:
    found = findings_from(url, DARK, problems)
    r = TaskResult(url, DARK, "dark", CHECKS, found, error)
    r.check_errors = check_errors or []
    errors = {e.split(":", 1)[0]: e for e in r.check_errors}
    r.outcomes = {} if error else check_outcomes(CHECKS, found, applicable or {}, errors)
    return r


FAINT = Problem("text-contrast", "text-contrast", ("1.4.3",), ("p.faint",), "2.1:1")
UNSURE = Problem(
    "text-contrast",
    "text-contrast",
    ("1.4.3",),
    ("p.over-image",),
    "a background image is behind this text: contrast not provable",
    outcome=REVIEW,
)
Runner = Callable[[list[Task], Options, Callable[[TaskResult], None]], Run]


def fake(results: list[TaskResult]) -> Runner:
    def run(tasks: list[Task], o: Options, on_result: Callable[[TaskResult], None]) -> Run:
        for r in results:
            on_result(r)
        # The tasks with no canned result are clean: every planned task comes back.
        rest = [result(t.url, []) for t in tasks]
        return Run([*results, *rest[len(results) :]], planned=len(tasks))

    return run


def json_report(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))


def test_each_check_gets_one_outcome() -> None:
    found = findings_from(
        URL, DARK, [FAINT, UNSURE.__class__(**{**UNSURE.__dict__, "check": "lang"})]
    )
    got = check_outcomes(
        ("text-contrast", "lang", "focus", "reflow", "axe"),
        found,
        {"focus": False},
        {"axe": "axe: could not check: Timeout"},
    )
    assert got == {
        "text-contrast": FAIL,
        "lang": REVIEW,
        "focus": INAPPLICABLE,
        "reflow": PASSED,
        "axe": ERROR,
    }


def test_review_is_listed_apart_and_never_fails_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(audit_main, "run", fake([result(URL, [UNSURE])]))
    assert audit_main.audit(opts(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "review: " + URL in out and "new: " not in out
    assert "0 new failing, 1 to review" in out
    data = json_report(tmp_path)
    assert data["summary"]["failing"] == 0 and data["summary"]["review"] == 1
    (f,) = data["findings"]
    assert (f["outcome"], f["fails_run"], f["act"]) == (REVIEW, False, [])
    # JUnit: not a failure, but said in the check's output.
    root = ET.parse(tmp_path / "r.xml").getroot()  # noqa: S314 (our own output)
    assert root.get("failures") == "0"
    case = next(c for c in root.iter("testcase") if c.get("name") == "text-contrast")
    assert "needs review:" in (case.findtext("system-out") or "")
    # --fail-on review: the same run fails.
    assert audit_main.audit(opts(tmp_path, "--fail-on", "review")) == 1
    assert json_report(tmp_path)["findings"][0]["fails_run"] is True


def test_a_failing_finding_carries_its_check_criteria_and_act_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_main, "run", fake([result(URL, [FAINT, UNSURE])]))
    assert audit_main.audit(opts(tmp_path)) == 1
    data = json_report(tmp_path)
    failing = [f for f in data["findings"] if f["fails_run"]]
    assert [(f["check"], f["rule"], f["criteria"], f["act"]) for f in failing] == [
        ("text-contrast", "text-contrast", ["1.4.3"], ["afw4f7", "09o5cg"])
    ]
    checks = {c["id"]: c for c in data["checks"]}
    assert {a["id"] for a in checks["text-contrast"]["act"]} == {"afw4f7", "09o5cg"}
    assert checks["lang"]["criteria"] == ["3.1.1", "3.1.2"]
    counts = data["summary"]["checks"]
    # 4 tasks (2 pages x 1 variant, plus nothing else planned as cells) of len(CHECKS).
    assert counts[FAIL] == 1 and counts[REVIEW] == 0  # text-contrast failed: not "review"
    assert sum(counts.values()) == len(CHECKS) * len(data["tasks"])


def test_passed_and_inapplicable_are_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_controls = {"focus": False, "target-size": False, "non-text-contrast": False}
    monkeypatch.setattr(audit_main, "run", fake([result(URL, [], applicable=no_controls)]))
    assert audit_main.audit(opts(tmp_path)) == 0
    counts = json_report(tmp_path)["summary"]["checks"]
    assert counts[INAPPLICABLE] == 3
    assert counts[PASSED] == len(CHECKS) * len(json_report(tmp_path)["tasks"]) - 3
    assert f"3 {INAPPLICABLE}" in capsys.readouterr().out
    root = ET.parse(tmp_path / "r.xml").getroot()  # noqa: S314 (our own output)
    skipped = [c.get("name") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert sorted(skipped) == sorted(no_controls)


def test_a_page_that_could_not_be_checked_is_an_error_said_once_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    down = "could not load: HTTP 503"
    results = [
        result(URL, [], error=down),
        result(URL, [], error=f"not checked: {down}"),  # its other tasks
        result(OTHER, [], check_errors=["reflow: could not check: Timeout 30000ms exceeded"]),
        result(OTHER, [], check_errors=["reflow: could not check: Timeout 30000ms exceeded"]),
    ]
    monkeypatch.setattr(audit_main, "run", fake(results))
    assert audit_main.audit(opts(tmp_path)) == audit_main.NOT_CHECKED == 3
    captured = capsys.readouterr()
    said = [line for line in captured.err.splitlines() if line.startswith("legible audit: http")]
    assert len(said) == 2, said  # the page once, the broken check once
    assert said[0].endswith(down) and "reflow: could not check" in said[1]
    data = json_report(tmp_path)
    assert data["findings"] == []  # an error is not a finding
    assert {e["url"] for e in data["errors"]} == {URL, OTHER}
    assert data["summary"]["pages_failed"] == 2
    root = ET.parse(tmp_path / "r.xml").getroot()  # noqa: S314 (our own output)
    assert root.get("failures") == "0" and int(root.get("errors") or 0) == 3
    # Failing findings elsewhere are still the run's verdict: exit 1, the error said.
    results.append(result(OTHER, [FAINT]))
    monkeypatch.setattr(audit_main, "run", fake(results))
    assert audit_main.audit(opts(tmp_path)) == 1
    assert "2 page(s) could not be checked" in capsys.readouterr().out


def test_a_check_that_says_error_is_not_a_finding() -> None:
    broken = Problem("lang", "lang-valid", (), ("html",), "no document.body", outcome=ERROR)
    assert findings_from(URL, DARK, [broken, FAINT]) == findings_from(URL, DARK, [FAINT])


def test_checks_option_picks_from_the_registry(tmp_path: Path) -> None:
    assert opts(tmp_path).checks is None
    assert opts(tmp_path, "--checks", "axe,lang").checks == ("axe", "lang")
    with pytest.raises(UsageError, match=r"--checks: unknown \['colour'\]"):
        opts(tmp_path, "--checks", "axe,colour")
    with pytest.raises(UsageError, match="--checks: unknown"):
        opts(tmp_path, "--checks", "font-scale")  # the e2e suite's own: not the audit's
    assert [c.id for c in audited(CELL, ("lang", "axe"))] == ["axe", "lang"]  # registry order


def test_a_finding_of_axes_incomplete_needs_review() -> None:
    from legible_audit.tasks import _axe_incomplete, _review_incomplete

    raw = {
        "violations": [],
        "incomplete": [
            {
                "id": "color-contrast",
                "tags": ["wcag2aa", "wcag143"],
                "help": "Elements must meet minimum color contrast ratio thresholds",
                "nodes": [{"target": ["p.over-image"]}],
            }
        ],
    }
    # axe.py made it a failure: the runner makes it a review, as axe meant.
    said = [Problem("axe", "color-contrast", ("1.4.3",), ("p.over-image",), "incomplete")]
    found = _review_incomplete(findings_from(URL, DARK, said + _axe_incomplete(raw, said), raw))
    assert [(f.rule, f.outcome) for f in found] == [("color-contrast", REVIEW)]
    # Left to the runner alone, it is one review finding too.
    found = _review_incomplete(findings_from(URL, DARK, _axe_incomplete(raw, []), raw))
    assert [(f.rule, f.selector, f.outcome) for f in found] == [
        ("color-contrast", "p.over-image", REVIEW)
    ]
    assert found[0].criteria == ("1.4.3", "wcag2aa")


def test_finding_json_has_the_act_rules_only_when_it_fails() -> None:
    (fail,) = findings_from(URL, DARK, [FAINT])
    review = Finding(**{**fail.__dict__, "outcome": REVIEW})
    assert fail.to_json()["act"] == ["afw4f7", "09o5cg"] and review.to_json()["act"] == []
