"""The ACT harness (e2e/act) without a browser: the examples are read as the ACT tools
read them, an audit report is judged per rule, and the EARL report has the shape
act-rules/act-tools reads."""

from __future__ import annotations

import json
from pathlib import Path

from e2e.act.cases import RULES, Case, all_cases, case_id, rule_cases, rule_file, subset
from e2e.act.judge import CANT_TELL, FAILED, PASSED, earl, judge, pages_from, qualifies, table
from legible_audit.registry import ACT_RULES

ALL = all_cases(tuple(r.id for r in ACT_RULES))


def test_every_example_of_every_vendored_rule_is_read() -> None:
    # Each rule's examples, counted from its Markdown's "#### Passed Example N" headings.
    for rule in ACT_RULES:
        text = rule_file(rule.id).read_text(encoding="utf-8")
        headings = [
            line
            for line in text.splitlines()
            if line.startswith("####") and "Example" in line and "Expectation" not in line
        ]
        got = [c for c in ALL if c.rule == rule.id]
        assert len(got) == len(headings), rule.id
    assert {c.expected for c in ALL} == {"passed", "failed", "inapplicable"}
    # Two examples share a path only when the rule repeats one (b4f0c3's Failed
    # Examples 5 and 6 are the same page); then they expect the same outcome.
    by_path: dict[str, set[str]] = {}
    for c in ALL:
        by_path.setdefault(c.path, set()).add(c.expected)
    assert all(len(outcomes) == 1 for outcomes in by_path.values())
    assert len(ALL) - len(by_path) == 1


def test_a_fragment_gets_the_act_page_around_it_and_a_document_is_kept() -> None:
    cases = rule_cases(rule_file("bf051a"))
    p1 = next(c for c in cases if c.title == "Passed Example 1")
    assert p1.code == '<!DOCTYPE html>\n<html lang="FR"></html>'  # a page: doctype only
    svg = next(c for c in cases if c.language == "svg")
    assert svg.code.startswith("<svg") and svg.path.endswith(".svg")
    spacing = rule_cases(rule_file("24afc2"))[0]
    assert spacing.code.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n\t<title>')
    assert f"<title>{spacing.title}</title>" in spacing.code
    # The id is the ACT one: sha1 of the snippet, whitespace runs collapsed.
    assert case_id("<p>a\n\t b</p> ") == case_id("<p>a b</p>")
    assert p1.source == f"https://act-rules.github.io/testcases/bf051a/{p1.id}.html"


def test_the_subset_takes_the_first_of_each_outcome() -> None:
    picked = subset(ALL, ("b4f0c3",), 2)
    assert [(c.expected, c.title) for c in picked] == [
        (c.expected, c.title)
        for c in ALL
        if c.rule == "b4f0c3" and c.title.split()[-1] in ("1", "2")
    ]
    assert len(picked) == 6
    every = subset(ALL, ("b4f0c3",), 2, every_failed=True)
    failed = [c for c in ALL if c.rule == "b4f0c3" and c.expected == "failed"]
    assert [c for c in every if c.expected == "failed"] == failed and len(failed) > 2
    assert [c for c in every if c.expected != "failed"] == [
        c for c in picked if c.expected != "failed"
    ]


def _report(urls: set[str], findings: list[dict[str, str]], errors: dict[str, str]) -> dict:  # type: ignore[type-arg]
    """An audit's JSON report: every URL got its tasks (an error for some)."""
    return {
        "tasks": [{"url": u, "error": errors.get(u)} for u in sorted(urls)],
        "findings": findings,
    }


def test_examples_are_judged_by_the_rules_procedures() -> None:
    cases = [c for c in ALL if c.rule == "bf051a"]
    url_of = {c: f"http://act.test/{c.path}" for c in cases}
    by_title = {c.title: c for c in cases}

    def found(title: str, check: str, rule: str, outcome: str = "fail") -> dict[str, str]:
        return {
            "url": url_of[by_title[title]],
            "check": check,
            "rule": rule,
            "outcome": outcome,
            "selector": "html",
            "message": "m",
        }

    report = _report(
        set(url_of.values()),
        [
            found("Failed Example 1", "lang", "lang-valid"),
            found("Failed Example 2", "axe", "html-lang-valid"),
            found("Failed Example 3", "lang", "lang-valid", "review"),
            found("Passed Example 1", "axe", "image-alt"),  # another rule: not this one's
            found("Passed Example 2", "lang", "lang-valid"),  # a false positive
        ],
        {url_of[by_title["Inapplicable Example 1"]]: "could not check: no body"},
    )
    judged = judge(cases, pages_from(report), url_of)
    (row,) = judged.rows
    got = {c.title: judged.outcomes[c] for c in cases}
    assert set(got["Failed Example 1"].values()) == {FAILED, PASSED}  # lang failed, axe passed
    assert set(got["Failed Example 3"].values()) == {CANT_TELL, PASSED}
    assert set(got["Passed Example 1"].values()) == {PASSED}
    assert set(got["Inapplicable Example 1"].values()) == {CANT_TELL}
    assert (row.caught, row.examples["failed"]) == (2, 4)
    assert row.false_positives == ["Passed Example 2"]
    assert row.cant_tell == ["Failed Example 3", "Inapplicable Example 1"]
    # A page the audit never reported on cannot be told either.
    silent = judge(cases, {}, url_of).rows[0]
    assert len(silent.cant_tell) == len(cases) and silent.caught == 0
    assert qualifies(judged) == []  # a false positive: not claimable
    assert "| 2 of 4 (50 %) | **1** (P2) |" in table(judged)


def test_the_earl_report_has_act_tools_shape() -> None:
    cases = [c for c in ALL if c.rule == "oj04fd"][:2]
    url_of = {c: f"http://act.test/{c.path}" for c in cases}
    data = json.loads(
        json.dumps(earl(judge(cases, pages_from(_report(set(url_of.values()), [], {})), url_of)))
    )
    assert data["@context"]["@vocab"] == "http://www.w3.org/ns/earl#"
    assert data["@context"]["testRuns"] == "@graph"
    assert data["@type"] == "Assertor" and data["name"] == "legible audit"
    subjects = data["testRuns"]
    assert [s["source"] for s in subjects] == [c.source for c in cases]
    a = subjects[0]["assertions"][0]
    assert a["@type"] == "Assertion" and a["assertedBy"] == "_:assertor"
    assert a["result"] == {"@type": "TestResult", "outcome": "earl:passed"}
    assert {x["test"]["title"] for x in subjects[0]["assertions"]} == {
        "focus/focus-visible",
        "keyboard/focus-visible",
    }
    assert {"@type": "TestRequirement", "title": "WCAG2: 2.4.7"} in a["test"]["isPartOf"]


def test_the_vendored_rules_are_the_registrys_with_their_licence() -> None:
    assert sorted(p.name.rsplit("-", 1)[1][:-3] for p in RULES.glob("*.md")) == sorted(
        r.id for r in ACT_RULES
    )
    source = (RULES.parent / "SOURCE").read_text(encoding="utf-8")
    assert source.startswith("https://github.com/act-rules/act-rules.github.io/tree/")
    refs = {line for c in ALL for line in c.code.split('"') if line.startswith("/test-assets/")}
    missing = [r for r in refs if not (RULES.parent / r.lstrip("/")).exists()]
    assert not missing, f"assets the examples use are not vendored: {missing}"


def test_a_case_is_hashable_for_the_report() -> None:
    c = ALL[0]
    assert {c: 1}[Case(**c.__dict__)] == 1
    assert Path(c.path).parts[:2] == ("testcases", c.rule)
